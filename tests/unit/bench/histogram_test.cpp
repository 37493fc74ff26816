#include "core/bench/histogram.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

using namespace greenfetch;

namespace {

constexpr int64_t k_hour_us = 3'600'000'000;
constexpr int64_t k_max_i64 = std::numeric_limits<int64_t>::max();

// Percentiles checked on every data set, in units of 1/10,000 of a percent so that the
// expected rank is computed with exact integer arithmetic (99.9 is not exact in binary).
constexpr uint64_t k_percentile_unit = 10'000;
constexpr uint64_t k_percentiles[] = {0,       1'000,   10'000,  100'000,  250'000,
                                      500'000, 750'000, 900'000, 990'000,  999'000,
                                      999'900, 999'990, 999'999, 1'000'000};

double as_percent(uint64_t p) {
  return static_cast<double>(p) / static_cast<double>(k_percentile_unit);
}

// Nearest-rank percentile of a sorted vector: the value of rank ceil(p / 100 * n), rank >= 1.
int64_t exact_percentile(const std::vector<int64_t>& sorted, uint64_t p) {
  const uint64_t n = sorted.size();
  const uint64_t whole = 100 * k_percentile_unit;
  const uint64_t rank = std::max<uint64_t>(1, (p * n + whole - 1) / whole);
  return sorted[rank - 1];
}

long double exact_mean(const std::vector<int64_t>& values) {
  long double sum = 0;
  for (int64_t v : values) {
    sum += static_cast<long double>(v);
  }
  return sum / static_cast<long double>(values.size());
}

long double exact_stdev(const std::vector<int64_t>& values) {
  const long double mean = exact_mean(values);
  long double sum = 0;
  for (int64_t v : values) {
    const long double d = static_cast<long double>(v) - mean;
    sum += d * d;
  }
  return std::sqrt(sum / static_cast<long double>(values.size()));
}

// The declared precision (3 significant digits): the reported value r and the exact nearest-rank
// value e satisfy e <= r and r - e < e / 1024 (relative error < 0.0977 %, so <= 0.1 %); values
// below 2048 are exact.
void check_precision(int64_t reported, int64_t exact) {
  REQUIRE(exact > 0);
  CHECK(reported >= exact);
  CHECK((reported == exact || (reported - exact) * 1024 < exact));
  CHECK(static_cast<double>(reported - exact) / static_cast<double>(exact) <= 0.001);
  if (exact < 2048) {
    CHECK(reported == exact);
  }
}

Histogram fill(const std::vector<int64_t>& values) {
  Histogram h;
  for (int64_t v : values) {
    h.record(v);
  }
  return h;
}

void check_against_exact(const Histogram& h, std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  REQUIRE(h.count() == values.size());
  for (uint64_t p : k_percentiles) {
    CAPTURE(as_percent(p));
    check_precision(h.percentile(as_percent(p)), exact_percentile(values, p));
  }
  CHECK(h.percentile(0) == values.front());
  CHECK(h.percentile(100) == values.back());
  CHECK(h.min() == values.front());
  CHECK(h.max() == values.back());
  CHECK(h.mean() == doctest::Approx(static_cast<double>(exact_mean(values))).epsilon(1e-12));
  CHECK(h.stdev() == doctest::Approx(static_cast<double>(exact_stdev(values))).epsilon(1e-9));
}

std::vector<int64_t> uniform_values() {
  std::vector<int64_t> values;
  values.reserve(1'000'000);
  for (int64_t v = 1; v <= 1'000'000; ++v) {
    values.push_back(v);
  }
  return values;
}

// 95 % fast responses around 200 us, 5 % slow ones between 50 ms and 80 ms.  mt19937_64's output
// is fixed by the standard, and the modulo mapping is ours, so the data is the same everywhere.
std::vector<int64_t> bimodal_values(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> values;
  values.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t r = rng();
    if (r % 100 < 95) {
      values.push_back(150 + static_cast<int64_t>((r >> 8) % 101));
    } else {
      values.push_back(50'000 + static_cast<int64_t>((r >> 8) % 30'001));
    }
  }
  return values;
}

}  // namespace

TEST_CASE("Histogram") {
  SUBCASE("layout, memory and precision of the default histogram") {
    Histogram h;
    REQUIRE(h.lowest() == 1);
    REQUIRE(h.highest() == k_hour_us);
    REQUIRE(h.significant_digits() == 3);
    CHECK(h.bucket_count() == 22);
    CHECK(h.counts_length() == 23'552);
    CHECK(h.memory_bytes() >= 23'552 * sizeof(uint64_t));
    CHECK(h.memory_bytes() < 23'552 * sizeof(uint64_t) + 1024);
    MESSAGE("Histogram(1 us .. 1 h, 3 digits): ", h.counts_length(), " counters, ",
            h.memory_bytes(), " bytes; values < 2048 us exact, above: error < value / 1024");

    // Every value's counter: lo <= v <= hi, and hi - v < v / 1024 (exact below 2048).  All
    // values up to 10,000, then a geometric sweep with neighbours up to one hour.
    auto check_value = [&](int64_t v) {
      const int64_t lo = h.lowest_equivalent(v);
      const int64_t hi = h.highest_equivalent(v);
      CHECK(lo <= v);
      CHECK(v <= hi);
      CHECK((hi == v || (hi - v) * 1024 < v));
      CHECK((hi - lo + 1) * 1024 <= std::max<int64_t>(lo, 1024));
    };
    for (int64_t v = 1; v <= 10'000; ++v) {
      check_value(v);
    }
    for (double x = 10'000; x <= static_cast<double>(k_hour_us); x *= 1.01) {
      const auto v = static_cast<int64_t>(x);
      for (int64_t d = -1; d <= 1; ++d) {
        check_value(v + d);
      }
    }
    check_value(k_hour_us);
    CHECK(h.lowest_equivalent(2047) == 2047);
    CHECK(h.highest_equivalent(2048) == 2049);
    CHECK(h.lowest_equivalent(k_hour_us) == 3'598'712'832);  // 1716 << 21
    CHECK(h.highest_equivalent(k_hour_us) == 3'600'809'983);
  }

  SUBCASE("invalid construction throws") {
    CHECK_THROWS_AS(Histogram(0, 1000, 3), std::invalid_argument);
    CHECK_THROWS_AS(Histogram(10, 15, 3), std::invalid_argument);
    CHECK_THROWS_AS(Histogram(1, 1000, 0), std::invalid_argument);
    CHECK_THROWS_AS(Histogram(1, 1000, 6), std::invalid_argument);
    CHECK_THROWS_AS(Histogram(1, k_max_i64, 3), std::invalid_argument);
  }

  SUBCASE("empty histogram") {
    Histogram h;
    REQUIRE(h.count() == 0);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0.0);
    CHECK(h.stdev() == 0.0);
    CHECK(h.percentile(50) == 0);
    int buckets = 0;
    h.for_each_bucket([&](int64_t, int64_t, uint64_t) { ++buckets; });
    CHECK(buckets == 0);
  }

  SUBCASE("uniform 1..1,000,000: percentiles, min, max, mean, stdev") {
    const std::vector<int64_t> values = uniform_values();
    const Histogram h = fill(values);
    check_against_exact(h, values);
    CHECK(h.percentile(50) == 500'223);    // rank 500,000; counter [499,968, 500,223]
    CHECK(h.percentile(99.9) == 999'423);  // rank 999,000; counter [998,912, 999,423]
    CHECK(h.mean() == 500'000.5);
    CHECK(h.stdev() == doctest::Approx(std::sqrt((1e12 - 1) / 12)).epsilon(1e-12));
  }

  SUBCASE("percentile ranks follow the decimal p") {
    std::vector<int64_t> values;
    for (int64_t v = 1; v <= 1000; ++v) {
      values.push_back(v);
    }
    const Histogram h = fill(values);
    REQUIRE(h.count() == 1000);
    CHECK(h.percentile(99.9) == 999);  // not 1000: 99.9 / 100 * 1000 is exactly rank 999
    CHECK(h.percentile(99.95) == 1000);
    CHECK(h.percentile(0.1) == 1);
    CHECK(h.percentile(0.15) == 2);
    CHECK(h.percentile(57.3) == 573);
    CHECK(h.percentile(-1) == 1);
    CHECK(h.percentile(250) == 1000);
    CHECK(h.percentile(std::nan("")) == 1);
  }

  SUBCASE("bimodal set") {
    const std::vector<int64_t> values = bimodal_values(42, 200'000);
    const Histogram h = fill(values);
    check_against_exact(h, values);
    CHECK(h.percentile(50) <= 250);
    CHECK(h.percentile(99) >= 50'000);
  }

  SUBCASE("values near the limits") {
    std::vector<int64_t> values;
    for (int64_t v = 1; v <= 50; ++v) {
      values.push_back(v);
      values.push_back(k_hour_us - v + 1);
      values.push_back(k_hour_us / 2 + v * 1000);
    }
    values.push_back(1);
    values.push_back(k_hour_us);
    const Histogram h = fill(values);
    REQUIRE(h.overflow() == 0);
    REQUIRE(h.underflow() == 0);
    check_against_exact(h, values);
    CHECK(h.percentile(0) == 1);
    CHECK(h.percentile(1) == 1);
    CHECK(h.percentile(100) == k_hour_us);
    CHECK(h.percentile(99.9) == k_hour_us);  // clamped to max(), never beyond
  }

  SUBCASE("a single value") {
    Histogram h;
    h.record(123'456'789);
    REQUIRE(h.count() == 1);
    for (uint64_t p : k_percentiles) {
      CAPTURE(as_percent(p));
      CHECK(h.percentile(as_percent(p)) == 123'456'789);
    }
    CHECK(h.min() == 123'456'789);
    CHECK(h.max() == 123'456'789);
    CHECK(h.mean() == 123'456'789.0);
    CHECK(h.stdev() == 0.0);
  }

  SUBCASE("stdev has no cancellation for large nearly equal values") {
    Histogram h;
    h.record(k_hour_us, 1'000'000);
    h.record(k_hour_us - 1, 1'000'000);
    REQUIRE(h.count() == 2'000'000);
    CHECK(h.mean() == static_cast<double>(k_hour_us) - 0.5);
    CHECK(h.stdev() == doctest::Approx(0.5).epsilon(1e-12));
    Histogram same;
    same.record(k_hour_us - 7, 123);
    CHECK(same.stdev() == 0.0);
  }

  SUBCASE("record with a count equals repeated records") {
    Histogram a;
    Histogram b;
    a.record(777, 5);
    for (int i = 0; i < 5; ++i) {
      b.record(777);
    }
    a.record(42, 0);  // no-op
    REQUIRE(a.count() == 5);
    CHECK(a == b);
  }

  SUBCASE("merge") {
    const std::vector<int64_t> first = bimodal_values(7, 100'000);
    std::vector<int64_t> second = uniform_values();
    second.resize(300'000);
    second.push_back(k_hour_us + 5);  // overflow survives a merge
    second.push_back(0);              // underflow too

    Histogram a = fill(first);
    const Histogram b = fill(second);
    Histogram both;
    for (int64_t v : first) {
      both.record(v);
    }
    for (int64_t v : second) {
      both.record(v);
    }
    REQUIRE(a.count() == first.size());
    REQUIRE(b.count() == second.size());
    CHECK_FALSE(a == both);
    a.merge(b);
    CHECK(a.count() == first.size() + second.size());
    CHECK(a.overflow() == 1);
    CHECK(a.underflow() == 1);
    CHECK(a == both);
    CHECK(a.percentile(99) == both.percentile(99));
    CHECK(a.stdev() == both.stdev());

    Histogram empty;
    a.merge(empty);
    CHECK(a == both);
    empty.merge(b);
    CHECK(empty == b);

    Histogram other_layout(1, 60'000'000, 3);
    CHECK_THROWS_AS(a.merge(other_layout), std::invalid_argument);
    CHECK_THROWS_AS(a.merge(Histogram(1, k_hour_us, 2)), std::invalid_argument);
    CHECK(a == both);  // unchanged by the failed merges
  }

  SUBCASE("record_corrected: one 1,000,000 us stall at a 1,000 us interval") {
    Histogram h;
    h.record_corrected(1'000'000, 1000);
    // HdrHistogram's recordValueWithExpectedInterval: the value, plus value - k * interval for
    // each k while that stays >= the interval: 999,000, 998,000, ..., 1,000 = 999 samples.
    REQUIRE(h.count() == 1000);
    CHECK(h.min() == 1000);
    CHECK(h.max() == 1'000'000);
    CHECK(h.mean() == 500'500.0);

    Histogram expected;
    expected.record(1'000'000);
    for (int64_t v = 999'000; v >= 1000; v -= 1000) {
      expected.record(v);
    }
    CHECK(h == expected);

    std::vector<int64_t> values;
    for (int64_t v = 1000; v <= 1'000'000; v += 1000) {
      values.push_back(v);
    }
    check_against_exact(h, values);
  }

  SUBCASE("record_corrected: edge cases") {
    Histogram h;
    h.record_corrected(1000, 1000);  // not above the interval: no back-fill
    h.record_corrected(500, 1000);
    h.record_corrected(5000, 0);  // no interval: plain record
    h.record_corrected(5000, -3);
    REQUIRE(h.count() == 4);
    h.record_corrected(2500, 1000);  // back-fills 1,500 only (500 < interval)
    CHECK(h.count() == 6);
    Histogram expected;
    for (int64_t v : {1000, 500, 5000, 5000, 2500, 1500}) {
      expected.record(v);
    }
    CHECK(h == expected);
  }

  SUBCASE("record_corrected: the bulk back-fill equals sample-by-sample recording") {
    struct Case {
      int64_t lowest;
      int64_t highest;
      int64_t value;
      int64_t interval;
    };
    // Each case back-fills more samples than counters it spans, so it takes the bulk path;
    // the last two reach past highest (overflow) and, with lowest = 1000, below lowest.
    const Case cases[] = {{1, k_hour_us, 1'000'000, 1},
                          {1, k_hour_us, 3'000'000, 7},
                          {1, 10'000'000, 12'000'001, 11},
                          {1000, 1'000'000, 2'000'003, 3}};
    for (const Case& c : cases) {
      CAPTURE(c.value);
      CAPTURE(c.interval);
      Histogram bulk(c.lowest, c.highest, 3);
      Histogram naive(c.lowest, c.highest, 3);
      bulk.record_corrected(c.value, c.interval);
      naive.record(c.value);
      for (int64_t v = c.value - c.interval; v >= c.interval; v -= c.interval) {
        naive.record(v);
      }
      REQUIRE(naive.count() == static_cast<uint64_t>(c.value / c.interval));
      CHECK(bulk.count() == naive.count());
      CHECK(bulk.overflow() == naive.overflow());
      CHECK(bulk.underflow() == naive.underflow());
      CHECK(bulk.mean() == naive.mean());
      CHECK(bulk.stdev() == naive.stdev());
      CHECK(bulk == naive);
    }
  }

  SUBCASE("record_corrected: an hour-long stall at 1 us costs no 3.6e9 loop") {
    Histogram h;
    h.record_corrected(k_hour_us, 1);  // samples 1, 2, ..., 3,600,000,000
    REQUIRE(h.count() == static_cast<uint64_t>(k_hour_us));
    CHECK(h.overflow() == 0);
    CHECK(h.min() == 1);
    CHECK(h.max() == k_hour_us);
    CHECK(h.mean() == 1'800'000'000.5);
    const double n = static_cast<double>(k_hour_us);
    CHECK(h.stdev() == doctest::Approx(std::sqrt((n * n - 1) / 12)).epsilon(1e-12));
    check_precision(h.percentile(50), k_hour_us / 2);
    check_precision(h.percentile(99.9), 3'596'400'000);

    Histogram huge;
    huge.record_corrected(k_max_i64, 1);  // clamped: everything above one hour is overflow
    REQUIRE(huge.count() == static_cast<uint64_t>(k_max_i64));
    CHECK(huge.overflow() == static_cast<uint64_t>(k_max_i64 - k_hour_us));
    CHECK(huge.max() == k_hour_us);
    CHECK(huge.percentile(50) == k_hour_us);
  }

  SUBCASE("overflow and underflow") {
    Histogram h;
    h.record(0);
    h.record(-5);
    h.record(1);
    REQUIRE(h.count() == 3);
    CHECK(h.underflow() == 2);
    CHECK(h.overflow() == 0);
    CHECK(h.min() == 1);
    CHECK(h.max() == 1);
    CHECK(h.percentile(50) == 1);

    h.record(k_hour_us);  // the limit itself is in range
    CHECK(h.overflow() == 0);
    h.record(k_hour_us + 1);
    h.record(k_max_i64);
    h.record(5'000'000'000, 10);
    CHECK(h.count() == 16);
    CHECK(h.overflow() == 12);
    CHECK(h.max() == k_hour_us);
    CHECK(h.percentile(100) == k_hour_us);
    CHECK(h.percentile(90) == k_hour_us);

    Histogram narrow(1000, 1'000'000, 3);
    narrow.record(10);
    narrow.record(2'000'000);
    REQUIRE(narrow.count() == 2);
    CHECK(narrow.underflow() == 1);
    CHECK(narrow.overflow() == 1);
    CHECK(narrow.min() == 1000);
    CHECK(narrow.max() == 1'000'000);
    CHECK(narrow.mean() == 500'500.0);
  }

  SUBCASE("memory is constant regardless of the count recorded; reset") {
    Histogram h;
    const size_t empty_bytes = h.memory_bytes();
    for (int64_t v = 1; v <= 1'000'000; ++v) {
      h.record(v * 3'600);
    }
    h.record(k_max_i64, 1'000'000'000'000);
    REQUIRE(h.count() == 1'000'001'000'000);
    CHECK(h.memory_bytes() == empty_bytes);
    h.reset();
    CHECK(h.memory_bytes() == empty_bytes);
    CHECK(h.count() == 0);
    CHECK(h.overflow() == 0);
    CHECK(h == Histogram());
  }

  SUBCASE("for_each_bucket") {
    const std::vector<int64_t> values = bimodal_values(3, 10'000);
    Histogram h = fill(values);
    h.record(k_hour_us);
    uint64_t total = 0;
    int64_t previous_high = 0;
    bool ordered = true;
    bool holds_max = false;
    h.for_each_bucket([&](int64_t low, int64_t high, uint64_t count) {
      ordered = ordered && low > previous_high && high >= low && count > 0;
      previous_high = high;
      total += count;
      holds_max = holds_max || (low <= k_hour_us && k_hour_us <= high);
    });
    REQUIRE(total == h.count());
    CHECK(ordered);
    CHECK(holds_max);
  }
}
