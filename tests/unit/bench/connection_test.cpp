#include "core/bench/connection.hpp"

#include <doctest/doctest.h>

#include "tests/unit/fixtures.hpp"

using namespace greenfetch;

TEST_CASE("greenfetch::BenchConnection") {
  test::HttpFixture http;
  Reactor reactor;
  RequestOptions options;
  BenchConnection c(reactor);
  ConnectSpec spec;
  spec.url = http.url("/");
  spec.options = &options;
  std::string message;
  char buf[4096];

  SUBCASE("libcurl connects; a request and its answer go through the socket") {
    IoResult r = c.open(spec, message);
    REQUIRE(r.code == CURLE_OK);
    REQUIRE(c.is_open());
    CHECK(c.connect_seconds() > 0);
    CHECK(c.tls_seconds() == 0);
    std::string req = "GET /text/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    REQUIRE(c.send_all(req, Clock::time_point::max()).bytes == req.size());
    std::string got;
    for (int i = 0; i < 50 && got.find("hello /text/x\n") == std::string::npos; ++i) {
      IoResult in = c.receive(buf, sizeof buf, Clock::now() + std::chrono::seconds(5), i == 0);
      REQUIRE(in.code == CURLE_OK);
      REQUIRE(in.bytes > 0);
      got.append(buf, in.bytes);
    }
    CHECK(got.starts_with("HTTP/1.1 200"));
    c.close();
    CHECK_FALSE(c.is_open());
  }

  SUBCASE("a deadline without an answer is a timeout (expire() ends the wait)") {
    REQUIRE(c.open(spec, message).code == CURLE_OK);
    std::string req = "GET /delay/2000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    REQUIRE(c.send_all(req, Clock::time_point::max()).code == CURLE_OK);
    Timer tick([&] { c.expire(Clock::now()); });
    tick.arm(reactor, Clock::now() + std::chrono::milliseconds(150));
    Clock::time_point start = Clock::now();
    IoResult in = c.receive(buf, sizeof buf, start + std::chrono::milliseconds(100), true);
    CHECK(in.code == CURLE_OPERATION_TIMEDOUT);
    CHECK(Clock::now() - start < std::chrono::seconds(1));
  }

  SUBCASE("a refused connection is libcurl's error") {
    spec.url = "http://127.0.0.1:1/";
    IoResult r = c.open(spec, message);
    CHECK(r.code == CURLE_COULDNT_CONNECT);
    CHECK_FALSE(message.empty());
    CHECK_FALSE(c.is_open());
  }
}
