#include "core/engine/reactor.hpp"

#include <doctest/doctest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

#include "core/engine/unique_fd.hpp"
#include "core/engine/waiter.hpp"

using namespace greenfetch;
using namespace std::chrono_literals;

namespace {
struct CountingHandler final : FdHandler {
  int calls = 0;
  void on_fd_events(int fd, uint32_t /*events*/) override {
    ++calls;
    char buf[16];
    [[maybe_unused]] ssize_t n = ::read(fd, buf, sizeof buf);
  }
};
}  // namespace

TEST_CASE("Reactor") {
  Reactor reactor;

  SUBCASE("timers fire in deadline order, cancelled ones never") {
    std::vector<int> fired;
    Timer a([&] { fired.push_back(1); });
    Timer b([&] { fired.push_back(2); });
    Timer c([&] { fired.push_back(3); });
    Clock::time_point now = Clock::now();
    a.arm(reactor, now + 30ms);
    b.arm(reactor, now + 10ms);
    c.arm(reactor, now + 20ms);
    c.cancel();
    REQUIRE_FALSE(c.armed());
    reactor.run_until([&] { return fired.size() == 2; });
    CHECK(fired == std::vector<int>{2, 1});
  }

  SUBCASE("re-arming moves a timer") {
    int fired = 0;
    Timer t([&] { ++fired; });
    t.arm(reactor, Clock::now() + 1h);
    t.arm(reactor, Clock::now() + 1ms);
    reactor.run_until([&] { return fired == 1; });
    CHECK_FALSE(t.armed());
  }

  SUBCASE("fd events reach their handler") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    UniqueFd r(fds[0]);
    UniqueFd w(fds[1]);
    CountingHandler h;
    reactor.watch(r.get(), EPOLLIN, &h);
    REQUIRE(::write(w.get(), "x", 1) == 1);
    reactor.run_until([&] { return h.calls == 1; });
    reactor.unwatch(r.get());
    CHECK(h.calls == 1);
  }

  SUBCASE("spawned fibers run and may suspend") {
    std::vector<int> order;
    reactor.spawn([&] {
      order.push_back(1);
      sleep_for(5ms);
      order.push_back(3);
    });
    reactor.spawn([&] { order.push_back(2); });
    reactor.run_until([&] { return order.size() == 3; });
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK(reactor.live_fibers() == 0);
  }

  SUBCASE("waiting with nothing that could wake is an error, not a hang") {
    CHECK_THROWS_AS(reactor.run_once(true), std::logic_error);
  }

  SUBCASE("pollable tells pipes from regular files") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    UniqueFd r(fds[0]);
    UniqueFd w(fds[1]);
    CHECK(Reactor::pollable(r.get()));
    FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    CHECK_FALSE(Reactor::pollable(fileno(f)));
    std::fclose(f);
  }
}

TEST_CASE("Waiter") {
  Reactor reactor;

  SUBCASE("post before wait returns at once") {
    Waiter w;
    w.post();
    CHECK(w.wait(0ms));
  }

  SUBCASE("a timeout ends the wait") {
    Waiter w;
    Clock::time_point start = Clock::now();
    CHECK_FALSE(w.wait(20ms));
    CHECK(Clock::now() - start >= 20ms);
  }

  SUBCASE("a fiber is woken by a post from a timer callback") {
    Waiter w;
    bool woke = false;
    reactor.spawn([&] { woke = w.wait(5s); });
    Timer t([&] { w.post(); });
    t.arm(reactor, Clock::now() + 5ms);
    reactor.run_until([&] { return reactor.live_fibers() == 0; });
    CHECK(woke);
  }

  SUBCASE("the main stack can wait for a fiber") {
    Waiter w;
    reactor.spawn([&] {
      sleep_for(2ms);
      w.post();
    });
    CHECK(w.wait(5s));
  }
}
