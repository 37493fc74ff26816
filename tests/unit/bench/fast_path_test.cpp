#include "core/bench/fast_path.hpp"

#include <doctest/doctest.h>

#include "tests/unit/fixtures.hpp"

using namespace greenfetch;

TEST_CASE("greenfetch::fast_path_blocker") {
  BenchConfig config;
  CHECK(fast_path_blocker(config).empty());
  config.streams = 4;
  CHECK(fast_path_blocker(config).find("--streams") != std::string::npos);
  config.streams = 0;
  config.concurrency = std::size_t{1} << 40;  // 3 descriptors each: over any soft limit
  CHECK(fast_path_blocker(config).find("descriptor") != std::string::npos);
  config.concurrency = 50;
  config.request.cookies = {"a=1"};
  CHECK(fast_path_blocker(config).find("cookies") != std::string::npos);
}

TEST_CASE("greenfetch::FastPath") {
  test::HttpFixture http;
  Reactor reactor;
  Resolver resolver({}, reactor);
  BenchConfig config;
  config.request.proxy_from_env = false;
  BenchTarget t;
  t.url = http.url("/text/a");
  config.targets.push_back(t);
  t.url = http.url("/redirect/1");
  config.targets.push_back(t);
  t.url = "https://127.0.0.1:1/";
  config.targets.push_back(t);

  SUBCASE("answers, a kept connection, and targets that go to libcurl") {
    FastPath fast(config, resolver, 2, reactor);
    CHECK(fast.handles(0));
    CHECK_FALSE(fast.handles(2));
    CHECK(fast.reason(2).find("HTTP/2") != std::string::npos);
    std::optional<Response> r = fast.fetch(0);
    REQUIRE(r);
    CHECK(r->error == Error::none);
    CHECK(r->http_code == 200);
    CHECK(r->size_download == static_cast<int64_t>(std::string("hello /text/a\n").size()));
    CHECK(r->num_connects == 1);
    CHECK(r->time.connect > 0);
    CHECK(r->time.starttransfer > 0);
    r = fast.fetch(0);
    REQUIRE(r);
    CHECK(r->num_connects == 0);  // kept alive
    CHECK(fast.handles(1));
    CHECK_FALSE(fast.fetch(1));  // a redirect to follow: libcurl's from now on
    CHECK_FALSE(fast.handles(1));
    CHECK(fast.reason(1).find("redirect") != std::string::npos);
  }

  SUBCASE("--path fast: a redirect is counted as it came") {
    config.path = BenchPath::fast;
    FastPath fast(config, resolver, 1, reactor);
    std::optional<Response> r = fast.fetch(1);
    REQUIRE(r);
    CHECK(r->http_code == 302);
  }

  SUBCASE("cancel_all ends a request in flight") {
    config.targets[0].url = http.url("/delay/3000");
    FastPath fast(config, resolver, 1, reactor);
    Timer stop([&] { fast.cancel_all(); });
    stop.arm(reactor, Clock::now() + std::chrono::milliseconds(100));
    Clock::time_point start = Clock::now();
    std::optional<Response> r = fast.fetch(0);
    REQUIRE(r);
    CHECK(r->error == Error::cancelled);
    CHECK(Clock::now() - start < std::chrono::seconds(2));
  }
}
