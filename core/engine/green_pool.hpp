// A pool of at most N green threads with eventlet's GreenPool semantics:
//   spawn(fn)       starts fn in a green thread, waiting while N are busy;
//   waitall()       waits until none is running;
//   imap(fn, src)   maps fn over a lazily pulled source with N in flight, results in input order;
//   imap(..., {.ordered = false}) yields results as they finish.
//
// Memory bound of imap: the pool pulls input only while (in flight + finished but not yet
// taken by the consumer) is below the window (default 4 x N). A slow first item therefore
// stops the input after `window` items instead of letting the reorder buffer grow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/engine/reactor.hpp"
#include "core/engine/waiter.hpp"

namespace greenfetch {

class GreenPool {
 public:
  explicit GreenPool(std::size_t size, Reactor& reactor = Reactor::current());
  ~GreenPool();  // waits for the green threads still running
  GreenPool(const GreenPool&) = delete;
  GreenPool& operator=(const GreenPool&) = delete;

  // Starts fn in a green thread; waits (suspends the caller) while the pool is full.
  // An exception escaping fn is reported on stderr, as eventlet does, and ends only that thread.
  void spawn(std::function<void()> fn);
  void waitall();

  // For a green thread of this pool that must wait for something other than its own work
  // (a per-host limit): release_slot() lets another thread run meanwhile, acquire_slot()
  // takes a slot back (waiting while the pool is full).
  void lend_slot();
  void return_slot();
  void acquire_slot();

  std::size_t size() const { return m_size; }
  std::size_t running() const { return m_running; }
  std::size_t free() const { return m_running >= m_size ? 0 : m_size - m_running; }
  Reactor& reactor() { return m_reactor; }

  struct ImapOptions {
    bool ordered = true;     // false: results in completion order (imap_unordered)
    std::size_t window = 0;  // max in flight + finished-not-taken; 0: 4 x pool size
  };
  template <class Source, class Fn>
  class Imap;

  // Source: any object with `std::optional<T> next()` (it may suspend); it is pulled lazily by
  // a feeder green thread. Fn: T -> R. The returned object must stay where it is created.
  template <class Source, class Fn>
  Imap<Source, Fn> imap(Fn fn, Source& source, ImapOptions options) {
    return Imap<Source, Fn>(*this, std::move(fn), source, options);
  }
  // The same with the default options. (An overload, not a default argument: clang 14, which
  // builds the fuzz targets, refuses `= {}` for a nested struct with member initializers.)
  template <class Source, class Fn>
  Imap<Source, Fn> imap(Fn fn, Source& source) {
    return imap(std::move(fn), source, ImapOptions{});
  }

 private:
  void thread_finished();

  Reactor& m_reactor;
  std::size_t m_size;
  std::size_t m_running = 0;
  std::size_t m_lent = 0;               // threads alive but waiting without a slot (lend_slot)
  std::deque<Waiter*> m_slot_waiters;   // spawners waiting for a free slot, first come first served
  std::vector<Waiter*> m_idle_waiters;  // waitall() callers
};

template <class Source, class Fn>
class GreenPool::Imap {
 public:
  using Item = typename decltype(std::declval<Source&>().next())::value_type;
  using Result = std::invoke_result_t<Fn&, Item&&>;

  Imap(GreenPool& pool, Fn fn, Source& source, ImapOptions options)
      : m_pool(pool),
        m_fn(std::move(fn)),
        m_source(source),
        m_ordered(options.ordered),
        m_window(options.window != 0 ? options.window : 4 * pool.size()) {}
  Imap(const Imap&) = delete;
  Imap& operator=(const Imap&) = delete;
  ~Imap() {
    stop();
    while (!m_feeder_done || m_outstanding > 0) {
      Waiter w(m_pool.reactor());
      m_consumer = &w;
      w.wait();
      m_consumer = nullptr;
    }
  }

  // The next result (in input order, or in completion order), or nullopt at the end.
  // Rethrows what fn threw for that item, and, at the end, what the source threw.
  std::optional<Result> next() {
    start_feeder();
    for (;;) {
      if (std::optional<Result> r = take()) {
        m_feeder_room.post();
        return r;
      }
      if (m_feeder_done && m_outstanding == 0 && nothing_buffered()) {
        if (m_feed_error) {
          std::rethrow_exception(std::exchange(m_feed_error, nullptr));
        }
        return std::nullopt;
      }
      Waiter w(m_pool.reactor());
      m_consumer = &w;
      w.wait();
      m_consumer = nullptr;
    }
  }

  // Whether next() would return without waiting.
  bool ready() const {
    if (m_ordered) {
      return !m_slots.empty() && m_slots.front().done;
    }
    return !m_finished.empty();
  }

  // Stops pulling input; what is in flight still finishes and can be taken.
  void stop() {
    m_stopped = true;
    m_feeder_room.post();
  }

  std::size_t in_flight() const { return m_outstanding; }
  // Items pulled from the source so far, and whether the source is exhausted (or stopped).
  uint64_t pulled() const { return m_next_seq; }
  bool input_done() const { return m_feeder_done; }

 private:
  struct Slot {
    std::optional<Result> value;
    std::exception_ptr error;
    bool done = false;
  };

  std::size_t buffered() const {
    return m_ordered ? m_slots.size() : m_outstanding + m_finished.size();
  }
  bool nothing_buffered() const { return m_ordered ? m_slots.empty() : m_finished.empty(); }

  std::optional<Result> take() {
    Slot slot;
    if (m_ordered) {
      if (m_slots.empty() || !m_slots.front().done) {
        return std::nullopt;
      }
      slot = std::move(m_slots.front());
      m_slots.pop_front();
      ++m_first_seq;
    } else {
      if (m_finished.empty()) {
        return std::nullopt;
      }
      slot = std::move(m_finished.front());
      m_finished.pop_front();
    }
    if (slot.error) {
      std::rethrow_exception(slot.error);
    }
    return std::move(slot.value);
  }

  void start_feeder() {
    if (m_feeder_started) {
      return;
    }
    m_feeder_started = true;
    m_pool.reactor().spawn([this] { feed(); });
  }

  void feed() {
    while (!m_stopped) {
      while (!m_stopped && buffered() >= m_window) {
        m_feeder_room.reset();
        m_feeder_room.wait();
      }
      if (m_stopped) {
        break;
      }
      std::optional<Item> item;
      try {
        item = m_source.next();
      } catch (const boost::context::detail::forced_unwind&) {
        throw;
      } catch (...) {
        // Reported by next() once the results already obtained have been taken.
        m_feed_error = std::current_exception();
        break;
      }
      if (!item || m_stopped) {
        break;
      }
      launch(std::move(*item));
    }
    m_feeder_done = true;
    wake_consumer();
  }

  void launch(Item&& item) {
    uint64_t seq = m_next_seq++;
    ++m_outstanding;
    if (m_ordered) {
      m_slots.emplace_back();
    }
    m_pool.spawn([this, seq, item = std::move(item)]() mutable {
      Slot slot;
      try {
        slot.value.emplace(m_fn(std::move(item)));
      } catch (const boost::context::detail::forced_unwind&) {
        throw;
      } catch (...) {
        slot.error = std::current_exception();
      }
      slot.done = true;
      if (m_ordered) {
        m_slots[static_cast<std::size_t>(seq - m_first_seq)] = std::move(slot);
      } else {
        m_finished.push_back(std::move(slot));
      }
      --m_outstanding;
      wake_consumer();
      m_feeder_room.post();
    });
  }

  void wake_consumer() {
    if (m_consumer != nullptr) {
      m_consumer->post();
    }
  }

  GreenPool& m_pool;
  Fn m_fn;
  Source& m_source;
  bool m_ordered;
  std::size_t m_window;
  std::deque<Slot> m_slots;     // ordered: slot i holds sequence m_first_seq + i
  std::deque<Slot> m_finished;  // unordered: finished, in completion order
  uint64_t m_first_seq = 0;
  uint64_t m_next_seq = 0;
  std::size_t m_outstanding = 0;  // spawned and not finished
  bool m_feeder_started = false;
  bool m_feeder_done = false;
  bool m_stopped = false;
  std::exception_ptr m_feed_error;
  Waiter m_feeder_room{m_pool.reactor()};  // posted when the window may have room again
  Waiter* m_consumer = nullptr;            // the caller of next(), while it waits
};

// A source over a container the caller keeps alive: imap(fn, RangeSource(urls)).
template <class Container>
class RangeSource {
 public:
  explicit RangeSource(const Container& c) : m_it(c.begin()), m_end(c.end()) {}
  std::optional<typename Container::value_type> next() {
    if (m_it == m_end) {
      return std::nullopt;
    }
    return *m_it++;
  }

 private:
  typename Container::const_iterator m_it;
  typename Container::const_iterator m_end;
};

}  // namespace greenfetch
