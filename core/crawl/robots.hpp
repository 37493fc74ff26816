// robots.txt (RFC 9309, the Robots Exclusion Protocol): parse a host's file once for
// greenfetch's product token, then ask allowed() for each URL the crawler wants to fetch.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace greenfetch {

class Robots {
 public:
  // Bytes of a robots.txt body that are parsed (RFC 9309 2.5 asks for at least 500 KiB).
  // Anything past this is ignored, and so is the line the limit cuts through.
  static constexpr std::size_t k_max_bytes = 512 * 1024;

  // Octets of a line that are read (Google's parser's limit, 2083 x 8 - 1, with room for its
  // terminating NUL); the rest of a longer line is dropped.
  static constexpr std::size_t k_max_line_octets = 2083 * 8 - 1;

  // No rules: everything is allowed, like allow_all().
  Robots() = default;

  // Parses a robots.txt body for the given user agent. The product token is the leading run
  // of letters, digits, '_' and '-' of the UA string ("greenfetch/0.1.0 (+https://…)" →
  // "greenfetch"); it is matched case-insensitively against user-agent lines. Never throws on
  // malformed input: lines that do not parse are skipped.
  static Robots parse(std::string_view body, std::string_view user_agent);
  // robots.txt answered 4xx (RFC 9309 2.3.1.3): everything is allowed.
  static Robots allow_all();
  // robots.txt answered 5xx or was unreachable (RFC 9309 2.3.1.4): nothing is allowed.
  static Robots disallow_all();

  // path_and_query: the URL's path plus "?query" as sent (percent-encoded), starting with '/'.
  // "/robots.txt" itself is always allowed.
  bool allowed(std::string_view path_and_query) const;
  // The largest valid Crawl-delay (seconds, finite, >= 0) of the matched group(s), if any.
  std::optional<double> crawl_delay() const { return m_crawl_delay; }
  // Absolute URLs of every Sitemap line (any group, or none), in file order, without duplicates.
  const std::vector<std::string>& sitemaps() const { return m_sitemaps; }

 private:
  // One allow/disallow line, compiled. The pattern is split at its '*' wildcards; each piece is
  // in the escaping that allowed() also puts the URL into (see robots.cpp).
  struct Rule {
    std::vector<std::string> segments;  // literal octets between wildcards; never empty
    bool anchored = false;              // the pattern ended in '$'
    std::size_t length = 0;             // octets of the canonical pattern, for longest match
    bool allow = false;
  };

  static Rule compile(std::string_view pattern, bool allow);
  // The rules one allow/disallow line stands for (an index.html allow is two).
  static std::vector<Rule> compile_line(std::string_view pattern, bool allow);
  static bool matches(const Rule& rule, std::string_view path);

  std::vector<Rule> m_rules;  // longest first; on equal length allow before disallow
  std::optional<double> m_crawl_delay;
  std::vector<std::string> m_sitemaps;
};

}  // namespace greenfetch
