// Asynchronous DNS with c-ares on the reactor: no resolver threads. Answers are cached by
// their TTL and shared by every green thread; concurrent lookups of one name are one query.
#pragma once

#include <ares.h>
#include <sys/socket.h>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/base/error.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/timer.hpp"
#include "core/engine/waiter.hpp"

namespace greenfetch {

class DnsSockets;  // core/dns/sockets.hpp, internal: the Resolver holds it by pointer

struct ResolverOptions {
  std::string servers;  // "ADDR[:PORT],..." ([v6]:port); empty: the system's
  // Most time one lookup may take, every try included (--dns-timeout): c-ares's first try
  // gets timeout / (2^tries - 1), doubled per round, and resolve() stops waiting at the end.
  std::chrono::milliseconds timeout{6000};
  int tries = 2;                            // rounds over the servers before giving up
  int family = AF_UNSPEC;                   // AF_INET for -4, AF_INET6 for -6
  std::chrono::seconds min_ttl{1};          // answers are kept at least this long
  std::size_t max_cache_entries = 100'000;  // expired entries are pruned past this
  // Lookups in flight at once; more wait their turn. A burst of hundreds of answers on
  // c-ares's one UDP socket overflows its receive buffer (the kernel counts each datagram's
  // full buffer, ~1 KiB, against 208 KiB by default): lost answers cost a whole timeout.
  std::size_t max_in_flight = 64;
  int receive_buffer = 1 << 20;  // SO_RCVBUF asked for (capped by rmem_max)
};

struct Resolution {
  std::vector<std::string> addresses;  // numeric, IPv6 without brackets
  Error error = Error::none;           // dns or dns_timeout
  std::string message;
  double seconds = 0;  // time this caller waited (0 for a cache hit)
};

// A move-only owner of an ares_channel.
class AresChannel {
 public:
  AresChannel() = default;
  explicit AresChannel(ares_channel c) : m_channel(c) {}
  AresChannel(AresChannel&& o) noexcept : m_channel(std::exchange(o.m_channel, nullptr)) {}
  AresChannel& operator=(AresChannel&& o) noexcept {
    if (this != &o) {
      reset(std::exchange(o.m_channel, nullptr));
    }
    return *this;
  }
  ~AresChannel() { reset(); }
  ares_channel get() const { return m_channel; }
  void reset(ares_channel c = nullptr) {
    if (m_channel != nullptr) {
      ares_destroy(m_channel);
    }
    m_channel = c;
  }

 private:
  ares_channel m_channel = nullptr;
};

class Resolver final : private FdHandler, private BeforeWait {
 public:
  // Throws std::invalid_argument for servers c-ares cannot parse.
  explicit Resolver(ResolverOptions options = {}, Reactor& reactor = Reactor::current());
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves host (a name, not an IP literal) in the calling green thread. The caller stops
  // waiting at `deadline` (-m, --connect-timeout) or after the options' timeout, whichever
  // comes first: Error::timeout or Error::dns_timeout (the lookup goes on for other callers).
  Resolution resolve(const std::string& host,
                     Clock::time_point deadline = Clock::time_point::max());

  // Counters for tests and --stats.
  std::size_t queries_sent() const { return m_queries; }
  std::size_t cache_size() const { return m_cache.size(); }
  const DnsSockets& sockets() const { return *m_sockets; }

 private:
  struct Entry {
    std::vector<std::string> addresses;
    Error error = Error::none;
    std::string message;
    Clock::time_point expires{};
    bool pending = false;
    bool queued = false;  // pending, but its query waits in m_queue for a place
    std::vector<Waiter*> waiters;
  };
  std::chrono::milliseconds try_timeout() const;
  struct Query {
    Resolver* resolver;
    std::string host;
  };

  AresChannel make_channel(bool final_errors);
  void on_fd_events(int fd, uint32_t events) override;
  bool before_wait() override;
  void on_sock_state(ares_socket_t fd, bool readable, bool writable);
  void on_answer(const std::string& host, int status, ares_addrinfo* result);
  void send_query(const std::string& host);
  void send_queued();
  void rearm_timer();
  void on_timer();
  void prune();

  friend void resolver_sock_state(void*, ares_socket_t, int, int);
  friend void resolver_answer(void*, int, int, ares_addrinfo*);

  Reactor& m_reactor;
  ResolverOptions m_options;
  std::unique_ptr<DnsSockets> m_sockets;  // before m_channel: c-ares closes its sockets through it
  AresChannel m_channel;
  Timer m_timer;
  std::unordered_map<std::string, Entry> m_cache;
  std::size_t m_queries = 0;
  std::size_t m_in_flight = 0;
  // Names whose query waits for a place under max_in_flight, oldest first. Their callers wait
  // on the entry as any other (so each stops at its own deadline, queued or not); a name whose
  // callers all gave up is skipped when its turn comes (Entry::queued is false then).
  std::deque<std::string> m_queue;
};

// Whether host is an IPv4 or IPv6 literal (brackets allowed): such hosts skip DNS.
bool is_ip_literal(std::string_view host);

}  // namespace greenfetch
