// bench's fast path: libcurl makes every connection (core/bench/connection.hpp), bench writes
// each target's request bytes, built once (core/bench/wire_request.hpp), and reads the answer
// with http-parser (core/bench/response_parser.hpp). Why: libcurl 7.88 spends ~19 µs of CPU
// per request on its per-transfer machinery (request built by its printf engine, URL parsed
// again, connection cache walks, the multi state machine) where wrk, h2load and ab need
// ~10 µs for a whole request; no libcurl option removes it. With CONNECT_ONLY, connect, TLS
// and the connection options stay libcurl's, and a request costs what the socket costs.
// Measured on the loopback nginx (../shared/bench/compare load, 50,000 requests over 100
// connections): see README's performance section for the figures of both paths.
//
// What it cannot do goes to the full libcurl path (HttpClient), decided per run
// (fast_path_blocker) or per target (build_wire_request); a target whose answers turn out
// to need libcurl (a redirect to follow) moves to the full path for the rest of the run,
// starting with the answer that showed it (fetched again there, and counted once).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bench/bench.hpp"
#include "core/bench/connection.hpp"
#include "core/bench/response_parser.hpp"
#include "core/bench/wire_request.hpp"
#include "core/dns/resolver.hpp"
#include "core/http/response.hpp"

namespace greenfetch {

// Why the fast path cannot run this configuration at all (empty: it can).
std::string fast_path_blocker(const BenchConfig& config);

class FastPath {
 public:
  // in_flight: the most requests at once (connections are kept up to this many).
  FastPath(const BenchConfig& config, Resolver& resolver, std::size_t in_flight,
           Reactor& reactor = Reactor::current());
  FastPath(const FastPath&) = delete;
  FastPath& operator=(const FastPath&) = delete;

  // Whether target goes this way (false: the full path, from the start or since an answer).
  bool handles(std::size_t target) const { return m_reason[target].empty(); }
  // Why target does not (empty when it does).
  const std::string& reason(std::size_t target) const { return m_reason[target]; }
  // Sends target's request in the calling fiber and reads the answer. nullopt: the answer
  // needs libcurl (handles(target) is false from now on): fetch it on the full path.
  std::optional<Response> fetch(std::size_t target);

  // Ends every request in flight with Error::cancelled; reset_cancel() lets new ones start.
  void cancel_all();
  void reset_cancel();

 private:
  struct Origin {
    std::string url;   // a URL of the origin, for libcurl to connect to
    std::string host;  // for the resolver; empty: an IP literal
    long port = 0;
    bool tls = false;
    std::vector<std::unique_ptr<BenchConnection>> idle;
  };
  std::unique_ptr<BenchConnection> take(std::size_t origin);
  void give_back(std::size_t origin, std::unique_ptr<BenchConnection> c);
  bool connect(BenchConnection& c, Origin& o, Response& r, Clock::time_point deadline);

  const BenchConfig& m_config;
  Resolver& m_resolver;
  Reactor& m_reactor;
  std::size_t m_in_flight;
  std::vector<WireRequest> m_wire;       // by target
  std::vector<std::string> m_reason;     // by target: why the full path (empty: fast)
  std::vector<std::size_t> m_origin_of;  // by target
  std::vector<Origin> m_origins;
  std::vector<BenchConnection*> m_busy;  // connections carrying a request now
  std::size_t m_open = 0;                // connections open or opening
  bool m_cancelled = false;
  // Ends the waits past their deadline (see core/bench/connection.hpp), while any is busy.
  Timer m_watchdog;
  Clock::duration m_watch_every{};
  void on_watchdog();
  // Shared: a fiber hands a whole read to its parser before it can yield.
  std::array<char, 16384> m_buffer{};
};

}  // namespace greenfetch
