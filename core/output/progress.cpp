#include "core/output/progress.hpp"

#include "core/output/output.hpp"

#include <unistd.h>

#include <fmt/format.h>

namespace greenfetch {

namespace {

constexpr auto k_redraw = std::chrono::milliseconds(250);

}  // namespace

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = bytes;
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", v) : fmt::format("{:.1f} {}", v, units[u]);
}

Progress::Progress(const RunStats& stats, int fd, bool live, Reactor& reactor)
    : m_stats(stats), m_fd(fd), m_live(live), m_reactor(reactor), m_timer([this] { draw(); }) {
  if (m_live) {
    m_timer.arm(m_reactor, Clock::now() + k_redraw);
  }
}

Progress::~Progress() {
  clear();
}

void Progress::clear() {
  if (m_shown) {
    write_all(m_fd, "\r\033[K");
    m_shown = false;
  }
}

std::string Progress::summary(const RunStats& s) {
  double secs = std::chrono::duration<double>(Clock::now() - s.start).count();
  double rate = secs > 0 ? static_cast<double>(s.done) / secs : 0;
  return fmt::format("{} URLs in {:.2f} s ({:.0f}/s), {} failed, {} received", s.done, secs, rate,
                     s.failed, human_bytes(static_cast<double>(s.bytes)));
}

void Progress::draw() {
  const RunStats& s = m_stats;
  double secs = std::chrono::duration<double>(Clock::now() - s.start).count();
  double rate = secs > 0 ? static_cast<double>(s.done) / secs : 0;
  std::string done =
      s.total > 0 ? fmt::format("{}/{}", s.done, s.total) : fmt::format("{}", s.done);
  write_all(m_fd, fmt::format("\r\033[K{} done, {:.0f}/s, {} failed, {}", done, rate, s.failed,
                              human_bytes(static_cast<double>(s.bytes))));
  m_shown = true;
  m_timer.arm(m_reactor, Clock::now() + k_redraw);
}

}  // namespace greenfetch
