// Where a crawl's URLs live between their discovery and their fetch, behind one interface so
// that the crawler does not know which it has:
//   - LocalFrontierStore (core/crawl/frontier_local.hpp): this process alone; the seen-set in
//     memory (SeenSet), or in DIR/state.sqlite with --state DIR (CrawlState), which also makes
//     the crawl resumable. URLs go straight into the worker's scheduler.
//   - RedisFrontierStore (core/crawl/frontier_redis.hpp): --frontier redis://...; many workers
//     share the queues, the seen-set, robots.txt and the settings. URLs go to Redis, and sync()
//     leases whole hosts to this worker and hands their URLs to its scheduler.
//
// In both cases the worker's CrawlFrontier (core/crawl/frontier.hpp) schedules what this worker
// holds, with --per-host, --delay, Crawl-delay and Retry-After: since Redis leases a host to one
// worker at a time, and carries its next allowed start from one lease to the next, those limits
// hold for the fleet as they hold for one process.
//
// The crawler calls add() for every link in scope, done() once a page's record is written (or
// the page was skipped), and, from its run loop (never from a fiber), sync() whenever
// next_sync() has come. Calls from fibers (add_fetched, robots) may wait for the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crawl/frontier.hpp"
#include "core/engine/timer.hpp"
#include "core/output/output_mark.hpp"

namespace greenfetch {

// How a page that will not be fetched again ended (the fleet's counts in --status).
enum class PageOutcome : uint8_t {
  fetched,  // a record with an answer
  failed,   // a record with an error
  skipped,  // not fetched: robots.txt disallows it
};

class FrontierStore {
 public:
  virtual ~FrontierStore() = default;

  // Checks the crawl's settings (a text, one option a line) against those it was started with,
  // storing them when this is the crawl's first worker; `seeds` may be empty for a worker that
  // joins, and is then filled with the crawl's seeds. Throws UsageError when they differ.
  virtual void open_crawl(const std::string& settings, std::vector<std::string>& seeds) = 0;
  // Hands what an earlier run left unfinished to the scheduler (--state: resume).
  virtual void resume() {}

  // A URL discovered in scope: queued unless it was seen before; false if it was.
  virtual bool add(CrawlItem item) = 0;
  // A redirect's target: seen and done at once (its page is the one just fetched); false if it
  // was seen before.
  virtual bool add_fetched(const std::string& url, uint32_t depth) = 0;
  // The item's record is written, or it was skipped: it is not handed out again.
  virtual void done(const CrawlItem& item, PageOutcome outcome) = 0;

  // Transactions (--state): add/done calls between begin() and commit() are kept together. When
  // commits() is true, the crawler flushes its outputs and stores their ends (set_output) before
  // each commit(), so that a kill -9 loses nothing it has written.
  virtual bool commits() const { return false; }
  virtual void begin() {}
  virtual void commit() {}
  virtual void set_output(const std::string& /*name*/, const OutputMark& /*mark*/) {}
  virtual std::optional<OutputMark> output(const std::string& /*name*/) const {
    return std::nullopt;
  }
  // Whether the run before this one was killed before its end (its outputs may need a cut).
  virtual bool unfinished() const { return false; }
  // This run ends cleanly (in the open transaction).
  virtual void finish() {}

  // Moves work between the shared frontier and this worker: sends what add() and done()
  // gathered, gives back hosts this worker has no more work for, renews its leases and takes
  // hosts that are due when `free_slots` of its pool are free. Called from the run loop only,
  // after the outputs were flushed (what done() reported is written).
  virtual void sync(Clock::time_point /*now*/, std::size_t /*free_slots*/) {}
  // When sync() should be called next; nullopt: never needed.
  virtual std::optional<Clock::time_point> next_sync() const { return std::nullopt; }
  // Whether the crawl as a whole has nothing left: nothing queued here or anywhere else, and
  // nothing leased to a worker that could still discover more.
  virtual bool exhausted() const = 0;
  // URLs waiting (in this worker's scheduler, and in the shared frontier as of the last sync).
  virtual std::size_t queued() const = 0;

  // robots.txt shared by the fleet: the record robots_record() made, if a worker stored one
  // for this host ("scheme://host[:port]") in the last 24 hours.
  virtual std::optional<std::string> robots(const std::string& /*host*/) { return std::nullopt; }
  virtual void set_robots(const std::string& /*host*/, const std::string& /*record*/) {}

  // The end of this worker's run: gives back to the shared frontier what it holds and did not
  // finish (called once, after every fiber ended, also after Ctrl-C).
  virtual void close() {}
};

}  // namespace greenfetch
