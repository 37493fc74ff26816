#include "core/http/rate_limiter.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/engine/waiter.hpp"

namespace greenfetch {

RateLimiter::RateLimiter(double per_second) {
  if (per_second > 0) {
    m_interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / per_second));
    if (m_interval.count() == 0) {
      m_interval = Clock::duration(1);
    }
  }
}

void RateLimiter::acquire() {
  if (!enabled()) {
    return;
  }
  Clock::time_point now = Clock::now();
  // An idle spell does not bank slots for a burst later.
  Clock::time_point slot = m_next > now ? m_next : now;
  m_next = slot + m_interval;
  if (slot > now) {
    sleep_for(slot - now);
  }
}

double parse_rate(const std::string& text) {
  char* end = nullptr;
  double n = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(n) || n <= 0) {
    throw std::invalid_argument("--rate '" + text + "' is not a positive number of requests");
  }
  std::string unit(end);
  double per = 1;
  if (unit.empty() || unit == "/s" || unit == "/sec" || unit == "/second") {
    per = 1;
  } else if (unit == "/m" || unit == "/min" || unit == "/minute") {
    per = 60;
  } else if (unit == "/h" || unit == "/hour") {
    per = 3600;
  } else {
    throw std::invalid_argument("--rate '" + text + "': the unit must be /s, /m or /h");
  }
  return n / per;
}

}  // namespace greenfetch
