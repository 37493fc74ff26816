// Crawl mode's setup (seeds, options, outputs) and its run loop; the rest of the Crawler is
// in the files crawler_impl.hpp names.
#include "core/crawl/crawler.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/crawl/crawler_impl.hpp"
#include "core/engine/fd_limit.hpp"
#include "core/engine/signals.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch {

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
      if (m_state) {
        m_warc_file = mark_output(m_warc->fd(), m_config.warc);
      }
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
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
            fmt::format("{} queued", m_frontier->pending()),
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
  duration_timer.cancel();
  m_flush_timer->cancel();
  m_out.flush();
  if (m_state) {
    m_state->begin();
    commit_state(true);
  }
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
      m_pages, m_failed, m_skipped, m_links_rejected, m_frontier->pending());
  if (m_config.stats && !progress.live()) {
    write_all(m_err_fd, summary + "\n");
  } else {
    progress.finish(summary);  // on a terminal by default
  }
  if (m_duration_reached && !interrupt.interrupted() && !m_config.silent) {
    write_all(m_err_fd, fmt::format("greenfetch: crawl: --duration reached; {} transfers "
                                    "cancelled, {} URLs still queued\n",
                                    m_cancelled, m_frontier->pending()));
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
  // Every fetch in flight holds a socket: fit -c to the descriptor limit (one warning).
  config.concurrency = fit_concurrency(config.concurrency, err_fd);
  Crawler crawler(config, out_fd, err_fd);
  return crawler.run();
}

}  // namespace greenfetch
