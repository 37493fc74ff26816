// Crawl mode (`greenfetch crawl`): from seed URLs, fetch every page within a scope, follow the
// links found in HTML as its body arrives, politely (robots.txt, per-host limits and delays),
// and report each page as a line, a JSON record or a -w line; optionally mirror pages into a
// folder, archive them as WARC, and keep the frontier in a resumable SQLite state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/crawl/scope.hpp"
#include "core/dns/resolver.hpp"
#include "core/http/request.hpp"

namespace greenfetch {

struct CrawlConfig {
  std::vector<std::string> seeds;        // from the command line
  std::vector<std::string> input_files;  // -i FILE ("-": stdin): more seeds, one per line
  std::size_t concurrency = 50;          // -c: requests in flight at once
  std::size_t per_host = 2;              // --per-host: requests to one host at once; 0: no cap
  std::chrono::milliseconds delay{0};    // --delay: min time between request starts per host
  ScopeOptions scope;                    // --scope, --include, --exclude
  int max_depth = 5;                     // --max-depth: links followed from a seed
  uint64_t max_pages = 0;                // --max-pages: pages fetched at most; 0: no limit
  std::string list_external;             // --list-external FILE: out-of-scope links, once each
  std::chrono::milliseconds run_for{0};  // -z/--duration: no page starts after it; 0: no limit
  bool assets = false;                   // --assets: also img, script, stylesheets, source
  bool strip_query = false;              // --strip-query
  std::string drop_params;               // --drop-params REGEX (RE2, full match on the name)
  bool robots = true;                    // --no-robots turns it off
  bool sitemaps = false;                 // --sitemaps: URLs of the seed hosts' sitemaps as seeds
  bool json = false;                     // -j: one JSON object per page
  bool links = false;                    // --links: -j records list the page's links
  bool convert_links = false;            // --convert-links: -o pages link to the mirror
  std::string write_out;                 // -w FORMAT
  std::string output_dir;                // -o DIR: mirror pages there
  std::string warc;                      // --warc FILE.warc.gz
  std::string state_dir;                 // --state DIR
  bool silent = false;                   // -s: no progress line, no error lines on stderr
  bool stats = false;                    // --stats: a summary line on stderr at the end
  bool progress = true;                  // the live line on stderr, when it is a terminal
  RequestOptions request;
  ResolverOptions dns;
  // A crawl shared by many workers (core/crawl/frontier_redis.hpp):
  std::string frontier;                // --frontier redis://HOST:PORT[/DB]; empty: this process
  std::string crawl_id;                // --crawl-id NAME
  std::string worker_id;               // --worker-id NAME; empty: HOSTNAME:PID
  std::chrono::milliseconds lease{0};  // --lease; 0: 3 x --max-time, at least 60 s
  bool status = false;                 // --status: print the crawl's figures, fetch nothing
};

// Longest Crawl-delay honoured (a robots.txt asking for more gets this).
inline constexpr std::chrono::seconds k_max_crawl_delay{30};
// Longest pause a Retry-After header of a 429 or 503 answer imposes on its host.
inline constexpr std::chrono::seconds k_max_retry_after{120};
// How often one URL is put back after a 429 or 503 with Retry-After before its answer is
// reported as it is.
inline constexpr uint32_t k_max_retry_after_attempts = 3;

// --sitemaps: sitemap files fetched per crawl at most (sitemaps.org: an index lists at most
// 1000 sitemaps); each file is bounded by SitemapLimits (50,000 URLs, 50 MiB uncompressed).
inline constexpr std::size_t k_max_sitemap_files = 1000;

// Runs the crawl; returns the exit status (0 no page failed, 1 some did, 2 usage error).
// Throws UsageError for bad configuration detected before any transfer starts.
int run_crawl(CrawlConfig config, int out_fd = 1, int err_fd = 2);

// --status: prints the figures of the shared crawl config.crawl_id on config.frontier.
int crawl_status(const CrawlConfig& config, int out_fd = 1);

}  // namespace greenfetch
