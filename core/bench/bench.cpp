#include "core/bench/bench.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/bench/fast_path.hpp"
#include "core/bench/hdr_codec.hpp"
#include "core/engine/fd_limit.hpp"
#include "core/engine/green_pool.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/waiter.hpp"
#include "core/http/client.hpp"
#include "core/http/curl_handles.hpp"
#include "core/input/url_source.hpp"
#include "core/output/output.hpp"
#include "core/output/progress.hpp"

namespace greenfetch {

namespace {

constexpr auto k_live_interval = std::chrono::seconds(1);

int64_t micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

int64_t micros(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * 1e6));
}

constexpr auto k_stop_poll = std::chrono::milliseconds(50);

// Counters every thread adds to, read by the live line; `stop` is set by the signal watch.
struct Shared {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> started{0};
  std::atomic<int64_t> p99_us{0};  // of the first thread: a sample, not a merge
  std::atomic<bool> stop{false};
};

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it starts) while alive, so
// that they wait for the run's watch (sigtimedwait) instead of killing the process.
class BlockInterrupts {
 public:
  BlockInterrupts() {
    sigset_t set = interrupt_signals();
    pthread_sigmask(SIG_BLOCK, &set, &m_old);
  }
  ~BlockInterrupts() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
  BlockInterrupts(const BlockInterrupts&) = delete;
  BlockInterrupts& operator=(const BlockInterrupts&) = delete;

 private:
  sigset_t m_old{};
};

// The part of a run one thread does: its share of requests, concurrency and rate.
struct ThreadPlan {
  int index = 0;
  uint64_t requests = 0;
  std::size_t concurrency = 1;
  double rate = 0;
};

class BenchThread {
 public:
  BenchThread(const BenchConfig& config, const ThreadPlan& plan, Shared& shared)
      : m_config(config), m_plan(plan), m_shared(shared) {}

  BenchStats run(Clock::time_point start);
  double measured_seconds() const { return m_seconds; }
  // Why requests of this thread went the full path (empty: none did).
  const std::string& libcurl_reason() const { return m_libcurl_reason; }
  // Per-second histograms (config.intervals): second since the measured start, tag index
  // (k_interval_tags, then targets), encoded histogram.
  struct Encoded {
    int64_t second = 0;
    std::size_t tag = 0;
    std::string histogram;
  };
  std::vector<Encoded>& intervals() { return m_intervals; }
  // Requests in flight: connections times streams per connection.
  std::size_t in_flight() const {
    return m_plan.concurrency * static_cast<std::size_t>(std::max(1, m_config.streams));
  }

 private:
  void prepare(HttpClient& client);
  // One request of target, on the fast path when it can; `fast` says which ran.
  Response fetch(HttpClient& client, std::size_t target, bool& fast);
  void record(const Response& r, std::size_t target, bool fast, Clock::time_point intended,
              Clock::time_point started, Clock::time_point ended);
  void record_interval(const Response& r, std::size_t target, bool failed, int64_t latency,
                       int64_t uncorrected, Clock::time_point ended);
  void flush_interval();
  bool take_ticket();
  void closed_loop(HttpClient& client, GreenPool& pool);
  void open_loop(HttpClient& client, GreenPool& pool);
  void run_phase(HttpClient& client, Reactor& reactor, bool measured, Clock::time_point deadline);

  const BenchConfig& m_config;
  ThreadPlan m_plan;
  Shared& m_shared;
  BenchStats m_stats;
  std::vector<Request> m_requests;
  std::vector<CurlSlist> m_header_lists;
  BodySink m_discard = [](const Response&, std::string_view) { return true; };
  bool m_measuring = false;
  bool m_stopped = false;
  Waiter* m_pacer = nullptr;    // the open loop's wait for the next scheduled start
  uint64_t m_tickets = 0;       // requests started in this phase
  uint64_t m_ticket_limit = 0;  // 0: until the deadline
  Clock::time_point m_deadline = Clock::time_point::max();
  uint64_t m_next_target = 0;
  double m_seconds = 0;
  Clock::time_point m_measure_start{};
  int64_t m_interval_second = -1;
  std::vector<std::optional<Histogram>> m_interval;  // by tag index, made when first used
  std::vector<Encoded> m_intervals;
  std::optional<FastPath> m_fast;
  std::string m_libcurl_reason;
};

constexpr std::size_t k_status_tag = 7;  // index of "status_1xx" in k_interval_tags
constexpr std::size_t k_target_tag = std::size(k_interval_tags);

void BenchThread::prepare(HttpClient& /*client*/) {
  m_requests.reserve(m_config.targets.size());
  m_header_lists.reserve(m_config.targets.size());
  for (const BenchTarget& t : m_config.targets) {
    Request r;
    r.url = t.url;
    r.method = t.method;
    r.on_body = &m_discard;
    if (t.has_body) {
      r.data = t.body;
      r.has_data = true;
    }
    CurlSlist& list = m_header_lists.emplace_back();
    if (!t.headers.empty()) {
      for (const std::string& h : m_config.request.headers) {
        list.append(h);
      }
      for (const std::string& h : t.headers) {
        list.append(h);
      }
      r.header_list = list.get();
    }
    m_requests.push_back(std::move(r));
  }
}

bool BenchThread::take_ticket() {
  if (m_stopped) {
    return false;
  }
  if (m_ticket_limit > 0) {
    if (m_tickets >= m_ticket_limit) {
      return false;
    }
  } else if (Clock::now() >= m_deadline) {
    return false;
  }
  ++m_tickets;
  if (m_measuring) {
    ++m_stats.started;
    m_shared.started.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

void BenchThread::flush_interval() {
  for (std::size_t tag = 0; tag < m_interval.size(); ++tag) {
    std::optional<Histogram>& h = m_interval[tag];
    if (h && h->count() > 0) {
      m_intervals.push_back({m_interval_second, tag, hdr_encode_base64(*h)});
      h->reset();
    }
  }
}

void BenchThread::record_interval(const Response& r, std::size_t target, bool failed,
                                  int64_t latency, int64_t uncorrected, Clock::time_point ended) {
  int64_t second = std::max<int64_t>(0, micros(ended - m_measure_start) / 1'000'000);
  if (second != m_interval_second) {
    flush_interval();
    m_interval_second = second;
  }
  auto add = [this](std::size_t tag, int64_t v) {
    if (m_interval.size() <= tag) {
      m_interval.resize(tag + 1);
    }
    if (!m_interval[tag]) {
      m_interval[tag].emplace();
    }
    m_interval[tag]->record(std::max<int64_t>(1, v));
  };
  if (failed) {
    add(2, latency);
  } else {
    add(0, latency);
    add(1, uncorrected);
  }
  add(3, micros(r.time.namelookup));
  if (r.time.connect > 0) {
    add(4, micros(r.time.connect));
  }
  if (r.time.appconnect > 0) {
    add(5, micros(r.time.appconnect));
  }
  if (r.time.starttransfer > 0) {
    add(6, micros(r.time.starttransfer));
  }
  long cls = r.http_code / 100;
  add(r.http_code >= 100 && cls <= 5 ? k_status_tag + static_cast<std::size_t>(cls - 1)
                                     : k_status_tag + 5,
      latency);
  if (target < k_interval_targets) {
    add(k_target_tag + target, latency);
  }
}

Response BenchThread::fetch(HttpClient& client, std::size_t target, bool& fast) {
  fast = m_fast && m_fast->handles(target);
  if (fast) {
    std::optional<Response> r = m_fast->fetch(target);
    if (r) {
      return std::move(*r);
    }
    fast = false;  // the answer needs libcurl: this request and the target's next ones
  }
  if (m_fast && m_libcurl_reason.empty()) {
    m_libcurl_reason = m_fast->reason(target);
  }
  return client.fetch(m_requests[target]);
}

void BenchThread::record(const Response& r, std::size_t target, bool fast,
                         Clock::time_point intended, Clock::time_point started,
                         Clock::time_point ended) {
  if (!m_measuring || r.error == Error::cancelled) {
    return;
  }
  BenchStats& s = m_stats;
  ++s.requests;
  ++(fast ? s.fast_requests : s.libcurl_requests);
  s.body_bytes += static_cast<uint64_t>(r.size_download);
  // libcurl sends a small body (under 64 KiB, lib/http.c) in the same buffer as the request
  // head and counts it in CURLINFO_REQUEST_SIZE as well as in the upload size; a larger one is
  // sent after the head and counted only as upload.
  bool body_in_head = r.size_upload < 65536 && r.size_request >= r.size_upload;
  s.bytes_sent += static_cast<uint64_t>(r.size_request + (body_in_head ? 0 : r.size_upload));
  s.bytes_received += static_cast<uint64_t>(r.size_header + r.size_download);
  s.connections += static_cast<uint64_t>(r.num_connects);
  bool failed = !r.ok() || r.http_code >= 400;
  int64_t latency = std::max<int64_t>(1, micros(ended - intended));
  if (failed) {
    s.failure_latency.record(latency);
  } else {
    ++s.successes;
    s.latency.record(latency);
    s.uncorrected.record(std::max<int64_t>(1, micros(ended - started)));
  }
  s.dns.record(std::max<int64_t>(1, micros(r.time.namelookup)));
  if (r.time.connect > 0) {
    s.connect.record(std::max<int64_t>(1, micros(r.time.connect)));
  }
  if (r.time.appconnect > 0) {
    s.tls.record(std::max<int64_t>(1, micros(r.time.appconnect)));
  }
  if (r.time.starttransfer > 0) {
    s.first_byte.record(std::max<int64_t>(1, micros(r.time.starttransfer)));
  }
  if (r.http_code > 0) {
    ++s.statuses[r.http_code];
  }
  if (failed) {
    ++s.failures;
    ++s.errors[std::string(error_kind(r.ok() ? Error::http : r.error))];
    m_shared.failures.fetch_add(1, std::memory_order_relaxed);
  }
  m_shared.requests.fetch_add(1, std::memory_order_relaxed);
  if (m_config.intervals) {
    record_interval(r, target, failed, latency, micros(ended - started), ended);
  }
}

void BenchThread::closed_loop(HttpClient& client, GreenPool& pool) {
  for (std::size_t w = 0; w < in_flight(); ++w) {
    pool.spawn([this, &client] {
      while (take_ticket()) {
        std::size_t target = m_next_target++ % m_requests.size();
        Clock::time_point started = Clock::now();
        bool fast = false;
        Response r = fetch(client, target, fast);
        record(r, target, fast, started, started, Clock::now());
      }
    });
  }
  pool.waitall();
}

void BenchThread::open_loop(HttpClient& client, GreenPool& pool) {
  auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / m_plan.rate));
  Clock::time_point t0 = Clock::now();
  for (uint64_t k = 0;; ++k) {
    Clock::time_point intended = t0 + interval * static_cast<int64_t>(k);
    if (m_ticket_limit == 0 && intended >= m_deadline) {
      break;
    }
    Clock::time_point now = Clock::now();
    if (intended > now && !m_stopped) {
      Waiter w;
      m_pacer = &w;
      w.wait_until(intended);
      m_pacer = nullptr;
    }
    if (!take_ticket()) {
      break;
    }
    bool full = pool.free() == 0;
    std::size_t target = m_next_target++ % m_requests.size();
    pool.spawn([this, &client, target, intended] {
      Clock::time_point started = Clock::now();
      bool fast = false;
      Response r = fetch(client, target, fast);
      record(r, target, fast, intended, started, Clock::now());
    });
    if (full && m_measuring) {
      // The start is late: the pool was full at its scheduled time. Counted, never dropped.
      ++m_stats.late_starts;
      m_stats.max_lag_us = std::max(m_stats.max_lag_us, micros(Clock::now() - intended));
    }
  }
  if (m_measuring) {
    // Scheduled before the end: the intended times in [t0, end), at most -n of them.
    Clock::time_point end = std::min(Clock::now(), m_deadline);
    auto due = static_cast<uint64_t>((end - t0 + interval - Clock::duration(1)) / interval);
    m_stats.scheduled = m_ticket_limit > 0 ? std::min(m_ticket_limit, due) : due;
    m_stats.scheduled = std::max(m_stats.scheduled, m_stats.started);
  }
  pool.waitall();
}

void BenchThread::run_phase(HttpClient& client, Reactor& reactor, bool measured,
                            Clock::time_point deadline) {
  m_measuring = measured;
  m_stopped = false;
  m_tickets = 0;
  m_deadline = deadline;
  m_ticket_limit = deadline == Clock::time_point::max() ? m_plan.requests : 0;
  // At the deadline nothing new starts and what is in flight is cancelled (not counted).
  auto halt = [this, &client] {
    m_stopped = true;
    client.cancel_all();
    if (m_fast) {
      m_fast->cancel_all();
    }
    if (m_pacer != nullptr) {
      m_pacer->post();
    }
  };
  Timer stop(halt);
  if (deadline != Clock::time_point::max()) {
    stop.arm(reactor, deadline);
  }
  // A signal (run_bench's watch) stops the phase the same way; looked at every k_stop_poll.
  std::optional<Timer> watch;
  watch.emplace([this, &reactor, &watch, halt] {
    if (m_shared.stop.load(std::memory_order_relaxed)) {
      if (!m_stopped) {
        halt();
      }
      return;
    }
    watch->arm(reactor, Clock::now() + k_stop_poll);
  });
  watch->arm(reactor, Clock::now() + k_stop_poll);
  GreenPool pool(in_flight(), reactor);
  if (m_shared.stop.load()) {
    m_stopped = true;
  } else if (m_plan.rate > 0) {
    open_loop(client, pool);
  } else {
    closed_loop(client, pool);
  }
  if (m_measuring && m_plan.rate <= 0) {
    m_stats.scheduled = m_stats.started;
  }
  client.reset_cancel();
  if (m_fast) {
    m_fast->reset_cancel();
  }
}

BenchStats BenchThread::run(Clock::time_point start) {
  Reactor reactor;
  std::optional<Resolver> resolver;
  std::optional<HttpClient> client_slot;
  // The fast path's connections deregister their sockets from this reactor (and use the
  // resolver) as they close: they go first, on every way out of this function.
  struct FastPathReset {
    std::optional<FastPath>& fast;
    ~FastPathReset() { fast.reset(); }
  } fast_reset{m_fast};
  // -c is connections in every protocol: without --streams one request per connection at a
  // time (HTTP/2 too, so ALPN cannot fold them into one); with --streams M, M requests on each
  // of the -c connections to a host.
  HttpClientOptions options;
  options.max_connections = m_plan.concurrency;
  if (m_config.streams > 1) {
    options.max_host_connections = m_plan.concurrency;
    options.max_streams = static_cast<std::size_t>(m_config.streams);
  } else {
    options.multiplex = false;
  }
  start_client(resolver, client_slot, m_config.dns, m_config.request, options, reactor);
  HttpClient& client = *client_slot;
  prepare(client);
  if (m_config.path != BenchPath::libcurl && fast_path_blocker(m_config).empty()) {
    m_fast.emplace(m_config, *resolver, in_flight(), reactor);
  }
  std::optional<Timer> live_timer;
  if (m_config.warmup.count() > 0) {
    run_phase(client, reactor, false, start + m_config.warmup);
  }
  Clock::time_point measure_start = Clock::now();
  m_measure_start = measure_start;
  Clock::time_point deadline =
      m_config.duration.count() > 0 ? measure_start + m_config.duration : Clock::time_point::max();
  if (m_plan.index == 0) {
    live_timer.emplace([this, &reactor, &live_timer] {
      m_shared.p99_us.store(m_stats.latency.percentile(99), std::memory_order_relaxed);
      live_timer->arm(reactor, Clock::now() + std::chrono::milliseconds(200));
    });
    live_timer->arm(reactor, Clock::now() + std::chrono::milliseconds(200));
  }
  run_phase(client, reactor, true, deadline);
  m_seconds = std::chrono::duration<double>(Clock::now() - measure_start).count();
  flush_interval();
  live_timer.reset();
  return std::move(m_stats);
}

std::string fmt_us(int64_t us) {
  if (us < 1000) {
    return fmt::format("{}us", us);
  }
  if (us < 1'000'000) {
    return fmt::format("{:.2f}ms", static_cast<double>(us) / 1e3);
  }
  return fmt::format("{:.2f}s", static_cast<double>(us) / 1e6);
}

constexpr double k_percentiles[] = {50, 75, 90, 95, 99, 99.9, 99.99};

nlohmann::ordered_json latency_json(const Histogram& h) {
  nlohmann::ordered_json j;
  j["count"] = h.count();
  j["min"] = h.min();
  j["mean"] = std::round(h.mean() * 10) / 10;
  j["stdev"] = std::round(h.stdev() * 10) / 10;
  for (double p : k_percentiles) {
    j[fmt::format("p{}", p)] = h.percentile(p);
  }
  j["max"] = h.max();
  return j;
}

// A bar chart of the latency distribution: log-spaced bins from min to max.
std::string latency_chart(const Histogram& h) {
  if (h.count() == 0) {
    return {};
  }
  constexpr int k_bins = 12;
  constexpr int k_width = 40;
  double lo = std::max<double>(1, static_cast<double>(h.min()));
  double hi = std::max<double>(lo * 1.0001, static_cast<double>(h.max()));
  double ratio = std::pow(hi / lo, 1.0 / k_bins);
  std::vector<uint64_t> bins(k_bins, 0);
  h.for_each_bucket([&](int64_t low, int64_t /*high*/, uint64_t count) {
    double v = std::max<double>(static_cast<double>(low), lo);
    int b = static_cast<int>(std::log(v / lo) / std::log(ratio));
    bins[static_cast<std::size_t>(std::clamp(b, 0, k_bins - 1))] += count;
  });
  uint64_t peak = *std::max_element(bins.begin(), bins.end());
  std::string out;
  for (int b = 0; b < k_bins; ++b) {
    double edge = lo * std::pow(ratio, b + 1);
    auto n = bins[static_cast<std::size_t>(b)];
    int len = peak == 0 ? 0
                        : static_cast<int>(std::llround(k_width * static_cast<double>(n) /
                                                        static_cast<double>(peak)));
    out += fmt::format("  <= {:>10} {:>9} |{}\n", fmt_us(static_cast<int64_t>(edge)), n,
                       std::string(static_cast<std::size_t>(len), '#'));
  }
  return out;
}

// The threads' intervals, one per second and tag: those of one second and tag are added.
std::vector<BenchInterval> merge_intervals(std::vector<std::vector<BenchThread::Encoded>>& all,
                                           int64_t start_unix_us) {
  std::vector<BenchThread::Encoded> flat;
  for (auto& v : all) {
    std::move(v.begin(), v.end(), std::back_inserter(flat));
    v.clear();
  }
  std::stable_sort(flat.begin(), flat.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.tag < b.tag;
  });
  std::vector<BenchInterval> out;
  for (std::size_t i = 0; i < flat.size();) {
    std::size_t j = i;
    Histogram sum = hdr_decode_base64(flat[i].histogram);
    for (++j; j < flat.size() && flat[j].second == flat[i].second && flat[j].tag == flat[i].tag;
         ++j) {
      sum.merge(hdr_decode_base64(flat[j].histogram));
    }
    BenchInterval b;
    b.start_unix_us = start_unix_us + flat[i].second * 1'000'000;
    b.tag = flat[i].tag < k_target_tag ? std::string(k_interval_tags[flat[i].tag])
                                       : fmt::format("target_{}", flat[i].tag - k_target_tag);
    b.count = sum.count();
    b.max_us = sum.max();
    b.histogram = j - i == 1 ? std::move(flat[i].histogram) : hdr_encode_base64(sum);
    out.push_back(std::move(b));
    i = j;
  }
  return out;
}

}  // namespace

void BenchStats::merge(const BenchStats& o) {
  requests += o.requests;
  successes += o.successes;
  failures += o.failures;
  body_bytes += o.body_bytes;
  bytes_sent += o.bytes_sent;
  bytes_received += o.bytes_received;
  connections += o.connections;
  fast_requests += o.fast_requests;
  libcurl_requests += o.libcurl_requests;
  scheduled += o.scheduled;
  started += o.started;
  late_starts += o.late_starts;
  max_lag_us = std::max(max_lag_us, o.max_lag_us);
  latency.merge(o.latency);
  uncorrected.merge(o.uncorrected);
  failure_latency.merge(o.failure_latency);
  dns.merge(o.dns);
  connect.merge(o.connect);
  tls.merge(o.tls);
  first_byte.merge(o.first_byte);
  for (const auto& [k, v] : o.statuses) {
    statuses[k] += v;
  }
  for (const auto& [k, v] : o.errors) {
    errors[k] += v;
  }
}

BenchResult run_bench(const BenchConfig& config) {
  if (config.targets.empty()) {
    throw UsageError("bench: no target URL given");
  }
  {
    // Bad option values are found here, on this thread, before any worker starts.
    Reactor reactor;
    std::optional<Resolver> resolver;
    std::optional<HttpClient> client;
    start_client(resolver, client, config.dns, config.request, {}, reactor);
    if (config.path == BenchPath::fast) {
      std::string blocker = fast_path_blocker(config);
      if (!blocker.empty()) {
        throw UsageError("--path fast: the fast path cannot do " + blocker);
      }
      FastPath fast(config, *resolver, 1, reactor);
      for (std::size_t i = 0; i < config.targets.size(); ++i) {
        if (!fast.handles(i)) {
          throw UsageError("--path fast: " + config.targets[i].url + ": the fast path cannot do " +
                           fast.reason(i));
        }
      }
    }
  }
  int threads = std::max(1, config.threads);
  // Every request in flight holds a socket: fit -c to the descriptor limit (one warning).
  std::size_t concurrency =
      fit_concurrency(std::max<std::size_t>(config.concurrency, 1), STDERR_FILENO);
  if (static_cast<std::size_t>(threads) > concurrency) {
    threads = static_cast<int>(concurrency);
  }
  std::vector<ThreadPlan> plans(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    ThreadPlan& p = plans[static_cast<std::size_t>(i)];
    auto t = static_cast<uint64_t>(threads);
    auto idx = static_cast<uint64_t>(i);
    p.index = i;
    p.requests = config.requests / t + (idx < config.requests % t ? 1 : 0);
    p.concurrency =
        concurrency / static_cast<std::size_t>(threads) +
        (static_cast<std::size_t>(i) < concurrency % static_cast<std::size_t>(threads) ? 1 : 0);
    p.rate = config.rate / threads;
  }
  Shared shared;
  std::vector<BenchStats> stats(plans.size());
  std::vector<double> seconds(plans.size(), 0);
  std::optional<BlockInterrupts> blocked;
  if (config.handle_signals) {
    blocked.emplace();  // before any thread starts: they inherit the mask
  }
  Clock::time_point start = Clock::now();
  auto wall_start = std::chrono::system_clock::now() + config.warmup;
  std::vector<std::vector<BenchThread::Encoded>> intervals(plans.size());
  std::vector<std::string> reasons(plans.size());
  auto work = [&](std::size_t i) {
    BenchThread t(config, plans[i], shared);
    stats[i] = t.run(start);
    seconds[i] = t.measured_seconds();
    intervals[i] = std::move(t.intervals());
    reasons[i] = t.libcurl_reason();
  };
  // The watch: a thread that waits for SIGINT/SIGTERM (the first stops the run, a second
  // exits at once) and, on a terminal, writes the live line once a second.
  std::atomic<bool> done{false};
  std::atomic<int> signal_number{0};
  sigset_t watched = interrupt_signals();
  auto take_signal = [&](int sig) {
    if (sig <= 0) {
      return;
    }
    if (signal_number.load() != 0) {
      ::_exit(128 + sig);
    }
    signal_number = sig;
    shared.stop = true;
  };
  std::thread watch([&] {
    Clock::time_point next = Clock::now() + k_live_interval;
    uint64_t last = 0;
    while (!done.load()) {
      if (config.handle_signals) {
        timespec wait{0, 50'000'000};
        take_signal(sigtimedwait(&watched, nullptr, &wait));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (!config.live || Clock::now() < next) {
        continue;
      }
      uint64_t n = shared.requests.load();
      double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      std::string target = config.rate > 0 ? fmt::format(" (target {:.0f}, started {})",
                                                         config.rate, shared.started.load())
                                           : std::string();
      std::string line =
          fmt::format("\r\033[K{:.0f}s  {} req/s{}  p99 {}  {} errors", elapsed, n - last, target,
                      fmt_us(shared.p99_us.load()), shared.failures.load());
      write_all(STDERR_FILENO, line);
      last = n;
      next += k_live_interval;
    }
    if (config.live) {
      write_all(STDERR_FILENO, "\r\033[K");
    }
  });
  std::vector<std::thread> others;
  for (std::size_t i = 1; i < plans.size(); ++i) {
    others.emplace_back(work, i);
  }
  work(0);
  for (std::thread& t : others) {
    t.join();
  }
  done = true;
  watch.join();
  if (config.handle_signals) {
    // A signal that came after the watch ended is taken here, not when the mask is restored.
    timespec now{0, 0};
    take_signal(sigtimedwait(&watched, nullptr, &now));
  }
  BenchResult result;
  for (const BenchStats& s : stats) {
    result.stats.merge(s);
  }
  result.seconds = *std::max_element(seconds.begin(), seconds.end());
  result.threads = threads;
  result.concurrency = concurrency;
  result.rate = config.rate;
  result.signal = signal_number.load();
  result.start_unix_us =
      std::chrono::duration_cast<std::chrono::microseconds>(wall_start.time_since_epoch()).count();
  check_thresholds(result, config.fail_on);
  result.intervals = merge_intervals(intervals, result.start_unix_us);
  if (result.stats.libcurl_requests > 0) {
    std::string blocker = fast_path_blocker(config);
    result.libcurl_reason = config.path == BenchPath::libcurl ? "--path libcurl"
                            : !blocker.empty()                ? blocker
                                                              : std::string();
    for (const std::string& r : reasons) {
      if (result.libcurl_reason.empty()) {
        result.libcurl_reason = r;
      }
    }
  }
  return result;
}

namespace {

double per_second(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string latency_line(const Histogram& h) {
  return fmt::format("min {}  mean {}  stdev {}  max {}", fmt_us(h.min()),
                     fmt_us(static_cast<int64_t>(h.mean())),
                     fmt_us(static_cast<int64_t>(h.stdev())), fmt_us(h.max()));
}

std::string percentile_line(const Histogram& h) {
  std::string pct;
  for (double p : k_percentiles) {
    pct += fmt::format("  p{} {}", p, fmt_us(h.percentile(p)));
  }
  return pct;
}

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

// A threshold's actual figure, in its unit.
double metric_value(const BenchResult& r, const Threshold& t) {
  const BenchStats& s = r.stats;
  switch (t.metric) {
    case ThresholdMetric::percentile:
      return static_cast<double>(s.latency.percentile(t.percentile));
    case ThresholdMetric::min:
      return static_cast<double>(s.latency.min());
    case ThresholdMetric::mean:
      return s.latency.mean();
    case ThresholdMetric::max:
      return static_cast<double>(s.latency.max());
    case ThresholdMetric::errors:
      return t.percent ? percent(s.failures, s.requests) : static_cast<double>(s.failures);
    case ThresholdMetric::rps:
      return per_second(s.requests, r.seconds);
    case ThresholdMetric::dropped:
      return t.percent ? percent(s.dropped(), s.scheduled) : static_cast<double>(s.dropped());
  }
  return 0;
}

std::string metric_text(const Threshold& t, double v) {
  switch (t.metric) {
    case ThresholdMetric::percentile:
    case ThresholdMetric::min:
    case ThresholdMetric::mean:
    case ThresholdMetric::max:
      return fmt_us(static_cast<int64_t>(v));
    case ThresholdMetric::rps:
      return fmt::format("{:.1f}", v);
    default:
      return t.percent ? fmt::format("{:.2f}%", v) : fmt::format("{}", static_cast<uint64_t>(v));
  }
}

}  // namespace

void check_thresholds(BenchResult& result, const std::vector<Threshold>& thresholds) {
  result.thresholds.clear();
  for (const Threshold& t : thresholds) {
    ThresholdOutcome o;
    o.text = t.text;
    o.actual = metric_value(result, t);
    o.failed = threshold_fails(t, o.actual);
    o.actual_text = metric_text(t, o.actual);
    result.thresholds.push_back(std::move(o));
  }
}

std::string bench_path_name(const BenchResult& r) {
  const BenchStats& s = r.stats;
  if (s.fast_requests > 0 && s.libcurl_requests > 0) {
    return "fast and libcurl";
  }
  return s.libcurl_requests > 0 ? "libcurl" : s.fast_requests > 0 ? "fast" : "none";
}

namespace {

std::string path_text(const BenchResult& r) {
  const BenchStats& s = r.stats;
  std::string why = r.libcurl_reason.empty() ? std::string() : "; libcurl for " + r.libcurl_reason;
  if (s.libcurl_requests == 0) {
    return s.fast_requests > 0
               ? "fast (connections by libcurl; requests written and answers parsed by bench)"
               : "none";
  }
  if (s.fast_requests == 0) {
    return "libcurl (full transfers)" + why;
  }
  return fmt::format("fast for {} requests, libcurl for {}{}", s.fast_requests, s.libcurl_requests,
                     why);
}

}  // namespace

int BenchResult::exit_status() const {
  if (signal != 0) {
    return 128 + signal;
  }
  bool failed = std::any_of(thresholds.begin(), thresholds.end(),
                            [](const ThresholdOutcome& o) { return o.failed; });
  return failed || stats.successes == 0 ? 1 : 0;
}

std::string bench_text(const BenchResult& r) {
  const BenchStats& s = r.stats;
  std::string out;
  out += fmt::format("Requests:    {} in {:.3f} s, {:.1f} req/s{}\n", s.requests, r.seconds,
                     per_second(s.requests, r.seconds),
                     r.signal != 0
                         ? fmt::format(" (stopped by {}: what completed)", signal_name(r.signal))
                         : std::string());
  out += fmt::format("Success:     {} ok, {} failed ({:.2f}% success)\n", s.successes, s.failures,
                     percent(s.successes, s.requests));
  out +=
      fmt::format("Load:        {} connection(s) over {} thread(s){}\n", r.concurrency, r.threads,
                  r.rate > 0 ? std::string(", open model") : std::string(", closed model"));
  if (r.rate > 0) {
    out += fmt::format(
        "Rate:        target {:.1f} req/s, achieved {:.1f} req/s; scheduled {}, started {}, "
        "dropped {}, late {} (largest lag {})\n",
        r.rate, per_second(s.started, r.seconds), s.scheduled, s.started, s.dropped(),
        s.late_starts, fmt_us(s.max_lag_us));
  }
  out +=
      fmt::format("Latency of successful answers{}:\n", r.rate > 0 ? " (from intended start)" : "");
  if (s.latency.count() == 0) {
    out += "             none\n";
  } else {
    out += "             " + latency_line(s.latency) + "\n";
    out += "            " + percentile_line(s.latency) + "\n";
  }
  if (r.rate > 0 && s.uncorrected.count() > 0) {
    out += "Uncorrected:" + percentile_line(s.uncorrected) + "\n";
  }
  const Histogram& f = s.failure_latency;
  out += f.count() == 0 ? std::string("Failure latency: none\n")
                        : fmt::format("Failure latency: {}  p50 {}  p99 {}\n", latency_line(f),
                                      fmt_us(f.percentile(50)), fmt_us(f.percentile(99)));
  auto phase = [](const char* name, const Histogram& p) {
    return p.count() == 0
               ? fmt::format("{} -", name)
               : fmt::format("{} {}/{}", name, fmt_us(p.percentile(50)), fmt_us(p.percentile(99)));
  };
  out += "Phases p50/p99: " + phase("dns", s.dns) + "  " + phase("connect", s.connect) + "  " +
         phase("tls", s.tls) + "  " + phase("first byte", s.first_byte) + "\n";
  std::string statuses;
  for (const auto& [code, n] : s.statuses) {
    statuses += fmt::format("  {}: {}", code, n);
  }
  out += "Statuses:   " + (statuses.empty() ? std::string(" none") : statuses) + "\n";
  std::string errors;
  for (const auto& [kind, n] : s.errors) {
    errors += fmt::format("  {}: {}", kind, n);
  }
  out += "Errors:     " + (errors.empty() ? std::string(" none") : errors) + "\n";
  auto bytes = [&](uint64_t n) {
    return fmt::format("{} ({}/s)", human_bytes(static_cast<double>(n)),
                       human_bytes(per_second(n, r.seconds)));
  };
  out += fmt::format("Transfer:    sent {}, received {} on the wire; body {}\n",
                     bytes(s.bytes_sent), bytes(s.bytes_received), bytes(s.body_bytes));
  out += fmt::format("Connections: {} opened for {} requests\n", s.connections, s.requests);
  out += "Path:        " + path_text(r) + "\n";
  for (const ThresholdOutcome& o : r.thresholds) {
    out += fmt::format("Threshold:   {}  {} (actual {})\n", o.text, o.failed ? "FAILED" : "passed",
                       o.actual_text);
  }
  if (s.latency.count() > 0) {
    out += "Latency distribution (successful answers):\n" + latency_chart(s.latency);
  }
  return out;
}

std::string bench_json(const BenchResult& r) {
  const BenchStats& s = r.stats;
  nlohmann::ordered_json j;
  j["version"] = GREENFETCH_VERSION;
  j["start_time_unix_us"] = r.start_unix_us;
  j["seconds"] = std::round(r.seconds * 1e6) / 1e6;
  j["interrupted"] = r.signal != 0 ? nlohmann::ordered_json(signal_name(r.signal)) : nullptr;
  j["exit_status"] = r.exit_status();
  j["requests"] = s.requests;
  j["successes"] = s.successes;
  j["failures"] = s.failures;
  j["success_rate"] = std::round(percent(s.successes, s.requests) * 1e4) / 1e6;
  j["requests_per_second"] = per_second(s.requests, r.seconds);
  j["bytes"] = {{"sent", s.bytes_sent}, {"received", s.bytes_received}, {"body", s.body_bytes}};
  j["bytes_per_second"] = {{"sent", per_second(s.bytes_sent, r.seconds)},
                           {"received", per_second(s.bytes_received, r.seconds)},
                           {"body", per_second(s.body_bytes, r.seconds)}};
  j["threads"] = r.threads;
  j["concurrency"] = r.concurrency;
  j["latency_us"] = latency_json(s.latency);
  j["failure_latency_us"] = latency_json(s.failure_latency);
  if (r.rate > 0) {
    j["rate"] = {{"target", r.rate},          {"achieved", per_second(s.started, r.seconds)},
                 {"scheduled", s.scheduled},  {"started", s.started},
                 {"dropped", s.dropped()},    {"late_starts", s.late_starts},
                 {"max_lag_us", s.max_lag_us}};
    j["uncorrected_latency_us"] = latency_json(s.uncorrected);
  }
  auto phase = [](const Histogram& p) {
    return nlohmann::ordered_json{
        {"p50", p.percentile(50)}, {"p99", p.percentile(99)}, {"count", p.count()}};
  };
  j["phases_us"] = {{"dns", phase(s.dns)},
                    {"connect", phase(s.connect)},
                    {"tls", phase(s.tls)},
                    {"first_byte", phase(s.first_byte)}};
  nlohmann::ordered_json statuses = nlohmann::ordered_json::object();
  for (const auto& [code, n] : s.statuses) {
    statuses[std::to_string(code)] = n;
  }
  j["statuses"] = statuses;
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  for (const auto& [kind, n] : s.errors) {
    errors[kind] = n;
  }
  j["errors"] = errors;
  j["connections"] = {{"opened", s.connections}, {"requests", s.requests}};
  j["path"] = {{"name", bench_path_name(r)},
               {"fast_requests", s.fast_requests},
               {"libcurl_requests", s.libcurl_requests},
               {"libcurl_reason", r.libcurl_reason}};
  nlohmann::ordered_json thresholds = nlohmann::ordered_json::array();
  for (const ThresholdOutcome& o : r.thresholds) {
    thresholds.push_back({{"expression", o.text}, {"actual", o.actual}, {"failed", o.failed}});
  }
  j["thresholds"] = thresholds;
  return j.dump();
}

std::vector<BenchTarget> parse_targets(const std::string& text, const std::string& origin) {
  std::vector<BenchTarget> targets;
  std::istringstream in(text);
  std::string line;
  uint64_t n = 0;
  BenchTarget* current = nullptr;
  auto where = [&] { return fmt::format("{}:{}", origin, n); };
  while (std::getline(in, line)) {
    ++n;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) {
      current = nullptr;  // a blank line ends a target
      continue;
    }
    line.erase(0, first);
    if (line.front() == '#') {
      continue;
    }
    if (current == nullptr) {
      BenchTarget t;
      std::size_t space = line.find(' ');
      if (line.find("://") != std::string::npos &&
          (space == std::string::npos || line.find("://") < space)) {
        t.url = line;
      } else if (space != std::string::npos) {
        t.method = line.substr(0, space);
        t.url = line.substr(line.find_first_not_of(' ', space));
      } else {
        throw UsageError(where() + ": '" + line + "' is neither a URL nor 'METHOD URL'");
      }
      if (t.url.find("://") == std::string::npos) {
        throw UsageError(where() + ": '" + t.url + "' is not a URL");
      }
      targets.push_back(std::move(t));
      current = &targets.back();
      continue;
    }
    if (line.front() == '@') {
      std::ifstream body(line.substr(1), std::ios::binary);
      if (!body) {
        throw UsageError(where() + ": cannot read body file '" + line.substr(1) + "'");
      }
      current->body.assign(std::istreambuf_iterator<char>(body), {});
      current->has_body = true;
    } else if (line.find(':') != std::string::npos && line.find(':') > 0) {
      current->headers.push_back(line);
    } else {
      throw UsageError(where() + ": '" + line + "' is not a 'Name: value' header or @FILE");
    }
  }
  return targets;
}

}  // namespace greenfetch
