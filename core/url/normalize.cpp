#include "core/url/normalize.hpp"

#include "core/base/ascii.hpp"

#include <re2/re2.h>

namespace greenfetch {

namespace {

bool is_unreserved(unsigned char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_escape_at(std::string_view s, std::size_t i) {
  return i + 2 < s.size() && s[i] == '%' && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0;
}

// Normalization 3: escapes of unreserved characters decoded, the others in upper-case hex.
// Nothing else changes: the Standard's serialization already encoded what it encodes. A
// component with a '%' that starts no escape is left as it is: decoding next to it could make
// a new escape ("%3%31" would become "%31"), so the normal form would not be stable.
void append_normal_escapes(std::string& out, std::string_view s) {
  constexpr char k_hex[] = "0123456789ABCDEF";
  for (std::size_t i = s.find('%'); i != std::string_view::npos; i = s.find('%', i + 1)) {
    if (!is_escape_at(s, i)) {
      out += s;
      return;
    }
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_escape_at(s, i)) {
      const auto octet = static_cast<unsigned char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      if (is_unreserved(octet)) {
        out += static_cast<char>(octet);
      } else {
        out += '%';
        out += k_hex[octet >> 4];
        out += k_hex[octet & 0xF];
      }
      i += 2;
    } else {
      out += s[i];
    }
  }
}

std::string filter_query(std::string_view query, const re2::RE2& drop) {
  std::string out;
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    const std::string_view name = param.substr(0, param.find('='));
    // Empty parameters ("a=1&&b=2") carry nothing, so they go too.
    if (!param.empty() && !re2::RE2::FullMatch(name, drop)) {
      if (!out.empty()) {
        out += '&';
      }
      out += param;
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

std::string normalize(const Url& url, const NormalizeOptions& options) {
  std::string out = url.scheme;
  out += "://";
  if (!url.username.empty() || !url.password.empty()) {
    append_normal_escapes(out, url.username);
    if (!url.password.empty()) {
      out += ':';
      append_normal_escapes(out, url.password);
    }
    out += '@';
  }
  out += url.host;
  if (url.port >= 0) {
    out += ':';
    out += std::to_string(url.port);
  }
  append_normal_escapes(out, url.path);
  if (url.query && !options.strip_query) {
    std::string query;
    append_normal_escapes(query, *url.query);
    if (options.drop_params != nullptr) {
      query = filter_query(query, *options.drop_params);
    }
    if (!query.empty()) {
      out += '?';
      out += query;
    }
  }
  return out;
}

ResolvedUrl normalize_checked(std::string_view url, const NormalizeOptions& options) {
  UrlParseResult parsed = parse_url(url);
  ResolvedUrl out;
  out.status = parsed.status;
  if (parsed.status == UrlParseStatus::ok) {
    out.url = normalize(parsed.url, options);
  }
  return out;
}

ResolvedUrl resolve_checked(const Url& base, std::string_view link,
                            const NormalizeOptions& options) {
  UrlParseResult parsed = parse_url(link, &base);
  ResolvedUrl out;
  out.status = parsed.status;
  if (parsed.status == UrlParseStatus::ok) {
    out.url = normalize(parsed.url, options);
  }
  return out;
}

ResolvedUrl parse_input_url(std::string_view input) {
  std::string_view s = input;
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= 0x20) {
    s.remove_prefix(1);
  }
  std::size_t i = 0;
  while (i < s.size() && (is_ascii_alpha(static_cast<unsigned char>(s[i])) ||
                          (i > 0 && (is_ascii_digit(static_cast<unsigned char>(s[i])) ||
                                     s[i] == '+' || s[i] == '-' || s[i] == '.')))) {
    ++i;
  }
  const std::string_view scheme = s.substr(0, i);
  const bool has_scheme =
      i > 0 && i < s.size() && s[i] == ':' &&
      (s.substr(i).starts_with("://") || iequals(scheme, "http") || iequals(scheme, "https"));
  UrlParseResult parsed = parse_url(has_scheme ? std::string(s) : "http://" + std::string(s));
  ResolvedUrl out;
  out.status = parsed.status;
  if (parsed.status == UrlParseStatus::ok) {
    out.url = parsed.url.href(false);
  }
  return out;
}

ResolvedUrl resolve_location(std::string_view from, std::string_view location,
                             const NormalizeOptions* options) {
  const UrlParseResult base = parse_url(from);
  if (base.status != UrlParseStatus::ok) {
    return {};
  }
  UrlParseResult parsed = parse_url(location, &base.url);
  ResolvedUrl out;
  out.status = parsed.status;
  if (parsed.status == UrlParseStatus::ok) {
    out.url = options != nullptr ? normalize(parsed.url, *options) : parsed.url.href(false);
  }
  return out;
}

std::optional<std::string> normalize_url(std::string_view url, const NormalizeOptions& options) {
  ResolvedUrl r = normalize_checked(url, options);
  if (r.status != UrlParseStatus::ok) {
    return std::nullopt;
  }
  return std::move(r.url);
}

std::optional<std::string> resolve_link(std::string_view base, std::string_view link,
                                        const NormalizeOptions& options) {
  const UrlParseResult parsed_base = parse_url(base);
  if (parsed_base.status != UrlParseStatus::ok) {
    return std::nullopt;
  }
  ResolvedUrl r = resolve_checked(parsed_base.url, link, options);
  if (r.status != UrlParseStatus::ok) {
    return std::nullopt;
  }
  return std::move(r.url);
}

}  // namespace greenfetch
