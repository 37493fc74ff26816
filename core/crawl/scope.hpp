// Which discovered URLs a crawl follows: the same host, registrable domain or directory as its
// seeds (or anything), narrowed by user include/exclude patterns.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace greenfetch {

enum class ScopeKind {
  host,    // same host and port as a seed ("http://a.example:8080" is not "http://a.example")
  domain,  // same registrable domain as a seed (www.example.co.uk and shop.example.co.uk)
  prefix,  // same scheme, host and port, and the path starts in the seed's directory (wget -np)
  any,     // everything
};

struct ScopeOptions {
  ScopeKind kind = ScopeKind::host;
  // RE2 patterns, partial match against the normalized URL. With any include pattern the URL
  // must match one of them; it must match no exclude pattern.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // File name extensions (lower case, no dot). With accept_ext, a URL whose path ends in an
  // extension is followed only if it is listed, or is html, htm, xhtml or shtml: those and
  // paths without an extension ("/", "/about") may be pages, and pages are how the crawl finds
  // the files. A URL with an extension in reject_ext is never followed.
  std::vector<std::string> accept_ext;
  std::vector<std::string> reject_ext;
};

// The extension of a normalized URL's last path segment, lower case, without the dot ("pdf"
// for "http://h/a/B.PDF?x"); empty when it has none.
std::string url_extension(std::string_view normalized_url);

class CrawlScope {
 public:
  // seeds: normalized seed URLs (see normalize_url). Throws std::invalid_argument naming the
  // pattern when RE2 rejects an include or exclude pattern, or naming the seed when a seed is not
  // an absolute URL.
  CrawlScope(const std::vector<std::string>& seeds, ScopeOptions options);

  // normalized_url: as returned by normalize_url() or resolve_link(). False for anything that
  // does not parse as scheme://authority/path.
  bool in_scope(std::string_view normalized_url) const;
  // Only the --scope part of in_scope(): whether the URL is on the seeds' host, domain or
  // prefix. A link that is not is external (--list-external).
  bool same_site(std::string_view normalized_url) const { return kind_matches(normalized_url); }

 private:
  struct Prefix {
    std::string scheme;
    std::string authority;  // host[:port], no user info
    std::string directory;  // seed path up to and including its last '/'
    bool operator==(const Prefix&) const = default;
  };

  bool kind_matches(std::string_view url) const;
  bool extension_allowed(std::string_view url) const;

  ScopeKind m_kind;
  std::vector<std::string> m_authorities;  // ScopeKind::host
  std::vector<std::string> m_domains;      // ScopeKind::domain: registrable domains
  std::vector<Prefix> m_prefixes;          // ScopeKind::prefix
  // Shared between copies of the scope: compiled patterns are immutable, and RE2 objects cannot be
  // copied.
  std::vector<std::shared_ptr<const re2::RE2>> m_include;
  std::vector<std::shared_ptr<const re2::RE2>> m_exclude;
  std::vector<std::string> m_accept_ext;
  std::vector<std::string> m_reject_ext;
};

}  // namespace greenfetch
