#include "core/engine/fiber.hpp"

#include <cstdio>
#include <exception>

namespace greenfetch {

namespace {
thread_local Fiber* t_current = nullptr;
}

Fiber::Fiber(StackPool& stacks, Body body) : m_body(std::move(body)) {
  m_self = boost::context::fiber(
      std::allocator_arg, PooledStack(stacks), [this](boost::context::fiber&& caller) {
        m_caller = std::move(caller);
        try {
          m_body();
        } catch (const boost::context::detail::forced_unwind&) {
          throw;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "greenfetch: uncaught exception in a green thread: %s\n", e.what());
          std::terminate();
        }
        m_body = nullptr;
        m_done = true;
        return std::move(m_caller);
      });
}

Fiber* Fiber::current() {
  return t_current;
}

void Fiber::resume() {
  Fiber* previous = t_current;
  t_current = this;
  m_self = std::move(m_self).resume();
  t_current = previous;
}

void Fiber::suspend() {
  Fiber* self = t_current;
  self->m_caller = std::move(self->m_caller).resume();
}

}  // namespace greenfetch
