#include "core/crawl/frontier.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace greenfetch;
using namespace std::chrono_literals;

namespace {

CrawlItem item(std::string url, uint32_t depth = 0) {
  CrawlItem i;
  i.url = std::move(url);
  i.depth = depth;
  return i;
}

}  // namespace

TEST_CASE("CrawlFrontier: host keys are scheme and authority") {
  CHECK(CrawlFrontier::host_key("http://a.example/x/y?q") == "http://a.example");
  CHECK(CrawlFrontier::host_key("https://a.example:8443?q") == "https://a.example:8443");
  CHECK(CrawlFrontier::host_key("http://a.example") == "http://a.example");
  CHECK(CrawlFrontier::host_key("nothing") == "");
}

TEST_CASE("CrawlFrontier: one host is first in, first out, capped at per_host") {
  CrawlFrontier f(2);
  Clock::time_point now = Clock::now();
  for (int i = 0; i < 5; ++i) {
    f.push(item("http://a/" + std::to_string(i)), now);
  }
  CHECK(f.pending() == 5);
  std::vector<std::string> got;
  CrawlFrontier::Host* h = f.next_ready(now);
  REQUIRE(h != nullptr);
  got.push_back(f.pop(*h).url);
  f.start(*h, now);
  h = f.next_ready(now);
  REQUIRE(h != nullptr);
  got.push_back(f.pop(*h).url);
  f.start(*h, now);
  CHECK(f.next_ready(now) == nullptr);  // two in flight: the host is full
  f.finish(*h, now);
  h = f.next_ready(now);
  REQUIRE(h != nullptr);
  got.push_back(f.pop(*h).url);
  f.start(*h, now);
  CHECK(got == std::vector<std::string>{"http://a/0", "http://a/1", "http://a/2"});
  CHECK(f.pending() == 2);
}

TEST_CASE("CrawlFrontier: hosts take turns, and a host's delay holds back only that host") {
  CrawlFrontier f(0, 1s);
  Clock::time_point now = Clock::now();
  for (int i = 0; i < 3; ++i) {
    f.push(item("http://a/" + std::to_string(i)), now);
    f.push(item("http://b/" + std::to_string(i)), now);
  }
  std::vector<std::string> got;
  for (int n = 0; n < 10; ++n) {
    CrawlFrontier::Host* h = f.next_ready(now);
    if (h == nullptr) {
      break;
    }
    got.push_back(f.pop(*h).url);
    f.start(*h, now);
  }
  // one of each host now; the rest waits for each host's own delay
  CHECK(got == std::vector<std::string>{"http://a/0", "http://b/0"});
  REQUIRE(f.next_wake().has_value());
  CHECK(*f.next_wake() == now + 1s);
  Clock::time_point later = now + 1s;
  CrawlFrontier::Host* h = f.next_ready(later);
  REQUIRE(h != nullptr);
  CHECK(f.pop(*h).url == "http://a/1");
  f.start(*h, later);
  h = f.next_ready(later);
  REQUIRE(h != nullptr);
  CHECK(f.pop(*h).url == "http://b/1");
}

TEST_CASE("CrawlFrontier: a pause (Retry-After) delays the host; push_front retries first") {
  CrawlFrontier f(1);
  Clock::time_point now = Clock::now();
  f.push(item("http://a/1"), now);
  f.push(item("http://a/2"), now);
  f.push(item("http://b/1"), now);
  CrawlFrontier::Host* h = f.next_ready(now);
  REQUIRE(h != nullptr);
  CrawlItem first = f.pop(*h);
  CHECK(first.url == "http://a/1");
  f.start(*h, now);
  // the answer was 429 with Retry-After: 5
  f.push_front(std::move(first), now);
  f.pause(*h, now + 5s, now);
  f.finish(*h, now);
  CrawlFrontier::Host* b = f.next_ready(now);
  REQUIRE(b != nullptr);
  CHECK(f.pop(*b).url == "http://b/1");
  f.start(*b, now);
  CHECK(f.next_ready(now + 4s) == nullptr);
  h = f.next_ready(now + 5s);
  REQUIRE(h != nullptr);
  CHECK(f.pop(*h).url == "http://a/1");
}

TEST_CASE("CrawlFrontier: a blocked host (robots.txt pending) starts no page") {
  CrawlFrontier f(2);
  Clock::time_point now = Clock::now();
  f.push(item("http://a/1"), now);
  CrawlFrontier::Host* h = f.next_ready(now);
  REQUIRE(h != nullptr);
  h->blocked = true;
  f.start(*h, now);  // the robots.txt request
  CHECK(f.next_ready(now) == nullptr);
  h->blocked = false;
  f.finish(*h, now);
  h = f.next_ready(now);
  REQUIRE(h != nullptr);
  CHECK(f.pop(*h).url == "http://a/1");
}
