#include "core/http/retry_policy.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace greenfetch {

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

Clock::duration retry_delay(const RetryOptions& o, const Response& r, int retry,
                            std::minstd_rand& random) {
  // Retry-After (seconds or an HTTP date) is what the server asked for: honour it.
  for (const auto& [name, value] : r.headers) {
    if (strcasecmp(name.c_str(), "Retry-After") != 0) {
      continue;
    }
    char* end = nullptr;
    long seconds = std::strtol(value.c_str(), &end, 10);
    if (end != value.c_str() && *end == '\0' && seconds >= 0) {
      return std::chrono::seconds(seconds);
    }
    time_t when = curl_getdate(value.c_str(), nullptr);
    if (when != -1) {
      return std::chrono::seconds(std::max<time_t>(0, when - std::time(nullptr)));
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
