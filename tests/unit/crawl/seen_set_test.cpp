#include "core/crawl/seen_set.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_set>

using namespace greenfetch;

namespace {

std::string crawl_url(std::size_t i) {
  // URLs as a crawl meets them: one site, long shared prefixes, numbers that differ slightly
  return "https://www.example.com/articles/" + std::to_string(i % 997) + "/page-" +
         std::to_string(i) + ".html?ref=home&id=" + std::to_string(i * 31);
}

}  // namespace

TEST_CASE("SeenSet: 1,000,000 URLs, duplicates detected, under 20 bytes per URL") {
  constexpr std::size_t k_urls = 1'000'000;
  SeenSet seen(12345);
  auto start = std::chrono::steady_clock::now();
  std::size_t refused = 0;
  for (std::size_t i = 0; i < k_urls; ++i) {
    if (!seen.insert(crawl_url(i))) {
      ++refused;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(refused == 0);  // no false positive among distinct URLs
  CHECK(seen.size() == k_urls);
  double per_url = static_cast<double>(seen.memory_bytes()) / static_cast<double>(seen.size());
  MESSAGE("1,000,000 inserts: " << seconds << " s, " << per_url << " bytes per URL, "
                                << seen.slot_count() << " slots");
  CHECK(per_url < 20);
  CHECK(per_url <= 16.0);

  std::size_t accepted_again = 0;
  for (std::size_t i = 0; i < k_urls; ++i) {
    if (seen.insert(crawl_url(i))) {
      ++accepted_again;
    }
  }
  CHECK(accepted_again == 0);
  CHECK(seen.size() == k_urls);

  std::size_t found = 0;
  std::size_t false_positives = 0;
  for (std::size_t i = 0; i < 100'000; ++i) {
    found += seen.contains(crawl_url(i * 7)) ? 1 : 0;
    false_positives += seen.contains(crawl_url(k_urls + i)) ? 1 : 0;
  }
  CHECK(found == 100'000);
  CHECK(false_positives == 0);
}

TEST_CASE("SeenSet: memory stays within 16 bytes per URL as it grows") {
  SeenSet seen(1);
  CHECK(seen.memory_bytes() == 0);
  CHECK_FALSE(seen.contains("x"));
  double worst = 0;
  std::size_t overloaded = 0;  // times the load was above 3/4
  for (std::size_t i = 0; i < 300'000; ++i) {
    seen.insert(crawl_url(i));
    if (seen.size() >= 2000) {
      worst = std::max(worst,
                       static_cast<double>(seen.memory_bytes()) / static_cast<double>(seen.size()));
    }
    overloaded += seen.size() * 4 > seen.slot_count() * 3 ? 1 : 0;
  }
  CHECK(overloaded == 0);
  CHECK(seen.size() == 300'000);
  MESSAGE("worst bytes per URL past 2000 URLs: " << worst);
  CHECK(worst <= 16.01);
}

TEST_CASE("SeenSet: near-identical URLs are told apart") {
  SeenSet seen;  // random seed
  std::string base = "http://example.com/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p";
  CHECK(seen.insert(base));
  CHECK_FALSE(seen.insert(base));
  // every one-byte change, at every position (inside full 16-byte blocks and in the tail)
  std::size_t distinct = 1;
  for (std::size_t pos = 0; pos < base.size(); ++pos) {
    for (char c : {'0', 'z', '\0', '\x7f'}) {
      std::string v = base;
      if (v[pos] == c) {
        continue;
      }
      v[pos] = c;
      CHECK(seen.insert(v));
      ++distinct;
    }
  }
  // prefixes and zero padding: "", "\0", "\0\0", ... are all different
  for (std::size_t len = 0; len <= 40; ++len) {
    CHECK(seen.insert(std::string(len, '\0')));
    CHECK(seen.insert(base.substr(0, len) + "#"));
    distinct += 2;
  }
  CHECK(seen.size() == distinct);
  CHECK(seen.contains(std::string(17, '\0')));
  CHECK_FALSE(seen.contains(std::string(41, '\0')));
}

TEST_CASE("SeenSet::hash: seeds, avalanche, no 0") {
  CHECK(SeenSet::hash("http://example.com/", 1) == SeenSet::hash("http://example.com/", 1));
  CHECK(SeenSet::hash("http://example.com/", 1) != SeenSet::hash("http://example.com/", 2));
  CHECK(SeenSet::hash("", 0) != 0);

  // Flipping one input bit should flip about half of the 64 output bits.
  std::mt19937_64 rng(99);
  double total = 0;
  int samples = 0;
  int worst = 64;
  for (int round = 0; round < 200; ++round) {
    std::string s(1 + rng() % 40, '\0');
    for (char& c : s) {
      c = static_cast<char>(0x20 + rng() % 0x5f);
    }
    std::uint64_t seed = rng();
    std::uint64_t h = SeenSet::hash(s, seed);
    for (std::size_t bit = 0; bit < s.size() * 8; ++bit) {
      std::string t = s;
      t[bit / 8] = static_cast<char>(t[bit / 8] ^ (1 << (bit % 8)));
      int flipped = std::popcount(h ^ SeenSet::hash(t, seed));
      total += flipped;
      worst = std::min(worst, flipped);
      ++samples;
    }
  }
  double mean = total / samples;
  MESSAGE("avalanche: " << mean << " bits flipped on average, fewest " << worst);
  CHECK(mean > 31.0);
  CHECK(mean < 33.0);
  CHECK(worst >= 10);
}

TEST_CASE("SeenSet: reserve avoids growing") {
  SeenSet seen(7);
  seen.reserve(100'000);
  std::size_t slots = seen.slot_count();
  CHECK(slots * 3 >= 100'000 * 4 - 4);
  std::size_t inserted = 0;
  for (std::size_t i = 0; i < 100'000; ++i) {
    inserted += seen.insert(crawl_url(i)) ? 1 : 0;
  }
  CHECK(inserted == 100'000);
  CHECK(seen.slot_count() == slots);
  seen.reserve(10);  // never shrinks
  CHECK(seen.slot_count() == slots);
  CHECK(seen.size() == 100'000);
}
