// A green thread: a Boost.Context fiber with a body, resumed only by the reactor.
#pragma once

#include <boost/context/fiber.hpp>

#include <functional>

#include "core/engine/stack_pool.hpp"

namespace greenfetch {

class Fiber {
 public:
  using Body = std::function<void()>;

  Fiber(StackPool& stacks, Body body);
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;
  ~Fiber() = default;

  // The fiber running on this thread, or nullptr on the main stack.
  static Fiber* current();

  // From the main stack: run this fiber until it suspends or its body returns.
  void resume();
  // From inside a fiber: give control back to whoever resumed it.
  static void suspend();

  bool done() const { return m_done; }

  // Set by the reactor: true while the fiber sits in the ready queue (so it is queued once).
  bool queued = false;

 private:
  boost::context::fiber m_self;    // this fiber's continuation while it is not running
  boost::context::fiber m_caller;  // the main stack's continuation while this fiber runs
  Body m_body;
  bool m_done = false;
};

}  // namespace greenfetch
