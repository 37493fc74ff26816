// The live progress line on a terminal's stderr (done/total, rate, failures, bytes), redrawn
// a few times a second by a reactor timer, and the closing summary of --stats.
#pragma once

#include <cstdint>
#include <string>

#include "core/engine/reactor.hpp"
#include "core/engine/timer.hpp"

namespace greenfetch {

struct RunStats {
  uint64_t done = 0;    // URLs finished (succeeded or failed)
  uint64_t failed = 0;  // of which failed
  uint64_t total = 0;   // URLs in the input, once all of it was read (0: not known yet)
  uint64_t bytes = 0;   // body bytes received
  Clock::time_point start = Clock::now();
};

class Progress {
 public:
  // live: draw the line (stderr is a terminal and not -s).
  Progress(const RunStats& stats, int fd, bool live, Reactor& reactor = Reactor::current());
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Erases the line so that a message can be written on stderr; it is redrawn later.
  void clear();
  // The summary line of --stats.
  static std::string summary(const RunStats& stats);

 private:
  void draw();

  const RunStats& m_stats;
  int m_fd;
  bool m_live;
  bool m_shown = false;
  Reactor& m_reactor;
  Timer m_timer;
};

// "512 B", "1.5 KiB", "3.2 MiB", ...
std::string human_bytes(double bytes);

}  // namespace greenfetch
