#include "core/bench/wire_request.hpp"

#include <doctest/doctest.h>

using namespace greenfetch;

TEST_CASE("greenfetch::build_wire_request") {
  RequestOptions o;
  o.user_agent = "ua/1";
  o.compressed = false;
  BenchTarget t;
  WireRequest w;

  SUBCASE("a GET as libcurl writes it") {
    t.url = "http://Example.test:8080/a/b?q=1#frag";
    REQUIRE(build_wire_request(t, o, w).empty());
    CHECK(w.bytes ==
          "GET /a/b?q=1 HTTP/1.1\r\nHost: Example.test:8080\r\nUser-Agent: ua/1\r\n"
          "Accept: */*\r\n\r\n");
    CHECK(w.origin == "http://example.test:8080");
    CHECK(w.host == "Example.test");
    CHECK(w.port == 8080);
    CHECK_FALSE(w.tls);
    CHECK_FALSE(w.head);
  }

  SUBCASE("default port, IPv6 literal, HEAD, Accept-Encoding") {
    o.head = true;
    o.compressed = true;
    t.url = "http://[::1]/";
    REQUIRE(build_wire_request(t, o, w).empty());
    CHECK(w.bytes.starts_with("HEAD / HTTP/1.1\r\nHost: [::1]\r\n"));
    CHECK(w.bytes.find("Accept-Encoding: deflate, gzip, br, zstd\r\n") != std::string::npos);
    CHECK(w.host == "::1");
    CHECK(w.head);
  }

  SUBCASE("a body, and headers that replace, remove and add") {
    o.headers = {"Accept:", "User-Agent: mine", "X-Empty;"};
    t.url = "http://h/p";
    t.method = "PUT";
    t.headers = {"Content-Type: application/json"};
    t.body = "{}";
    t.has_body = true;
    REQUIRE(build_wire_request(t, o, w).empty());
    CHECK(w.bytes ==
          "PUT /p HTTP/1.1\r\nHost: h\r\nUser-Agent: mine\r\nX-Empty:\r\n"
          "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(w.body_size == 2);
  }

  SUBCASE("-d makes a POST with a form type") {
    o.data = "a=1";
    o.has_data = true;
    t.url = "http://h/";
    REQUIRE(build_wire_request(t, o, w).empty());
    CHECK(w.bytes.starts_with("POST / HTTP/1.1\r\n"));
    CHECK(w.bytes.ends_with(
        "Content-Length: 3\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\na=1"));
  }

  SUBCASE("what stays on the full path, and why") {
    t.url = "https://h/";
    CHECK(build_wire_request(t, o, w).find("HTTP/2") != std::string::npos);
    o.http_version = 11;
    CHECK(build_wire_request(t, o, w).empty());
    CHECK(w.tls);
    CHECK(w.port == 443);
    t.url = "ftp://h/";
    CHECK_FALSE(build_wire_request(t, o, w).empty());
    t.url = "http://user:pw@h/";
    CHECK_FALSE(build_wire_request(t, o, w).empty());
    t.url = "http://h/";
    t.body = std::string(1024 * 1024, 'x');
    t.has_body = true;
    CHECK(build_wire_request(t, o, w).find("Expect") != std::string::npos);
  }
}
