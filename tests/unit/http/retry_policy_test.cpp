#include "core/http/retry_policy.hpp"

#include <doctest/doctest.h>

#include <chrono>

namespace greenfetch {

TEST_CASE("greenfetch::should_retry") {
  RetryOptions o;
  Response r;

  SUBCASE("transfer errors, each by its own switch") {
    r.error = Error::connect;
    CHECK(should_retry(o, r));
    o.on_connect = false;
    CHECK_FALSE(should_retry(o, r));
    r.error = Error::reset;
    CHECK(should_retry(o, r));
    r.error = Error::timeout;
    CHECK(should_retry(o, r));
    r.error = Error::dns;
    CHECK_FALSE(should_retry(o, r));
    o.on_dns = true;
    CHECK(should_retry(o, r));
    r.error = Error::dns_timeout;
    CHECK(should_retry(o, r));
    r.error = Error::tls;
    CHECK_FALSE(should_retry(o, r));
  }
  SUBCASE("statuses: 429, 5xx and the listed ones") {
    r.http_code = 200;
    CHECK_FALSE(should_retry(o, r));
    r.http_code = 429;
    CHECK(should_retry(o, r));
    r.http_code = 503;
    r.error = Error::http;  // --fail
    CHECK(should_retry(o, r));
    o.on_5xx = false;
    CHECK_FALSE(should_retry(o, r));
    r.http_code = 404;
    CHECK_FALSE(should_retry(o, r));
    o.statuses = {404};
    CHECK(should_retry(o, r));
  }
}

TEST_CASE("greenfetch::retry_delay") {
  RetryOptions o;
  Response r;
  std::minstd_rand random(42);

  SUBCASE("Retry-After in seconds is honoured") {
    r.headers = {{"retry-after", "7"}};
    CHECK(retry_delay(o, r, 0, random) == std::chrono::seconds(7));
  }
  SUBCASE("Retry-After as a date in the past is no wait") {
    r.headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};
    CHECK(retry_delay(o, r, 3, random) == Clock::duration::zero());
  }
  SUBCASE("backoff with full jitter stays within min(max_delay, delay * 2^retry)") {
    o.delay = std::chrono::milliseconds(100);
    o.max_delay = std::chrono::milliseconds(1000);
    for (int retry = 0; retry < 40; ++retry) {
      Clock::duration d = retry_delay(o, r, retry, random);
      auto cap =
          std::min<Clock::duration>(std::chrono::milliseconds(100) * (1LL << std::min(retry, 4)),
                                    std::chrono::milliseconds(1000));
      CHECK(d >= Clock::duration::zero());
      CHECK(d <= cap);
    }
  }
  SUBCASE("an unparsable Retry-After falls back to the backoff") {
    r.headers = {{"Retry-After", "soon"}};
    o.delay = std::chrono::milliseconds(10);
    Clock::duration d = retry_delay(o, r, 0, random);
    CHECK(d <= std::chrono::milliseconds(10));
  }
}

}  // namespace greenfetch
