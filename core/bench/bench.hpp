// bench mode: load-probing on the same engine. Closed model (as fast as the pool allows, like
// wrk and hey) or open model (--rate: requests start on a fixed schedule, and latency counts
// from when each request should have started, correcting coordinated omission). Latencies
// go into HDR histograms: constant memory however long the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/bench/histogram.hpp"
#include "core/bench/segment.hpp"
#include "core/bench/threshold.hpp"
#include "core/dns/resolver.hpp"
#include "core/http/request.hpp"

namespace greenfetch {

// One target: a URL, and optionally a method, headers and a body (vegeta's target format).
struct BenchTarget {
  std::string method;  // empty: GET (or POST with a body)
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  bool has_body = false;
};

// Which way requests go (--path): the fast path where it can (core/bench/fast_path.hpp), or
// always libcurl's full transfer machinery (HttpClient).
enum class BenchPath {
  automatic,  // fast where it can, the full path for the rest (the report says which ran)
  fast,       // only the fast path: a usage error where it cannot (redirects not followed)
  libcurl,    // only the full path
};

struct BenchConfig {
  std::vector<BenchTarget> targets;       // taken in turn
  uint64_t requests = 200;                // -n: counted requests (ignored with duration)
  std::chrono::milliseconds duration{0};  // -z: run this long instead of -n
  std::chrono::milliseconds warmup{0};    // --warmup: run this long first, not counted
  std::size_t concurrency = 50;           // -c: connections over all threads (x streams in flight)
  int threads = 1;                        // -t: reactors, each with its own pool and client
  double rate = 0;                        // --rate: open model, requests/s over all threads
  bool keepalive = true;                  // --no-keepalive: a new connection per request
  int streams = 0;                        // --streams: HTTP/2 streams per connection (0: 1)
  bool live = false;                      // a live line on stderr once a second
  bool handle_signals = true;             // the first SIGINT/SIGTERM stops the run (see below)
  std::vector<Threshold> fail_on;         // --fail-on: checked against the final figures
  bool intervals = false;                 // keep per-second histograms (for --results)
  Segment segment;                        // --segment I/N (already applied to the above)
  BenchPath path = BenchPath::automatic;  // --path
  RequestOptions request;
  ResolverOptions dns;
};

// What one thread measured; threads' stats are merged by adding.
struct BenchStats {
  uint64_t requests = 0;          // completed and counted (successes and failures)
  uint64_t successes = 0;         // answers with a status below 400
  uint64_t failures = 0;          // transfer errors plus statuses >= 400
  uint64_t body_bytes = 0;        // body bytes received (as sent: not decoded)
  uint64_t bytes_sent = 0;        // on the wire: request heads and bodies (CURLINFO_REQUEST_SIZE)
  uint64_t bytes_received = 0;    // on the wire: response heads (CURLINFO_HEADER_SIZE) + bodies
  uint64_t connections = 0;       // new connections opened
  uint64_t fast_requests = 0;     // counted requests that went the fast path
  uint64_t libcurl_requests = 0;  // counted requests that went libcurl's full path
  uint64_t scheduled = 0;         // --rate: starts the schedule asked for before the end
  uint64_t started = 0;           // requests started (with --rate: of the scheduled ones)
  uint64_t late_starts = 0;       // --rate: starts that found the pool full
  int64_t max_lag_us = 0;         // --rate: the largest delay of a late start
  Histogram latency;              // µs, successful answers; with --rate from the intended start
  Histogram uncorrected;          // µs, successful answers, from the actual start
  Histogram failure_latency;      // µs, failed requests (as latency: corrected with --rate)
  Histogram dns;                  // µs, phase times of each request
  Histogram connect;
  Histogram tls;
  Histogram first_byte;
  std::map<long, uint64_t> statuses;       // status -> count
  std::map<std::string, uint64_t> errors;  // error kind -> count
  void merge(const BenchStats& other);
  // --rate: scheduled starts never made by the end of the run.
  uint64_t dropped() const { return scheduled > started ? scheduled - started : 0; }
};

// One second's histogram of one tag (see k_interval_tags), HdrHistogram-encoded.
struct BenchInterval {
  int64_t start_unix_us = 0;  // wall clock at the start of the second
  std::string tag;            // "latency", "dns", "status_2xx", "target_0", ...
  uint64_t count = 0;
  int64_t max_us = 0;
  std::string histogram;  // compressed V2 encoding, base64 (core/bench/hdr_codec.hpp)
};

// The per-second tags: successful answers' latency (corrected), uncorrected, failures'
// latency, the phases, the latency of every request by status class (status_error: no status),
// and by target (target_N, the first k_interval_targets targets).
inline constexpr const char* k_interval_tags[] = {
    "latency",    "uncorrected", "failure_latency", "dns",        "connect",
    "tls",        "first_byte",  "status_1xx",      "status_2xx", "status_3xx",
    "status_4xx", "status_5xx",  "status_error"};
inline constexpr std::size_t k_interval_targets = 16;

struct BenchResult {
  BenchStats stats;
  double seconds = 0;         // measured part of the run (warm-up excluded)
  int64_t start_unix_us = 0;  // wall clock at the start of the measured part
  int threads = 1;
  std::size_t concurrency = 0;
  double rate = 0;
  int signal = 0;  // the SIGINT/SIGTERM that stopped the run early, 0 if none
  std::vector<ThresholdOutcome> thresholds;  // --fail-on, in the order given
  std::vector<BenchInterval> intervals;      // with BenchConfig::intervals: by second, then tag
  std::string libcurl_reason;                // why requests went the full path (empty: none did)

  // 0, or 1 when a --fail-on threshold failed or no request succeeded, or 128 + signal.
  int exit_status() const;
};

// Runs the benchmark (threads included); throws UsageError for bad targets. With
// handle_signals, SIGINT and SIGTERM are blocked in every thread of the run and watched: the
// first one stops it (nothing new starts, what is in flight is cancelled and not counted) and
// the result is the report of what completed, with `signal` set; a second one exits at once.
BenchResult run_bench(const BenchConfig& config);

// "fast", "libcurl" or "fast and libcurl": the path the result's requests went.
std::string bench_path_name(const BenchResult& result);

// Reports: text (with a latency chart) and one JSON document with a "version" field.
std::string bench_text(const BenchResult& result);
std::string bench_json(const BenchResult& result);

// Checks config's --fail-on thresholds against result (fills result.thresholds).
void check_thresholds(BenchResult& result, const std::vector<Threshold>& thresholds);

// Reads targets in vegeta's format from `text` (blank-line separated; "METHOD URL", then
// "Name: value" header lines and an optional "@FILE" body line; a bare URL is a GET).
// Throws UsageError naming origin and the line.
std::vector<BenchTarget> parse_targets(const std::string& text, const std::string& origin);

}  // namespace greenfetch
