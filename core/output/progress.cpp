#include "core/output/progress.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cmath>

#include "core/output/output.hpp"

namespace greenfetch {

namespace {

constexpr auto k_redraw = std::chrono::milliseconds(250);

bool same_terminal(int a, int b) {
  struct stat sa {};
  struct stat sb {};
  return a >= 0 && b >= 0 && ::isatty(a) != 0 && ::isatty(b) != 0 && ::fstat(a, &sa) == 0 &&
         ::fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

std::string human_duration(double seconds) {
  auto s = static_cast<uint64_t>(std::llround(std::max(seconds, 0.0)));
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
}

Progress::Progress(int fd, bool live, Fields fields, int out_fd, Reactor& reactor)
    : m_fd(fd), m_live(live), m_fields(std::move(fields)), m_reactor(reactor), m_timer([this] {
        draw();
      }) {
  if (!m_live) {
    return;
  }
  m_same_terminal = same_terminal(fd, out_fd);
  read_width();
  m_winch = std::make_unique<SignalWatch>(
      SIGWINCH,
      [this] {
        read_width();
        if (m_shown) {
          draw();
        }
      },
      m_reactor);
  m_timer.arm(m_reactor, Clock::now() + k_redraw);
}

Progress::~Progress() {
  clear();
}

void Progress::read_width() {
  winsize ws{};
  if (::ioctl(m_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    m_width = ws.ws_col;
  }
}

void Progress::clear() {
  if (m_shown) {
    write_all(m_fd, "\r\033[K");
    m_shown = false;
  }
}

void Progress::before_output(std::string_view data) {
  if (!m_same_terminal || data.empty()) {
    return;
  }
  clear();
  m_out_mid_line = data.back() != '\n';
}

void Progress::finish(const std::string& summary) {
  m_timer.cancel();
  clear();
  if (m_live) {
    // Shown as the line was: a record that did not end its line is ended first.
    std::string line = m_out_mid_line ? "\n" : "";
    write_all(m_fd, line + summary + "\n");
  }
  m_live = false;
}

std::string Progress::fit(const std::vector<std::string>& fields, std::size_t width) {
  std::size_t room = width > 1 ? width - 1 : 1;
  std::string line;
  for (const std::string& f : fields) {
    std::size_t more = line.empty() ? f.size() : line.size() + 2 + f.size();
    if (more > room) {
      break;
    }
    line += line.empty() ? f : ", " + f;
  }
  if (line.empty() && !fields.empty()) {
    line = fields.front().substr(0, room);
  }
  return line;
}

std::vector<std::string> Progress::fetch_fields(const RunStats& s) {
  double secs = seconds_since(s.start);
  double rate = secs > 0 ? static_cast<double>(s.done) / secs : 0;
  std::vector<std::string> f;
  f.push_back(s.total > 0 ? fmt::format("{}/{} done", s.done, s.total)
                          : fmt::format("{} done", s.done));
  f.push_back(fmt::format("{} in flight", s.in_flight));
  if (s.waiting > 0) {
    f.push_back(fmt::format("{} waiting for host {}", s.waiting, s.waiting_host));
  }
  f.push_back(fmt::format("{} failed", s.failed));
  f.push_back(fmt::format("{:.0f}/s", rate));
  f.push_back(human_bytes(static_cast<double>(s.bytes)));
  f.push_back(human_duration(secs));
  if (s.total > s.done && rate > 0) {
    f.push_back("ETA " + human_duration(static_cast<double>(s.total - s.done) / rate));
  }
  return f;
}

std::string Progress::summary(const RunStats& s) {
  double secs = seconds_since(s.start);
  double rate = secs > 0 ? static_cast<double>(s.done) / secs : 0;
  return fmt::format("{} URLs in {:.2f} s ({:.0f}/s), {} failed, {} received", s.done, secs, rate,
                     s.failed, human_bytes(static_cast<double>(s.bytes)));
}

void Progress::draw() {
  if (!m_live) {
    return;
  }
  if (!m_out_mid_line) {
    write_all(m_fd, "\r\033[K" + fit(m_fields(), m_width));
    m_shown = true;
  }
  m_timer.arm(m_reactor, Clock::now() + k_redraw);
}

}  // namespace greenfetch
