// The frontier of a crawl shared by many workers in Redis (crawl --frontier redis://...
// --crawl-id NAME). All keys start with "gf:NAME:":
//   settings        the crawl's settings and seeds, stored by its first worker
//   seen            set of every URL queued or fetched (the fleet's seen-set)
//   hosts           set of every host ("scheme://host[:port]")
//   q:HOST          list of the host's queued items ("depth TAB url TAB referrer")
//   t:HOST          hash url -> item: the URLs leased with the host (taken, not yet done)
//   ready           zset HOST -> the time (ms, Redis's clock) its next request may start, for
//                   hosts with queued URLs that no worker holds
//   leases          zset HOST -> when its lease ends (ms); owner: hash HOST -> worker
//   stats, wstats, hstats   hashes of counts: done/failed/skipped, per WORKER:kind, HOST:kind
//   workers         hash worker -> last time it synced (ms)
//   robots:HOST     robots.txt record (core/crawl/crawler_politeness.cpp), expires after 24 h
//
// Politeness for the fleet: a host is leased to one worker at a time, with a batch of its URLs
// (URL leases, in t:HOST). The worker's own scheduler applies --per-host, --delay, Crawl-delay
// and Retry-After to it; when the worker gives the host back, its next allowed start goes into
// `ready`, and no worker takes it before then. A worker renews its leases every third of
// --lease; when it dies, its hosts' leases run out, and the next sync of any worker moves their
// URLs back to the front of their queues. A page's record is written (and flushed) before its
// URL is acknowledged (removed from t:HOST): a worker killed in between leaves a page that
// another worker fetches again, the only way a page is written twice.
//
// Every step is one Lua script (atomic on the server), and each run-loop turn sends at most one
// (sync), carrying all the URLs added and done since the last one.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crawl/frontier_store.hpp"
#include "core/redis/connection.hpp"

namespace greenfetch {

struct RedisFrontierOptions {
  RedisAddress address;
  std::string url;                         // as given, for messages
  std::string crawl_id;                    // --crawl-id
  std::string worker;                      // this worker's name (host:pid by default)
  std::chrono::milliseconds lease{60000};  // --lease
  // Longest time Redis may be unreachable before the worker gives up.
  std::chrono::milliseconds outage_limit{std::chrono::minutes(5)};
};

class RedisFrontierStore final : public FrontierStore {
 public:
  RedisFrontierStore(CrawlFrontier& local, Reactor& reactor, RedisFrontierOptions options);

  void open_crawl(const std::string& settings, std::vector<std::string>& seeds) override;
  bool add(CrawlItem item) override;
  bool add_fetched(const std::string& url, uint32_t depth) override;
  void done(const CrawlItem& item, PageOutcome outcome) override;
  void sync(Clock::time_point now, std::size_t free_slots) override;
  std::optional<Clock::time_point> next_sync() const override { return m_next_sync; }
  bool exhausted() const override;
  std::size_t queued() const override { return m_local.pending() + m_remote_queued; }
  std::optional<std::string> robots(const std::string& host) override;
  void set_robots(const std::string& host, const std::string& record) override;
  void close() override;

  // --status: the crawl's figures, as text for a terminal.
  static std::string status(Reactor& reactor, const RedisFrontierOptions& options);

 private:
  std::string key(std::string_view name) const { return m_prefix + std::string(name); }
  // Runs a script, retrying (with a growing pause) while Redis cannot be reached, up to the
  // outage limit (then throws std::runtime_error).
  RedisReply eval_retrying(const RedisScript& script, const std::vector<std::string>& args);
  bool sync_once(Clock::time_point now, std::size_t free_slots, bool closing);

  CrawlFrontier& m_local;
  RedisConnection m_conn;
  RedisFrontierOptions m_options;
  std::string m_prefix;
  std::vector<std::string> m_adds;                            // items to queue
  std::vector<std::string> m_dones;                           // "HOST TAB url TAB kind"
  std::unordered_map<std::string, Clock::time_point> m_held;  // hosts leased here
  Clock::time_point m_renew_at{};
  std::optional<Clock::time_point> m_next_sync;
  Clock::duration m_idle_pause{};
  Clock::time_point m_unreachable_since{};
  bool m_unreachable = false;
  std::size_t m_remote_queued = 0;  // hosts ready in Redis at the last sync (a lower bound)
  std::size_t m_remote_ready = 0;
  std::size_t m_remote_leases = 0;
  bool m_synced = false;
};

}  // namespace greenfetch
