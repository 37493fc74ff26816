// Starts at most `rate` requests per second across the whole run (--rate): each acquire()
// takes the next slot of a fixed schedule and suspends the caller until that slot's time.
#pragma once

#include "core/engine/timer.hpp"

namespace greenfetch {

class RateLimiter {
 public:
  // per_second <= 0: no limit.
  explicit RateLimiter(double per_second = 0);
  bool enabled() const { return m_interval.count() > 0; }
  // Waits (in the calling green thread) until this caller may start a request.
  void acquire();

 private:
  Clock::duration m_interval{0};
  Clock::time_point m_next{};
};

// Parses "N", "N/s", "N/m", "N/h" (also "/sec", "/min", "/hour") into requests per second.
// Throws std::invalid_argument naming the text.
double parse_rate(const std::string& text);

}  // namespace greenfetch
