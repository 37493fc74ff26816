#include "core/dns/resolver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "core/dns/sockets.hpp"

namespace greenfetch {

namespace {

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

Error error_for_status(int status) {
  return status == ARES_ETIMEOUT ? Error::dns_timeout : Error::dns;
}

}  // namespace

// C trampolines: each turns one c-ares callback into one member call.
void resolver_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<Resolver*>(data)->on_sock_state(fd, readable != 0, writable != 0);
}

void resolver_answer(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<Resolver::Query> q(static_cast<Resolver::Query*>(arg));
  q->resolver->on_answer(q->host, status, result);
  if (result != nullptr) {
    ares_freeaddrinfo(result);
  }
}

bool is_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host.size() > 63) {
    return false;
  }
  char buf[64];
  host.copy(buf, host.size());
  buf[host.size()] = '\0';
  unsigned char addr[sizeof(in6_addr)];
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

Resolver::Resolver(ResolverOptions options, Reactor& reactor)
    : m_reactor(reactor),
      m_options(std::move(options)),
      m_sockets(std::make_unique<DnsSockets>(m_options.receive_buffer)),
      m_timer([this] { on_timer(); }) {
  init_library_once();
  m_channel = make_channel(false);
  // With a single server, an answer of SERVFAIL, REFUSED or NOTIMP is final: c-ares would
  // ask "the next server", which is the same one, again and again up to `tries` (a resolver
  // caches its failure for a while anyway, RFC 9520). With several, c-ares moves on to the
  // next server, which is worth it. NOCHECKRESP changes only that: c-ares 1.18 matches every
  // answer to its question (id and question section) whatever the flags.
  ares_addr_port_node* servers = nullptr;
  int count = 0;
  if (ares_get_servers_ports(m_channel.get(), &servers) == ARES_SUCCESS) {
    for (ares_addr_port_node* n = servers; n != nullptr; n = n->next) {
      ++count;
    }
    ares_free_data(servers);
  }
  if (count == 1) {
    m_channel = make_channel(true);
  }
  ares_set_socket_functions(m_channel.get(), DnsSockets::functions(), m_sockets.get());
  m_reactor.add_before_wait(this);
}

AresChannel Resolver::make_channel(bool final_errors) {
  ares_options opts{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  // With servers named on the command line, ask only them: c-ares 1.18 would otherwise open
  // and parse /etc/hosts again for every single lookup.
  char dns_only[] = "b";
  if (!m_options.servers.empty()) {
    mask |= ARES_OPT_LOOKUPS;
    opts.lookups = dns_only;
  }
  opts.flags = final_errors ? ARES_FLAG_NOCHECKRESP : 0;
  opts.sock_state_cb = resolver_sock_state;
  opts.sock_state_cb_data = this;
  opts.timeout = static_cast<int>(try_timeout().count());
  opts.tries = m_options.tries;
  ares_channel channel = nullptr;
  int rc = ares_init_options(&channel, &opts, mask);
  if (rc != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares initialisation failed: ") + ares_strerror(rc));
  }
  AresChannel owner(channel);
  if (!m_options.servers.empty()) {
    rc = ares_set_servers_ports_csv(channel, m_options.servers.c_str());
    if (rc != ARES_SUCCESS) {
      throw std::invalid_argument("invalid --dns-servers '" + m_options.servers +
                                  "': " + ares_strerror(rc));
    }
  }
  return owner;
}

Resolver::~Resolver() {
  m_reactor.remove_before_wait(this);
  // Destroying the channel ends every query with ARES_EDESTRUCTION, which wakes the waiters.
  m_channel.reset();
  m_timer.cancel();
}

std::chrono::milliseconds Resolver::try_timeout() const {
  int tries = std::clamp(m_options.tries, 1, 16);
  auto first = m_options.timeout / ((1 << tries) - 1);
  return std::max(first, std::chrono::milliseconds(1));
}

Resolution Resolver::resolve(const std::string& host, Clock::time_point deadline) {
  // RFC 6761: "localhost" and names under it are the loopback, whatever a DNS server says.
  std::string_view h(host);
  if (h == "localhost" || h.ends_with(".localhost")) {
    Resolution local;
    if (m_options.family != AF_INET6) {
      local.addresses.emplace_back("127.0.0.1");
    }
    if (m_options.family != AF_INET) {
      local.addresses.emplace_back("::1");
    }
    return local;
  }
  Clock::time_point start = Clock::now();
  auto [it, inserted] = m_cache.try_emplace(host);
  Entry* entry = &it->second;
  if (!inserted && !entry->pending && entry->expires > start) {
    return Resolution{entry->addresses, entry->error, entry->message, 0};
  }
  if (!entry->pending) {
    entry->pending = true;  // from now on, other lookups of this name wait for this one
    entry->queued = true;
    m_queue.push_back(host);
    send_queued();  // at once when there is a place; otherwise when an answer frees one
    entry = &m_cache[host];
  }
  // The entry may have been answered synchronously (e.g. from /etc/hosts).
  if (entry->pending) {
    Clock::time_point own = start + m_options.timeout;
    Waiter w(m_reactor);
    entry->waiters.push_back(&w);
    if (!w.wait_until(std::min(deadline, own))) {
      // Given up: off the list (the answer still comes, for the cache and the others).
      Entry& e = m_cache[host];
      std::erase(e.waiters, &w);
      if (e.queued && e.waiters.empty()) {
        e.pending = false;  // never sent, and nobody waits for it: send_queued skips it
        e.queued = false;
      }
      Resolution late;
      bool ours = own <= deadline;
      late.error = ours ? Error::dns_timeout : Error::timeout;
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      late.message =
          ours ? "DNS lookup of " + host + " timed out after " + std::to_string(ms.count()) +
                     " ms (--dns-timeout)"
               : "Resolving timed out after " + std::to_string(ms.count()) + " milliseconds";
      late.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      return late;
    }
    entry = &m_cache[host];
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return Resolution{entry->addresses, entry->error, entry->message, seconds};
}

void Resolver::send_query(const std::string& host) {
  ++m_in_flight;
  if (m_cache.size() > m_options.max_cache_entries) {
    prune();
  }
  ++m_queries;
  ares_addrinfo_hints hints{};
  hints.ai_family = m_options.family;
  hints.ai_flags = ARES_AI_NOSORT;  // sorting opens a UDP socket per address: not needed
  auto* query = new Query{this, host};
  ares_getaddrinfo(m_channel.get(), host.c_str(), nullptr, &hints, resolver_answer, query);
  rearm_timer();
}

// Never from a c-ares callback: from resolve() (a green thread) or before_wait() (the loop).
void Resolver::send_queued() {
  while (m_in_flight < m_options.max_in_flight && !m_queue.empty()) {
    std::string host = std::move(m_queue.front());
    m_queue.pop_front();
    auto it = m_cache.find(host);
    if (it == m_cache.end() || !it->second.queued) {
      continue;  // its callers gave up while it waited (or it is queued again further on)
    }
    it->second.queued = false;
    send_query(host);  // may answer at once (from /etc/hosts), calling on_answer
  }
}

void Resolver::on_answer(const std::string& host, int status, ares_addrinfo* result) {
  if (m_in_flight > 0) {
    --m_in_flight;  // the next queued name is sent before the loop waits (before_wait)
  }
  auto it = m_cache.find(host);
  if (it == m_cache.end()) {
    return;
  }
  Entry& e = it->second;
  e.pending = false;
  e.addresses.clear();
  e.message.clear();
  Clock::time_point now = Clock::now();
  if (status == ARES_SUCCESS && result != nullptr) {
    int ttl = -1;
    for (ares_addrinfo_node* n = result->nodes; n != nullptr; n = n->ai_next) {
      char buf[INET6_ADDRSTRLEN] = {};
      const void* src =
          n->ai_family == AF_INET6
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(n->ai_addr)->sin6_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(n->ai_addr)->sin_addr);
      if (inet_ntop(n->ai_family, src, buf, sizeof buf) != nullptr) {
        std::string addr(buf);
        if (std::find(e.addresses.begin(), e.addresses.end(), addr) == e.addresses.end()) {
          e.addresses.push_back(std::move(addr));
        }
      }
      ttl = ttl < 0 ? n->ai_ttl : std::min(ttl, n->ai_ttl);
    }
    auto keep =
        std::max<std::chrono::seconds>(std::chrono::seconds(std::max(ttl, 0)), m_options.min_ttl);
    e.expires = now + keep;
  }
  if (e.addresses.empty()) {
    e.error = status == ARES_SUCCESS ? Error::dns : error_for_status(status);
    e.message = "could not resolve host " + host + ": " +
                (status == ARES_SUCCESS ? std::string("no address") : ares_strerror(status));
    e.expires = now;  // failures are not cached beyond the callers already waiting
  } else {
    e.error = Error::none;
  }
  std::vector<Waiter*> waiters;
  waiters.swap(e.waiters);
  for (Waiter* w : waiters) {
    w->post();
  }
}

void Resolver::prune() {
  Clock::time_point now = Clock::now();
  std::erase_if(m_cache, [now](const auto& kv) {
    return !kv.second.pending && kv.second.waiters.empty() && kv.second.expires <= now;
  });
}

void Resolver::on_sock_state(ares_socket_t fd, bool readable, bool writable) {
  if (!readable && !writable) {
    m_reactor.unwatch(fd);
    return;
  }
  m_reactor.watch(fd, (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u), this);
}

void Resolver::on_fd_events(int fd, uint32_t events) {
  bool error = (events & (EPOLLERR | EPOLLHUP)) != 0;
  ares_socket_t rfd = (events & EPOLLIN) != 0 || error ? fd : ARES_SOCKET_BAD;
  ares_socket_t wfd = (events & EPOLLOUT) != 0 ? fd : ARES_SOCKET_BAD;
  ares_process_fd(m_channel.get(), rfd, wfd);
  // c-ares stops reading early on an answer from a wrong address: answers already taken off
  // the socket would wait for an event that is not coming. Bounded by the batch size.
  for (std::size_t i = 0; i < DnsSockets::k_batch && m_sockets->has_buffered(fd); ++i) {
    ares_process_fd(m_channel.get(), fd, ARES_SOCKET_BAD);
  }
  rearm_timer();
}

bool Resolver::before_wait() {
  send_queued();
  // A few rounds: a failed send makes c-ares move the query on, which may queue another.
  for (int round = 0; round < 4 && m_sockets->has_queued(); ++round) {
    for (int fd : m_sockets->flush()) {
      ares_process_fd(m_channel.get(), fd, ARES_SOCKET_BAD);
    }
    rearm_timer();
  }
  return m_sockets->has_queued();
}

void Resolver::on_timer() {
  ares_process_fd(m_channel.get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  rearm_timer();
}

void Resolver::rearm_timer() {
  if (m_channel.get() == nullptr) {
    return;
  }
  // ares_timeout() walks every query in flight: skip it when it cannot move the timer
  // earlier. Every query is given at least the first try's timeout from when it is sent, and
  // the armed timer is due no later than every query already sent (that is how it was set),
  // so a timer due before now + timeout stays right; one that fires for a query answered
  // meanwhile only makes on_timer() look again.
  if (m_timer.armed() && m_timer.when() <= Clock::now() + try_timeout()) {
    return;
  }
  timeval tv{};
  if (ares_timeout(m_channel.get(), nullptr, &tv) == nullptr) {
    m_timer.cancel();
    return;
  }
  auto delay = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  m_timer.arm(m_reactor, Clock::now() + delay);
}

}  // namespace greenfetch
