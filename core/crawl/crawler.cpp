// Crawl mode's setup (seeds, options, outputs) and its run loop; the rest of the Crawler is
// in the files crawler_impl.hpp names.
#include "core/crawl/crawler.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/crawl/crawler_impl.hpp"
#include "core/crawl/frontier_local.hpp"
#include "core/crawl/frontier_redis.hpp"
#include "core/engine/fd_limit.hpp"
#include "core/engine/signals.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch {

std::vector<std::string> Crawler::read_seeds() {
  std::vector<std::string> raw = m_config.seeds;
  std::vector<std::string> files = m_config.input_files;
  if (raw.empty() && files.empty() && !m_config.frontier.empty()) {
    return {};  // a worker joining a shared crawl: its seeds are the crawl's
  }
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
  if (seeds.empty()) {
    // As bench's: a crawl of nothing is a mistake on the command line (an empty -i file or
    // stdin), not a crawl that succeeded.
    throw UsageError(
        "no seed URL given: the input had none (pass URLs as arguments, -i FILE, "
        "or pipe them on stdin)");
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
  m_frontier.emplace(m_config.per_host, m_config.delay);
  open_store();  // before the WARC is opened: --state may cut the WARC back
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
  open_state();  // before the WARC is opened: it may cut the WARC back
  if (!m_config.list_external.empty()) {
    m_external_fd.reset(
        ::open(m_config.list_external.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!m_external_fd.valid()) {
      throw UsageError(fmt::format("--list-external: cannot write '{}': {}", m_config.list_external,
                                   std::strerror(errno)));
    }
  }
  if (!m_config.warc.empty()) {
    // The WARC must hold the payload exactly as it came over the wire: ask for no
    // Content-Encoding (no Accept-Encoding header), since libcurl would hand us decoded bytes
    // while the stored response head still said "Content-Encoding: gzip".
    m_config.request.compressed = false;
    try {
      m_warc.emplace(m_config.warc, "greenfetch/" GREENFETCH_VERSION);
      if (m_store->commits()) {
        m_warc_file = mark_output(m_warc->fd(), m_config.warc);
      }
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }
}

namespace {

RedisFrontierOptions redis_frontier_options(const CrawlConfig& config) {
  RedisFrontierOptions o;
  std::optional<RedisAddress> a = parse_redis_url(config.frontier);
  if (!a) {
    throw UsageError(
        fmt::format("--frontier: '{}' is not redis://HOST[:PORT][/DB]", config.frontier));
  }
  if (config.crawl_id.empty()) {
    throw UsageError("--frontier needs --crawl-id NAME (the crawl the workers share)");
  }
  if (!config.state_dir.empty()) {
    throw UsageError(
        "--frontier and --state cannot be used together (the frontier keeps the state)");
  }
  if (config.sitemaps) {
    throw UsageError("--frontier: --sitemaps is not supported yet with a shared frontier");
  }
  o.address = *a;
  o.url = config.frontier;
  o.crawl_id = config.crawl_id;
  o.worker = config.worker_id;
  if (o.worker.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    o.worker = fmt::format("{}:{}", host, ::getpid());
  }
  o.lease = config.lease;
  if (o.lease.count() == 0) {
    o.lease =
        std::max<std::chrono::milliseconds>(std::chrono::seconds(60), 3 * config.request.max_time);
  }
  return o;
}

}  // namespace

int crawl_status(const CrawlConfig& config, int out_fd) {
  Reactor reactor;
  std::string text = RedisFrontierStore::status(reactor, redis_frontier_options(config));
  write_all(out_fd, text);
  return 0;
}

// The frontier store: local (memory or --state) or shared (--frontier), and the crawl's
// settings checked against it.
void Crawler::open_store() {
  if (!m_config.frontier.empty()) {
    m_store = std::make_unique<RedisFrontierStore>(*m_frontier, *m_reactor,
                                                   redis_frontier_options(m_config));
  } else {
    try {
      m_store = std::make_unique<LocalFrontierStore>(*m_frontier, m_config.state_dir);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }
  m_store->open_crawl(settings_text(), m_seeds);
}

// The options that make two workers' crawls the same crawl, one a line (seeds last).
std::string Crawler::settings_text() const {
  std::string s;
  s += fmt::format("scope {}\n", static_cast<int>(m_config.scope.kind));
  for (const std::string& r : m_config.scope.include) {
    s += fmt::format("include {}\n", r);
  }
  for (const std::string& r : m_config.scope.exclude) {
    s += fmt::format("exclude {}\n", r);
  }
  s += fmt::format("accept-ext {}\n", fmt::join(m_config.scope.accept_ext, ","));
  s += fmt::format("reject-ext {}\n", fmt::join(m_config.scope.reject_ext, ","));
  s += fmt::format("max-depth {}\n", m_config.max_depth);
  s += fmt::format("per-host {}\n", m_config.per_host);
  s += fmt::format("delay {}ms\n", m_config.delay.count());
  s += fmt::format("assets {}\n", m_config.assets);
  s += fmt::format("strip-query {}\n", m_config.strip_query);
  s += fmt::format("drop-params {}\n", m_config.drop_params);
  s += fmt::format("robots {}\n", m_config.robots);
  return s;
}

// Between two turns of the run loop: the shared frontier's turn, after the outputs are
// written (what done() reported must be out before it is acknowledged).
void Crawler::sync_store() {
  std::optional<Clock::time_point> when = m_store->next_sync();
  Clock::time_point now = Clock::now();
  if (!when || *when > now) {
    return;
  }
  m_out.flush();
  if (m_warc) {
    m_warc->flush();
  }
  m_store->sync(now, m_stopping ? 0 : m_pool->free());
}

int Crawler::run() {
  ::signal(SIGPIPE, SIG_IGN);
  Reactor reactor;  // first: reading seeds from a pipe waits on it
  m_reactor = &reactor;
  struct StoreReset {  // the store (its Redis connection) goes before the reactor it uses
    Crawler& c;
    ~StoreReset() { c.m_store.reset(); }
  } store_reset{*this};
  prepare();

  std::optional<Resolver> resolver;
  std::optional<HttpClient> client;
  HttpClientOptions client_options;
  client_options.max_connections = m_config.concurrency;
  // A redirect's target is written as links are, so that what is fetched is what the
  // seen-set, the records and the WARC name.
  RequestOptions request = m_config.request;
  request.redirect_normalize = std::make_shared<const NormalizeOptions>(m_norm);
  start_client(resolver, client, m_config.dns, request, client_options, reactor);
  m_client = &*client;
  GreenPool pool(m_config.concurrency, reactor);
  m_pool = &pool;
  m_flush_timer.emplace([this] { m_out.flush(); });

  m_store->resume();
  m_store->begin();
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
  commit_state();

  Timer cancel_timer([this] { m_client->cancel_all(); });
  InterruptWatch interrupt(
      [&] {
        m_stopping = true;
        cancel_timer.arm(reactor, Clock::now() + k_interrupt_grace);
        wake();
      },
      reactor);
  // -z/--duration: like Ctrl-C, but an ordinary end (pages cancelled then are not failures).
  Timer duration_timer([&] {
    m_duration_reached = true;
    m_stopping = true;
    cancel_timer.arm(reactor, Clock::now() + k_interrupt_grace);
    wake();
  });
  if (m_config.run_for.count() > 0) {
    duration_timer.arm(reactor, Clock::now() + m_config.run_for);
  }

  // The live line: fields most important first (Progress leaves out what does not fit).
  Clock::time_point started = Clock::now();
  Progress progress(
      m_err_fd, m_config.progress && !m_config.silent && ::isatty(m_err_fd) != 0,
      [this, started] {
        double secs = std::chrono::duration<double>(Clock::now() - started).count();
        return std::vector<std::string>{
            fmt::format("{} pages", m_pages),
            fmt::format("{} queued", m_store->queued()),
            fmt::format("{} in flight", m_in_flight),
            fmt::format("{} hosts", m_frontier->host_count()),
            fmt::format("{} failed", m_failed),
            fmt::format("{} robots-skipped", m_skipped),
            fmt::format("{:.0f}/s", secs > 0 ? static_cast<double>(m_pages) / secs : 0),
            human_duration(secs)};
      },
      m_out_fd, reactor);
  m_progress = &progress;
  m_out.set_before_write([&progress](std::string_view data) { progress.before_output(data); });
  struct Unhook {  // m_out outlives progress: its last flush must not call back
    Crawler& c;
    ~Unhook() {
      c.m_out.set_before_write({});
      c.m_progress = nullptr;
    }
  } unhook{*this};

  for (;;) {
    sync_store();
    dispatch();
    if (m_in_flight == 0) {
      bool more = !m_stopping && !m_store->exhausted() &&
                  (m_config.max_pages == 0 || m_dispatched < m_config.max_pages);
      if (!more) {
        break;
      }
    }
    Waiter w(reactor);
    m_waiter = &w;
    std::optional<Clock::time_point> when = m_frontier->next_wake();
    if (std::optional<Clock::time_point> sync = m_store->next_sync()) {
      when = when ? std::min(*when, *sync) : *sync;
    }
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
  duration_timer.cancel();
  m_flush_timer->cancel();
  m_out.flush();
  m_store->begin();
  commit_state(true);
  m_store->close();
  if (m_out.broken()) {
    progress.clear();
    return 128 + SIGPIPE;
  }
  if (m_config.convert_links && m_mirror && !interrupt.interrupted()) {
    progress.clear();
    convert_mirror();
  }
  std::string summary = fmt::format(
      "greenfetch: crawl: {} pages, {} failed, {} skipped by robots.txt, {} links rejected, "
      "{} URLs still queued",
      m_pages, m_failed, m_skipped, m_links_rejected, m_store->queued());
  if (m_config.stats && !progress.live()) {
    write_all(m_err_fd, summary + "\n");
  } else {
    progress.finish(summary);  // on a terminal by default
  }
  if (m_duration_reached && !interrupt.interrupted() && !m_config.silent) {
    write_all(m_err_fd, fmt::format("greenfetch: crawl: --duration reached; {} transfers "
                                    "cancelled, {} URLs still queued\n",
                                    m_cancelled, m_store->queued()));
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

int run_crawl(CrawlConfig config, int out_fd, int err_fd) {
  // Every fetch in flight holds a socket; with -o its mirror file, and with -o or --warc its
  // page spool once pages outgrow the memory budget: fit -c to the descriptor limit.
  std::size_t per_fetch = 1 + (config.output_dir.empty() ? 0 : 1) +
                          (config.output_dir.empty() && config.warc.empty() ? 0 : 1);
  config.concurrency = fit_concurrency(config.concurrency, err_fd, "-c", per_fetch);
  Crawler crawler(config, out_fd, err_fd);
  return crawler.run();
}

}  // namespace greenfetch
