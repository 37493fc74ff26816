// Crawl scope checks. URLs arrive normalized (lower-case scheme and host, punycode, no default
// port), so the parts compared here are plain string slices and no URL parser is needed per
// link: in_scope() runs for every link of every page.
#include "core/crawl/scope.hpp"

#include <algorithm>

#include "core/base/ascii.hpp"

#include <libpsl.h>
#include <re2/re2.h>

#include <optional>
#include <stdexcept>
#include <utility>

namespace greenfetch {

namespace {

struct UrlParts {
  std::string_view scheme;
  std::string_view authority;  // host[:port], user info removed
  std::string_view host;
  std::string_view path;  // "/" when the URL has none
};

std::optional<UrlParts> split_url(std::string_view url) {
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = url.substr(0, colon);
  std::string_view rest = url.substr(colon + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  // User info ends at the last '@' of the authority; a password may contain escaped '@' only.
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty()) {
    return std::nullopt;
  }
  parts.authority = authority;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    parts.host = authority.substr(0, close + 1);
  } else {
    parts.host = authority.substr(0, authority.find(':'));
  }
  if (parts.host.empty()) {
    return std::nullopt;
  }
  if (authority_end == std::string_view::npos) {
    parts.path = "/";
  } else {
    std::string_view path = rest.substr(authority_end);
    path = path.substr(0, path.find_first_of("?#"));
    parts.path = path.empty() ? std::string_view("/") : path;
  }
  return parts;
}

bool is_ip_address(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    return true;  // IPv6 literal
  }
  if (host.empty()) {
    return false;
  }
  for (const char c : host) {
    if ((c < '0' || c > '9') && c != '.') {
      return false;
    }
  }
  return true;  // libcurl has already turned every IPv4 form into dotted decimal
}

// The registrable domain ("eTLD+1") of a host, by the Public Suffix List compiled into libpsl.
// IP addresses and localhost have none, and neither has a host that is itself a public suffix
// ("co.uk"): for them the host itself is the domain, so domain scope degrades to host scope.
std::string registrable_domain(std::string_view host_view) {
  std::string host = ascii_lowercase(host_view);
  if (!host.empty() && host.back() == '.') {
    host.pop_back();  // "example.com." is the same name, fully qualified
  }
  if (is_ip_address(host) || host == "localhost") {
    return host;
  }
  const psl_ctx_t* psl = psl_builtin();
  if (psl == nullptr) {
    return host;
  }
  const char* domain = psl_registrable_domain(psl, host.c_str());
  if (domain == nullptr) {
    return host;
  }
  return std::string(domain);
}

std::vector<std::shared_ptr<const re2::RE2>> compile(const std::vector<std::string>& patterns,
                                                     std::string_view what) {
  re2::RE2::Options options;
  // RE2 would print the error to stderr itself; it goes into the exception instead.
  options.set_log_errors(false);
  std::vector<std::shared_ptr<const re2::RE2>> compiled;
  compiled.reserve(patterns.size());
  for (const std::string& pattern : patterns) {
    auto re = std::make_shared<const re2::RE2>(pattern, options);
    if (!re->ok()) {
      throw std::invalid_argument("invalid " + std::string(what) + " pattern \"" + pattern +
                                  "\": " + re->error());
    }
    compiled.push_back(std::move(re));
  }
  return compiled;
}

bool any_match(const std::vector<std::shared_ptr<const re2::RE2>>& patterns, std::string_view url) {
  for (const auto& re : patterns) {
    if (re2::RE2::PartialMatch(url, *re)) {
      return true;
    }
  }
  return false;
}

template <typename T>
void add_unique(std::vector<T>& v, T value) {
  for (const T& existing : v) {
    if (existing == value) {
      return;
    }
  }
  v.push_back(std::move(value));
}

}  // namespace

CrawlScope::CrawlScope(const std::vector<std::string>& seeds, ScopeOptions options)
    : m_kind(options.kind),
      m_include(compile(options.include, "include")),
      m_exclude(compile(options.exclude, "exclude")),
      m_accept_ext(std::move(options.accept_ext)),
      m_reject_ext(std::move(options.reject_ext)) {
  for (const std::string& seed : seeds) {
    const std::optional<UrlParts> parts = split_url(seed);
    if (!parts) {
      throw std::invalid_argument("seed \"" + seed + "\" is not an absolute URL");
    }
    switch (m_kind) {
      case ScopeKind::host:
        add_unique(m_authorities, ascii_lowercase(parts->authority));
        break;
      case ScopeKind::domain:
        add_unique(m_domains, registrable_domain(parts->host));
        break;
      case ScopeKind::prefix: {
        const std::string_view directory = parts->path.substr(0, parts->path.rfind('/') + 1);
        add_unique(m_prefixes, Prefix{ascii_lowercase(parts->scheme),
                                      ascii_lowercase(parts->authority), std::string(directory)});
        break;
      }
      case ScopeKind::any:
        break;
    }
  }
}

bool CrawlScope::kind_matches(std::string_view url) const {
  if (m_kind == ScopeKind::any) {
    return true;
  }
  const std::optional<UrlParts> parts = split_url(url);
  if (!parts) {
    return false;
  }
  switch (m_kind) {
    case ScopeKind::host: {
      const std::string authority = ascii_lowercase(parts->authority);
      for (const std::string& seed : m_authorities) {
        if (authority == seed) {
          return true;
        }
      }
      return false;
    }
    case ScopeKind::domain: {
      const std::string domain = registrable_domain(parts->host);
      for (const std::string& seed : m_domains) {
        if (domain == seed) {
          return true;
        }
      }
      return false;
    }
    case ScopeKind::prefix: {
      const std::string scheme = ascii_lowercase(parts->scheme);
      const std::string authority = ascii_lowercase(parts->authority);
      for (const Prefix& seed : m_prefixes) {
        if (scheme == seed.scheme && authority == seed.authority &&
            parts->path.substr(0, seed.directory.size()) == seed.directory) {
          return true;
        }
      }
      return false;
    }
    case ScopeKind::any:
      return true;
  }
  return false;
}

std::string url_extension(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return {};
  }
  std::string_view path = url.substr(scheme_end + 3);
  const std::size_t slash = path.find('/');
  if (slash == std::string_view::npos) {
    return {};
  }
  path = path.substr(slash);
  path = path.substr(0, path.find('?'));
  const std::string_view segment = path.substr(path.rfind('/') + 1);
  const std::size_t dot = segment.rfind('.');
  // No dot, a trailing dot, or a dot-file name (".htaccess") without another dot.
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == segment.size()) {
    return {};
  }
  return ascii_lowercase(segment.substr(dot + 1));
}

bool CrawlScope::extension_allowed(std::string_view url) const {
  if (m_accept_ext.empty() && m_reject_ext.empty()) {
    return true;
  }
  const std::string ext = url_extension(url);
  const auto listed = [&ext](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), ext) != list.end();
  };
  if (!ext.empty() && listed(m_reject_ext)) {
    return false;
  }
  if (m_accept_ext.empty() || ext.empty() || listed(m_accept_ext)) {
    return true;
  }
  return ext == "html" || ext == "htm" || ext == "xhtml" || ext == "shtml";
}

bool CrawlScope::in_scope(std::string_view normalized_url) const {
  if (!kind_matches(normalized_url) || !extension_allowed(normalized_url)) {
    return false;
  }
  if (!m_include.empty() && !any_match(m_include, normalized_url)) {
    return false;
  }
  return !any_match(m_exclude, normalized_url);
}

}  // namespace greenfetch
