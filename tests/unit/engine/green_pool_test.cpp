#include "core/engine/green_pool.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

using namespace greenfetch;
using namespace std::chrono_literals;

namespace {

// A source of the integers [0, n), counting how far it was pulled.
struct CountingSource {
  int n;
  int pulled = 0;
  std::optional<int> next() {
    if (pulled >= n) {
      return std::nullopt;
    }
    return pulled++;
  }
};

}  // namespace

TEST_CASE("GreenPool") {
  Reactor reactor;

  SUBCASE("spawn never runs more than N at once") {
    GreenPool pool(3, reactor);
    int running = 0;
    int peak = 0;
    int done = 0;
    for (int i = 0; i < 20; ++i) {
      pool.spawn([&] {
        peak = std::max(peak, ++running);
        sleep_for(1ms);
        --running;
        ++done;
      });
      CHECK(pool.running() <= 3);
    }
    pool.waitall();
    CHECK(done == 20);
    CHECK(peak == 3);
    CHECK(pool.running() == 0);
  }

  SUBCASE("imap yields results in input order although the first is slowest") {
    GreenPool pool(4, reactor);
    CountingSource src{10};
    std::vector<int> finish_order;
    auto results = pool.imap(
        [&](int i) {
          sleep_for(i == 0 ? 30ms : 1ms);
          finish_order.push_back(i);
          return i * i;
        },
        src);
    std::vector<int> got;
    while (std::optional<int> r = results.next()) {
      got.push_back(*r);
    }
    CHECK(got == std::vector<int>{0, 1, 4, 9, 16, 25, 36, 49, 64, 81});
    REQUIRE_FALSE(finish_order.empty());
    CHECK(finish_order.back() == 0);
  }

  SUBCASE("imap unordered yields the slow first item last") {
    GreenPool pool(4, reactor);
    CountingSource src{8};
    GreenPool::ImapOptions opts;
    opts.ordered = false;
    auto results = pool.imap(
        [&](int i) {
          sleep_for(i == 0 ? 30ms : 1ms);
          return i;
        },
        src, opts);
    std::vector<int> got;
    while (std::optional<int> r = results.next()) {
      got.push_back(*r);
    }
    REQUIRE(got.size() == 8);
    CHECK(got.back() == 0);
  }

  SUBCASE("imap pulls its input lazily, bounded by the window") {
    GreenPool pool(2, reactor);
    CountingSource src{1'000'000};
    GreenPool::ImapOptions opts;
    opts.window = 8;
    auto results = pool.imap(
        [&](int i) {
          sleep_for(i == 0 ? 20ms : 0ms);
          return i;
        },
        src, opts);
    std::optional<int> first = results.next();
    REQUIRE(first.has_value());
    CHECK(*first == 0);
    // Item 0 was slow: the others finished, yet the pool stopped at the window.
    CHECK(src.pulled <= 9);
    results.stop();
    int taken = 0;
    while (results.next() && taken < 100) {
      ++taken;
    }
    CHECK(src.pulled < 100);
  }

  SUBCASE("an exception in fn comes out of next() for that item") {
    GreenPool pool(2, reactor);
    CountingSource src{3};
    auto results = pool.imap(
        [](int i) {
          if (i == 1) {
            throw std::runtime_error("boom");
          }
          return i;
        },
        src);
    CHECK(results.next() == 0);
    CHECK_THROWS_WITH(results.next(), "boom");
    CHECK(results.next() == 2);
    CHECK_FALSE(results.next().has_value());
  }

  SUBCASE("an exception from the source ends the stream after the results obtained") {
    struct FailingSource {
      int pulled = 0;
      std::optional<int> next() {
        if (pulled == 2) {
          throw std::runtime_error("input.txt: read error");
        }
        return pulled++;
      }
    } src;
    GreenPool pool(2, reactor);
    auto results = pool.imap([](int i) { return i; }, src);
    CHECK(results.next() == 0);
    CHECK(results.next() == 1);
    CHECK_THROWS_WITH(results.next(), "input.txt: read error");
  }

  SUBCASE("sleep in many fibers takes about one sleep, not the sum") {
    GreenPool pool(100, reactor);
    Clock::time_point start = Clock::now();
    for (int i = 0; i < 100; ++i) {
      pool.spawn([] { sleep_for(20ms); });
    }
    pool.waitall();
    CHECK(Clock::now() - start < 2s);
  }
}
