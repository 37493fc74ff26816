// One epoll loop per thread: fd readiness, timers on a timerfd, and the queue of fibers that
// are ready to run. Fibers are resumed only here, never from inside a libcurl or c-ares
// callback: callbacks mark fibers ready, and the loop resumes them after the callback returns.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/engine/fiber.hpp"
#include "core/engine/stack_pool.hpp"
#include "core/engine/timer.hpp"
#include "core/engine/unique_fd.hpp"

namespace greenfetch {

// Receives the epoll events of the fds it watches.
class FdHandler {
 public:
  virtual void on_fd_events(int fd, uint32_t events) = 0;

 protected:
  ~FdHandler() = default;
};

// Runs once per turn of the loop, before it waits for events: for work that is cheaper done
// once per turn, such as sending the datagrams queued during the turn together.
class BeforeWait {
 public:
  // Returns true when it left work that must not wait for an event (the loop then only polls).
  virtual bool before_wait() = 0;

 protected:
  ~BeforeWait() = default;
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
  // The same, or nullptr when this thread has none.
  static Reactor* current_or_null();

  // Watches fd for `events` (EPOLLIN / EPOLLOUT), replacing any previous interest.
  void watch(int fd, uint32_t events, FdHandler* handler);
  // Stops delivering events for fd. keep_registered leaves it in epoll (saving the
  // EPOLL_CTL_DEL + ADD pair when it is watched again soon, and the MOD too when it is
  // watched again for the same events); an event that arrives meanwhile removes it then.
  // Whoever keeps an fd registered must call forget(fd) before the fd is closed.
  void unwatch(int fd, bool keep_registered = false);
  // The fd is about to be closed (closing removes it from epoll): drops what is known of it.
  void forget(int fd);
  // Whether epoll accepts this fd (false for regular files).
  static bool pollable(int fd);
  // Whether the loop can vouch that fd has nothing to read: it is in epoll for EPOLLIN, the
  // last epoll_wait (which reported every ready fd) did not report it readable, or its
  // handler has since been given that event. Data that arrived after that epoll_wait is not
  // known: this is as current as the last turn. Used by core/http/poll_shortcut.cpp.
  bool knows_quiet(int fd) const;

  // Registers a hook to run before every wait; remove it before it is destroyed.
  void add_before_wait(BeforeWait* hook);
  void remove_before_wait(BeforeWait* hook);

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
    bool unread = false;      // reported readable and not yet handed to a handler
    uint64_t since_turn = 0;  // m_turn when registered for these events
  };

  UniqueFd m_epoll;
  UniqueFd m_timerfd;
  Clock::time_point m_timerfd_deadline = Clock::time_point::max();
  std::vector<Watch> m_watches;  // indexed by fd
  std::size_t m_watch_count = 0;
  bool m_events_complete = false;  // the last epoll_wait reported every ready fd
  uint64_t m_turn = 0;             // epoll_waits done so far
  std::vector<Timer*> m_heap;      // binary min-heap on Timer::m_when
  std::vector<BeforeWait*> m_before_wait;
  std::vector<Fiber*> m_ready;
  std::vector<Fiber*> m_running;  // the batch being resumed (swapped with m_ready)
  StackPool m_stacks;
  std::size_t m_live_fibers = 0;
  Reactor* m_previous = nullptr;
};

}  // namespace greenfetch
