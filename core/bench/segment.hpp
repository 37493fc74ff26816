// Running one benchmark on several machines: --segment I/N gives this instance its exact share
// of -n, -c and --rate (the N shares add up to the whole, as k6's execution segments do), and
// --start-at makes a fleet start together.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace greenfetch {

struct BenchConfig;

struct Segment {
  uint64_t index = 1;  // 1-based
  uint64_t count = 1;
};

// Parses "I/N" (1 <= I <= N <= 10000). Throws UsageError naming the text.
Segment parse_segment(const std::string& text);

// Segment I's share of total: floor(total * I / N) - floor(total * (I - 1) / N). The shares
// of I = 1..N add up to total and differ by at most one.
uint64_t segment_share(uint64_t total, const Segment& s);

// Cuts config down to segment s: requests and concurrency by segment_share, rate / N. Throws
// UsageError when the share of -c (or of -n without -z) would be 0.
void apply_segment(BenchConfig& config, const Segment& s);

// Parses --start-at: "2026-12-03T14:00:00Z" (UTC, optional fraction of a second) or "@UNIX"
// (seconds since the epoch). Throws UsageError naming the text.
std::chrono::system_clock::time_point parse_start_at(const std::string& text);

}  // namespace greenfetch
