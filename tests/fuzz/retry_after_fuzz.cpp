// Retry-After (RFC 9110 10.2.3: delay-seconds or an HTTP-date) as fetch and bench read it for
// --retry (core/http/retry_policy) and as the crawler reads it to pause a host
// (core/crawl/page_headers). The input is the header value. A delay is never negative, and
// the crawler's never longer than k_max_retry_after.
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "core/crawl/crawler.hpp"
#include "core/crawl/page_headers.hpp"
#include "core/http/retry_policy.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  Response r;
  r.http_code = 503;
  r.headers.emplace_back("Retry-After", std::string(fuzz::as_text(data, size)));
  RetryOptions o;
  o.attempts = 3;
  std::minstd_rand random(1);
  if (retry_delay(o, r, 0, random) < Clock::duration::zero()) {
    __builtin_trap();
  }
  // The parser itself, at a fixed "now" (Thu, 03 Dec 2026 12:00:00 GMT) for reproducible runs.
  if (auto wait = parse_retry_after(fuzz::as_text(data, size), 1796299200)) {
    if (wait->count() < 0) {
      __builtin_trap();
    }
  }
  if (std::optional<Clock::duration> d = retry_after(r)) {
    if (*d < Clock::duration::zero() || *d > k_max_retry_after) {
      __builtin_trap();
    }
  }
  return 0;
}
