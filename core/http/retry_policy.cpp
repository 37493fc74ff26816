#include "core/http/retry_policy.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>
#include <string>

namespace greenfetch {

namespace {

// Retry-After values are cut to this before they become nanoseconds: "Retry-After:
// 500000000000000" or a date in the year 9999 overflowed the conversion (found by
// tests/fuzz/retry_after_fuzz.cpp). It bounds the arithmetic, not the policy.
constexpr std::chrono::seconds k_longest_retry_after{366L * 24 * 3600};

}  // namespace

bool should_retry(const RetryOptions& o, const Response& r) {
  switch (r.error) {
    case Error::connect:
      return o.on_connect;
    case Error::reset:
      return o.on_reset;
    case Error::timeout:
      return o.on_timeout;
    case Error::dns:
    case Error::dns_timeout:
      return o.on_dns;
    case Error::none:
    case Error::http:
      break;
    default:
      return false;
  }
  long code = r.http_code;
  if ((code == 429 && o.on_429) || (code >= 500 && code <= 599 && o.on_5xx)) {
    return true;
  }
  return std::find(o.statuses.begin(), o.statuses.end(), code) != o.statuses.end();
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::time_t now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range) {
      return std::chrono::seconds(std::numeric_limits<int32_t>::max());
    }
    return std::chrono::seconds(seconds);
  }
  // An HTTP date begins with a day name: a letter. (curl_getdate reads much more, such as
  // "+1 hour" or a bare year; those are not Retry-After values.)
  if (!((value.front() >= 'A' && value.front() <= 'Z') ||
        (value.front() >= 'a' && value.front() <= 'z'))) {
    return std::nullopt;
  }
  std::string text(value);  // curl_getdate wants a terminated string
  time_t when = curl_getdate(text.c_str(), &now);
  if (when == -1) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::max<int64_t>(0, static_cast<int64_t>(when) - now));
}

bool retry_wait_allowed(const RetryOptions& o, Clock::duration wait, Clock::duration elapsed,
                        std::chrono::milliseconds max_time) {
  if (wait > o.max_delay) {
    return false;
  }
  if (max_time.count() > 0 && wait > max_time) {
    return false;
  }
  return o.max_time.count() == 0 || elapsed + wait <= o.max_time;
}

Clock::duration retry_delay(const RetryOptions& o, const Response& r, int retry,
                            std::minstd_rand& random) {
  // Retry-After (seconds or an HTTP date) is what the server asked for: honour it.
  for (const auto& [name, value] : r.headers) {
    if (strcasecmp(name.c_str(), "Retry-After") != 0) {
      continue;
    }
    if (auto wait = parse_retry_after(value, std::time(nullptr))) {
      // Cut to a year before the conversion to the clock's nanoseconds, which would overflow
      // (found by fuzzing); any wait that long ends the URL anyway (retry_wait_allowed).
      return std::min<std::chrono::seconds>(*wait, k_longest_retry_after);
    }
  }
  // Exponential backoff with full jitter: uniform in [0, min(max_delay, delay * 2^retry)].
  double cap = static_cast<double>(o.delay.count()) * std::ldexp(1.0, std::min(retry, 30));
  cap = std::min(cap, static_cast<double>(o.max_delay.count()));
  std::uniform_real_distribution<double> jitter(0.0, cap);
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(jitter(random)));
}

}  // namespace greenfetch
