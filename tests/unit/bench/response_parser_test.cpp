#include "core/bench/response_parser.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace greenfetch;

namespace {
ResponseParser::State feed_all(ResponseParser& p, const std::string& s, std::size_t step) {
  ResponseParser::State st = ResponseParser::State::partial;
  for (std::size_t i = 0; i < s.size() && st == ResponseParser::State::partial; i += step) {
    std::string piece = s.substr(i, step);
    st = p.feed(piece.data(), piece.size());
  }
  return st;
}
}  // namespace

TEST_CASE("greenfetch::ResponseParser") {
  ResponseParser p;
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\n";

  SUBCASE("Content-Length: head and body sizes, whole or byte by byte") {
    for (std::size_t step : {std::size_t{1000}, std::size_t{1}, std::size_t{7}}) {
      p.start(false);
      REQUIRE(feed_all(p, head + "hello", step) == ResponseParser::State::complete);
      CHECK(p.status() == 200);
      CHECK(p.header_bytes() == head.size());
      CHECK(p.body_bytes() == 5);
      CHECK(p.keep_alive());
    }
  }

  SUBCASE("chunked: the body without the framing") {
    std::string h = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n";
    p.start(false);
    REQUIRE(feed_all(p, h + "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", 4) ==
            ResponseParser::State::complete);
    CHECK(p.status() == 201);
    CHECK(p.header_bytes() == h.size());
    CHECK(p.body_bytes() == 8);
  }

  SUBCASE("HEAD: the announced body is not waited for") {
    p.start(true);
    CHECK(feed_all(p, head, 100) == ResponseParser::State::complete);
    CHECK(p.body_bytes() == 0);
  }

  SUBCASE("an interim 100 Continue is skipped, its head counted") {
    std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
    p.start(false);
    REQUIRE(feed_all(p, interim + head + "hello", 3) == ResponseParser::State::complete);
    CHECK(p.status() == 200);
    CHECK(p.header_bytes() == interim.size() + head.size());
  }

  SUBCASE("Connection: close and HTTP/1.0 end keep-alive; a body until the close") {
    p.start(false);
    REQUIRE(feed_all(p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 9) ==
            ResponseParser::State::complete);
    CHECK_FALSE(p.keep_alive());
    p.start(false);
    CHECK(feed_all(p, "HTTP/1.0 200 OK\r\n\r\nuntil the end", 5) == ResponseParser::State::partial);
    CHECK(p.finish() == ResponseParser::State::complete);
    CHECK(p.body_bytes() == 13);
    CHECK_FALSE(p.keep_alive());
  }

  SUBCASE("cut and malformed answers") {
    p.start(false);
    CHECK(feed_all(p, head + "he", 100) == ResponseParser::State::partial);
    CHECK(p.finish() == ResponseParser::State::partial);
    CHECK(p.received() == head.size() + 2);
    p.start(false);
    CHECK(p.finish() == ResponseParser::State::partial);
    CHECK(p.received() == 0);
    p.start(false);
    CHECK(feed_all(p, "this is not HTTP\r\n\r\n", 100) == ResponseParser::State::malformed);
    CHECK_FALSE(p.error().empty());
  }

  SUBCASE("Location and Content-Encoding are noticed, whatever their case") {
    p.start(false);
    REQUIRE(feed_all(p,
                     "HTTP/1.1 302 Found\r\nlocation: /x\r\nCONTENT-encoding: gzip\r\n"
                     "Content-Length: 0\r\n\r\n",
                     2) == ResponseParser::State::complete);
    CHECK(p.has_location());
    CHECK(p.encoded());
  }
}
