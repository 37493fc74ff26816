// The crawl frontier: URLs waiting to be fetched, kept in one FIFO queue per host (scheme,
// host and port), and the per-host politeness state that decides which host may start a
// request now.
//
// Scheduling: a host is "runnable" when it has URLs waiting, fewer than per_host requests in
// flight, is not blocked (its robots.txt is being fetched) and its next start time (last start
// + its delay, or a Retry-After pause) has passed. Runnable hosts are served round-robin, one
// URL per turn; a host whose start time lies ahead sits in a time-ordered heap until then. So
// no host ever waits on another host's delay, and nothing waits while holding a pool slot: the
// scheduler simply does not start a request for a host that is not ready. Within one host the
// order is first in, first out, which with one host (or one seed host in --scope host) makes
// the crawl exactly breadth-first; across hosts it is breadth-first per host.
//
// Memory: an item is its URL, its depth and a pointer to its referrer's URL, shared by all the
// links of one page; no body data is ever held here.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/crawl/robots.hpp"
#include "core/engine/timer.hpp"

namespace greenfetch {

struct CrawlItem {
  std::string url;  // normalized
  uint32_t depth = 0;
  uint32_t attempts = 0;                        // times it was put back after a 429/503
  std::shared_ptr<const std::string> referrer;  // the page that linked here; null for a seed
};

class CrawlFrontier {
 public:
  enum class RobotsState : uint8_t { unknown, fetching, known };

  struct Host {
    std::string key;  // "scheme://host[:port]" of normalized URLs
    std::deque<CrawlItem> queue;
    std::size_t active = 0;          // requests in flight (pages and robots.txt)
    Clock::time_point next_start{};  // no request starts before this
    Clock::duration delay{};         // minimum time between two request starts
    bool blocked = false;            // no page starts (robots.txt being fetched)
    RobotsState robots_state = RobotsState::unknown;
    Robots robots;  // valid when robots_state == known
    enum class Queued : uint8_t { none, runnable, timed } queued = Queued::none;
  };

  // per_host: requests to one host at once (0: no limit); delay: default minimum time between
  // two request starts to one host.
  explicit CrawlFrontier(std::size_t per_host, Clock::duration delay = {});
  CrawlFrontier(const CrawlFrontier&) = delete;
  CrawlFrontier& operator=(const CrawlFrontier&) = delete;

  // "scheme://authority" of a normalized URL ("" if it has no "://").
  static std::string_view host_key(std::string_view url);

  // Appends an item to its host's queue (front: to be taken next, for a retry).
  void push(CrawlItem item, Clock::time_point now = Clock::now());
  void push_front(CrawlItem item, Clock::time_point now = Clock::now());

  // A host that may start a request now (see above), or null. The host leaves the round-robin
  // queue: the caller must then call start() (after pop() or for its robots.txt) or
  // reschedule() for it.
  Host* next_ready(Clock::time_point now);
  // Takes the host's next URL (its queue must not be empty).
  CrawlItem pop(Host& h) {
    CrawlItem item = std::move(h.queue.front());
    h.queue.pop_front();
    --m_pending;
    return item;
  }
  // A request to the host starts now: counts it as active, sets its next start time, and puts
  // the host back in the round-robin queue if it can take more.
  void start(Host& h, Clock::time_point now);
  // A request to the host ended.
  void finish(Host& h, Clock::time_point now = Clock::now());
  // No request starts for the host before `until` (Retry-After).
  void pause(Host& h, Clock::time_point until, Clock::time_point now = Clock::now());
  // Puts the host back in the runnable or timed queue if it has work and may run.
  void reschedule(Host& h, Clock::time_point now);

  // When the earliest timed host becomes ready, if any host waits for its time.
  std::optional<Clock::time_point> next_wake() const;

  std::size_t pending() const { return m_pending; }
  std::size_t host_count() const { return m_hosts.size(); }
  Host& host(std::string_view key);
  std::size_t per_host() const { return m_per_host; }
  Clock::duration default_delay() const { return m_delay; }

 private:
  using TimedEntry = std::pair<Clock::time_point, Host*>;
  struct Later {
    bool operator()(const TimedEntry& a, const TimedEntry& b) const { return a.first > b.first; }
  };

  std::size_t m_per_host;
  Clock::duration m_delay;
  std::unordered_map<std::string, std::unique_ptr<Host>> m_hosts;
  Host* m_last_host = nullptr;  // most URLs of a page go to the same host: skip the lookup
  std::deque<Host*> m_runnable;
  std::priority_queue<TimedEntry, std::vector<TimedEntry>, Later> m_timed;
  std::size_t m_pending = 0;
};

}  // namespace greenfetch
