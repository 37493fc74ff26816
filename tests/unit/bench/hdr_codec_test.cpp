#include "core/bench/hdr_codec.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

using namespace greenfetch;

TEST_CASE("greenfetch::hdr_codec") {
  SUBCASE("a histogram survives encoding: counts, percentiles, layout") {
    Histogram h;
    for (int64_t v = 1; v <= 5000; v += 7) {
      h.record(v);
    }
    h.record(2'000'000, 3);
    h.record(3'600'000'000);
    std::string text = hdr_encode_base64(h);
    CHECK(text.rfind("HISTF", 0) == 0);  // the cookie's base64, as every V2 compressed log has
    Histogram back = hdr_decode_base64(text);
    // Decoded counters know only their range: values read back as its top (never past highest).
    auto top = [&](int64_t v) { return std::min(h.highest_equivalent(v), h.highest()); };
    CHECK(back.count() == h.count());
    CHECK(back.counts_length() == h.counts_length());
    for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
      CAPTURE(p);
      CHECK(back.percentile(p) == top(h.percentile(p)));
    }
    CHECK(back.min() == 1);
    CHECK(back.max() == top(h.max()));
    std::size_t n = 0;
    back.for_each_count([&](std::size_t, uint64_t) { ++n; });
    std::size_t m = 0;
    h.for_each_count([&](std::size_t, uint64_t) { ++m; });
    CHECK(n == m);
  }

  SUBCASE("an empty histogram and other layouts") {
    Histogram empty;
    CHECK(hdr_decode_base64(hdr_encode_base64(empty)).count() == 0);
    Histogram wide(1, int64_t{1} << 40, 2);
    wide.record(123456789);
    Histogram back = hdr_decode(hdr_encode(wide));
    CHECK(back.significant_digits() == 2);
    CHECK(back.highest() == int64_t{1} << 40);
    CHECK(back.percentile(50) == wide.highest_equivalent(123456789));
  }

  SUBCASE("what is not an encoding is an error") {
    CHECK_THROWS_AS(hdr_decode_base64("!!!!"), std::runtime_error);
    CHECK_THROWS_AS(hdr_decode_base64("abc"), std::runtime_error);
    CHECK_THROWS_AS(hdr_decode("\x1c\x84\x93\x14\x00\x00\x00\x10xx"), std::runtime_error);
    std::string good = hdr_encode(Histogram{});
    good[1] = 'x';
    CHECK_THROWS_AS(hdr_decode(good), std::runtime_error);
  }
}
