// A one-shot waiter ("baton"): one fiber waits, a callback posts. Posting never switches
// stacks; it only queues the waiting fiber in the reactor. Waiting on the main stack runs the
// reactor until the waiter is posted, so code outside fibers can wait too.
#pragma once

#include <chrono>
#include <optional>

#include "core/engine/fiber.hpp"
#include "core/engine/reactor.hpp"

namespace greenfetch {

class Waiter {
 public:
  explicit Waiter(Reactor& reactor = Reactor::current()) : m_reactor(&reactor) {}
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  // Waits until post() (returns true) or until the timeout elapses (returns false).
  // Returns at once if already posted.
  bool wait(std::optional<Clock::duration> timeout = std::nullopt);
  bool wait_until(Clock::time_point deadline);
  // Wakes the waiter; safe to call from any callback, any number of times.
  void post();
  bool posted() const { return m_posted; }
  // Makes the waiter usable again after it was posted.
  void reset() { m_posted = false; }

 private:
  bool wait_impl(const Clock::time_point* deadline);
  void wake();

  Reactor* m_reactor;
  Fiber* m_fiber = nullptr;  // the fiber waiting, while one does
  bool m_posted = false;
};

// Suspends the calling green thread (or runs the reactor, on the main stack) for a while.
void sleep_for(Clock::duration d);

}  // namespace greenfetch
