#include "core/engine/reactor.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace greenfetch {

namespace {
thread_local Reactor* t_reactor = nullptr;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}
}  // namespace

void Timer::arm(Reactor& reactor, Clock::time_point when) {
  cancel();
  m_reactor = &reactor;
  m_when = when;
  reactor.heap_insert(this);
}

void Timer::cancel() {
  if (armed()) {
    m_reactor->heap_remove(this);
  }
}

Reactor::Reactor(ReactorOptions options) : m_stacks(options.stack_size) {
  m_epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!m_epoll.valid()) {
    throw_errno("epoll_create1");
  }
  m_timerfd.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!m_timerfd.valid()) {
    throw_errno("timerfd_create");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = m_timerfd.get();
  if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, m_timerfd.get(), &ev) != 0) {
    throw_errno("epoll_ctl(timerfd)");
  }
  m_previous = t_reactor;
  t_reactor = this;
}

Reactor::~Reactor() {
  for (Timer* t : m_heap) {
    t->m_heap_index = Timer::k_not_armed;
  }
  t_reactor = m_previous;
}

Reactor& Reactor::current() {
  if (t_reactor == nullptr) {
    throw std::logic_error("no greenfetch::Reactor on this thread");
  }
  return *t_reactor;
}

Reactor* Reactor::current_or_null() {
  return t_reactor;
}

bool Reactor::knows_quiet(int fd) const {
  if (!m_events_complete || fd < 0 || static_cast<std::size_t>(fd) >= m_watches.size()) {
    return false;
  }
  const Watch& w = m_watches[static_cast<std::size_t>(fd)];
  // since_turn < m_turn: an epoll_wait has run since it was registered for these events.
  return w.registered && (w.events & EPOLLIN) != 0 && !w.unread && w.since_turn < m_turn;
}

void Reactor::forget(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= m_watches.size()) {
    return;
  }
  Watch& w = m_watches[static_cast<std::size_t>(fd)];
  if (w.handler != nullptr) {
    --m_watch_count;
  }
  w = Watch{};
}

bool Reactor::pollable(int fd) {
  UniqueFd probe(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN;
  return probe.valid() && ::epoll_ctl(probe.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
}

void Reactor::watch(int fd, uint32_t events, FdHandler* handler) {
  if (fd < 0) {
    throw std::invalid_argument("Reactor::watch: negative fd");
  }
  if (static_cast<std::size_t>(fd) >= m_watches.size()) {
    m_watches.resize(static_cast<std::size_t>(fd) + 64);
  }
  Watch& w = m_watches[static_cast<std::size_t>(fd)];
  if (w.registered && w.events == events) {
    // Still in epoll for these events (kept by unwatch(fd, true), or watched already).
    m_watch_count += w.handler == nullptr ? 1 : 0;
    w.handler = handler;
    return;
  }
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  // A registration kept by unwatch(fd, true) may be stale (the fd was closed and is now
  // another file): MOD then fails with ENOENT and ADD is right.
  int op = w.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (::epoll_ctl(m_epoll.get(), op, fd, &ev) != 0) {
    int other = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (::epoll_ctl(m_epoll.get(), other, fd, &ev) != 0) {
      throw_errno("epoll_ctl");
    }
  }
  if (w.handler == nullptr) {
    ++m_watch_count;
  }
  w.handler = handler;
  w.events = events;
  w.registered = true;
  w.since_turn = m_turn;
}

void Reactor::unwatch(int fd, bool keep_registered) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= m_watches.size()) {
    return;
  }
  Watch& w = m_watches[static_cast<std::size_t>(fd)];
  if (w.handler != nullptr) {
    --m_watch_count;
  }
  if (w.registered && !keep_registered) {
    // Errors are expected when the fd is already closed (epoll dropped it then).
    ::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    w.registered = false;
    w.unread = false;
  }
  w.handler = nullptr;
  if (!w.registered) {
    w.events = 0;
  }
}

void Reactor::add_before_wait(BeforeWait* hook) {
  m_before_wait.push_back(hook);
}

void Reactor::remove_before_wait(BeforeWait* hook) {
  std::erase(m_before_wait, hook);
}

void Reactor::spawn(Fiber::Body body) {
  auto* fiber = new Fiber(m_stacks, std::move(body));
  ++m_live_fibers;
  make_ready(fiber);
}

void Reactor::make_ready(Fiber* fiber) {
  if (!fiber->queued) {
    fiber->queued = true;
    m_ready.push_back(fiber);
  }
}

bool Reactor::run_ready() {
  bool ran = !m_ready.empty();
  while (!m_ready.empty()) {
    m_running.swap(m_ready);
    for (Fiber* fiber : m_running) {
      fiber->queued = false;
      fiber->resume();
      if (fiber->done()) {
        delete fiber;
        --m_live_fibers;
      }
    }
    m_running.clear();
  }
  return ran;
}

void Reactor::heap_insert(Timer* t) {
  t->m_heap_index = m_heap.size();
  m_heap.push_back(t);
  sift_up(t->m_heap_index);
}

void Reactor::heap_remove(Timer* t) {
  std::size_t i = t->m_heap_index;
  t->m_heap_index = Timer::k_not_armed;
  Timer* last = m_heap.back();
  m_heap.pop_back();
  if (last != t) {
    m_heap[i] = last;
    last->m_heap_index = i;
    sift_up(i);
    sift_down(last->m_heap_index);
  }
}

void Reactor::sift_up(std::size_t i) {
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (m_heap[parent]->m_when <= m_heap[i]->m_when) {
      break;
    }
    std::swap(m_heap[parent], m_heap[i]);
    m_heap[parent]->m_heap_index = parent;
    m_heap[i]->m_heap_index = i;
    i = parent;
  }
}

void Reactor::sift_down(std::size_t i) {
  for (;;) {
    std::size_t smallest = i;
    std::size_t left = 2 * i + 1;
    std::size_t right = left + 1;
    if (left < m_heap.size() && m_heap[left]->m_when < m_heap[smallest]->m_when) {
      smallest = left;
    }
    if (right < m_heap.size() && m_heap[right]->m_when < m_heap[smallest]->m_when) {
      smallest = right;
    }
    if (smallest == i) {
      return;
    }
    std::swap(m_heap[smallest], m_heap[i]);
    m_heap[smallest]->m_heap_index = smallest;
    m_heap[i]->m_heap_index = i;
    i = smallest;
  }
}

bool Reactor::fire_due_timers() {
  if (m_heap.empty()) {
    return false;
  }
  bool fired = false;
  Clock::time_point now = Clock::now();
  // Bounded by the timers due now: a timer re-armed for "now" inside its callback waits for
  // the next turn, so a callback cannot starve the loop.
  std::size_t budget = m_heap.size();
  while (!m_heap.empty() && m_heap.front()->m_when <= now && budget-- > 0) {
    Timer* t = m_heap.front();
    heap_remove(t);
    fired = true;
    t->m_on_fire();
  }
  return fired;
}

void Reactor::arm_timerfd() {
  Clock::time_point deadline = m_heap.empty() ? Clock::time_point::max() : m_heap.front()->m_when;
  if (deadline == m_timerfd_deadline) {
    return;
  }
  m_timerfd_deadline = deadline;
  itimerspec spec{};
  if (deadline != Clock::time_point::max()) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch());
    if (ns.count() <= 0) {
      ns = std::chrono::nanoseconds(1);
    }
    // steady_clock is CLOCK_MONOTONIC on Linux, so the deadline is an absolute timerfd time.
    spec.it_value.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
  }
  ::timerfd_settime(m_timerfd.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Reactor::run_once(bool block) {
  // Work done before waiting may already be what the caller waits for: then only poll.
  bool worked = run_ready();
  worked = fire_due_timers() || worked;
  worked = run_ready() || worked;
  for (std::size_t i = 0; i < m_before_wait.size(); ++i) {
    worked = m_before_wait[i]->before_wait() || worked;
  }
  if (worked) {
    block = false;
  }
  arm_timerfd();
  bool can_wake = m_watch_count > 0 || !m_heap.empty();
  if (block && !can_wake) {
    throw std::logic_error("greenfetch::Reactor: waiting with nothing that could wake it");
  }
  constexpr int k_max_events = 256;
  epoll_event events[k_max_events];
  int n = ::epoll_wait(m_epoll.get(), events, k_max_events, block ? -1 : 0);
  ++m_turn;
  if (n < 0) {
    m_events_complete = false;
    if (errno == EINTR) {
      return;
    }
    throw_errno("epoll_wait");
  }
  // A full batch may have left ready fds unreported: knows_quiet() vouches for none then.
  m_events_complete = n < k_max_events;
  // Mark every readable fd of the batch before any handler runs: a handler (libcurl) may ask
  // about another fd of this batch whose turn has not come yet.
  constexpr uint32_t k_input = EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd != m_timerfd.get() && static_cast<std::size_t>(fd) < m_watches.size() &&
        (events[i].events & k_input) != 0) {
      m_watches[static_cast<std::size_t>(fd)].unread = true;
    }
  }
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == m_timerfd.get()) {
      uint64_t expirations = 0;
      [[maybe_unused]] ssize_t r = ::read(fd, &expirations, sizeof expirations);
      m_timerfd_deadline = Clock::time_point::max();
      continue;
    }
    if (static_cast<std::size_t>(fd) < m_watches.size()) {
      Watch& w = m_watches[static_cast<std::size_t>(fd)];
      if (w.handler != nullptr) {
        w.handler->on_fd_events(fd, events[i].events);
        // The handler read what it wanted; what is left is reported again next turn.
        // (m_watches may have grown inside the handler: index again.)
        m_watches[static_cast<std::size_t>(fd)].unread = false;
      } else if (w.registered) {
        unwatch(fd);  // kept registered by unwatch(fd, true), and nobody wants it now
      }
    }
  }
  fire_due_timers();
  run_ready();
}

}  // namespace greenfetch
