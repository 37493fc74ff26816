#include "core/engine/waiter.hpp"

#include <stdexcept>

namespace greenfetch {

bool Waiter::wait(std::optional<Clock::duration> timeout) {
  if (timeout) {
    Clock::time_point deadline = Clock::now() + *timeout;
    return wait_impl(&deadline);
  }
  return wait_impl(nullptr);
}

bool Waiter::wait_until(Clock::time_point deadline) {
  return wait_impl(&deadline);
}

bool Waiter::wait_impl(const Clock::time_point* deadline) {
  if (m_posted) {
    return true;
  }
  bool timed_out = false;
  Timer timer([this, &timed_out] {
    timed_out = true;
    wake();
  });
  if (deadline != nullptr) {
    timer.arm(*m_reactor, *deadline);
  }
  Fiber* self = Fiber::current();
  if (self != nullptr) {
    if (m_fiber != nullptr) {
      throw std::logic_error("greenfetch::Waiter: two fibers wait on one waiter");
    }
    m_fiber = self;
    while (!m_posted && !timed_out) {
      Fiber::suspend();
    }
    m_fiber = nullptr;
  } else {
    m_reactor->run_until([&] { return m_posted || timed_out; });
  }
  return m_posted;
}

void Waiter::post() {
  if (m_posted) {
    return;
  }
  m_posted = true;
  wake();
}

void Waiter::wake() {
  if (m_fiber != nullptr) {
    m_reactor->make_ready(m_fiber);
  }
}

void sleep_for(Clock::duration d) {
  Waiter w;
  w.wait(d);
}

}  // namespace greenfetch
