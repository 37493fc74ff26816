#include "core/bench/segment.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/bench/bench.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch {

namespace {

bool parse_uint(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  out = std::stoull(s);
  return true;
}

}  // namespace

Segment parse_segment(const std::string& text) {
  Segment s;
  std::size_t slash = text.find('/');
  if (slash == std::string::npos || !parse_uint(text.substr(0, slash), s.index) ||
      !parse_uint(text.substr(slash + 1), s.count) || s.index < 1 || s.index > s.count ||
      s.count > 10000) {
    throw UsageError("--segment: '" + text + "' is not I/N with 1 <= I <= N <= 10000");
  }
  return s;
}

uint64_t segment_share(uint64_t total, const Segment& s) {
  // 128-bit products: total * index cannot overflow.
  __extension__ using U128 = unsigned __int128;
  auto upto = [&](uint64_t i) { return static_cast<uint64_t>(U128{total} * i / s.count); };
  return upto(s.index) - upto(s.index - 1);
}

void apply_segment(BenchConfig& config, const Segment& s) {
  if (s.count == 1) {
    return;
  }
  std::size_t c = segment_share(config.concurrency, s);
  if (c == 0) {
    throw UsageError("--segment " + std::to_string(s.index) + "/" + std::to_string(s.count) +
                     ": -c " + std::to_string(config.concurrency) +
                     " leaves no connection for this segment (use -c >= the segment count)");
  }
  config.concurrency = c;
  if (config.duration.count() == 0) {
    uint64_t n = segment_share(config.requests, s);
    if (n == 0) {
      throw UsageError("--segment " + std::to_string(s.index) + "/" + std::to_string(s.count) +
                       ": -n " + std::to_string(config.requests) +
                       " leaves no request for this segment");
    }
    config.requests = n;
  }
  config.rate /= static_cast<double>(s.count);
}

std::chrono::system_clock::time_point parse_start_at(const std::string& text) {
  auto bad = [&] {
    return UsageError("--start-at: '" + text +
                      "' is not a UTC time like 2026-12-03T14:00:00Z or @UNIXSECONDS");
  };
  double seconds = 0;
  if (!text.empty() && text.front() == '@') {
    char* end = nullptr;
    seconds = std::strtod(text.c_str() + 1, &end);
    if (end == text.c_str() + 1 || *end != '\0' || !std::isfinite(seconds) || seconds < 0) {
      throw bad();
    }
  } else {
    int y = 0;
    unsigned mo = 0;
    unsigned d = 0;
    int h = 0;
    int mi = 0;
    double sec = 0;
    int used = 0;
    if (std::sscanf(text.c_str(), "%4d-%2u-%2uT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &used) !=
            6 ||
        static_cast<std::size_t>(used) + 1 != text.size() || text.back() != 'Z' || h > 23 ||
        mi > 59 || sec < 0 || sec >= 61) {
      throw bad();
    }
    std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                    std::chrono::day(d)};
    if (!ymd.ok()) {
      throw bad();
    }
    auto days = std::chrono::sys_days(ymd).time_since_epoch();
    seconds = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(days).count()) +
              h * 3600.0 + mi * 60.0 + sec;
  }
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

}  // namespace greenfetch
