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
  SUBCASE("a huge Retry-After is cut to a year, not overflowed") {
    r.headers = {{"Retry-After", "500000000000000"}};
    CHECK(retry_delay(o, r, 0, random) == std::chrono::seconds(366L * 24 * 3600));
    r.headers = {{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}};
    CHECK(retry_delay(o, r, 0, random) == std::chrono::seconds(366L * 24 * 3600));
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

TEST_CASE("greenfetch::parse_retry_after") {
  // Thu, 03 Dec 2026 12:00:00 GMT
  const std::time_t now = 1796299200;
  using std::chrono::seconds;

  SUBCASE("delta-seconds, with blanks around") {
    CHECK(parse_retry_after("0", now) == seconds(0));
    CHECK(parse_retry_after(" 120 ", now) == seconds(120));
    CHECK(parse_retry_after("3600", now) == seconds(3600));
    CHECK(parse_retry_after("99999999999999999999999", now) == seconds(2147483647));
  }
  SUBCASE("the three HTTP-date forms, counted from now") {
    CHECK(parse_retry_after("Thu, 03 Dec 2026 12:00:30 GMT", now) == seconds(30));
    CHECK(parse_retry_after("Friday, 04-Dec-26 12:00:00 GMT", now) == seconds(86400));
    CHECK(parse_retry_after("Thu Dec  3 13:00:00 2026", now) == seconds(3600));
  }
  SUBCASE("a date in the past is no wait") {
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == seconds(0));
  }
  SUBCASE("what is neither") {
    CHECK_FALSE(parse_retry_after("", now));
    CHECK_FALSE(parse_retry_after("   ", now));
    CHECK_FALSE(parse_retry_after("-5", now));
    CHECK_FALSE(parse_retry_after("1.5", now));
    CHECK_FALSE(parse_retry_after("+1 hour", now));
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("12 apples", now));
  }
}

TEST_CASE("greenfetch::retry_wait_allowed") {
  RetryOptions o;  // max_delay 60 s, no --retry-max-time
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  CHECK(retry_wait_allowed(o, seconds(60), seconds(0), milliseconds(0)));
  CHECK_FALSE(retry_wait_allowed(o, seconds(61), seconds(0), milliseconds(0)));
  CHECK_FALSE(retry_wait_allowed(o, seconds(86400), seconds(0), milliseconds(0)));
  SUBCASE("-m bounds the wait") {
    CHECK(retry_wait_allowed(o, seconds(2), seconds(0), milliseconds(5000)));
    CHECK_FALSE(retry_wait_allowed(o, seconds(6), seconds(0), milliseconds(5000)));
  }
  SUBCASE("--retry-max-time bounds when the retry starts") {
    o.max_time = milliseconds(10'000);
    CHECK(retry_wait_allowed(o, seconds(4), seconds(5), milliseconds(0)));
    CHECK_FALSE(retry_wait_allowed(o, seconds(6), seconds(5), milliseconds(0)));
  }
}

}  // namespace greenfetch
