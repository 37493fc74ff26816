#include "core/crawl/crawler.hpp"

#include <signal.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fmt/format.h>
#include <re2/re2.h>

#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_set>

#include "core/crawl/frontier.hpp"
#include "core/crawl/link_extractor.hpp"
#include "core/crawl/mirror.hpp"
#include "core/crawl/robots.hpp"
#include "core/crawl/seen_set.hpp"
#include "core/crawl/sitemap.hpp"
#include "core/crawl/state.hpp"
#include "core/crawl/warc_writer.hpp"
#include "core/engine/green_pool.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/signals.hpp"
#include "core/http/client.hpp"
#include "core/input/url_source.hpp"
#include "core/output/json_record.hpp"
#include "core/output/output.hpp"
#include "core/output/output_mark.hpp"
#include "core/output/write_out.hpp"
#include "core/url/normalize.hpp"

namespace greenfetch {

namespace {

// How long in-flight transfers may go on after the first Ctrl-C.
constexpr auto k_interrupt_grace = std::chrono::milliseconds(900);
// Output is written out at least this often while the crawl runs.
constexpr auto k_flush_interval = std::chrono::milliseconds(200);
// URLs taken from the state database at once when a crawl resumes.
constexpr std::size_t k_resume_batch = 4096;
// The depth of a frontier item that is a sitemap to read (--sitemaps), not a page. Such items
// never enter the seen-set or the state database.
constexpr uint32_t k_sitemap_depth = std::numeric_limits<uint32_t>::max();

std::string_view header_value(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) {
      return v;
    }
  }
  return {};
}

bool has_header(const Response& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.first.size() == name.size() &&
        strncasecmp(h.first.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

// text/html or application/xhtml+xml, whatever the parameters and case.
bool is_html_type(std::string_view ct) {
  std::size_t semi = ct.find(';');
  ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) {
    ct.remove_suffix(1);
  }
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) {
    ct.remove_prefix(1);
  }
  auto is = [&](std::string_view t) {
    return ct.size() == t.size() && strncasecmp(ct.data(), t.data(), t.size()) == 0;
  };
  return is("text/html") || is("application/xhtml+xml");
}

// "/path?query" of an absolute URL ("/" when it has no path).
std::string_view path_and_query(std::string_view url) {
  std::size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::size_t slash = url.find_first_of("/?", start);
  if (slash == std::string_view::npos) {
    return "/";
  }
  std::string_view rest = url.substr(slash);
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  return rest;
}

// Retry-After: delta-seconds or an HTTP date; nullopt when absent or unparsable.
std::optional<Clock::duration> retry_after(const Response& r) {
  std::string value(trim_header_value(header_value(r, "Retry-After")));
  if (value.empty()) {
    return std::nullopt;
  }
  Clock::duration d{};
  if (value.find_first_not_of("0123456789") == std::string::npos) {
    d = std::chrono::seconds(std::stoll(value.substr(0, 9)));
  } else {
    time_t when = curl_getdate(value.c_str(), nullptr);
    if (when < 0) {
      return std::nullopt;
    }
    time_t now = ::time(nullptr);
    d = std::chrono::seconds(when > now ? when - now : 0);
  }
  return std::min<Clock::duration>(d, k_max_retry_after);
}

// What one page fetch collects while its body streams in (inside libcurl's write callback):
// links and title from HTML through the LinkExtractor, and the body itself only when -o or
// --warc needs it. Bodies of redirect hops (a Location header) are neither parsed nor kept;
// a new hop or a retry (the headers change) starts over.
class PageSink {
 public:
  PageSink(bool keep_body, LinkExtractorOptions options)
      : m_keep_body(keep_body), m_options(options) {}

  bool operator()(const Response& so_far, std::string_view chunk) {
    if (!m_started || so_far.headers != m_hop_headers) {
      begin_hop(so_far);
    }
    if (m_extractor) {
      m_extractor->feed(chunk);
    }
    if (m_keep_body) {
      m_body.append(chunk);
    }
    return true;
  }

  bool html() const { return m_extractor.has_value(); }
  ExtractedPage finish() { return m_extractor ? m_extractor->finish() : ExtractedPage{}; }
  std::string& body() { return m_body; }

 private:
  void begin_hop(const Response& so_far) {
    m_started = true;
    m_hop_headers = so_far.headers;
    m_body.clear();
    m_extractor.reset();
    if (!has_header(so_far, "Location") && is_html_type(header_value(so_far, "Content-Type"))) {
      m_extractor.emplace(m_options);
    }
  }

  bool m_keep_body;
  LinkExtractorOptions m_options;
  bool m_started = false;
  std::vector<std::pair<std::string, std::string>> m_hop_headers;
  std::optional<LinkExtractor> m_extractor;
  std::string m_body;
};

struct PageResult {
  CrawlItem item;
  Response response;
  std::string final_url;  // normalized effective URL
  std::string title;
  std::size_t links = 0;
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
  void page_job(CrawlFrontier::Host* h, CrawlItem item);
  void sitemap_job(CrawlFrontier::Host* h, CrawlItem item);
  void queue_sitemap(const std::string& url, bool guess);
  void sitemap_error(const std::string& url, std::string_view what);
  bool discover(const std::string& url, uint32_t depth,
                const std::shared_ptr<const std::string>& referrer);
  bool report(PageResult& p);
  void report_skipped(const CrawlItem& item, std::string_view why);
  void error_line(const std::string& url, const Response& r);
  void schedule_flush();
  void open_state();
  void commit_state(bool finished = false);

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
  std::optional<CrawlState> m_state;
  std::optional<OutputMark> m_warc_file;  // the WARC's device and inode (with --state)
  SeenSet m_seen;
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
  bool m_stopping = false;
  std::size_t m_in_flight = 0;
  uint64_t m_dispatched = 0;  // pages started (for --max-pages)
  uint64_t m_pages = 0;       // pages reported
  uint64_t m_failed = 0;
  uint64_t m_cancelled = 0;
  uint64_t m_skipped = 0;
  std::string m_line;  // reused output buffer
};

std::vector<std::string> Crawler::read_seeds() {
  std::vector<std::string> raw = m_config.seeds;
  std::vector<std::string> files = m_config.input_files;
  if (raw.empty() && files.empty()) {
    if (::isatty(STDIN_FILENO) != 0) {
      throw UsageError("no seed URL given: pass URLs as arguments, -i FILE, or pipe them on stdin");
    }
    files.emplace_back("-");
  }
  // Seeds are read whole before the crawl starts: they are few, and a bad one must be a usage
  // error before anything is fetched.
  UrlSource source({}, files);
  while (std::optional<SourceLine> line = source.next()) {
    raw.push_back(std::move(line->request.url));
  }
  std::vector<std::string> seeds;
  for (const std::string& s : raw) {
    std::optional<std::string> n = normalize_url(s, m_norm);
    if (!n) {
      throw UsageError(fmt::format("seed is not an http(s) URL: '{}'", s));
    }
    seeds.push_back(std::move(*n));
  }
  return seeds;
}

void Crawler::prepare() {
  if (!m_config.drop_params.empty()) {
    m_drop_params = std::make_unique<re2::RE2>(m_config.drop_params, re2::RE2::Quiet);
    if (!m_drop_params->ok()) {
      throw UsageError(fmt::format("--drop-params: bad regular expression '{}': {}",
                                   m_config.drop_params, m_drop_params->error()));
    }
    m_norm.drop_params = m_drop_params.get();
  }
  m_norm.strip_query = m_config.strip_query;
  m_seeds = read_seeds();
  if (m_config.sitemaps) {
    for (const std::string& seed : m_seeds) {
      m_seed_hosts.emplace(CrawlFrontier::host_key(seed));
    }
  }
  try {
    m_scope.emplace(m_seeds, m_config.scope);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (!m_config.write_out.empty()) {
    m_write_out = WriteOut::from_option(m_config.write_out, m_err_fd);
  }
  if (!m_config.output_dir.empty()) {
    m_mirror.emplace(m_config.output_dir);
  }
  if (!m_config.state_dir.empty()) {
    open_state();  // before the WARC is opened: it may cut the WARC back
  }
  if (!m_config.warc.empty()) {
    // The WARC must hold the payload exactly as it came over the wire: ask for no
    // Content-Encoding (no Accept-Encoding header), since libcurl would hand us decoded bytes
    // while the stored response head still said "Content-Encoding: gzip".
    m_config.request.compressed = false;
    try {
      m_warc.emplace(m_config.warc, "greenfetch/" GREENFETCH_VERSION);
      if (m_state) {
        m_warc_file = mark_output(m_warc->fd(), m_config.warc);
      }
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }
}

// Opens --state. After a run that was killed, each output file is first cut back to where it
// ended at that run's last commit: the records after it belong to pages not marked done, which
// this run fetches again (see core/output/output_mark.hpp).
void Crawler::open_state() {
  try {
    m_state.emplace(m_config.state_dir);
    if (!m_state->unfinished()) {
      return;
    }
    std::uint64_t cut = 0;
    std::string where;
    if (std::optional<OutputMark> mark = m_state->output("stdout")) {
      if (std::uint64_t n = cut_to_mark(m_out_fd, *mark, "standard output")) {
        cut += n;
        where = "standard output";
      }
    }
    if (std::optional<OutputMark> mark = m_state->output("warc"); mark && !m_config.warc.empty()) {
      if (std::uint64_t n = cut_to_mark(m_config.warc, *mark)) {
        cut += n;
        where += where.empty() ? m_config.warc : " and " + m_config.warc;
      }
    }
    if (cut > 0 && !m_config.silent) {
      write_all(m_err_fd, fmt::format("greenfetch: crawl: the last run was killed; cut {} bytes "
                                      "written after its last saved state from {}\n",
                                      cut, where));
    }
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

// Commits the state's open batch together with where each output file ends now (flushed
// first, so that the marks cover exactly the records of the pages marked done).
void Crawler::commit_state(bool finished) {
  m_out.flush();
  if (std::optional<OutputMark> mark = mark_output(m_out_fd, "standard output")) {
    m_state->set_output("stdout", *mark);
  }
  if (m_warc && m_warc_file) {
    m_state->set_output("warc",
                        OutputMark{m_warc_file->device, m_warc_file->inode, m_warc->size()});
  }
  if (finished) {
    m_state->finish();
  }
  m_state->commit();
}

bool Crawler::discover(const std::string& url, uint32_t depth,
                       const std::shared_ptr<const std::string>& referrer) {
  if (m_state) {
    FrontierItem fi;
    fi.url = url;
    fi.depth = static_cast<int>(depth);
    if (referrer) {
      fi.referrer = *referrer;
    }
    if (!m_state->add(fi)) {
      return false;
    }
  } else if (!m_seen.insert(url)) {
    return false;
  }
  CrawlItem item;
  item.url = url;
  item.depth = depth;
  item.referrer = referrer;
  m_frontier->push(std::move(item));
  return true;
}

void Crawler::schedule_flush() {
  if (!m_flush_timer->armed()) {
    m_flush_timer->arm(*m_reactor, Clock::now() + k_flush_interval);
  }
}

void Crawler::error_line(const std::string& url, const Response& r) {
  if (!m_config.silent) {
    write_all(m_err_fd,
              fmt::format("greenfetch: {}: {}: {}\n", url, error_kind(r.error), r.error_message));
  }
}

void Crawler::report_skipped(const CrawlItem& item, std::string_view why) {
  ++m_skipped;
  if (!m_config.json) {
    return;
  }
  m_line.clear();
  m_line += "{\"url\":";
  append_json_string(m_line, item.url);
  m_line += fmt::format(",\"final_url\":null,\"depth\":{},\"referrer\":", item.depth);
  if (item.referrer) {
    append_json_string(m_line, *item.referrer);
  } else {
    m_line += "null";
  }
  m_line +=
      ",\"status\":null,\"content_type\":null,\"size\":0,\"title\":null,\"links\":0,"
      "\"error\":null,\"skipped\":";
  append_json_string(m_line, why);
  m_line += "}\n";
  m_out.write(m_line);
  schedule_flush();
}

// Writes the page's record; false when there is none (the transfer was cancelled).
bool Crawler::report(PageResult& p) {
  Response& r = p.response;
  ++m_pages;
  if (r.error == Error::cancelled) {
    ++m_cancelled;
    ++m_failed;
    return false;
  }
  if (!r.ok()) {
    ++m_failed;
    error_line(p.item.url, r);
  }
  m_line.clear();
  if (m_config.json) {
    m_line += "{\"url\":";
    append_json_string(m_line, p.item.url);
    m_line += ",\"final_url\":";
    append_json_string(m_line, p.final_url.empty() ? r.effective_url : p.final_url);
    m_line += fmt::format(",\"depth\":{},\"referrer\":", p.item.depth);
    if (p.item.referrer) {
      append_json_string(m_line, *p.item.referrer);
    } else {
      m_line += "null";
    }
    m_line += ",\"status\":";
    m_line += r.http_code > 0 ? std::to_string(r.http_code) : "null";
    m_line += ",\"content_type\":";
    if (r.content_type.empty()) {
      m_line += "null";
    } else {
      append_json_string(m_line, r.content_type);
    }
    m_line += fmt::format(",\"size\":{},\"title\":", r.size_download);
    if (p.title.empty()) {
      m_line += "null";
    } else {
      append_json_string(m_line, p.title);
    }
    m_line += fmt::format(",\"links\":{},\"error\":", p.links);
    if (r.ok()) {
      m_line += "null";
    } else {
      m_line += "{\"kind\":";
      append_json_string(m_line, error_kind(r.error));
      m_line += ",\"message\":";
      append_json_string(m_line, r.error_message);
      m_line += '}';
    }
    m_line += "}\n";
  } else if (m_write_out) {
    m_write_out->render_to(m_line, r);
  } else if (r.ok() || r.http_code > 0) {
    m_line += p.item.url;
    m_line += '\n';
  }
  m_out.write(m_line);
  schedule_flush();
  if (m_out.broken()) {
    m_stopping = true;
    m_client->cancel_all();
  }
  return true;
}

void Crawler::robots_job(CrawlFrontier::Host* h) {
  Request req;
  req.url = h->key + "/robots.txt";
  std::string body;
  bool truncated = false;
  BodySink sink = [&body, &truncated](const Response& so_far, std::string_view chunk) {
    if (has_header(so_far, "Location")) {
      return true;  // a redirect hop's body
    }
    std::size_t room = Robots::k_max_bytes - std::min(body.size(), Robots::k_max_bytes);
    body.append(chunk.substr(0, room));
    if (chunk.size() > room) {
      truncated = true;
      return false;  // enough: the rest is never parsed
    }
    return true;
  };
  req.on_body = &sink;
  Clock::time_point started = Clock::now();
  Response r = m_client->fetch(req);
  Robots robots;
  if (r.error == Error::cancelled) {
    robots = Robots::disallow_all();
  } else if (r.ok() || (truncated && r.error == Error::output)) {
    if (r.http_code >= 200 && r.http_code < 300) {
      robots = Robots::parse(body, m_client->request_options().user_agent);
    } else if (r.http_code >= 300 && r.http_code < 500) {
      robots = Robots::allow_all();  // 4xx, or a redirect not followed: unavailable
    } else {
      robots = Robots::disallow_all();  // 5xx: unreachable
    }
  } else if (r.error == Error::too_many_redirects || r.error == Error::http) {
    // Too many redirects means unavailable (RFC 9309 2.3.1.2); with --fail a 4xx is an error.
    robots = r.http_code >= 500 ? Robots::disallow_all() : Robots::allow_all();
  } else {
    robots = Robots::disallow_all();
  }
  h->robots = std::move(robots);
  h->robots_state = CrawlFrontier::RobotsState::known;
  if (std::optional<double> cd = h->robots.crawl_delay()) {
    double capped = std::min(*cd, static_cast<double>(k_max_crawl_delay.count()));
    auto d = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(capped));
    h->delay = std::max(h->delay, d);
  }
  // The robots.txt request counts as one: the first page starts a delay after it.
  h->next_start = std::max(h->next_start, started + h->delay);
  h->blocked = false;
  --m_in_flight;
  m_frontier->finish(*h);
  if (m_config.sitemaps && !m_stopping && m_seed_hosts.count(h->key) > 0) {
    for (const std::string& s : h->robots.sitemaps()) {
      if (std::optional<std::string> u = normalize_url(s, NormalizeOptions{})) {
        queue_sitemap(*u, false);
      } else {
        sitemap_error(s, "not an http(s) URL");
      }
    }
  }
  wake();
}

void Crawler::sitemap_error(const std::string& url, std::string_view what) {
  if (!m_config.silent) {
    write_all(m_err_fd, fmt::format("greenfetch: sitemap {}: {}\n", url, what));
  }
}

// Queues a sitemap to read: a frontier item of its host (so it waits for that host's robots.txt,
// delay and per-host cap like a page) at k_sitemap_depth. Each URL is read once, and at most
// k_max_sitemap_files of them per crawl.
void Crawler::queue_sitemap(const std::string& url, bool guess) {
  if (m_sitemap_urls.count(url) > 0) {
    if (!guess) {
      m_sitemap_guesses.erase(url);  // named in robots.txt after all: its errors are reported
    }
    return;
  }
  if (m_sitemap_urls.size() >= k_max_sitemap_files) {
    if (!m_sitemap_limit_reported) {
      m_sitemap_limit_reported = true;
      sitemap_error(url, fmt::format("more than {} sitemap files: this one and later ones are "
                                     "not read",
                                     k_max_sitemap_files));
    }
    return;
  }
  m_sitemap_urls.insert(url);
  if (guess) {
    m_sitemap_guesses.insert(url);
  }
  CrawlItem item;
  item.url = url;
  item.depth = k_sitemap_depth;
  m_frontier->push(std::move(item));
}

// Fetches one sitemap and streams its body into a SitemapParser. A urlset's URLs go through the
// same normalization, scope and seen-check as links, as seeds (depth 0, the sitemap as their
// referrer); an index's URLs are queued as more sitemaps. Failures are reported on stderr and
// are not page failures: the crawl goes on.
void Crawler::sitemap_job(CrawlFrontier::Host* h, CrawlItem item) {
  Request req;
  req.url = item.url;
  std::optional<SitemapParser> parser;
  std::vector<std::pair<std::string, std::string>> hop_headers;
  bool parser_stopped = false;
  BodySink sink = [&](const Response& so_far, std::string_view chunk) {
    if (has_header(so_far, "Location")) {
      return true;  // a redirect hop's body
    }
    if (!parser || so_far.headers != hop_headers) {
      hop_headers = so_far.headers;
      parser.emplace();
      parser_stopped = false;
    }
    if (!parser->feed(chunk)) {
      parser_stopped = true;  // garbage or a limit: the rest is not needed
      return false;
    }
    return true;
  };
  req.on_body = &sink;
  Response r = m_client->fetch(req);
  --m_in_flight;
  m_frontier->finish(*h);
  bool guess = m_sitemap_guesses.count(item.url) > 0;
  bool client_error = r.http_code >= 400 && r.http_code < 500;
  if (r.error == Error::cancelled) {
    wake();
    return;
  }
  if (!r.ok() && !(parser_stopped && r.error == Error::output)) {
    if (!(guess && client_error)) {
      sitemap_error(item.url, fmt::format("{}: {}", error_kind(r.error), r.error_message));
    }
    wake();
    return;
  }
  if (r.http_code < 200 || r.http_code >= 300) {
    if (!(guess && client_error)) {
      sitemap_error(item.url, fmt::format("HTTP status {}", r.http_code));
    }
    wake();
    return;
  }
  SitemapResult result = parser ? parser->finish() : parse_sitemap({});
  if (!result.error.empty()) {
    sitemap_error(item.url, result.error);  // what was found before the error is still used
  }
  std::string base = r.effective_url.empty() ? item.url : r.effective_url;
  if (result.kind == SitemapKind::index) {
    for (const std::string& loc : result.locs) {
      if (std::optional<std::string> u = resolve_link(base, loc, NormalizeOptions{})) {
        queue_sitemap(*u, false);
      }
    }
  } else if (result.kind == SitemapKind::urlset && !m_stopping) {
    if (m_state) {
      m_state->begin();
    }
    auto referrer = std::make_shared<const std::string>(item.url);
    for (const std::string& loc : result.locs) {
      std::optional<std::string> u = resolve_link(base, loc, m_norm);
      if (u && m_scope->in_scope(*u)) {
        discover(*u, 0, referrer);
      }
    }
    if (m_state) {
      commit_state();
    }
  }
  wake();
}

void Crawler::page_job(CrawlFrontier::Host* h, CrawlItem item) {
  PageResult p;
  Request req;
  req.url = item.url;
  req.capture_heads = m_warc.has_value();
  LinkExtractorOptions lo;
  lo.assets = m_config.assets;
  PageSink page_sink(m_mirror.has_value() || m_warc.has_value(), lo);
  BodySink sink = std::ref(page_sink);
  req.on_body = &sink;
  auto sent = std::chrono::system_clock::now();
  p.response = m_client->fetch(req);
  p.item = std::move(item);
  Response& r = p.response;
  --m_in_flight;

  // 429 or 503 with Retry-After: the host asked for a pause. Put the URL back first in its
  // host's queue (a few times at most) and let the other hosts go on.
  if (r.ok() && (r.http_code == 429 || r.http_code == 503) &&
      p.item.attempts + 1 < k_max_retry_after_attempts && !m_stopping) {
    if (std::optional<Clock::duration> pause = retry_after(r)) {
      ++p.item.attempts;
      --m_dispatched;
      Clock::time_point now = Clock::now();
      m_frontier->push_front(std::move(p.item), now);
      m_frontier->pause(*h, now + *pause, now);
      m_frontier->finish(*h, now);
      wake();
      return;
    }
  }
  m_frontier->finish(*h);

  if (m_state) {
    m_state->begin();
  }
  bool follow = r.ok() && r.http_code >= 200 && r.http_code < 300;
  p.final_url = p.item.url;
  if (r.num_redirects > 0) {
    std::optional<std::string> fin = normalize_url(r.effective_url, m_norm);
    p.final_url = fin ? *fin : r.effective_url;
    if (fin && *fin != p.item.url) {
      // A redirect target is a URL like any other: if it was seen before, its links were or
      // will be followed from there; if it is out of scope, its links are not ours.
      if (!m_scope->in_scope(*fin)) {
        follow = false;
      } else if (m_state) {
        FrontierItem fi;
        fi.url = *fin;
        fi.depth = static_cast<int>(p.item.depth);
        if (m_state->add(fi)) {
          m_state->done(*fin);
        } else {
          follow = false;
        }
      } else if (!m_seen.insert(*fin)) {
        follow = false;
      }
    }
  }
  p.html = page_sink.html();
  if (p.html) {
    ExtractedPage page = page_sink.finish();
    p.title = std::move(page.title);
    p.links = page.links.size();
    if (follow && static_cast<int>(p.item.depth) < m_config.max_depth && !m_stopping) {
      std::string base = p.final_url;
      if (!page.base.empty()) {
        if (std::optional<std::string> b = resolve_link(p.final_url, page.base)) {
          base = std::move(*b);
        }
      }
      auto referrer = std::make_shared<const std::string>(p.item.url);
      uint32_t depth = p.item.depth + 1;
      for (const std::string& link : page.links) {
        std::optional<std::string> u = resolve_link(base, link, m_norm);
        if (u && m_scope->in_scope(*u)) {
          discover(*u, depth, referrer);
        }
      }
    }
  }
  if (r.ok() && m_warc) {
    WarcExchange x;
    x.target_uri = r.effective_url;
    x.ip_address = r.remote_ip;
    x.request_head = r.request_head;
    x.response_head = r.header_text;
    x.response_body = page_sink.body();
    x.date = sent;
    try {
      m_warc->write(x);
    } catch (const std::runtime_error& e) {
      r.error = Error::output;
      r.error_message = e.what();
    }
  }
  if (r.ok() && m_mirror && r.http_code >= 200 && r.http_code < 300) {
    try {
      r.filename_effective = m_mirror->save(p.final_url, page_sink.body());
    } catch (const std::runtime_error& e) {
      r.error = Error::output;
      r.error_message = e.what();
    }
  }
  bool written = report(p);
  if (m_state) {
    // The record is out before the URL is marked done, in the same transaction as the links
    // it led to and the outputs' new ends: a kill in between fetches the page again rather
    // than losing it or its links, and the next run first cuts off the record written here.
    if (written) {
      m_state->done(p.item.url);
    }
    commit_state();
  }
  wake();
}

void Crawler::dispatch() {
  Clock::time_point now = Clock::now();
  while (!m_stopping && m_pool->free() > 0) {
    CrawlFrontier::Host* h = m_frontier->next_ready(now);
    if (h == nullptr) {
      return;
    }
    if (m_config.robots && h->robots_state == CrawlFrontier::RobotsState::unknown) {
      h->robots_state = CrawlFrontier::RobotsState::fetching;
      h->blocked = true;
      m_frontier->start(*h, now);
      ++m_in_flight;
      m_pool->spawn([this, h] { robots_job(h); });
      continue;
    }
    if (m_config.max_pages != 0 && m_dispatched >= m_config.max_pages) {
      m_frontier->reschedule(*h, now);
      return;
    }
    CrawlItem item = m_frontier->pop(*h);
    if (item.depth == k_sitemap_depth) {
      if (m_config.robots && !h->robots.allowed(path_and_query(item.url))) {
        if (m_sitemap_guesses.count(item.url) == 0) {
          sitemap_error(item.url, "disallowed by robots.txt");
        }
        m_frontier->reschedule(*h, now);
        continue;
      }
      ++m_in_flight;
      m_frontier->start(*h, now);
      m_pool->spawn(
          [this, h, item = std::move(item)]() mutable { sitemap_job(h, std::move(item)); });
      continue;
    }
    if (m_config.robots && !h->robots.allowed(path_and_query(item.url))) {
      if (m_state) {
        m_state->begin();
      }
      report_skipped(item, "robots");
      if (m_state) {
        m_state->done(item.url);
        commit_state();
      }
      m_frontier->reschedule(*h, now);
      continue;
    }
    ++m_dispatched;
    ++m_in_flight;
    m_frontier->start(*h, now);
    m_pool->spawn([this, h, item = std::move(item)]() mutable { page_job(h, std::move(item)); });
  }
}

int Crawler::run() {
  ::signal(SIGPIPE, SIG_IGN);
  Reactor reactor;  // first: reading seeds from a pipe waits on it
  m_reactor = &reactor;
  prepare();

  std::optional<Resolver> resolver;
  std::optional<HttpClient> client;
  HttpClientOptions client_options;
  client_options.max_connections = m_config.concurrency;
  start_client(resolver, client, m_config.dns, m_config.request, client_options, reactor);
  m_client = &*client;
  GreenPool pool(m_config.concurrency, reactor);
  m_pool = &pool;
  m_frontier.emplace(m_config.per_host, m_config.delay);
  m_flush_timer.emplace([this] { m_out.flush(); });

  if (m_state) {
    // Resume: whatever an earlier run discovered and did not finish goes first.
    for (;;) {
      std::vector<FrontierItem> batch = m_state->take(k_resume_batch);
      if (batch.empty()) {
        break;
      }
      for (FrontierItem& fi : batch) {
        CrawlItem item;
        item.url = std::move(fi.url);
        item.depth = static_cast<uint32_t>(std::max(fi.depth, 0));
        if (!fi.referrer.empty()) {
          item.referrer = std::make_shared<const std::string>(std::move(fi.referrer));
        }
        m_frontier->push(std::move(item));
      }
    }
    m_state->begin();
  }
  for (const std::string& seed : m_seeds) {
    discover(seed, 0, nullptr);
  }
  // --sitemaps: each seed host's /sitemap.xml is queued now; the sitemaps its robots.txt names
  // are queued when robots.txt has been read (robots_job).
  if (m_config.sitemaps) {
    for (const std::string& seed : m_seeds) {
      std::string guess = std::string(CrawlFrontier::host_key(seed)) + "/sitemap.xml";
      if (std::optional<std::string> u = normalize_url(guess, NormalizeOptions{})) {
        queue_sitemap(*u, true);
      }
    }
  }
  if (m_state) {
    commit_state();
  }

  Timer cancel_timer([this] { m_client->cancel_all(); });
  InterruptWatch interrupt(
      [&] {
        m_stopping = true;
        cancel_timer.arm(reactor, Clock::now() + k_interrupt_grace);
        wake();
      },
      reactor);

  for (;;) {
    dispatch();
    if (m_in_flight == 0) {
      bool more = !m_stopping && m_frontier->pending() > 0 &&
                  (m_config.max_pages == 0 || m_dispatched < m_config.max_pages);
      if (!more) {
        break;
      }
    }
    Waiter w(reactor);
    m_waiter = &w;
    std::optional<Clock::time_point> when = m_frontier->next_wake();
    if (when) {
      w.wait_until(*when);
    } else if (m_in_flight > 0) {
      w.wait();
    } else {
      m_waiter = nullptr;
      break;  // nothing running and nothing that could become ready: cannot happen
    }
    m_waiter = nullptr;
  }
  pool.waitall();
  m_flush_timer->cancel();
  m_out.flush();
  if (m_state) {
    m_state->begin();
    commit_state(true);
  }
  if (m_out.broken()) {
    return 128 + SIGPIPE;
  }
  if (m_config.stats) {
    write_all(m_err_fd, fmt::format("greenfetch: crawl: {} pages, {} failed, {} skipped by "
                                    "robots.txt, {} URLs still queued\n",
                                    m_pages, m_failed, m_skipped, m_frontier->pending()));
  }
  if (interrupt.interrupted()) {
    if (!m_config.silent) {
      write_all(m_err_fd,
                fmt::format("greenfetch: interrupted; {} transfers cancelled\n", m_cancelled));
    }
    return interrupt.exit_status();
  }
  return m_failed > 0 ? 1 : 0;
}

}  // namespace

int run_crawl(CrawlConfig config, int out_fd, int err_fd) {
  Crawler crawler(config, out_fd, err_fd);
  return crawler.run();
}

}  // namespace greenfetch
