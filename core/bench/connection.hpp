// One connection of bench's fast path: libcurl makes it (CURLOPT_CONNECT_ONLY, so connect,
// TLS and every connection option stay libcurl's) on a multi handle of its own driven by the
// reactor; then bench writes and reads the socket through curl_easy_send and curl_easy_recv,
// waiting on the reactor whenever libcurl says "again". A multi handle per connection keeps
// libcurl's connection cache from ever looking at (and pruning) another connection that is
// carrying requests: each cache holds exactly the one connection of its owner.
//
// Over plain TCP the socket libcurl connected is then written and read directly (send/recv,
// as wrk does): curl_easy_send/recv find the connection again in libcurl's cache on every call
// (Curl_getconnectinfo) and cost ~3 µs of CPU per request on the loopback nginx (16% of the
// fast path's CPU, measured with perf) for no work of their own there. Over TLS they are the
// only way to libcurl's TLS session, and are used.
//
// Deadlines are not timers: a fiber waits without one and FastPath's watchdog (expire())
// ends the waits whose deadline has passed; a timer per wait costs a heap insert and removal
// per request.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/error.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/timer.hpp"
#include "core/engine/waiter.hpp"
#include "core/http/curl_handles.hpp"
#include "core/http/request.hpp"

namespace greenfetch {

// How to connect: the URL's origin and the c-ares answer, plus the connection options.
struct ConnectSpec {
  std::string url;                      // the target's URL (libcurl uses its origin)
  bool tls = false;                     // https: I/O through libcurl's TLS session
  const curl_slist* resolve = nullptr;  // CURLOPT_RESOLVE entries (nullptr: an IP literal)
  const RequestOptions* options = nullptr;
  Clock::time_point deadline = Clock::time_point::max();  // --connect-timeout, -m
};

// What an I/O step gave: as curl's codes, so that errors map to the error enum as the full
// path's do (core/http/curl_error.hpp).
struct IoResult {
  CURLcode code = CURLE_OK;  // CURLE_OK; CURLE_OPERATION_TIMEDOUT at the deadline; others
  std::size_t bytes = 0;     // receive(): bytes read; 0 with CURLE_OK: the peer closed
  bool cancelled = false;    // cancel() ended the wait
};

class BenchConnection final : private FdHandler {
 public:
  explicit BenchConnection(Reactor& reactor = Reactor::current());
  ~BenchConnection();
  BenchConnection(const BenchConnection&) = delete;
  BenchConnection& operator=(const BenchConnection&) = delete;

  // Connects (closing the previous connection first) in the calling fiber. On failure the
  // code is libcurl's and message its error text.
  IoResult open(const ConnectSpec& spec, std::string& message);
  bool is_open() const { return m_open; }
  // Phase times of the last open(), seconds from its start (as CURLINFO_*_TIME).
  double connect_seconds() const { return m_connect_time; }
  double tls_seconds() const { return m_tls_time; }

  // Writes all of data, waiting for the socket as needed, until deadline.
  IoResult send_all(std::string_view data, Clock::time_point deadline);
  // Reads what is there into buf (waiting for some, until deadline). wait_first: the socket
  // surely has nothing yet (a request was just sent on plain TCP): skip the try.
  IoResult receive(char* buf, std::size_t size, Clock::time_point deadline, bool wait_first);
  void close();
  // Ends the wait in progress (from the reactor: a timer, a signal watch).
  void cancel();
  void reset_cancel() { m_cancelled = false; }
  // Ends the wait in progress if its deadline is before now (it then reports a timeout).
  void expire(Clock::time_point now);

 private:
  void on_fd_events(int fd, uint32_t events) override;
  int on_socket(curl_socket_t s, int what);
  int on_timer(long timeout_ms);
  void on_timer_fired();
  bool wait_for(uint32_t events, Clock::time_point deadline);
  IoResult stopped() const;  // what a wait that ended without the socket's event means

  friend int bench_connection_socket_cb(CURL*, curl_socket_t, int, void*, void*);
  friend int bench_connection_timer_cb(CURLM*, long, void*);
  friend int bench_connection_close_cb(void*, curl_socket_t);

  Reactor& m_reactor;
  CurlMulti m_multi;
  CurlEasy m_easy;
  Timer m_timer;
  Waiter* m_waiter = nullptr;  // the fiber's wait in progress
  bool m_connecting = false;   // libcurl drives the socket (open() in progress)
  bool m_in_multi = false;
  bool m_open = false;
  bool m_cancelled = false;
  bool m_raw = false;  // plain TCP: send() and recv() on the socket itself
  bool m_timed_out = false;
  Clock::time_point m_wait_deadline = Clock::time_point::max();
  bool m_done = false;  // the CONNECT_ONLY transfer ended
  CURLcode m_result = CURLE_OK;
  curl_socket_t m_fd = CURL_SOCKET_BAD;
  double m_connect_time = 0;
  double m_tls_time = 0;
  char m_errbuf[CURL_ERROR_SIZE] = {};
};

}  // namespace greenfetch
