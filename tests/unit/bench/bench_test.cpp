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
  a.merge(b);
  CHECK(a.requests == 5);
  CHECK(a.statuses[200] == 4);
  CHECK(a.statuses[500] == 1);
  CHECK(a.errors["http"] == 1);
  CHECK(a.latency.count() == 2);
  CHECK(a.max_lag_us == 7);
}
