#include "core/bench/segment.hpp"

#include <doctest/doctest.h>

#include "core/bench/bench.hpp"
#include "core/input/url_source.hpp"

using namespace greenfetch;

TEST_CASE("greenfetch::segment") {
  SUBCASE("shares add up to the whole and differ by at most one") {
    for (uint64_t total : {0ULL, 1ULL, 7ULL, 100ULL, 1001ULL, 1ULL << 40}) {
      for (uint64_t n : {1ULL, 2ULL, 3ULL, 7ULL, 64ULL}) {
        uint64_t sum = 0;
        uint64_t lo = UINT64_MAX;
        uint64_t hi = 0;
        for (uint64_t i = 1; i <= n; ++i) {
          uint64_t s = segment_share(total, {i, n});
          sum += s;
          lo = std::min(lo, s);
          hi = std::max(hi, s);
        }
        CAPTURE(total);
        CAPTURE(n);
        CHECK(sum == total);
        CHECK(hi - lo <= 1);
      }
    }
  }

  SUBCASE("a config cut down to its segment") {
    BenchConfig c;
    c.requests = 1000;
    c.concurrency = 10;
    c.rate = 300;
    apply_segment(c, parse_segment("2/3"));
    CHECK(c.requests == 333);
    CHECK(c.concurrency == 3);
    CHECK(c.rate == doctest::Approx(100));
    BenchConfig few;
    few.concurrency = 2;
    CHECK_THROWS_AS(apply_segment(few, parse_segment("1/3")), UsageError);
  }

  SUBCASE("bad segments and start times") {
    for (const char* bad : {"", "1", "0/3", "4/3", "a/b", "1/0", "1/3x"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(parse_segment(bad), UsageError);
    }
    auto t = parse_start_at("2026-12-03T14:00:00Z");
    CHECK(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() ==
          1796306400);
    CHECK(parse_start_at("@1796306400.5").time_since_epoch() ==
          std::chrono::milliseconds(1796306400500));
    for (const char* bad : {"tomorrow", "2026-12-03T14:00:00", "2026-02-30T14:00:00Z", "@x"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(parse_start_at(bad), UsageError);
    }
  }
}
