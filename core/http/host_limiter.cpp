#include "core/http/host_limiter.hpp"

#include "core/base/ascii.hpp"

namespace greenfetch {

HostLimiter::HostLimiter(std::size_t per_host, GreenPool* pool)
    : m_per_host(per_host), m_pool(pool) {}

std::string HostLimiter::host_key(std::string_view url) {
  std::size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::size_t end = url.find_first_of("/?#", start);
  std::string_view authority = url.substr(start, end == std::string_view::npos ? end : end - start);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return ascii_lowercase(authority);
}

HostLimiter::Slot HostLimiter::acquire(std::string_view url) {
  std::string key = host_key(url);
  if (m_per_host == 0) {
    return Slot(nullptr, std::move(key));
  }
  Host& h = m_hosts[key];
  if (h.active >= m_per_host) {
    Waiter w;
    h.waiters.push_back(&w);
    ++m_waiting;
    if (m_pool != nullptr) {
      m_pool->lend_slot();
    }
    w.wait();  // release() handed the host slot over: h.active already counts us
    if (m_pool != nullptr) {
      m_pool->return_slot();
    }
  } else {
    ++h.active;
  }
  return Slot(this, std::move(key));
}

std::size_t HostLimiter::active(std::string_view url) const {
  auto it = m_hosts.find(host_key(url));
  return it == m_hosts.end() ? 0 : it->second.active;
}

std::string HostLimiter::busiest_waiting_host() const {
  const std::string* best = nullptr;
  std::size_t most = 0;
  for (const auto& [key, h] : m_hosts) {
    if (h.waiters.size() > most) {
      most = h.waiters.size();
      best = &key;
    }
  }
  return best == nullptr ? std::string() : *best;
}

void HostLimiter::release(const std::string& host) {
  auto it = m_hosts.find(host);
  if (it == m_hosts.end()) {
    return;
  }
  Host& h = it->second;
  if (!h.waiters.empty()) {
    Waiter* w = h.waiters.front();
    h.waiters.pop_front();
    --m_waiting;
    w->post();
    return;
  }
  if (--h.active == 0) {
    m_hosts.erase(it);
  }
}

}  // namespace greenfetch
