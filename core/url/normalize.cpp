// URL normalization on top of libcurl's URL API (curl_url_set / curl_url_get).
//
// libcurl does the parsing, relative resolution, IPv4 normalization ("http://0x7f.1/" becomes
// 127.0.0.1), port validation and punycode conversion. What it leaves alone is done here: it keeps
// percent-escapes as written ("%7e", "%41"), keeps raw bytes it tolerates (non-ASCII, '"', '<'),
// does not lower-case the host, and keeps the port even when it is the default one. The path and
// query are therefore re-encoded by hand after libcurl has parsed them, and dot segments are
// removed a second time because decoding "%2E" can create new ones.
#include "core/url/normalize.hpp"
#include "core/base/ascii.hpp"

#include "core/http/curl_handles.hpp"

#include <curl/curl.h>
#include <locale.h>
#include <re2/re2.h>

#include <cstddef>
#include <new>
#include <vector>

namespace greenfetch {

namespace {

constexpr char k_hex_digits[] = "0123456789ABCDEF";

// Where a character may appear unencoded (RFC 3986 section 3).
enum class Component { userinfo, path, query };

bool is_unreserved(unsigned char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_sub_delim(unsigned char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

bool allowed_raw(unsigned char c, Component component) {
  if (is_unreserved(c) || is_sub_delim(c)) {
    return true;
  }
  switch (component) {
    case Component::userinfo:
      // ':' separates user and password, so inside either it is kept encoded.
      return false;
    case Component::path:
      return c == ':' || c == '@' || c == '/';
    case Component::query:
      return c == ':' || c == '@' || c == '/' || c == '?';
  }
  return false;
}

void append_escaped(std::string& out, unsigned char c) {
  out += '%';
  out += k_hex_digits[c >> 4];
  out += k_hex_digits[c & 0x0F];
}

// One canonical spelling per octet: unreserved characters raw, escapes in upper-case hex, anything
// else that may not stand raw in this component escaped. An existing "%XX" is one octet, so it is
// never escaped again; a '%' that starts no valid escape is itself escaped.
std::string normalize_percent(std::string_view s, Component component) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      const auto octet = static_cast<unsigned char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      if (is_unreserved(octet)) {
        out += static_cast<char>(octet);
      } else {
        append_escaped(out, octet);
      }
      i += 2;
    } else if (allowed_raw(c, component)) {
      out += static_cast<char>(c);
    } else {
      append_escaped(out, c);
    }
  }
  return out;
}

// RFC 3986 section 5.2.4 for an absolute path (it always starts with '/').
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  std::string_view rest = path.substr(1);
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (segment == ".") {
      trailing_slash = last;
    } else if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
      trailing_slash = last;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    if (last) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    out += segments[i];
    if (i + 1 < segments.size()) {
      out += '/';
    }
  }
  if (trailing_slash && out.back() != '/') {
    out += '/';
  }
  return out;
}

// WHATWG URL: leading and trailing C0 controls and spaces are not part of the URL.
bool is_trimmed(unsigned char c) {
  return c <= 0x20;
}

// Prepares a URL or link as found in HTML for libcurl, which rejects raw spaces and controls:
// trims, drops tabs and newlines (browsers ignore them, so "java\nscript:" is still javascript:),
// and escapes the remaining spaces and controls. Escaping is harmless in the host: libcurl decodes
// it there and then refuses the host, which is the right answer.
std::string clean_input(std::string_view s) {
  while (!s.empty() && is_trimmed(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_trimmed(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    if (c <= 0x20 || c == 0x7F) {
      append_escaped(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

// The scheme of an absolute URL reference (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
// followed by ':'), or empty for a relative reference.
std::string_view scheme_of(std::string_view s) {
  if (s.empty() || !is_ascii_alpha(static_cast<unsigned char>(s[0]))) {
    return {};
  }
  for (std::size_t i = 1; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ':') {
      return s.substr(0, i);
    }
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') {
      return {};
    }
  }
  return {};
}

bool is_http_scheme(std::string_view scheme) {
  return iequals(scheme, "http") || iequals(scheme, "https");
}

CurlUrl make_url_handle() {
  CurlUrl handle(curl_url());
  if (!handle) {
    throw std::bad_alloc();
  }
  return handle;
}

// The part, or nullopt if the URL has none (or libcurl cannot produce it).
std::optional<std::string> get_part(const CurlUrl& handle, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  const CURLUcode rc = curl_url_get(handle.get(), part, &raw, flags);
  CurlString owned(raw);
  if (rc != CURLUE_OK || !owned) {
    return std::nullopt;
  }
  return std::string(owned.get());
}

bool is_ascii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

// libcurl 7.88 converts IDN host names with libidn2's idn2_lookup_ul(), which reads the name in
// the encoding of the current LC_CTYPE locale. greenfetch never calls setlocale(), so under the
// default "C" locale every non-ASCII host would fail. The calling thread switches to a UTF-8
// LC_CTYPE for the duration of the call only (uselocale is per thread and nothing else runs on
// this thread meanwhile, fibers included). The locale object lives as long as the process.
locale_t utf8_ctype_locale() {
  static const locale_t k_locale = [] {
    locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (loc == static_cast<locale_t>(nullptr)) {
      loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", static_cast<locale_t>(nullptr));
    }
    return loc;
  }();
  return k_locale;
}

std::optional<std::string> punycode_host(const CurlUrl& handle) {
  const locale_t utf8 = utf8_ctype_locale();
  if (utf8 == static_cast<locale_t>(nullptr)) {
    return get_part(handle, CURLUPART_HOST, CURLU_PUNYCODE);
  }
  const locale_t previous = uselocale(utf8);
  std::optional<std::string> host = get_part(handle, CURLUPART_HOST, CURLU_PUNYCODE);
  uselocale(previous);
  return host;
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

// Builds the normal form from a handle holding a parsed absolute URL.
std::optional<std::string> assemble(const CurlUrl& handle, const NormalizeOptions& options) {
  // libcurl lower-cases the scheme itself.
  const std::optional<std::string> scheme = get_part(handle, CURLUPART_SCHEME);
  if (!scheme || !is_http_scheme(*scheme)) {
    return std::nullopt;
  }
  std::optional<std::string> host = get_part(handle, CURLUPART_HOST);
  if (!host || host->empty()) {
    return std::nullopt;
  }
  if (!is_ascii(*host)) {
    host = punycode_host(handle);
    if (!host || !is_ascii(*host)) {
      return std::nullopt;
    }
  }
  for (char& c : *host) {
    c = ascii_lower(c);
  }
  if (const std::optional<std::string> zone = get_part(handle, CURLUPART_ZONEID)) {
    // libcurl hands the IPv6 zone back separately ("[fe80::1]" and "eth0"). It accepts any
    // bytes there, which it then refuses when the normal form is parsed again (found by
    // tests/fuzz/normalize_fuzz.cpp): only an interface name or number is a zone.
    if (zone->empty() ||
        zone->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789-._~") != std::string::npos) {
      return std::nullopt;
    }
    if (host->size() >= 2 && host->back() == ']') {
      host->pop_back();
      *host += "%25" + normalize_percent(*zone, Component::userinfo) + "]";
    }
  }

  std::string out = *scheme + "://";
  const std::string user = get_part(handle, CURLUPART_USER).value_or("");
  const std::string password = get_part(handle, CURLUPART_PASSWORD).value_or("");
  if (!user.empty() || !password.empty()) {
    out += normalize_percent(user, Component::userinfo);
    if (!password.empty()) {
      out += ':';
      out += normalize_percent(password, Component::userinfo);
    }
    out += '@';
  }
  out += *host;
  // libcurl validates the port and strips leading zeros; only the default one goes.
  if (const std::optional<std::string> port = get_part(handle, CURLUPART_PORT)) {
    const bool is_default =
        (*scheme == "http" && *port == "80") || (*scheme == "https" && *port == "443");
    if (!is_default) {
      out += ':';
      out += *port;
    }
  }

  const std::string path = get_part(handle, CURLUPART_PATH).value_or("/");
  std::string normal_path = normalize_percent(path, Component::path);
  if (normal_path.empty() || normal_path.front() != '/') {
    normal_path.insert(normal_path.begin(), '/');
  }
  out += remove_dot_segments(normal_path);

  if (!options.strip_query) {
    if (const std::optional<std::string> query = get_part(handle, CURLUPART_QUERY)) {
      std::string normal_query = normalize_percent(*query, Component::query);
      if (options.drop_params != nullptr) {
        normal_query = filter_query(normal_query, *options.drop_params);
      }
      if (!normal_query.empty()) {
        out += '?';
        out += normal_query;
      }
    }
  }
  // The fragment is never sent to the server: it is simply not copied.
  return out;
}

// Parses an absolute http(s) URL (already cleaned) into a new handle.
std::optional<CurlUrl> parse_absolute(const std::string& url) {
  if (!is_http_scheme(scheme_of(url))) {
    return std::nullopt;
  }
  CurlUrl handle = make_url_handle();
  if (curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  return handle;
}

}  // namespace

std::optional<std::string> normalize_url(std::string_view url, const NormalizeOptions& options) {
  const std::optional<CurlUrl> handle = parse_absolute(clean_input(url));
  if (!handle) {
    return std::nullopt;
  }
  return assemble(*handle, options);
}

std::optional<std::string> resolve_link(std::string_view base, std::string_view link,
                                        const NormalizeOptions& options) {
  const std::optional<CurlUrl> handle = parse_absolute(clean_input(base));
  if (!handle) {
    return std::nullopt;
  }
  const std::string cleaned = clean_input(link);
  // An empty link or a bare fragment names the base document itself. libcurl 7.88 resolves both
  // like "./" (dropping the last path segment and the query), so they are answered here.
  if (cleaned.empty() || cleaned.front() == '#') {
    return assemble(*handle, options);
  }
  // Any other scheme makes the link absolute and not ours. Checked here rather than left to
  // libcurl because libcurl would accept ftp:, file:, ... links.
  const std::string_view scheme = scheme_of(cleaned);
  if (!scheme.empty() && !is_http_scheme(scheme)) {
    return std::nullopt;
  }
  // Setting a URL on a handle that already holds one resolves it like a redirect (RFC 3986 5.2).
  if (curl_url_set(handle->get(), CURLUPART_URL, cleaned.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  return assemble(*handle, options);
}

}  // namespace greenfetch
