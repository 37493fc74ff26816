// The live status line on a terminal's stderr, redrawn a few times a second by a reactor timer,
// and the summary line at the end. The mode says what the line holds (a function returning its
// fields, most important first); Progress fits them to the terminal's width (fields that do
// not fit are left out, never wrapped), follows SIGWINCH through the reactor, and keeps the
// line off stdout's records when stdout is the same terminal: the line is erased before a
// record is written and drawn again only once the output ends a line.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/reactor.hpp"
#include "core/engine/signals.hpp"
#include "core/engine/timer.hpp"

namespace greenfetch {

// Fetch mode's counters, as the progress line and the summary show them.
struct RunStats {
  uint64_t done = 0;         // URLs finished (succeeded or failed)
  uint64_t failed = 0;       // of which failed
  uint64_t total = 0;        // URLs in the input, once known (0: not known yet)
  uint64_t bytes = 0;        // body bytes received
  uint64_t in_flight = 0;    // transfers running now
  uint64_t waiting = 0;      // URLs held back by --per-host now
  std::string waiting_host;  // the host most of them wait for
  Clock::time_point start = Clock::now();
};

class Progress {
 public:
  using Fields = std::function<std::vector<std::string>()>;

  // live: draw the line (fd is a terminal and the user did not ask for silence). out_fd: where
  // the records go; when it is the same terminal as fd, before_output() keeps them apart.
  Progress(int fd, bool live, Fields fields, int out_fd = -1,
           Reactor& reactor = Reactor::current());
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool live() const { return m_live; }
  // Erases the line so that a message can be written on stderr; it is redrawn later.
  void clear();
  // Called with the bytes about to be written on out_fd (Output's before-write hook).
  void before_output(std::string_view data);
  // Erases the line for good and, when live, writes this line in its place.
  void finish(const std::string& summary);

  // The fields joined by ", ", leaving out from the end those that make it longer than
  // width - 1 columns (the last column stays free: writing it would wrap on some terminals);
  // a first field too long on its own is cut.
  static std::string fit(const std::vector<std::string>& fields, std::size_t width);
  // Fetch mode's fields: done/total, in flight, waiting for a host, failed, rate, bytes,
  // elapsed, ETA.
  static std::vector<std::string> fetch_fields(const RunStats& stats);
  // The closing line of fetch mode (by default on a terminal, always with --stats).
  static std::string summary(const RunStats& stats);

 private:
  void draw();
  void read_width();

  int m_fd;
  bool m_live;
  Fields m_fields;
  bool m_same_terminal = false;  // out_fd is the terminal fd is
  bool m_out_mid_line = false;   // the last record written did not end its line
  bool m_shown = false;
  std::size_t m_width = 80;
  Reactor& m_reactor;
  Timer m_timer;
  std::unique_ptr<SignalWatch> m_winch;
};

// "512 B", "1.5 KiB", "3.2 MiB", ...
std::string human_bytes(double bytes);
// "42s", "3m05s", "2h01m"
std::string human_duration(double seconds);

}  // namespace greenfetch
