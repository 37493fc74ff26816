// --per-host N: at most N requests to one host at once. A green thread waiting for its host
// gives its pool slot back meanwhile, so a list dominated by one host cannot starve the
// others: the pool keeps working on the other hosts within the imap window.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/engine/green_pool.hpp"
#include "core/engine/waiter.hpp"

namespace greenfetch {

class HostLimiter {
 public:
  // per_host 0: no limit. pool may be null (then no slot is lent while waiting).
  HostLimiter(std::size_t per_host, GreenPool* pool);

  class Slot {
   public:
    Slot(HostLimiter* owner, std::string host) : m_owner(owner), m_host(std::move(host)) {}
    Slot(Slot&& o) noexcept
        : m_owner(std::exchange(o.m_owner, nullptr)), m_host(std::move(o.m_host)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (m_owner != nullptr) {
        m_owner->release(m_host);
      }
    }

   private:
    HostLimiter* m_owner;
    std::string m_host;
  };

  // Waits until fewer than per_host requests to the URL's host are running; the slot is
  // held until the returned object is destroyed.
  Slot acquire(std::string_view url);
  std::size_t active(std::string_view url) const;
  // URLs waiting for their host now, over all hosts.
  std::size_t waiting() const { return m_waiting; }
  // The host with the most URLs waiting ("" when none wait); looks at every busy host.
  std::string busiest_waiting_host() const;

  // The host part of a URL, lower-cased, with its port if one is given ("" if none).
  static std::string host_key(std::string_view url);

 private:
  struct Host {
    std::size_t active = 0;
    std::deque<Waiter*> waiters;
  };
  void release(const std::string& host);

  std::size_t m_per_host;
  GreenPool* m_pool;
  std::unordered_map<std::string, Host> m_hosts;
  std::size_t m_waiting = 0;
};

}  // namespace greenfetch
