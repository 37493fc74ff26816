#include "tests/unit/fixtures.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

using namespace greenfetch;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// Connects to 127.0.0.1:port; an invalid fd if nothing listens.
UniqueFd connect_loopback(int port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (!s.valid() || ::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return UniqueFd();
  }
  return s;
}

// The whole raw response to "GET path" with Connection: close (read until EOF, at most 5 s).
std::string raw_get(int port, const std::string& path) {
  UniqueFd s = connect_loopback(port);
  if (!s.valid()) {
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(s.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0) {
    return "";
  }
  std::string response;
  Clock::time_point deadline = Clock::now() + 5s;
  for (int i = 0; i < 10000 && Clock::now() < deadline; ++i) {
    pollfd p{s.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      continue;
    }
    char buf[4096];
    ssize_t n = ::recv(s.get(), buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    response.append(buf, static_cast<std::size_t>(n));
  }
  return response;
}

}  // namespace

TEST_CASE("test::HttpFixture") {
  test::HttpFixture http;
  REQUIRE(http.port() > 0);

  SUBCASE("urls") {
    std::string base = "http://127.0.0.1:" + std::to_string(http.port());
    CHECK(http.base() == base);
    CHECK(http.url("/text/a") == base + "/text/a");
    CHECK(http.url("x") == base + "/x");
  }

  SUBCASE("a raw GET / is answered") {
    std::string r = raw_get(http.port(), "/");
    CHECK(r.starts_with("HTTP/1.1 200 "));
    CHECK(r.find("\r\nContent-Length: 8\r\n") != std::string::npos);
    CHECK(r.ends_with("\r\n\r\nhello /\n"));
  }

  SUBCASE("endpoints") {
    CHECK(raw_get(http.port(), "/delay/10").ends_with("\r\n\r\ndelayed 10\n"));
    CHECK(raw_get(http.port(), "/status/503").starts_with("HTTP/1.1 503 "));
    CHECK(raw_get(http.port(), "/nowhere").starts_with("HTTP/1.1 404 "));
    // this test process has one thread
    CHECK(raw_get(http.port(), "/peer-threads").ends_with("\r\n\r\n1\n"));
  }

  SUBCASE("moves keep the server; the destructor stops it") {
    int port = http.port();
    {
      test::HttpFixture moved(std::move(http));
      CHECK(moved.port() == port);
      CHECK(raw_get(port, "/text/m").ends_with("hello /text/m\n"));
    }
    CHECK_FALSE(connect_loopback(port).valid());
  }
}

TEST_CASE("test::DnsFixture") {
  std::string dir;
  {
    test::DnsFixture dns({{"a.test", "127.0.0.1"}, {"both.test", "127.0.0.2,::2"}});
    dir = dns.dir();
    REQUIRE(dns.port() > 0);
    CHECK(dns.server() == "127.0.0.1:" + std::to_string(dns.port()));
    CHECK(std::filesystem::exists(dir + "/dnsmasq.conf"));

    std::optional<test::DnsAnswer> a = test::dns_query(dns.port(), "a.test");
    REQUIRE(a.has_value());
    CHECK(a->rcode == 0);
    CHECK(a->addresses == std::vector<std::string>{"127.0.0.1"});

    a = test::dns_query(dns.port(), "a.test", test::k_dns_type_aaaa);
    REQUIRE(a.has_value());
    CHECK(a->rcode == 0);  // NODATA, not NXDOMAIN
    CHECK(a->addresses.empty());

    a = test::dns_query(dns.port(), "both.test", test::k_dns_type_aaaa);
    REQUIRE(a.has_value());
    CHECK(a->addresses == std::vector<std::string>{"::2"});

    a = test::dns_query(dns.port(), "missing.test");
    REQUIRE(a.has_value());
    CHECK(a->rcode == 3);  // NXDOMAIN

    test::DnsFixture moved(std::move(dns));
    CHECK(test::dns_query(moved.port(), "a.test").has_value());
  }
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("test::DnsFixture with one record, or a map") {
  test::DnsFixture one({{"one.test", "127.0.0.9"}});
  std::optional<test::DnsAnswer> a = test::dns_query(one.port(), "one.test");
  REQUIRE(a.has_value());
  CHECK(a->addresses == std::vector<std::string>{"127.0.0.9"});

  std::map<std::string, std::string> records{{"m.test", "::9"}};
  test::DnsFixture from_map(records);
  a = test::dns_query(from_map.port(), "m.test", test::k_dns_type_aaaa);
  REQUIRE(a.has_value());
  CHECK(a->addresses == std::vector<std::string>{"::9"});

  test::DnsFixture none({});
  a = test::dns_query(none.port(), "m.test");
  REQUIRE(a.has_value());
  CHECK(a->rcode == 3);
}

TEST_CASE("test::BlackholeDns") {
  test::BlackholeDns blackhole;
  REQUIRE(blackhole.port() > 0);
  CHECK(blackhole.server() == "127.0.0.1:" + std::to_string(blackhole.port()));
  Clock::time_point start = Clock::now();
  CHECK_FALSE(test::dns_query(blackhole.port(), "a.test", test::k_dns_type_a, 300ms));
  CHECK(Clock::now() - start >= 250ms);
}
