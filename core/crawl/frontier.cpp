#include "core/crawl/frontier.hpp"

namespace greenfetch {

CrawlFrontier::CrawlFrontier(std::size_t per_host, Clock::duration delay)
    : m_per_host(per_host), m_delay(delay) {}

std::string_view CrawlFrontier::host_key(std::string_view url) {
  std::size_t start = url.find("://");
  if (start == std::string_view::npos) {
    return {};
  }
  std::size_t end = url.find_first_of("/?#", start + 3);
  return end == std::string_view::npos ? url : url.substr(0, end);
}

CrawlFrontier::Host& CrawlFrontier::host(std::string_view key) {
  if (m_last_host != nullptr && m_last_host->key == key) {
    return *m_last_host;
  }
  auto it = m_hosts.find(std::string(key));
  if (it == m_hosts.end()) {
    auto h = std::make_unique<Host>();
    h->key = std::string(key);
    h->delay = m_delay;
    it = m_hosts.emplace(h->key, std::move(h)).first;
  }
  m_last_host = it->second.get();
  return *m_last_host;
}

void CrawlFrontier::push(CrawlItem item, Clock::time_point now) {
  Host& h = host(host_key(item.url));
  h.queue.push_back(std::move(item));
  ++m_pending;
  reschedule(h, now);
}

void CrawlFrontier::push_front(CrawlItem item, Clock::time_point now) {
  Host& h = host(host_key(item.url));
  h.queue.push_front(std::move(item));
  ++m_pending;
  reschedule(h, now);
}

void CrawlFrontier::reschedule(Host& h, Clock::time_point now) {
  if (h.queued != Host::Queued::none || h.queue.empty() || h.blocked ||
      (m_per_host != 0 && h.active >= m_per_host)) {
    return;  // finish() or the end of the block calls this again
  }
  if (h.next_start > now) {
    h.queued = Host::Queued::timed;
    m_timed.emplace(h.next_start, &h);
  } else {
    h.queued = Host::Queued::runnable;
    m_runnable.push_back(&h);
  }
}

CrawlFrontier::Host* CrawlFrontier::next_ready(Clock::time_point now) {
  while (!m_timed.empty() && m_timed.top().first <= now) {
    Host* h = m_timed.top().second;
    m_timed.pop();
    h->queued = Host::Queued::none;
    reschedule(*h, now);  // its next_start may have moved on (pause): timed again
  }
  while (!m_runnable.empty()) {
    Host* h = m_runnable.front();
    m_runnable.pop_front();
    h->queued = Host::Queued::none;
    if (h->queue.empty() || h->blocked || (m_per_host != 0 && h->active >= m_per_host)) {
      continue;
    }
    if (h->next_start > now) {
      reschedule(*h, now);
      continue;
    }
    return h;
  }
  return nullptr;
}

void CrawlFrontier::start(Host& h, Clock::time_point now) {
  ++h.active;
  if (h.delay > Clock::duration::zero()) {
    h.next_start = std::max(h.next_start, now + h.delay);
  }
  reschedule(h, now);
}

void CrawlFrontier::finish(Host& h, Clock::time_point now) {
  if (h.active > 0) {
    --h.active;
  }
  reschedule(h, now);
}

void CrawlFrontier::pause(Host& h, Clock::time_point until, Clock::time_point now) {
  if (until > h.next_start) {
    h.next_start = until;
  }
  if (h.queued == Host::Queued::runnable) {
    // Still in the runnable queue: next_ready() sees the new start time and moves it.
    return;
  }
  if (h.queued == Host::Queued::timed) {
    // The heap entry has the old time; a second entry with the new one is added when the old
    // one fires and reschedule() finds the start time ahead.
    return;
  }
  reschedule(h, now);
}

std::optional<Clock::time_point> CrawlFrontier::next_wake() const {
  if (m_timed.empty()) {
    return std::nullopt;
  }
  return m_timed.top().first;
}

}  // namespace greenfetch
