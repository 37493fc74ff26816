// When a failed fetch is tried again, and after how long (--retry and its options).
#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <random>
#include <string_view>

#include "core/engine/timer.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"

namespace greenfetch {

// Whether the options ask for another try of a fetch that ended as `r`.
bool should_retry(const RetryOptions& o, const Response& r);

// The wait a Retry-After value asks for, counted from `now`: delta-seconds ("120") or an
// HTTP date (RFC 9110: IMF-fixdate, and the obsolete RFC 850 and asctime forms, read by
// libcurl's curl_getdate). A date in the past is no wait; a number too large for the type is
// the largest wait. nullopt: not a Retry-After value.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::time_t now);

// How long to wait before retry number `retry` (0 for the first): the server's Retry-After
// (either form) when it sent one, else exponential backoff with full jitter, uniform in
// [0, min(max_delay, delay * 2^retry)], drawn from `random`. A Retry-After wait may exceed
// max_delay: the caller then gives up (retry_wait_allowed).
Clock::duration retry_delay(const RetryOptions& o, const Response& r, int retry,
                            std::minstd_rand& random);

// The one rule for a wait before a retry, whatever its source: allowed when it is at most
// max_delay (60 s by default), fits in -m (`max_time`, 0: none) and ends within
// --retry-max-time of the first try (`elapsed` since then). Otherwise the URL ends now with
// the answer it got.
bool retry_wait_allowed(const RetryOptions& o, Clock::duration wait, Clock::duration elapsed,
                        std::chrono::milliseconds max_time);

}  // namespace greenfetch
