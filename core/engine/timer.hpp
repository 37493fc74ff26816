// A one-shot timer owned by its user and kept in the reactor's heap while armed.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

namespace greenfetch {

class Reactor;

using Clock = std::chrono::steady_clock;

class Timer {
 public:
  explicit Timer(std::function<void()> on_fire) : m_on_fire(std::move(on_fire)) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer() { cancel(); }

  // Arms (or re-arms) the timer to fire once at `when` from the reactor's loop.
  void arm(Reactor& reactor, Clock::time_point when);
  void cancel();
  bool armed() const { return m_heap_index != k_not_armed; }
  Clock::time_point when() const { return m_when; }

 private:
  friend class Reactor;
  static constexpr std::size_t k_not_armed = static_cast<std::size_t>(-1);

  std::function<void()> m_on_fire;
  Reactor* m_reactor = nullptr;
  Clock::time_point m_when{};
  std::size_t m_heap_index = k_not_armed;
};

}  // namespace greenfetch
