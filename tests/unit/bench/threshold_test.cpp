#include "core/bench/threshold.hpp"

#include <doctest/doctest.h>

#include "core/input/url_source.hpp"

using namespace greenfetch;

TEST_CASE("greenfetch::parse_thresholds") {
  SUBCASE("metrics, operators and units") {
    std::vector<Threshold> t =
        parse_thresholds("p99>200ms, p99.9>=1s,mean<=250us,max>3,errors>1%,errors>=5,rps<1000");
    REQUIRE(t.size() == 7);
    CHECK(t[0].metric == ThresholdMetric::percentile);
    CHECK(t[0].percentile == 99);
    CHECK(t[0].op == ThresholdOp::greater);
    CHECK(t[0].value == 200'000);
    CHECK(t[0].text == "p99>200ms");
    CHECK(t[1].percentile == 99.9);
    CHECK(t[1].op == ThresholdOp::greater_equal);
    CHECK(t[1].value == 1'000'000);
    CHECK(t[2].metric == ThresholdMetric::mean);
    CHECK(t[2].op == ThresholdOp::less_equal);
    CHECK(t[2].value == 250);
    CHECK(t[3].value == 3000);  // no unit: milliseconds, as in k6
    CHECK(t[4].metric == ThresholdMetric::errors);
    CHECK(t[4].percent);
    CHECK(t[4].value == 1);
    CHECK_FALSE(t[5].percent);
    CHECK(t[6].metric == ThresholdMetric::rps);
    CHECK(t[6].op == ThresholdOp::less);
  }

  SUBCASE("a threshold fails when its condition holds") {
    Threshold t = parse_thresholds("p99>200ms").front();
    CHECK(threshold_fails(t, 200'001));
    CHECK_FALSE(threshold_fails(t, 200'000));
    Threshold u = parse_thresholds("rps<=10").front();
    CHECK(threshold_fails(u, 10));
    CHECK_FALSE(threshold_fails(u, 10.5));
  }

  SUBCASE("bad expressions are usage errors naming them") {
    for (const char* bad : {"p99", "p101>1ms", "pxx>1ms", "latency>1ms", "p99>1h", "p99>-1ms",
                            "errors>1%%", "rps>1%", "a,,b", ""}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(parse_thresholds(bad), UsageError);
    }
    CHECK_THROWS_WITH_AS(parse_thresholds("rps<1,p99>2x"), doctest::Contains("'p99>2x'"),
                         UsageError);
  }
}
