#include "core/bench/html_report.hpp"

#include <doctest/doctest.h>

#include "core/bench/hdr_codec.hpp"

using namespace greenfetch;

TEST_CASE("greenfetch::bench_html") {
  BenchResult r;
  r.start_unix_us = 1'700'000'000'000'000;
  r.seconds = 2;
  r.stats.requests = 30;
  r.stats.successes = 30;
  for (int64_t sec = 0; sec < 2; ++sec) {
    Histogram h;
    h.record(1000 + 500 * sec, 15);
    r.stats.latency.merge(h);
    r.intervals.push_back(
        {r.start_unix_us + sec * 1'000'000, "latency", 15, h.max(), hdr_encode_base64(h)});
    r.intervals.push_back(
        {r.start_unix_us + sec * 1'000'000, "status_2xx", 15, h.max(), hdr_encode_base64(h)});
  }
  std::string html = bench_html(r, "a <title> & more");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("a &lt;title&gt; &amp; more") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  std::size_t svgs = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos;
       at = html.find("<svg", at + 1)) {
    ++svgs;
  }
  CHECK(svgs == 4);
  // successes (percentiles), successes/s, p50, p99, 2xx: one path each; nothing failed
  std::size_t paths = 0;
  for (std::size_t at = html.find("class=\"series\""); at != std::string::npos;
       at = html.find("class=\"series\"", at + 1)) {
    ++paths;
  }
  CHECK(paths == 5);
}
