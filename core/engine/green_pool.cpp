#include "core/engine/green_pool.hpp"

#include <cstdio>

namespace greenfetch {

GreenPool::GreenPool(std::size_t size, Reactor& reactor)
    : m_reactor(reactor), m_size(size == 0 ? 1 : size) {}

GreenPool::~GreenPool() {
  waitall();
}

void GreenPool::acquire_slot() {
  if (m_running >= m_size) {
    Waiter w(m_reactor);
    m_slot_waiters.push_back(&w);
    w.wait();  // the finishing thread hands its slot over: m_running already counts us
  } else {
    ++m_running;
  }
}

void GreenPool::lend_slot() {
  ++m_lent;
  thread_finished();
}

void GreenPool::return_slot() {
  acquire_slot();
  --m_lent;
}

void GreenPool::spawn(std::function<void()> fn) {
  acquire_slot();
  m_reactor.spawn([this, fn = std::move(fn)] {
    try {
      fn();
    } catch (const boost::context::detail::forced_unwind&) {
      throw;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "greenfetch: green thread failed: %s\n", e.what());
    }
    thread_finished();
  });
}

void GreenPool::thread_finished() {
  if (!m_slot_waiters.empty()) {
    Waiter* w = m_slot_waiters.front();
    m_slot_waiters.pop_front();
    w->post();
    return;
  }
  --m_running;
  if (m_running == 0 && m_lent == 0) {
    std::vector<Waiter*> idle;
    idle.swap(m_idle_waiters);
    for (Waiter* w : idle) {
      w->post();
    }
  }
}

void GreenPool::waitall() {
  while (m_running > 0 || m_lent > 0) {
    Waiter w(m_reactor);
    m_idle_waiters.push_back(&w);
    w.wait();
  }
}

}  // namespace greenfetch
