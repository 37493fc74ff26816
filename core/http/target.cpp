#include "core/http/target.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "core/base/ascii.hpp"
#include "core/http/curl_handles.hpp"

namespace greenfetch {

// The common case without libcurl's URL API: "http(s)://" + a plain host name or IPv4
// address + an optional port + printable ASCII. A CURLU round trip costs ~16k instructions
// per URL (an eighth of fetch mode's CPU); anything less plain (user info, IPv6, percent
// signs, spaces, upper-case schemes, ...) returns false and goes through CURLU.
bool parse_plain_target(const std::string& url, std::string& scheme, std::string& host,
                        long& port) {
  std::size_t start = 0;
  if (url.starts_with("http://")) {
    scheme = "http";
    start = 7;
    port = 80;
  } else if (url.starts_with("https://")) {
    scheme = "https";
    start = 8;
    port = 443;
  } else {
    return false;
  }
  std::size_t end = url.find_first_of("/?#", start);
  if (end == std::string::npos) {
    end = url.size();
  }
  std::size_t colon = url.find(':', start);
  std::size_t host_end = colon < end ? colon : end;
  if (host_end == start || host_end - start > 253) {
    return false;
  }
  for (std::size_t i = start; i < host_end; ++i) {
    char c = url[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) {
      return false;  // upper case, '_', '@', '[', '%': let CURLU decide
    }
  }
  if (colon < end) {
    if (end - colon < 2 || end - colon > 6) {
      return false;
    }
    long p = 0;
    for (std::size_t i = colon + 1; i < end; ++i) {
      if (url[i] < '0' || url[i] > '9') {
        return false;
      }
      p = p * 10 + (url[i] - '0');
    }
    if (p == 0 || p > 65535) {
      return false;
    }
    port = p;
  }
  for (std::size_t i = end; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f || c == '\\') {
      return false;
    }
  }
  host.assign(url, start, host_end - start);
  return true;
}

// Splits an http(s) URL into host and port with libcurl's URL API (and gives back the URL
// as libcurl normalised it). Returns an error message, or an empty string on success.
std::string parse_target(const std::string& url, std::string& normalized, std::string& scheme_out,
                         std::string& host, long& port, long default_port) {
  CurlUrl u(curl_url());
  if (!u) {
    throw std::bad_alloc();
  }
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_DEFAULT_SCHEME);
  if (rc != CURLUE_OK) {
    return std::string("malformed URL: ") + curl_url_strerror(rc);
  }
  char* part = nullptr;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &part, 0) != CURLUE_OK) {
    return "malformed URL: no scheme";
  }
  CurlString scheme(part);
  scheme_out.assign(scheme.get());
  if (default_port == 0 && scheme_out != "http" && scheme_out != "https") {
    return "unsupported scheme '" + scheme_out + "'";
  }
  if (curl_url_get(u.get(), CURLUPART_HOST, &part, 0) != CURLUE_OK) {
    return "malformed URL: no host";
  }
  host.assign(CurlString(part).get());
  if (curl_url_get(u.get(), CURLUPART_PORT, &part, default_port != 0 ? 0 : CURLU_DEFAULT_PORT) ==
      CURLUE_OK) {
    port = std::strtol(CurlString(part).get(), nullptr, 10);
  } else if (default_port != 0) {
    port = default_port;
  } else {
    return "malformed URL: no port";
  }
  if (curl_url_get(u.get(), CURLUPART_URL, &part, 0) != CURLUE_OK) {
    return "malformed URL";
  }
  normalized.assign(CurlString(part).get());
  return {};
}

// Whether a Location value names its own authority ("scheme:..." or "//host..."), so that
// libcurl's resolution of it owes nothing to the address a coalesced hop connected to.
bool names_authority(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  if (v.starts_with("//")) {
    return true;
  }
  // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c == ':') {
      return i > 0;
    }
    if (!(is_ascii_alpha(c) ||
          (i > 0 && (is_ascii_digit(c) || c == '+' || c == '-' || c == '.')))) {
      return false;
    }
  }
  return false;
}

// A hop's name is plain enough to move from the URL to a Host header as is.
bool plain_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '.' || c == '-' || c == '_';
  });
}

// A header line of the user's about Host: "Host: value", "Host:" (drop it) or "Host;" (send
// it empty), in curl's -H syntax.
bool is_host_header(std::string_view h) {
  return h.size() >= 5 && iequals(h.substr(0, 4), "Host") && (h[4] == ':' || h[4] == ';');
}

bool has_host_header(const curl_slist* list) {
  for (; list != nullptr; list = list->next) {
    if (is_host_header(list->data)) {
      return true;
    }
  }
  return false;
}

}  // namespace greenfetch
