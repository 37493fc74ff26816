#include "core/dns/resolver.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/dns/sockets.hpp"
#include "core/engine/green_pool.hpp"
#include "tests/unit/fixtures.hpp"

using namespace greenfetch;
using namespace std::chrono_literals;

namespace {

// Resolves "ok.test" with these options; returns the outcome and how long it took.
std::pair<Resolution, Clock::duration> timed_lookup(Reactor& reactor, const ResolverOptions& o) {
  Resolver resolver(o, reactor);
  Clock::time_point start = Clock::now();
  Resolution r = resolver.resolve("ok.test");
  return {r, Clock::now() - start};
}

}  // namespace

TEST_CASE("dns::is_ip_literal") {
  CHECK(is_ip_literal("127.0.0.1"));
  CHECK(is_ip_literal("::1"));
  CHECK(is_ip_literal("[::1]"));
  CHECK(is_ip_literal("[2001:db8::1]"));
  CHECK_FALSE(is_ip_literal("localhost"));
  CHECK_FALSE(is_ip_literal("1.2.3"));
  CHECK_FALSE(is_ip_literal(""));
  CHECK_FALSE(is_ip_literal("[]"));
}

TEST_CASE("dns::Resolver") {
  test::DnsFixture dns({{"ok.test", "127.0.0.1"}, {"other.test", "127.0.0.2"}});
  Reactor reactor;
  ResolverOptions options;
  options.servers = dns.server();
  options.family = AF_INET;

  SUBCASE("a name resolves through the DNS server") {
    Resolver resolver(options, reactor);
    Resolution r = resolver.resolve("ok.test");
    REQUIRE(r.error == Error::none);
    CHECK(r.addresses == std::vector<std::string>{"127.0.0.1"});
    CHECK(resolver.queries_sent() == 1);
  }

  SUBCASE("NXDOMAIN is a dns error naming the host") {
    Resolver resolver(options, reactor);
    Resolution r = resolver.resolve("missing.test");
    REQUIRE(r.error == Error::dns);
    CHECK(r.addresses.empty());
    CHECK(r.message.find("missing.test") != std::string::npos);
  }

  SUBCASE("answers are cached by TTL and shared") {
    Resolver resolver(options, reactor);
    REQUIRE(resolver.resolve("ok.test").error == Error::none);
    Resolution again = resolver.resolve("ok.test");
    CHECK(again.error == Error::none);
    CHECK(again.seconds == 0);
    CHECK(resolver.queries_sent() == 1);
  }

  SUBCASE("concurrent lookups of one name are one query") {
    Resolver resolver(options, reactor);
    GreenPool pool(20, reactor);
    int answered = 0;
    for (int i = 0; i < 20; ++i) {
      pool.spawn([&] {
        if (resolver.resolve("other.test").addresses == std::vector<std::string>{"127.0.0.2"}) {
          ++answered;
        }
      });
    }
    pool.waitall();
    CHECK(answered == 20);
    CHECK(resolver.queries_sent() == 1);
  }

  SUBCASE("a server that never answers ends in a DNS timeout, not a hang") {
    test::BlackholeDns blackhole;
    ResolverOptions silent = options;
    silent.servers = blackhole.server();
    silent.timeout = 100ms;
    silent.tries = 2;
    auto [r, took] = timed_lookup(reactor, silent);
    CHECK(r.error == Error::dns_timeout);
    CHECK(took < 5s);
  }

  SUBCASE("a server whose port is closed fails fast, not by a timeout") {
    test::BlackholeDns closed;
    ResolverOptions refused = options;
    refused.servers = closed.server();
    refused.timeout = 1500ms;
    closed.stop();  // ICMP port unreachable from now on
    auto [r, took] = timed_lookup(reactor, refused);
    CHECK(r.error == Error::dns);
    CHECK(took < 1s);
  }

  SUBCASE("servers c-ares cannot parse are rejected with the text") {
    ResolverOptions bad = options;
    bad.servers = "not-an-address";
    CHECK_THROWS_AS(Resolver(bad, reactor), std::invalid_argument);
  }
}

TEST_CASE("dns::Resolver sends a burst of queries together") {
  // Names are appended, not "n" + ...: GCC 12 warns falsely (-Wrestrict) on that once inlined.
  std::map<std::string, std::string> records;
  for (int i = 0; i < 40; ++i) {
    std::string name = "n";
    name += std::to_string(i);
    name += ".test";
    records[name] = "127.0.0.1";
  }
  test::DnsFixture dns(records);
  Reactor reactor;
  ResolverOptions options;
  options.servers = dns.server();
  options.family = AF_INET;
  Resolver resolver(options, reactor);
  GreenPool pool(40, reactor);
  int answered = 0;
  for (int i = 0; i < 40; ++i) {
    pool.spawn([&, i] {
      std::string name = "n";
      name += std::to_string(i);
      name += ".test";
      Resolution r = resolver.resolve(name);
      answered += r.addresses == std::vector<std::string>{"127.0.0.1"} ? 1 : 0;
    });
  }
  pool.waitall();
  CHECK(answered == 40);
  CHECK(resolver.queries_sent() == 40);
  // 40 queries asked in one turn of the loop leave in a few sendmmsg() calls, not 40.
  CHECK(resolver.sockets().datagrams_sent() >= 40);
  CHECK(resolver.sockets().send_calls() <= 4);
  CHECK(resolver.sockets().receive_calls() < 40);
}

TEST_CASE("dns::Resolver queues lookups beyond max_in_flight") {
  Reactor reactor;

  SUBCASE("queued names are all sent, in turn, as places free") {
    test::DnsFixture dns({{"q0.test", "127.0.0.1"},
                          {"q1.test", "127.0.0.1"},
                          {"q2.test", "127.0.0.1"},
                          {"q3.test", "127.0.0.1"},
                          {"q4.test", "127.0.0.1"}});
    ResolverOptions options;
    options.servers = dns.server();
    options.family = AF_INET;
    options.max_in_flight = 1;
    Resolver resolver(options, reactor);
    GreenPool pool(5, reactor);
    int answered = 0;
    for (int i = 0; i < 5; ++i) {
      pool.spawn([&, i] {
        std::string name = "q";
        name += std::to_string(i);
        name += ".test";
        answered += resolver.resolve(name).error == Error::none ? 1 : 0;
      });
    }
    pool.waitall();
    CHECK(answered == 5);
    CHECK(resolver.queries_sent() == 5);
  }

  SUBCASE("a lookup waiting for a place stops at its deadline; its query is never sent") {
    test::BlackholeDns blackhole;
    ResolverOptions options;
    options.servers = blackhole.server();
    options.family = AF_INET;
    options.timeout = 5s;
    options.max_in_flight = 2;
    Resolver resolver(options, reactor);
    GreenPool pool(6, reactor);
    std::vector<Error> errors;
    std::vector<Clock::duration> took;
    Clock::time_point start = Clock::now();
    for (int i = 0; i < 6; ++i) {
      pool.spawn([&, i] {
        std::string name = "s";
        name += std::to_string(i);
        name += ".test";
        Resolution r = resolver.resolve(name, Clock::now() + 200ms);
        errors.push_back(r.error);
        took.push_back(Clock::now() - start);
      });
    }
    pool.waitall();
    REQUIRE(errors.size() == 6);
    for (std::size_t i = 0; i < errors.size(); ++i) {
      CHECK(errors[i] == Error::timeout);
      CHECK(took[i] < 2s);  // 200 ms, with room for a loaded machine
    }
    CHECK(resolver.queries_sent() == 2);  // the 4 that waited for a place never went out
  }

  SUBCASE("--dns-timeout counts the wait for a place too") {
    test::BlackholeDns blackhole;
    ResolverOptions options;
    options.servers = blackhole.server();
    options.family = AF_INET;
    options.timeout = 300ms;
    options.max_in_flight = 1;
    Resolver resolver(options, reactor);
    GreenPool pool(3, reactor);
    std::vector<Error> errors;
    Clock::time_point start = Clock::now();
    for (int i = 0; i < 3; ++i) {
      pool.spawn([&, i] {
        std::string name = "t";
        name += std::to_string(i);
        name += ".test";
        errors.push_back(resolver.resolve(name).error);
      });
    }
    pool.waitall();
    CHECK(Clock::now() - start < 2s);  // not 3 x 300 ms one after another, nor a hang
    CHECK(errors == std::vector<Error>(3, Error::dns_timeout));
  }
}

TEST_CASE("dns::Resolver and SERVFAIL / REFUSED answers") {
  Reactor reactor;

  SUBCASE("from the only server, the answer is final: no asking the same server again") {
    test::DnsFixture dns({{"ok.test", "127.0.0.1"}});
    ResolverOptions options;
    options.servers = dns.server();
    options.tries = 3;
    Resolver resolver(options, reactor);
    // Outside .test the fixture has no answer and no upstream: REFUSED, for A and AAAA.
    Resolution r = resolver.resolve("refused.example");
    CHECK(r.error == Error::dns);
    CHECK(resolver.sockets().datagrams_sent() == 2);
  }

  SUBCASE("with several servers, the next one is asked") {
    test::DnsFixture refusing({{"other.test", "127.0.0.2"}});
    test::DnsFixture knowing({{"ok.example", "127.0.0.9"}});
    ResolverOptions options;
    options.servers = refusing.server() + "," + knowing.server();
    options.family = AF_INET;
    Resolver resolver(options, reactor);
    Resolution r = resolver.resolve("ok.example");
    REQUIRE(r.error == Error::none);
    CHECK(r.addresses == std::vector<std::string>{"127.0.0.9"});
  }
}
