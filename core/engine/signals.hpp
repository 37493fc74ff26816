// Signals delivered through a signalfd on the reactor, never to an async handler.
// InterruptWatch: SIGINT and SIGTERM; the first one calls the handler from the loop (so it may
// cancel transfers); the second ends the process at once.
// SignalWatch: any other signal (SIGWINCH for the progress line); each delivery calls the
// handler from the loop.
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

class SignalWatch final : private FdHandler {
 public:
  // Blocks signo (in this thread) so that it queues on the signalfd; throws std::system_error.
  SignalWatch(int signo, std::function<void()> on_signal, Reactor& reactor = Reactor::current());
  ~SignalWatch();  // unblocks the signal again
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  void on_fd_events(int fd, uint32_t events) override;

  Reactor& m_reactor;
  int m_signo;
  std::function<void()> m_on_signal;
  UniqueFd m_fd;
};

}  // namespace greenfetch
