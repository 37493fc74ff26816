#include "core/engine/signals.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace greenfetch {

namespace {
sigset_t interrupt_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

InterruptWatch::InterruptWatch(std::function<void()> on_first, Reactor& reactor)
    : m_reactor(reactor), m_on_first(std::move(on_first)) {
  sigset_t set = interrupt_set();
  // Blocked so that they queue on the signalfd instead of killing the process.
  sigprocmask(SIG_BLOCK, &set, nullptr);
  m_fd.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!m_fd.valid()) {
    throw std::system_error(errno, std::generic_category(), "signalfd");
  }
  m_reactor.watch(m_fd.get(), EPOLLIN, this);
}

InterruptWatch::~InterruptWatch() {
  m_reactor.unwatch(m_fd.get());
  sigset_t set = interrupt_set();
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

void InterruptWatch::on_fd_events(int fd, uint32_t /*events*/) {
  signalfd_siginfo info{};
  while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    ++m_count;
    if (m_count == 1) {
      m_signal = static_cast<int>(info.ssi_signo);
      m_on_first();
    } else {
      ::_exit(128 + static_cast<int>(info.ssi_signo));
    }
  }
}

SignalWatch::SignalWatch(int signo, std::function<void()> on_signal, Reactor& reactor)
    : m_reactor(reactor), m_signo(signo), m_on_signal(std::move(on_signal)) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, m_signo);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  m_fd.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!m_fd.valid()) {
    throw std::system_error(errno, std::generic_category(), "signalfd");
  }
  m_reactor.watch(m_fd.get(), EPOLLIN, this);
}

SignalWatch::~SignalWatch() {
  m_reactor.unwatch(m_fd.get());
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, m_signo);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

void SignalWatch::on_fd_events(int fd, uint32_t /*events*/) {
  signalfd_siginfo info{};
  bool any = false;
  while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    any = true;
  }
  if (any) {
    m_on_signal();  // once for a burst: the handler looks at the current state anyway
  }
}

}  // namespace greenfetch
