// One epoll loop per thread: fd readiness, timers on a timerfd, and the queue of fibers that
// are ready to run. Fibers are resumed only here, never from inside a libcurl or c-ares
// callback: callbacks mark fibers ready, and the loop resumes them after the callback returns.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/fiber.hpp"
#include "core/stack_pool.hpp"
#include "core/timer.hpp"
#include "core/unique_fd.hpp"

namespace greenfetch {

// Receives the epoll events of the fds it watches.
class FdHandler {
 public:
  virtual void on_fd_events(int fd, uint32_t events) = 0;

 protected:
  ~FdHandler() = default;
};

struct ReactorOptions {
  std::size_t stack_size = StackPool::k_default_stack_size;  // bytes per fiber stack
};

class Reactor {
 public:
  explicit Reactor(ReactorOptions options = {});
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // The reactor of this thread (the most recently constructed one still alive).
  static Reactor& current();

  // Watches fd for `events` (EPOLLIN / EPOLLOUT), replacing any previous interest.
  void watch(int fd, uint32_t events, FdHandler* handler);
  // Stops delivering events for fd. keep_registered leaves it in epoll (saving the
  // EPOLL_CTL_DEL + ADD pair when it is watched again soon); an event that arrives meanwhile
  // removes it then. Only for fds whose closing the caller does not control.
  void unwatch(int fd, bool keep_registered = false);
  // Whether epoll accepts this fd (false for regular files).
  static bool pollable(int fd);

  // Starts a green thread; it first runs on the next turn of the loop.
  void spawn(Fiber::Body body);
  // Queues a suspended fiber to be resumed by the loop (at most once per suspension).
  void make_ready(Fiber* fiber);

  // One turn: run ready fibers and due timers; then wait for events (only if `block` and
  // that did nothing), dispatch them, and run what they made ready. Throws std::logic_error if
  // asked to block with nothing that could ever wake it.
  void run_once(bool block = true);
  // Runs turns until done() is true.
  template <class Pred>
  void run_until(Pred done) {
    while (!done()) {
      run_once(true);
    }
  }

  StackPool& stacks() { return m_stacks; }
  std::size_t live_fibers() const { return m_live_fibers; }

 private:
  friend class Timer;
  void heap_insert(Timer* t);
  void heap_remove(Timer* t);
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  bool fire_due_timers();
  void arm_timerfd();
  bool run_ready();

  struct Watch {
    FdHandler* handler = nullptr;
    uint32_t events = 0;
    bool registered = false;  // in epoll (possibly with no handler: see unwatch)
  };

  UniqueFd m_epoll;
  UniqueFd m_timerfd;
  Clock::time_point m_timerfd_deadline = Clock::time_point::max();
  std::vector<Watch> m_watches;  // indexed by fd
  std::size_t m_watch_count = 0;
  std::vector<Timer*> m_heap;  // binary min-heap on Timer::m_when
  std::vector<Fiber*> m_ready;
  std::vector<Fiber*> m_running;  // the batch being resumed (swapped with m_ready)
  StackPool m_stacks;
  std::size_t m_live_fibers = 0;
  Reactor* m_previous = nullptr;
};

}  // namespace greenfetch
