#include "core/http/host_limiter.hpp"

#include <doctest/doctest.h>

#include <string>

#include "core/engine/timer.hpp"

using namespace greenfetch;
using namespace std::chrono_literals;

TEST_CASE("greenfetch::HostLimiter") {
  Reactor reactor;

  SUBCASE("host_key: host and port, lower-cased, without user info") {
    CHECK(HostLimiter::host_key("http://User@Example.ORG:8080/a?b") == "example.org:8080");
    CHECK(HostLimiter::host_key("https://a.example") == "a.example");
  }
  SUBCASE("waiting counts the URLs held back, and names the host most of them wait for") {
    GreenPool pool(8, reactor);
    HostLimiter hosts(2, &pool);
    std::size_t waiting = 0;
    std::string busiest;
    for (int i = 0; i < 6; ++i) {
      pool.spawn([&] {
        HostLimiter::Slot slot = hosts.acquire("http://a.test:81/x");
        sleep_for(20ms);
      });
    }
    pool.spawn([&] {
      HostLimiter::Slot slot = hosts.acquire("http://b.test/x");  // another host: no wait
      sleep_for(5ms);
      waiting = hosts.waiting();
      busiest = hosts.busiest_waiting_host();
      CHECK(hosts.active("http://a.test:81/") == 2);
    });
    pool.waitall();
    CHECK(waiting == 4);
    CHECK(busiest == "a.test:81");
    CHECK(hosts.waiting() == 0);
    CHECK(hosts.busiest_waiting_host().empty());
  }
  SUBCASE("no limit: nobody waits") {
    GreenPool pool(4, reactor);
    HostLimiter hosts(0, &pool);
    for (int i = 0; i < 4; ++i) {
      pool.spawn([&] {
        HostLimiter::Slot slot = hosts.acquire("http://a.test/");
        sleep_for(1ms);
        CHECK(hosts.waiting() == 0);
      });
    }
    pool.waitall();
  }
}
