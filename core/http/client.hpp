// HTTP over libcurl's multi socket interface, driven by the reactor. A green thread calls
// fetch() and is suspended until its transfer ends. Names are resolved by the c-ares Resolver
// and handed to libcurl with CURLOPT_RESOLVE, so libcurl never starts its resolver thread;
// redirects are followed here, hop by hop, so that a redirect to another host is resolved
// by c-ares too.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/timer.hpp"
#include "core/engine/waiter.hpp"
#include "core/http/curl_handles.hpp"
#include "core/http/rate_limiter.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"

namespace greenfetch {

struct HttpClientOptions {
  // Connections kept for reuse per origin (scheme, host, port), for up to k_cached_origins
  // origins and at most k_extra_cached connections beyond this number; 0: libcurl's default.
  std::size_t max_connections = 0;
  std::size_t max_host_connections = 0;  // connections to one host at once; 0: no limit
  bool multiplex = true;                 // false: one request at a time per connection (HTTP/2 too)
  std::size_t max_streams = 0;           // HTTP/2 streams per connection; 0: libcurl's default
};

class HttpClient final : private FdHandler {
 public:
  HttpClient(Resolver& resolver, RequestOptions request_options = {},
             HttpClientOptions options = {}, Reactor& reactor = Reactor::current());
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Fetches one URL in the calling green thread (or, on the main stack, by running the loop).
  // Never throws for transfer failures: they are in Response::error.
  Response fetch(const Request& request);
  Response fetch(std::string url) {
    Request request;
    request.url = std::move(url);
    return fetch(request);
  }

  // Unpauses the transfer of this request that its BodyWriter paused (a no-op when there is
  // none). Call it from the reactor, never from inside a libcurl callback.
  void resume(const Request& request);

  // --cookie-jar: writes the run's cookies (once; the destructor does it otherwise, silently).
  // Returns the error, naming the file, or "" when written (or when there is no jar).
  std::string save_cookies();

  // Ends every transfer in flight with Error::cancelled (for SIGINT), now, from the loop.
  void cancel_all();
  // Lets fetch() start transfers again after cancel_all().
  void reset_cancel() { m_cancelled = false; }

  const RequestOptions& request_options() const { return m_request_options; }
  std::size_t in_flight() const { return m_active.size(); }

 private:
  struct Transfer;
  struct Hop;

  // libcurl callbacks (through the C trampolines in http_client.cpp)
  int on_socket(curl_socket_t s, int what);
  int on_timer(long timeout_ms);
  int on_close_socket(curl_socket_t s);
  void on_fd_events(int fd, uint32_t events) override;
  void on_timer_fired();
  void check_multi_info();

  // may_retry: a retry may follow (a body the retry policy would retry is then not written).
  Response fetch_once(const Request& request, bool may_retry);
  bool prepare_hop(Transfer& t, Hop& hop, Response& r, double& dns_seconds);
  bool add_resolved(Transfer& t, const std::string& host, long port, Response& r,
                    double& dns_seconds, Hop* coalesce = nullptr);
  bool can_coalesce(const Transfer& t, const Hop& hop) const;
  static std::string named_url(const Hop& hop, std::string url);
  static void name_the_host(std::string& message, const Hop& hop);
  std::string proxy_for(const std::string& scheme, const std::string& host) const;
  bool should_retry(const Response& r) const;
  Clock::duration retry_delay(const Response& r, int retry);
  void setup_static(CURL* easy);
  bool setup_hop(CURL* easy, Transfer& t, const Hop& hop);
  bool build_form(CURL* easy, Transfer& t);
  bool died_on_reused_connection(const Transfer& t) const;
  void renew_easy(Transfer& t);
  CurlEasy acquire_easy();
  void release_easy(CurlEasy easy, Transfer& t);

  friend int http_client_socket_cb(CURL*, curl_socket_t, int, void*, void*);
  friend int http_client_timer_cb(CURLM*, long, void*);
  friend int http_client_close_cb(void*, curl_socket_t);
  friend size_t http_client_write_cb(char*, size_t, size_t, void*);
  friend size_t http_client_header_cb(char*, size_t, size_t, void*);
  friend size_t http_client_read_cb(char*, size_t, size_t, void*);
  friend int http_client_debug_cb(CURL*, curl_infotype, char*, size_t, void*);

  Reactor& m_reactor;
  Resolver& m_resolver;
  RequestOptions m_request_options;
  CurlMulti m_multi;
  CurlSlist m_headers;     // -H headers, shared by every transfer
  CurlSlist m_connect_to;  // --connect-to, shared by every transfer
  struct ConnectTo {
    std::string from_host;  // empty: any
    long from_port = 0;     // 0: any
    std::string to_host;    // empty: the same host
    long to_port = 0;       // 0: the same port
  };
  std::vector<ConnectTo> m_connect_rules;
  std::vector<std::pair<std::string, std::string>> m_user_resolve;  // "host:port" -> entry
  std::string m_env_http_proxy;
  std::string m_env_https_proxy;
  std::string m_noproxy;
  std::unique_ptr<CURLSH, void (*)(CURLSH*)> m_share{nullptr, nullptr};
  Timer m_timer;
  std::vector<CurlEasy> m_idle_easy;
  std::vector<Transfer*> m_active;
  struct ParsedUrl {
    std::string url;
    std::string normalized;
    std::string scheme;
    std::string host;
    long port = 0;
  } m_parsed;  // the last URL parsed, reused when the same URL comes again
  friend struct HttpClientStatsAccess;
  bool m_cancelled = false;
  // The connection cache grows with each new origin (note_origin), so that keep-alive
  // survives a run that alternates between hosts.
  void note_origin(const std::string& scheme, const std::string& host, long port);
  std::size_t m_cache_per_origin = 0;
  std::unordered_set<std::string> m_origins;
  std::string m_last_origin;
  bool m_multiplex = true;
  bool m_cookies_saved = false;
  RateLimiter m_rate;
  std::minstd_rand m_random;
};

// Builds a run's resolver and client into these slots. The options come from the command
// line: a value c-ares or the client rejects (--dns-servers, --resolve, --connect-to) is the
// user's mistake, a UsageError naming it.
void start_client(std::optional<Resolver>& resolver, std::optional<HttpClient>& client,
                  const ResolverOptions& dns, const RequestOptions& request,
                  const HttpClientOptions& options, Reactor& reactor);

}  // namespace greenfetch
