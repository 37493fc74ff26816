#include "core/http/poll_shortcut.hpp"

#include <poll.h>

#include <atomic>
#include <ctime>

#include "core/engine/reactor.hpp"

namespace greenfetch {

namespace {
std::atomic<bool> g_enabled{true};
thread_local uint64_t t_answered = 0;

// The question libcurl asks: readable or not, one socket, no waiting.
bool is_readability_probe(const pollfd* fds, nfds_t nfds, int timeout) {
  return nfds == 1 && timeout == 0 && (fds[0].events & POLLIN) != 0 &&
         (fds[0].events & POLLOUT) == 0;
}
}  // namespace

uint64_t poll_shortcut_count() {
  return t_answered;
}

void set_poll_shortcut(bool on) {
  g_enabled.store(on, std::memory_order_relaxed);
}

}  // namespace greenfetch

// The interposed poll(). ppoll() is a different libc symbol, so the fallback cannot recurse.
// glibc declares poll()'s fds as write-only (access attribute), which would make GCC warn
// that reading fds[0].events reads uninitialised memory; poll() reads events by definition.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
extern "C" int poll(pollfd* fds, nfds_t nfds, int timeout) {
  using greenfetch::Reactor;
  if (greenfetch::is_readability_probe(fds, nfds, timeout) &&
      greenfetch::g_enabled.load(std::memory_order_relaxed)) {
    Reactor* reactor = Reactor::current_or_null();
    if (reactor != nullptr && reactor->knows_quiet(fds[0].fd)) {
      fds[0].revents = 0;
      ++greenfetch::t_answered;
      return 0;
    }
  }
  if (timeout < 0) {
    return ::ppoll(fds, nfds, nullptr, nullptr);
  }
  timespec ts{timeout / 1000, static_cast<long>(timeout % 1000) * 1'000'000L};
  return ::ppoll(fds, nfds, &ts, nullptr);
}
#pragma GCC diagnostic pop
