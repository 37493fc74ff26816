#include "core/bench/results_file.hpp"

#include <doctest/doctest.h>

#include "core/bench/hdr_codec.hpp"
#include "core/input/url_source.hpp"

using namespace greenfetch;

namespace {

BenchResult one_run(int64_t start_us, int64_t value, uint64_t n) {
  BenchResult r;
  r.start_unix_us = start_us;
  r.seconds = 1.5;
  r.concurrency = 2;
  r.stats.requests = n;
  r.stats.successes = n;
  r.stats.statuses[200] = n;
  r.stats.bytes_sent = 10 * n;
  Histogram h;
  h.record(value, n);
  r.stats.latency = h;
  r.intervals.push_back({start_us, "latency", n, value, hdr_encode_base64(h)});
  r.intervals.push_back({start_us, "status_2xx", n, value, hdr_encode_base64(h)});
  return r;
}

}  // namespace

TEST_CASE("greenfetch::results_log") {
  BenchConfig config;
  config.targets.push_back({"", "http://127.0.0.1/", {}, "", false});
  BenchResult a = one_run(1'700'000'000'250'000, 1000, 10);
  BenchResult b = one_run(1'700'000'000'500'000, 3000, 30);
  std::string la = results_log(a, config);
  CHECK(la.rfind("#[Histogram log format version 1.3]\n#[StartTime: 1700000000.250000 ", 0) == 0);
  CHECK(la.find("\nTag=latency,0.000,1.000,1.000,HISTF") != std::string::npos);

  SUBCASE("files merge: counters summed, histograms added, seconds aligned") {
    BenchResult m = merge_results({{"a", la}, {"b", results_log(b, config)}});
    CHECK(m.stats.requests == 40);
    CHECK(m.stats.bytes_sent == 400);
    CHECK(m.stats.statuses[200] == 40);
    CHECK(m.stats.latency.count() == 40);
    CHECK(m.stats.latency.percentile(50) == m.stats.latency.highest_equivalent(3000));
    CHECK(m.concurrency == 4);
    CHECK(m.start_unix_us == a.start_unix_us);
    CHECK(m.seconds == doctest::Approx(1.75));
    REQUIRE(m.intervals.size() == 2);  // the same wall-clock second: one per tag
    CHECK(m.intervals[0].count == 40);
  }

  SUBCASE("bad files name the file and line") {
    CHECK_THROWS_WITH_AS(merge_results({{"x.hlog", "#[Histogram log format version 1.3]\n"}}),
                         doctest::Contains("x.hlog"), UsageError);
    std::string broken = la + "Tag=latency,1.000,1.000,1.0,AAAA\n";
    CHECK_THROWS_WITH_AS(merge_results({{"y.hlog", broken}}), doctest::Contains("y.hlog:"),
                         UsageError);
  }
}
