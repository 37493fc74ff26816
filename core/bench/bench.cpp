#include "core/bench/bench.hpp"

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

// Counters every thread adds to, read by the live line.
struct Shared {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<int64_t> p99_us{0};  // of the first thread: a sample, not a merge
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

 private:
  void prepare(HttpClient& client);
  void record(const Response& r, Clock::time_point intended, Clock::time_point started,
              Clock::time_point ended);
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
  uint64_t m_tickets = 0;       // requests started in this phase
  uint64_t m_ticket_limit = 0;  // 0: until the deadline
  Clock::time_point m_deadline = Clock::time_point::max();
  uint64_t m_next_target = 0;
  double m_seconds = 0;
};

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
  return true;
}

void BenchThread::record(const Response& r, Clock::time_point intended, Clock::time_point started,
                         Clock::time_point ended) {
  if (!m_measuring || r.error == Error::cancelled) {
    return;
  }
  BenchStats& s = m_stats;
  ++s.requests;
  s.bytes += static_cast<uint64_t>(r.size_download);
  s.connections += static_cast<uint64_t>(r.num_connects);
  s.latency.record(std::max<int64_t>(1, micros(ended - intended)));
  s.uncorrected.record(std::max<int64_t>(1, micros(ended - started)));
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
  bool failed = !r.ok() || r.http_code >= 400;
  if (failed) {
    ++s.failures;
    ++s.errors[std::string(error_kind(r.ok() ? Error::http : r.error))];
    m_shared.failures.fetch_add(1, std::memory_order_relaxed);
  }
  m_shared.requests.fetch_add(1, std::memory_order_relaxed);
}

void BenchThread::closed_loop(HttpClient& client, GreenPool& pool) {
  for (std::size_t w = 0; w < m_plan.concurrency; ++w) {
    pool.spawn([this, &client] {
      while (take_ticket()) {
        const Request& rq = m_requests[m_next_target++ % m_requests.size()];
        Clock::time_point started = Clock::now();
        Response r = client.fetch(rq);
        record(r, started, started, Clock::now());
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
    if (intended > now) {
      Waiter w;
      w.wait_until(intended);
    }
    if (!take_ticket()) {
      break;
    }
    bool full = pool.free() == 0;
    const Request* rq = &m_requests[m_next_target++ % m_requests.size()];
    pool.spawn([this, &client, rq, intended] {
      Clock::time_point started = Clock::now();
      Response r = client.fetch(*rq);
      record(r, intended, started, Clock::now());
    });
    if (full && m_measuring) {
      // The start is late: the pool was full at its scheduled time. Counted, never dropped.
      ++m_stats.late_starts;
      m_stats.max_lag_us = std::max(m_stats.max_lag_us, micros(Clock::now() - intended));
    }
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
  Timer stop([this, &client] {
    m_stopped = true;
    client.cancel_all();
  });
  if (deadline != Clock::time_point::max()) {
    stop.arm(reactor, deadline);
  }
  GreenPool pool(m_plan.concurrency, reactor);
  if (m_plan.rate > 0) {
    open_loop(client, pool);
  } else {
    closed_loop(client, pool);
  }
  client.reset_cancel();
}

BenchStats BenchThread::run(Clock::time_point start) {
  Reactor reactor;
  std::optional<Resolver> resolver;
  std::optional<HttpClient> client_slot;
  HttpClientOptions options;
  options.max_connections = m_plan.concurrency;
  if (m_config.streams > 1) {
    options.max_host_connections =
        (m_plan.concurrency + static_cast<std::size_t>(m_config.streams) - 1) /
        static_cast<std::size_t>(m_config.streams);
  }
  start_client(resolver, client_slot, m_config.dns, m_config.request, options, reactor);
  HttpClient& client = *client_slot;
  prepare(client);
  std::optional<Timer> live_timer;
  if (m_config.warmup.count() > 0) {
    run_phase(client, reactor, false, start + m_config.warmup);
  }
  Clock::time_point measure_start = Clock::now();
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

}  // namespace

void BenchStats::merge(const BenchStats& o) {
  requests += o.requests;
  failures += o.failures;
  bytes += o.bytes;
  connections += o.connections;
  late_starts += o.late_starts;
  max_lag_us = std::max(max_lag_us, o.max_lag_us);
  latency.merge(o.latency);
  uncorrected.merge(o.uncorrected);
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
  Clock::time_point start = Clock::now();
  auto work = [&](std::size_t i) {
    BenchThread t(config, plans[i], shared);
    stats[i] = t.run(start);
    seconds[i] = t.measured_seconds();
  };
  std::atomic<bool> done{false};
  std::thread live;
  if (config.live) {
    live = std::thread([&] {
      Clock::time_point next = Clock::now() + k_live_interval;
      uint64_t last = 0;
      while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (Clock::now() < next) {
          continue;
        }
        uint64_t n = shared.requests.load();
        double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        std::string line =
            fmt::format("\r\033[K{:.0f}s  {} req/s  p99 {}  {} errors", elapsed, n - last,
                        fmt_us(shared.p99_us.load()), shared.failures.load());
        write_all(STDERR_FILENO, line);
        last = n;
        next += k_live_interval;
      }
      write_all(STDERR_FILENO, "\r\033[K");
    });
  }
  std::vector<std::thread> others;
  for (std::size_t i = 1; i < plans.size(); ++i) {
    others.emplace_back(work, i);
  }
  work(0);
  for (std::thread& t : others) {
    t.join();
  }
  done = true;
  if (live.joinable()) {
    live.join();
  }
  BenchResult result;
  for (const BenchStats& s : stats) {
    result.stats.merge(s);
  }
  result.seconds = *std::max_element(seconds.begin(), seconds.end());
  result.threads = threads;
  result.concurrency = concurrency;
  result.rate = config.rate;
  return result;
}

std::string bench_text(const BenchResult& r) {
  const BenchStats& s = r.stats;
  double rps = r.seconds > 0 ? static_cast<double>(s.requests) / r.seconds : 0;
  std::string out;
  out +=
      fmt::format("Requests:    {} in {:.3f} s, {:.1f} req/s, {}/s\n", s.requests, r.seconds, rps,
                  human_bytes(r.seconds > 0 ? static_cast<double>(s.bytes) / r.seconds : 0));
  out += fmt::format("Load:        {} in flight over {} thread(s){}\n", r.concurrency, r.threads,
                     r.rate > 0 ? fmt::format(", open model at {:.1f} req/s", r.rate)
                                : std::string(", closed model"));
  const Histogram& h = s.latency;
  out += fmt::format("Latency{}: min {}  mean {}  stdev {}  max {}\n",
                     r.rate > 0 ? " (from intended start)" : "", fmt_us(h.min()),
                     fmt_us(static_cast<int64_t>(h.mean())),
                     fmt_us(static_cast<int64_t>(h.stdev())), fmt_us(h.max()));
  std::string pct;
  for (double p : k_percentiles) {
    pct += fmt::format("  p{} {}", p, fmt_us(h.percentile(p)));
  }
  out += "            " + pct + "\n";
  if (r.rate > 0) {
    std::string unc;
    for (double p : k_percentiles) {
      unc += fmt::format("  p{} {}", p, fmt_us(s.uncorrected.percentile(p)));
    }
    out += "Uncorrected:" + unc + "\n";
    out += fmt::format("Late starts: {} (largest lag {})\n", s.late_starts, fmt_us(s.max_lag_us));
  }
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
  out += fmt::format("Connections: {} opened for {} requests\n", s.connections, s.requests);
  out += "Latency distribution:\n" + latency_chart(h);
  return out;
}

std::string bench_json(const BenchResult& r) {
  const BenchStats& s = r.stats;
  nlohmann::ordered_json j;
  j["version"] = GREENFETCH_VERSION;
  j["requests"] = s.requests;
  j["failures"] = s.failures;
  j["seconds"] = std::round(r.seconds * 1e6) / 1e6;
  j["requests_per_second"] = r.seconds > 0 ? static_cast<double>(s.requests) / r.seconds : 0;
  j["bytes"] = s.bytes;
  j["bytes_per_second"] = r.seconds > 0 ? static_cast<double>(s.bytes) / r.seconds : 0;
  j["threads"] = r.threads;
  j["concurrency"] = r.concurrency;
  j["latency_us"] = latency_json(s.latency);
  if (r.rate > 0) {
    j["rate"] = {{"target", r.rate}, {"late_starts", s.late_starts}, {"max_lag_us", s.max_lag_us}};
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
