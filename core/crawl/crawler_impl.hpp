// The inside of crawl mode: the Crawler that run_crawl runs, shared by the files that define
// its members: crawler.cpp (setup and the run loop), crawler_politeness.cpp (which host may
// go next, robots.txt), crawler_pages.cpp (a page fetched), crawler_links.cpp (its links
// resolved, queued, listed), crawler_sitemaps.cpp (--sitemaps), crawler_output.cpp
// (records, --state commits) and crawler_convert.cpp (--convert-links). Not part of the public API.
#pragma once

#include <re2/re2.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/crawl/crawler.hpp"
#include "core/crawl/frontier.hpp"
#include "core/crawl/link_extractor.hpp"
#include "core/crawl/frontier_store.hpp"
#include "core/crawl/mirror.hpp"
#include "core/crawl/warc_writer.hpp"
#include "core/engine/green_pool.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/unique_fd.hpp"
#include "core/http/client.hpp"
#include "core/output/body_spool.hpp"
#include "core/output/output.hpp"
#include "core/output/output_mark.hpp"
#include "core/output/progress.hpp"
#include "core/output/write_out.hpp"
#include "core/url/normalize.hpp"

namespace greenfetch {

// How long in-flight transfers may go on after the first Ctrl-C.
inline constexpr auto k_interrupt_grace = std::chrono::milliseconds(900);
// Output is written out at least this often while the crawl runs.
inline constexpr auto k_flush_interval = std::chrono::milliseconds(200);
// The depth of a frontier item that is a sitemap to read (--sitemaps), not a page. Such items
// never enter the seen-set or the state database.
inline constexpr uint32_t k_sitemap_depth = std::numeric_limits<uint32_t>::max();
// The memory of m_page_budget (documented in the man page's CRAWL MODE).
inline constexpr std::size_t k_page_memory = 4 * 1024 * 1024;

// A link of a page as --links lists it.
struct PageLink {
  std::string href;        // as found in the page (entities decoded)
  std::string url;         // the normal form; empty when scope is "rejected" or "other_scheme"
  std::string_view scope;  // "in", "out", "rejected" (by the URL Standard), "other_scheme"
};

struct PageResult {
  CrawlItem item;
  Response response;
  std::string final_url;  // normalized effective URL
  std::string title;
  std::size_t links = 0;
  std::vector<PageLink> outlinks;  // with --links
  bool html = false;
};

class Crawler {
 public:
  Crawler(CrawlConfig& config, int out_fd, int err_fd)
      : m_config(config), m_err_fd(err_fd), m_out_fd(out_fd), m_out(out_fd) {}

  int run();

 private:
  void prepare();
  std::vector<std::string> read_seeds();
  void dispatch();
  void wake() {
    if (m_waiter != nullptr) {
      m_waiter->post();
    }
  }
  void robots_job(CrawlFrontier::Host* h);
  Robots fetch_robots(const std::string& host);
  void page_job(CrawlFrontier::Host* h, CrawlItem item);
  void sitemap_job(CrawlFrontier::Host* h, CrawlItem item);
  void queue_sitemap(const std::string& url, bool guess);
  void sitemap_error(const std::string& url, std::string_view what);
  bool discover(const std::string& url, uint32_t depth,
                const std::shared_ptr<const std::string>& referrer);
  // A page's links (crawler_links.cpp): resolved against its base URL, queued when `queue`,
  // listed in p.outlinks with --links.
  void page_links(PageResult& p, const ExtractedPage& page, bool queue);
  bool report(PageResult& p);
  void report_skipped(const CrawlItem& item, std::string_view why);
  // A link of `page` that the URL Standard's parser rejects: counted, reported, not fetched.
  void link_rejected(const std::string& page, std::string_view link);
  // --list-external: an out-of-scope link, listed the first time it is seen.
  void link_external(const std::string& page, const std::string& url);
  void error_line(const std::string& url, const Response& r);
  // Plain output: a page that answered, but not 2xx, named on stderr with its status.
  void status_line(const PageResult& p);
  void schedule_flush();
  void open_state();
  void commit_state(bool finished = false);
  void open_store();
  std::string settings_text() const;
  void sync_store();
  // --convert-links (crawler_convert.cpp): a page saved in the mirror, remembered; at the end
  // of the crawl, the saved HTML pages' links rewritten.
  void remember_saved(const PageResult& p);
  void convert_mirror();

  CrawlConfig& m_config;
  int m_err_fd;
  int m_out_fd;
  Output m_out;
  NormalizeOptions m_norm;
  std::unique_ptr<re2::RE2> m_drop_params;
  std::optional<CrawlScope> m_scope;
  std::optional<WriteOut> m_write_out;
  std::optional<CrawlMirror> m_mirror;
  std::optional<WarcWriter> m_warc;
  // Where the URLs live: this process (--state, or memory) or a shared frontier (--frontier).
  std::unique_ptr<FrontierStore> m_store;
  std::optional<OutputMark> m_warc_file;  // the WARC's device and inode (with --state)
  std::vector<std::string> m_seeds;
  // --sitemaps: the seed hosts ("scheme://host[:port]"), every sitemap URL queued so far (each
  // is read once), and those of them that are only the /sitemap.xml guess (a 4xx is silent).
  std::unordered_set<std::string> m_seed_hosts;
  std::unordered_set<std::string> m_sitemap_urls;
  std::unordered_set<std::string> m_sitemap_guesses;
  bool m_sitemap_limit_reported = false;

  Reactor* m_reactor = nullptr;
  HttpClient* m_client = nullptr;
  GreenPool* m_pool = nullptr;
  std::optional<CrawlFrontier> m_frontier;
  Waiter* m_waiter = nullptr;
  std::optional<Timer> m_flush_timer;
  Progress* m_progress = nullptr;  // the live line on a terminal's stderr, while run() runs
  bool m_stopping = false;
  std::size_t m_in_flight = 0;
  uint64_t m_dispatched = 0;  // pages started (for --max-pages)
  uint64_t m_pages = 0;       // pages reported
  uint64_t m_failed = 0;
  uint64_t m_cancelled = 0;
  uint64_t m_skipped = 0;
  uint64_t m_links_rejected = 0;    // links the URL Standard rejects (see link_rejected)
  bool m_duration_reached = false;  // -z/--duration ended the crawl
  // --list-external: the file, and the external links already listed (this run only).
  UniqueFd m_external_fd;
  std::unordered_set<std::string> m_external_seen;
  // --convert-links: every URL saved in the mirror this run, with the URL whose file holds it
  // ("" for itself; a redirect's start names its target), and the HTML pages among them.
  std::unordered_map<std::string, std::string> m_saved;
  std::vector<std::string> m_saved_html;
  std::string m_line;  // reused output buffer
  // The memory the bodies of pages in flight may hold together for -o and --warc (then each
  // spills to an unlinked temporary file: core/crawl/page_sink.hpp).
  SpoolBudget m_page_budget{k_page_memory};
};

}  // namespace greenfetch
