#include "core/redis/connection.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/engine/fiber.hpp"
#include "core/engine/waiter.hpp"
#include "tests/unit/fixtures.hpp"

using namespace greenfetch;
using greenfetch::test::ChildProcess;

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// redis-server on 127.0.0.1:port without persistence, until destroyed.
ChildProcess start_redis(int port) {
  return ChildProcess::spawn({"/usr/bin/redis-server", "--port", std::to_string(port), "--bind",
                              "127.0.0.1", "--save", "", "--appendonly", "no"},
                             -1, -1, -1, true);
}

// Waits (at most 5 s) until PING is answered.
bool wait_ready(RedisConnection& c) {
  for (int i = 0; i < 100; ++i) {
    std::optional<RedisReply> r = c.command({"PING"}, std::chrono::seconds(1));
    if (r && r->type == RedisReply::Type::status) {
      return true;
    }
    sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_CASE("greenfetch::parse_redis_url") {
  SUBCASE("host, port and db") {
    std::optional<RedisAddress> a = parse_redis_url("redis://127.0.0.1:6380/3");
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 6380);
    CHECK(a->db == 3);
  }
  SUBCASE("defaults and IPv6") {
    std::optional<RedisAddress> a = parse_redis_url("redis://[::1]");
    REQUIRE(a);
    CHECK(a->host == "::1");
    CHECK(a->port == 6379);
    CHECK(a->db == 0);
  }
  SUBCASE("not a redis URL") {
    CHECK_FALSE(parse_redis_url("http://127.0.0.1:6379"));
    CHECK_FALSE(parse_redis_url("redis://:6379"));
    CHECK_FALSE(parse_redis_url("redis://h:0"));
    CHECK_FALSE(parse_redis_url("redis://h:1/x"));
  }
}

TEST_CASE("greenfetch::RedisConnection") {
  Reactor reactor;
  int port = free_port();
  ChildProcess server = start_redis(port);
  RedisAddress address;
  address.port = port;
  RedisConnection c(reactor, address);
  REQUIRE(wait_ready(c));

  SUBCASE("commands and replies of each type") {
    std::optional<RedisReply> r = c.command({"SET", "k", std::string("a\0b", 3)});
    REQUIRE(r);
    CHECK(r->type == RedisReply::Type::status);
    r = c.command({"GET", "k"});
    REQUIRE(r);
    CHECK(r->str == std::string("a\0b", 3));
    r = c.command({"GET", "missing"});
    REQUIRE(r);
    CHECK(r->type == RedisReply::Type::nil);
    r = c.command({"RPUSH", "l", "1", "2"});
    REQUIRE(r);
    CHECK(r->integer == 2);
    r = c.command({"LRANGE", "l", "0", "-1"});
    REQUIRE(r);
    REQUIRE(r->elements.size() == 2);
    CHECK(r->elements[1].str == "2");
    r = c.command({"INCR", "k"});
    REQUIRE(r);
    CHECK(r->is_error());
  }
  SUBCASE("a pipeline, and fibers whose commands go out together") {
    std::vector<RedisConnection::Command> cmds;
    for (int i = 0; i < 100; ++i) {
      cmds.push_back({"INCR", "n"});
    }
    std::optional<std::vector<RedisReply>> rs = c.pipeline(cmds);
    REQUIRE(rs);
    CHECK(rs->back().integer == 100);
    int done = 0;
    for (int f = 0; f < 10; ++f) {
      reactor.spawn([&] {
        for (int i = 0; i < 10; ++i) {
          if (c.command({"INCR", "m"})) {
            ++done;
          }
        }
      });
    }
    reactor.run_until([&] { return done == 100 || reactor.live_fibers() == 0; });
    CHECK(done == 100);
    CHECK(c.command({"GET", "m"})->str == "100");
  }
  SUBCASE("scripts: EVALSHA, and EVAL when the server does not know it") {
    RedisScript s("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    CHECK(s.sha1.size() == 40);
    std::optional<RedisReply> r = c.eval(s, {"x"}, {"5"});
    REQUIRE(r);
    CHECK(r->integer == 5);
    r = c.eval(s, {"x"}, {"2"});
    REQUIRE(r);
    CHECK(r->integer == 7);
    c.command({"SCRIPT", "FLUSH"});
    r = c.eval(s, {"x"}, {"1"});
    REQUIRE(r);
    CHECK(r->integer == 8);
  }
  SUBCASE("a lost server fails the commands; a new one is reached again") {
    server.stop();
    std::optional<RedisReply> r = c.command({"PING"}, std::chrono::seconds(2));
    CHECK_FALSE(r);
    CHECK_FALSE(c.error().empty());
    server = start_redis(port);
    CHECK(wait_ready(c));
  }
  SUBCASE("a select'ed database") {
    RedisAddress db2 = address;
    db2.db = 2;
    RedisConnection c2(reactor, db2);
    REQUIRE(c2.command({"SET", "only2", "1"}));
    CHECK(c.command({"EXISTS", "only2"})->integer == 0);
    CHECK(c2.command({"EXISTS", "only2"})->integer == 1);
  }
}
