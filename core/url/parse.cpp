// Written here from the URL Standard's text, for the two special schemes greenfetch fetches:
// Debian 12 packages no WHATWG URL parser (no ada, no other), and libcurl's URL API follows
// RFC 3986 instead (backslashes kept, "http:foo" refused, hosts kept percent-encoded). The
// state machine of the Standard is written as one function per group of states; the comments
// name the states.
#include "core/url/parse.hpp"

#include "core/base/ascii.hpp"
#include "core/base/utf8.hpp"
#include "core/url/host.hpp"

#include <cstdint>

namespace greenfetch {

namespace {

// The Standard's percent-encode sets, each a superset of the one before.
enum class EncodeSet { fragment, query, special_query, path, userinfo };

bool in_c0_control_set(unsigned char c) {
  return c < 0x20 || c > 0x7E;
}

bool in_set(unsigned char c, EncodeSet set) {
  if (in_c0_control_set(c)) {
    return true;
  }
  switch (set) {
    case EncodeSet::fragment:
      return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
    case EncodeSet::query:
      return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
    case EncodeSet::special_query:
      return in_set(c, EncodeSet::query) || c == '\'';
    case EncodeSet::path:
      return in_set(c, EncodeSet::query) || c == '?' || c == '^' || c == '`' || c == '{' ||
             c == '}';
    case EncodeSet::userinfo:
      return in_set(c, EncodeSet::path) || c == '/' || c == ':' || c == ';' || c == '=' ||
             c == '@' || (c >= '[' && c <= ']') || c == '|';
  }
  return false;
}

// Input is valid UTF-8, so encoding byte by byte is encoding the code point's UTF-8 bytes.
void append_encoded(std::string& out, std::string_view s, EncodeSet set) {
  constexpr char k_hex[] = "0123456789ABCDEF";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (in_set(c, set)) {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0xF];
    } else {
      out += ch;
    }
  }
}

bool is_slash(char c) {
  return c == '/' || c == '\\';  // for special schemes a backslash is a slash
}

bool is_single_dot(std::string_view s) {
  return s == "." || iequals(s, "%2e");
}

bool is_double_dot(std::string_view s) {
  return s == ".." || iequals(s, ".%2e") || iequals(s, "%2e.") || iequals(s, "%2e%2e");
}

// The Standard's preprocessing: no leading or trailing C0 control or space, no tab or newline
// anywhere, and ill-formed UTF-8 repaired.
std::string preprocess(std::string_view input) {
  while (!input.empty() && static_cast<unsigned char>(input.front()) <= 0x20) {
    input.remove_prefix(1);
  }
  while (!input.empty() && static_cast<unsigned char>(input.back()) <= 0x20) {
    input.remove_suffix(1);
  }
  std::string out;
  out.reserve(input.size());
  for (const char c : input) {
    if (c != '\t' && c != '\n' && c != '\r') {
      out += c;
    }
  }
  return utf8_repair(out);
}

int default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

class Parser {
 public:
  Parser(std::string s, const Url* base) : m_s(std::move(s)), m_base(base) {}

  UrlParseResult run() {
    UrlParseResult result;
    result.status = parse();
    if (result.status == UrlParseStatus::ok) {
      result.url = std::move(m_url);
    }
    return result;
  }

 private:
  std::string m_s;
  const Url* m_base;
  Url m_url;

  bool at_end(std::size_t i) const { return i >= m_s.size(); }

  // Scheme start and scheme states, then where the Standard goes from there.
  UrlParseStatus parse() {
    std::size_t i = 0;
    if (!m_s.empty() && is_ascii_alpha(static_cast<unsigned char>(m_s[0]))) {
      i = 1;
      while (i < m_s.size()) {
        const auto c = static_cast<unsigned char>(m_s[i]);
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') {
          break;
        }
        ++i;
      }
      if (i < m_s.size() && m_s[i] == ':') {
        std::string scheme = ascii_lowercase(std::string_view(m_s).substr(0, i));
        if (scheme != "http" && scheme != "https") {
          return UrlParseStatus::other_scheme;
        }
        m_url.scheme = std::move(scheme);
        const std::size_t rest = i + 1;
        if (m_base != nullptr && m_base->scheme == m_url.scheme) {
          // Special relative or authority state: "http:foo" is relative to an http base,
          // unless it goes on with "//".
          if (rest + 1 < m_s.size() && m_s[rest] == '/' && m_s[rest + 1] == '/') {
            return authority(rest + 2);
          }
          return relative(rest);
        }
        // Special authority slashes and ignore slashes states: any run of '/' and '\'
        // (none at all included) comes before the authority.
        return authority(rest);
      }
    }
    // No scheme state: a relative reference needs a base (which is always http(s) here, so
    // never one with an opaque path).
    if (m_base == nullptr) {
      return UrlParseStatus::failure;
    }
    m_url.scheme = m_base->scheme;
    return relative(0);
  }

  // Relative state and relative slash state.
  UrlParseStatus relative(std::size_t i) {
    if (!at_end(i) && is_slash(m_s[i])) {
      if (!at_end(i + 1) && is_slash(m_s[i + 1])) {
        return authority(i + 2);
      }
      copy_authority_from_base();
      m_url.path.clear();
      return path(i + 1);
    }
    copy_authority_from_base();
    m_url.path = m_base->path;
    m_url.query = m_base->query;
    if (at_end(i)) {
      return UrlParseStatus::ok;
    }
    if (m_s[i] == '?') {
      return query(i + 1);
    }
    if (m_s[i] == '#') {
      return fragment(i + 1);
    }
    m_url.query.reset();
    shorten_path();
    return path(i);
  }

  void copy_authority_from_base() {
    m_url.username = m_base->username;
    m_url.password = m_base->password;
    m_url.host = m_base->host;
    m_url.port = m_base->port;
  }

  // Special authority ignore slashes, authority, host and port states.
  UrlParseStatus authority(std::size_t i) {
    while (!at_end(i) && is_slash(m_s[i])) {
      ++i;
    }
    std::size_t end = i;
    while (!at_end(end) && !is_slash(m_s[end]) && m_s[end] != '?' && m_s[end] != '#') {
      ++end;
    }
    std::string_view auth = std::string_view(m_s).substr(i, end - i);
    // Everything before the last '@' is credentials; the first ':' in them ends the username.
    const std::size_t at = auth.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view credentials = auth.substr(0, at);
      const std::size_t colon = credentials.find(':');
      append_encoded(m_url.username, credentials.substr(0, colon), EncodeSet::userinfo);
      if (colon != std::string_view::npos) {
        append_encoded(m_url.password, credentials.substr(colon + 1), EncodeSet::userinfo);
      }
      auth.remove_prefix(at + 1);
    }
    // Host state: a ':' outside brackets starts the port.
    bool in_brackets = false;
    std::size_t colon = std::string_view::npos;
    for (std::size_t k = 0; k < auth.size(); ++k) {
      if (auth[k] == '[') {
        in_brackets = true;
      } else if (auth[k] == ']') {
        in_brackets = false;
      } else if (auth[k] == ':' && !in_brackets) {
        colon = k;
        break;
      }
    }
    const std::string_view host_text = auth.substr(0, colon);
    if (host_text.empty()) {
      return UrlParseStatus::failure;
    }
    std::optional<std::string> host = parse_host(host_text);
    if (!host) {
      return UrlParseStatus::failure;
    }
    m_url.host = std::move(*host);
    if (colon != std::string_view::npos) {
      // Port state: digits only, at most 65535; empty means none.
      const std::string_view digits = auth.substr(colon + 1);
      std::uint32_t port = 0;
      for (const char c : digits) {
        if (!is_ascii_digit(static_cast<unsigned char>(c))) {
          return UrlParseStatus::failure;
        }
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
        if (port > 65535) {
          return UrlParseStatus::failure;
        }
      }
      if (!digits.empty() && static_cast<int>(port) != default_port(m_url.scheme)) {
        m_url.port = static_cast<int>(port);
      }
    }
    // Path start state: one slash (or backslash) is the path's own.
    m_url.path.clear();
    if (!at_end(end) && is_slash(m_s[end])) {
      ++end;
    }
    return path(end);
  }

  void shorten_path() {
    const std::size_t slash = m_url.path.rfind('/');
    if (slash != std::string::npos) {
      m_url.path.erase(slash);
    }
  }

  // Path state: segments end at '/' or '\'; "." and ".." (also written "%2e") are applied.
  UrlParseStatus path(std::size_t i) {
    std::size_t start = i;
    while (true) {
      const bool end = at_end(i);
      const char c = end ? '\0' : m_s[i];
      if (end || is_slash(c) || c == '?' || c == '#') {
        const std::string_view segment = std::string_view(m_s).substr(start, i - start);
        const bool slash = !end && is_slash(c);
        if (is_double_dot(segment)) {
          shorten_path();
          if (!slash) {
            m_url.path += '/';
          }
        } else if (is_single_dot(segment)) {
          if (!slash) {
            m_url.path += '/';
          }
        } else {
          m_url.path += '/';
          append_encoded(m_url.path, segment, EncodeSet::path);
        }
        if (end) {
          return UrlParseStatus::ok;
        }
        if (c == '?') {
          return query(i + 1);
        }
        if (c == '#') {
          return fragment(i + 1);
        }
        start = i + 1;
      }
      ++i;
    }
  }

  // Query state (the page's encoding is taken as UTF-8) and fragment state.
  UrlParseStatus query(std::size_t i) {
    const std::size_t hash = m_s.find('#', i);
    std::string q;
    append_encoded(
        q,
        std::string_view(m_s).substr(i, hash == std::string::npos ? std::string::npos : hash - i),
        EncodeSet::special_query);
    m_url.query = std::move(q);
    if (hash != std::string::npos) {
      return fragment(hash + 1);
    }
    return UrlParseStatus::ok;
  }

  UrlParseStatus fragment(std::size_t i) {
    std::string f;
    append_encoded(f, std::string_view(m_s).substr(i), EncodeSet::fragment);
    m_url.fragment = std::move(f);
    return UrlParseStatus::ok;
  }
};

}  // namespace

std::string Url::href(bool with_fragment) const {
  std::string out = scheme;
  out += "://";
  if (!username.empty() || !password.empty()) {
    out += username;
    if (!password.empty()) {
      out += ':';
      out += password;
    }
    out += '@';
  }
  out += host;
  if (port >= 0) {
    out += ':';
    out += std::to_string(port);
  }
  out += path;
  if (query) {
    out += '?';
    out += *query;
  }
  if (with_fragment && fragment) {
    out += '#';
    out += *fragment;
  }
  return out;
}

UrlParseResult parse_url(std::string_view input, const Url* base) {
  return Parser(preprocess(input), base).run();
}

}  // namespace greenfetch
