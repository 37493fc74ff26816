#include "core/bench/bench.hpp"

#include <doctest/doctest.h>

#include "core/input/url_source.hpp"

using namespace greenfetch;

TEST_CASE("bench::parse_targets") {
  SUBCASE("bare URLs, methods, headers and blank-line separation") {
    std::vector<BenchTarget> t = parse_targets(
        "http://a/1\n\nPOST http://a/2\nX-One: 1\nX-Two: 2\n\n# comment\nDELETE http://a/3\n",
        "targets.txt");
    REQUIRE(t.size() == 3);
    CHECK(t[0].method.empty());
    CHECK(t[0].url == "http://a/1");
    CHECK(t[1].method == "POST");
    CHECK(t[1].headers == std::vector<std::string>{"X-One: 1", "X-Two: 2"});
    CHECK(t[2].method == "DELETE");
    CHECK(t[2].url == "http://a/3");
  }

  SUBCASE("errors name the file and the line") {
    CHECK_THROWS_WITH_AS(parse_targets("GET http://a/\nnot a header\n", "t.txt"),
                         doctest::Contains("t.txt:2"), UsageError);
    CHECK_THROWS_WITH_AS(parse_targets("\n\nGET nowhere\n", "t.txt"), doctest::Contains("t.txt:3"),
                         UsageError);
    CHECK_THROWS_WITH_AS(parse_targets("GET http://a/\n@/nonexistent/body\n", "t.txt"),
                         doctest::Contains("/nonexistent/body"), UsageError);
  }
}

TEST_CASE("bench::BenchStats") {
  BenchStats a;
  BenchStats b;
  a.requests = 3;
  a.statuses[200] = 3;
  a.latency.record(100);
  b.requests = 2;
  b.statuses[200] = 1;
  b.statuses[500] = 1;
  b.errors["http"] = 1;
  b.latency.record(300);
  b.max_lag_us = 7;
  b.successes = 1;
  b.failures = 1;
  b.failure_latency.record(5);
  b.bytes_sent = 10;
  b.bytes_received = 20;
  b.body_bytes = 5;
  b.scheduled = 4;
  b.started = 3;
  a.successes = 3;
  a.scheduled = 3;
  a.started = 3;
  a.merge(b);
  CHECK(a.requests == 5);
  CHECK(a.statuses[200] == 4);
  CHECK(a.statuses[500] == 1);
  CHECK(a.errors["http"] == 1);
  CHECK(a.latency.count() == 2);
  CHECK(a.max_lag_us == 7);
  CHECK(a.successes == 4);
  CHECK(a.failures == 1);
  CHECK(a.failure_latency.count() == 1);
  CHECK(a.bytes_sent == 10);
  CHECK(a.bytes_received == 20);
  CHECK(a.body_bytes == 5);
  CHECK(a.dropped() == 1);
}

TEST_CASE("greenfetch::BenchResult") {
  BenchResult r;
  SUBCASE("no success is a failed run") {
    r.stats.requests = 3;
    r.stats.failures = 3;
    CHECK(r.exit_status() == 1);
  }
  SUBCASE("a failed threshold is exit status 1, a signal 128 + its number") {
    r.stats.requests = 10;
    r.stats.successes = 10;
    r.stats.latency.record(500);
    r.seconds = 1;
    check_thresholds(r, parse_thresholds("p99>1ms,rps<5"));
    REQUIRE(r.thresholds.size() == 2);
    CHECK_FALSE(r.thresholds[0].failed);
    CHECK(r.thresholds[0].actual_text == "500us");
    CHECK_FALSE(r.thresholds[1].failed);
    CHECK(r.exit_status() == 0);
    check_thresholds(r, parse_thresholds("rps<=10"));
    CHECK(r.thresholds[0].failed);
    CHECK(r.exit_status() == 1);
    r.signal = 2;
    CHECK(r.exit_status() == 130);
  }
}
