// When a failed fetch is tried again, and after how long (--retry and its options).
#pragma once

#include <random>

#include "core/engine/timer.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"

namespace greenfetch {

// Whether the options ask for another try of a fetch that ended as `r`.
bool should_retry(const RetryOptions& o, const Response& r);

// How long to wait before retry number `retry` (0 for the first): the server's Retry-After
// (seconds or an HTTP date) when it sent one, else exponential backoff with full jitter,
// uniform in [0, min(max_delay, delay * 2^retry)], drawn from `random`.
Clock::duration retry_delay(const RetryOptions& o, const Response& r, int retry,
                            std::minstd_rand& random);

}  // namespace greenfetch
