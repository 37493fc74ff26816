#include "core/bench/connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <new>

#include "core/http/connection_options.hpp"

namespace greenfetch {

int bench_connection_socket_cb(CURL* /*easy*/, curl_socket_t s, int what, void* self,
                               void* /*socketp*/) {
  return static_cast<BenchConnection*>(self)->on_socket(s, what);
}

int bench_connection_timer_cb(CURLM* /*multi*/, long timeout_ms, void* self) {
  return static_cast<BenchConnection*>(self)->on_timer(timeout_ms);
}

int bench_connection_close_cb(void* self, curl_socket_t s) {
  auto* c = static_cast<BenchConnection*>(self);
  c->m_reactor.forget(s);
  return ::close(s);
}

BenchConnection::BenchConnection(Reactor& reactor)
    : m_reactor(reactor), m_timer([this] { on_timer_fired(); }) {
  curl_global_once();
  m_multi.reset(curl_multi_init());
  m_easy.reset(curl_easy_init());
  if (!m_multi || !m_easy) {
    throw std::bad_alloc();
  }
  CURLM* m = m_multi.get();
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, bench_connection_socket_cb);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, bench_connection_timer_cb);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
  CURL* e = m_easy.get();
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // a proxy sends bench to the full path
  // HTTP/1.1 is what this path speaks: over TLS, ALPN offers only that.
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 30L);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, bench_connection_close_cb);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, m_errbuf);
  curl_easy_setopt(e, CURLOPT_PRIVATE, this);
}

BenchConnection::~BenchConnection() {
  close();
}

int BenchConnection::on_socket(curl_socket_t s, int what) {
  if (!m_connecting) {
    return 0;  // the socket is bench's now
  }
  if (what == CURL_POLL_REMOVE) {
    m_reactor.unwatch(s, /*keep_registered=*/true);
    return 0;
  }
  uint32_t events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
    events |= EPOLLIN;
  }
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
    events |= EPOLLOUT;
  }
  m_reactor.watch(s, events, this);
  return 0;
}

int BenchConnection::on_timer(long timeout_ms) {
  // Never call libcurl from here: 0 means "soon", a timer due now.
  if (timeout_ms < 0) {
    m_timer.cancel();
  } else {
    m_timer.arm(m_reactor, Clock::now() + std::chrono::milliseconds(timeout_ms));
  }
  return 0;
}

void BenchConnection::on_timer_fired() {
  int running = 0;
  curl_multi_socket_action(m_multi.get(), CURL_SOCKET_TIMEOUT, 0, &running);
  on_fd_events(-1, 0);
}

void BenchConnection::on_fd_events(int fd, uint32_t events) {
  if (m_connecting) {
    if (fd >= 0) {
      int flags = 0;
      if ((events & EPOLLIN) != 0) {
        flags |= CURL_CSELECT_IN;
      }
      if ((events & EPOLLOUT) != 0) {
        flags |= CURL_CSELECT_OUT;
      }
      if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
        flags |= CURL_CSELECT_IN | CURL_CSELECT_OUT | CURL_CSELECT_ERR;
      }
      int running = 0;
      curl_multi_socket_action(m_multi.get(), fd, flags, &running);
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(m_multi.get(), &left)) {
      if (msg->msg == CURLMSG_DONE) {
        m_done = true;
        m_result = msg->data.result;
      }
    }
    if (!m_done) {
      return;
    }
  }
  if (m_waiter != nullptr) {
    m_waiter->post();
  }
}

IoResult BenchConnection::open(const ConnectSpec& spec, std::string& message) {
  close();
  const RequestOptions& o = *spec.options;
  CURL* e = m_easy.get();
  curl_easy_setopt(e, CURLOPT_URL, spec.url.c_str());
  curl_easy_setopt(e, CURLOPT_RESOLVE, spec.resolve);
  set_connection_options(e, o);  // TLS trust, client certificate, -k, -4/-6
  Clock::time_point deadline = spec.deadline;
  if (o.connect_timeout.count() > 0) {
    deadline = std::min(deadline, Clock::now() + o.connect_timeout);
  }
  long timeout_ms = 0;  // libcurl's default
  if (deadline != Clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    timeout_ms = static_cast<long>(std::max<int64_t>(left.count(), 1));
  }
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  m_errbuf[0] = '\0';
  m_done = false;
  m_result = CURLE_OK;
  m_connecting = true;
  curl_multi_add_handle(m_multi.get(), e);
  m_in_multi = true;
  IoResult r;
  while (!m_done && !m_cancelled) {
    Waiter w(m_reactor);
    m_waiter = &w;
    w.wait();  // libcurl's own connect timeout ends the transfer
    m_waiter = nullptr;
  }
  m_connecting = false;
  if (m_cancelled) {
    r.cancelled = true;
    close();
    return r;
  }
  r.code = m_result;
  if (r.code != CURLE_OK) {
    message = m_errbuf[0] != '\0' ? std::string(m_errbuf) : curl_easy_strerror(r.code);
    close();
    return r;
  }
  curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &m_fd);
  curl_easy_getinfo(e, CURLINFO_CONNECT_TIME, &m_connect_time);
  curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME, &m_tls_time);
  m_open = m_fd != CURL_SOCKET_BAD;
  m_raw = !spec.tls;
  if (!m_open) {
    r.code = CURLE_COULDNT_CONNECT;
    message = "libcurl gave no socket";
    close();
  }
  return r;
}

bool BenchConnection::wait_for(uint32_t events, Clock::time_point deadline) {
  if (m_cancelled) {
    return false;
  }
  if (Clock::now() >= deadline) {
    m_timed_out = true;
    return false;
  }
  m_reactor.watch(m_fd, events, this);
  Waiter w(m_reactor);
  m_waiter = &w;
  m_wait_deadline = deadline;
  m_timed_out = false;
  w.wait();
  m_waiter = nullptr;
  m_wait_deadline = Clock::time_point::max();
  bool posted = !m_timed_out;
  // Not watched between waits: an idle connection the server closes must not wake the loop
  // again and again (the event is level-triggered); kept registered, it costs no syscall.
  m_reactor.unwatch(m_fd, /*keep_registered=*/true);
  return posted && !m_cancelled;
}

void BenchConnection::expire(Clock::time_point now) {
  if (m_waiter != nullptr && !m_connecting && now >= m_wait_deadline) {
    m_timed_out = true;
    m_waiter->post();
  }
}

IoResult BenchConnection::stopped() const {
  IoResult r;
  r.cancelled = m_cancelled;
  r.code = m_cancelled ? CURLE_OK : CURLE_OPERATION_TIMEDOUT;
  return r;
}

namespace {

// send() and recv() with libcurl's codes: CURLE_AGAIN, CURLE_SEND_ERROR, CURLE_RECV_ERROR.
CURLcode raw_send(int fd, const char* data, std::size_t size, std::size_t& n) {
  ssize_t k = ::send(fd, data, size, MSG_NOSIGNAL);
  if (k >= 0) {
    n = static_cast<std::size_t>(k);
    return CURLE_OK;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? CURLE_AGAIN : CURLE_SEND_ERROR;
}

CURLcode raw_recv(int fd, char* buf, std::size_t size, std::size_t& n) {
  ssize_t k = ::recv(fd, buf, size, 0);
  if (k >= 0) {
    n = static_cast<std::size_t>(k);
    return CURLE_OK;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? CURLE_AGAIN : CURLE_RECV_ERROR;
}

}  // namespace

IoResult BenchConnection::send_all(std::string_view data, Clock::time_point deadline) {
  IoResult r;
  while (!data.empty()) {
    std::size_t n = 0;
    CURLcode rc = m_raw ? raw_send(m_fd, data.data(), data.size(), n)
                        : curl_easy_send(m_easy.get(), data.data(), data.size(), &n);
    if (rc == CURLE_OK) {
      data.remove_prefix(n);
      r.bytes += n;
      continue;
    }
    if (rc != CURLE_AGAIN) {
      r.code = rc;
      return r;
    }
    if (!wait_for(EPOLLOUT, deadline)) {
      return stopped();
    }
  }
  return r;
}

IoResult BenchConnection::receive(char* buf, std::size_t size, Clock::time_point deadline,
                                  bool wait_first) {
  IoResult r;
  if (wait_first && !wait_for(EPOLLIN, deadline)) {
    return stopped();
  }
  for (;;) {
    std::size_t n = 0;
    CURLcode rc =
        m_raw ? raw_recv(m_fd, buf, size, n) : curl_easy_recv(m_easy.get(), buf, size, &n);
    if (rc == CURLE_OK) {
      r.bytes = n;
      return r;
    }
    if (rc != CURLE_AGAIN) {
      r.code = rc;
      return r;
    }
    if (!wait_for(EPOLLIN, deadline)) {
      return stopped();
    }
  }
}

void BenchConnection::close() {
  if (m_in_multi) {
    // For a CONNECT_ONLY transfer this closes its connection (libcurl 7.88, lib/multi.c).
    m_connecting = false;
    curl_multi_remove_handle(m_multi.get(), m_easy.get());
    m_in_multi = false;
  }
  m_timer.cancel();
  m_open = false;
  m_fd = CURL_SOCKET_BAD;
}

void BenchConnection::cancel() {
  m_cancelled = true;
  if (m_waiter != nullptr) {
    m_waiter->post();
  }
}

}  // namespace greenfetch
