// SIGINT and SIGTERM delivered through a signalfd on the reactor: the first one calls the
// handler from the loop (so it may cancel transfers); the second ends the process at once.
#pragma once

#include <functional>

#include "core/engine/reactor.hpp"
#include "core/engine/unique_fd.hpp"

namespace greenfetch {

class InterruptWatch final : private FdHandler {
 public:
  explicit InterruptWatch(std::function<void()> on_first, Reactor& reactor = Reactor::current());
  ~InterruptWatch();  // unblocks the signals again
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  bool interrupted() const { return m_count > 0; }
  // The status a process killed by the first signal would report to a shell (130 for SIGINT).
  int exit_status() const { return 128 + m_signal; }

 private:
  void on_fd_events(int fd, uint32_t events) override;

  Reactor& m_reactor;
  std::function<void()> m_on_first;
  UniqueFd m_fd;
  int m_count = 0;
  int m_signal = 0;
};

}  // namespace greenfetch
