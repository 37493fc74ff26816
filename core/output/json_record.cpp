#include "core/output/json_record.hpp"

#include "core/base/ascii.hpp"

#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace greenfetch {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view k_replacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// One step of UTF-8 decoding at the start of s (not empty): the length of the well-formed
// sequence there, or of the maximal ill-formed subpart to replace with one U+FFFD.
struct Utf8Step {
  std::size_t length;
  bool valid;
};

Utf8Step utf8_step(std::string_view s) {
  auto byte = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) {
    return {1, true};
  }
  std::size_t length = 0;
  unsigned char low = 0x80;   // allowed range of the second byte (rules out overlong forms,
  unsigned char high = 0xBF;  // surrogates and code points above U+10FFFF)
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) {
      low = 0xA0;
    } else if (lead == 0xED) {
      high = 0x9F;
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) {
      low = 0x90;
    } else if (lead == 0xF4) {
      high = 0x8F;
    }
  } else {
    return {1, false};  // a continuation byte, C0, C1 or F5..FF
  }
  if (s.size() < 2 || byte(1) < low || byte(1) > high) {
    return {1, false};
  }
  for (std::size_t i = 2; i < length; ++i) {
    if (i >= s.size() || byte(i) < 0x80 || byte(i) > 0xBF) {
      return {i, false};
    }
  }
  return {length, true};
}

constexpr char k_hex[] = "0123456789abcdef";

// Seconds rounded to microseconds (curl's resolution): no 0.30000000000000004 from the
// additions over redirect hops.
double json_seconds(double t) {
  if (!std::isfinite(t)) {
    return 0;
  }
  return std::round(t * 1e6) / 1e6;
}

// Header names lower-cased (ASCII only, as HTTP names are) and made valid UTF-8 first, so that
// two names differing only in invalid bytes end up as one key rather than as duplicates.
std::string header_key(std::string_view name) {
  std::string key = to_valid_utf8(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return key;
}

Json null_if_empty(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    Utf8Step step = utf8_step(s.substr(i));
    if (!step.valid) {
      return false;
    }
    i += step.length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    Utf8Step step = utf8_step(s.substr(i));
    if (step.valid) {
      out.append(s.substr(i, step.length));
    } else {
      out.append(k_replacement);
    }
    i += step.length;
  }
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      Utf8Step step = utf8_step(s.substr(i));
      if (step.valid) {
        i += step.length;
        continue;
      }
      out.append(s.substr(run, i - run));
      out.append(k_replacement);
      i += step.length;
      run = i;
      continue;
    }
    out.append(s.substr(run, i - run));
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', k_hex[c >> 4], k_hex[c & 0xF]};
        out.append(escaped, sizeof escaped);
        break;
      }
    }
    ++i;
    run = i;
  }
  out.append(s.substr(run));
  out.push_back('"');
}

// Hand-written on purpose: among the installed libraries, OpenSSL (EVP_EncodeBlock), nettle,
// GnuTLS and NSS have one, but none of them is a dependency of greenfetch_core (libcurl links
// OpenSSL privately), and a new link dependency for twenty lines is not worth it; Boost.Beast's
// encoder is in a detail namespace (no stable API), and Boost.Archive's base64_from_binary
// iterator adds no '=' padding, so callers would pad by hand anyway.
std::string base64_encode(std::string_view data) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  auto byte = [&data](std::size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(data[i]));
  };
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(k_alphabet[(v >> 18) & 0x3F]);
    out.push_back(k_alphabet[(v >> 12) & 0x3F]);
    out.push_back(k_alphabet[(v >> 6) & 0x3F]);
    out.push_back(k_alphabet[v & 0x3F]);
  }
  std::size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = byte(i) << 16;
    out.push_back(k_alphabet[(v >> 18) & 0x3F]);
    out.push_back(k_alphabet[(v >> 12) & 0x3F]);
    out.append("==");
  } else if (rest == 2) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out.push_back(k_alphabet[(v >> 18) & 0x3F]);
    out.push_back(k_alphabet[(v >> 12) & 0x3F]);
    out.push_back(k_alphabet[(v >> 6) & 0x3F]);
    out.push_back('=');
  }
  return out;
}

std::string_view trim_header_value(std::string_view s) {
  return trim(s, " \t\r\n");
}

std::string json_record(const Response& r, const JsonRecordOptions& opts) {
  Json j = Json::object();
  j["url"] = r.url;
  j["line"] = r.line != 0 ? Json(r.line) : Json(nullptr);
  j["url_effective"] = r.effective_url;
  j["status"] = r.http_code != 0 ? Json(r.http_code) : Json(nullptr);
  j["http_version"] = null_if_empty(r.http_version);
  j["remote_ip"] = null_if_empty(r.remote_ip);
  j["remote_port"] = r.remote_port != 0 ? Json(r.remote_port) : Json(nullptr);

  Json headers = Json::object();
  for (const auto& [name, value] : r.headers) {
    std::string key = header_key(name);
    std::string_view v = trim_header_value(value);
    auto it = headers.find(key);
    if (it == headers.end()) {
      headers.emplace(std::move(key), v);
    } else if (it->is_string()) {
      Json first = std::move(*it);
      *it = Json::array({std::move(first), v});
    } else {
      it->push_back(v);
    }
  }
  j["headers"] = std::move(headers);
  j["content_type"] = null_if_empty(r.content_type);

  j["size"] = {
      {"download", r.size_download},
      {"header", r.size_header},
      {"request", r.size_request},
      {"upload", r.size_upload},
  };
  j["time"] = {
      {"dns", json_seconds(r.time.namelookup)},
      {"connect", json_seconds(r.time.connect)},
      {"tls", json_seconds(r.time.appconnect)},
      {"first_byte", json_seconds(r.time.starttransfer)},
      {"redirect", json_seconds(r.time.redirect)},
      {"total", json_seconds(r.time.total)},
  };
  j["redirects"] = r.num_redirects;
  j["retries"] = r.retries;
  if (r.error == Error::none) {
    j["error"] = nullptr;
  } else {
    j["error"] = {{"kind", error_kind(r.error)}, {"message", r.error_message}};
  }

  if (opts.include_body) {
    if (is_valid_utf8(r.body)) {
      j["body"] = r.body;
      j["body_encoding"] = "utf-8";
    } else {
      j["body"] = base64_encode(r.body);
      j["body_encoding"] = "base64";
    }
  }
  if (opts.extra != nullptr) {
    for (const auto& [key, value] : opts.extra->items()) {
      j[key] = value;
    }
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace greenfetch
