// The resumable crawl frontier (`crawl --state DIR`): every URL the crawl discovered, kept in
// DIR/state.sqlite so that a crawl killed at any point resumes where it stopped.
//
// Each URL is in one of three states: pending (discovered, waiting to be fetched), in
// progress (handed out by take()) and done (its output was written). A URL is stored once:
// add() of a URL seen before, in any state, is refused, so the table doubles as the crawl's
// seen-set. URLs are handed out in insertion order, which makes the crawl breadth-first.
// The caller normalizes URLs before add() and done(); CrawlState compares them as bytes.
//
// Durability: SQLite in WAL mode with synchronous=NORMAL. A committed transaction survives a
// kill -9 of the process (it is in the WAL); after a power loss the last transactions may be
// lost but the database stays consistent. add() and done() outside begin()/commit() commit one
// by one (slow: use batches). What a kill -9 loses is exactly the uncommitted batch; URLs that
// were in progress when the process died are pending again when the state is next opened.
// So: write and flush() the WARC/output of a batch of URLs, then mark them done() and
// commit(); a URL is fetched again after a crash unless its output is known to be written.
//
// Outputs: each commit can also store where the crawl's output files ended (set_output), so
// that a run after a kill -9 can cut off records written after the last commit (see
// core/output/output_mark.hpp). unfinished() tells such a run from one after a clean finish(),
// after which the files are left as they are (others may have appended to them since).
//
// Schema (user_version 2; a version 1 state is upgraded when opened):
//   urls(id INTEGER PRIMARY KEY, url TEXT UNIQUE, depth, referrer, state 0/1/2)
//   index urls_open ON urls(state) WHERE state < 2   -- only pending and in-progress rows
//   outputs(name TEXT PRIMARY KEY, device, inode, end_offset)
//   run(id = 1, open 0/1)   -- 1 from opening until finish()
// id is the insertion order. The partial index keeps take() and pending() fast however many
// URLs are done, and stays as small as the frontier. The three counts are kept in memory;
// opening counts the rows once (one pass over the url index).
//
// One process at a time: the constructor takes an exclusive flock() on DIR/state.lock and
// throws if another crawl holds it. Not thread-safe: use one CrawlState from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/unique_fd.hpp"
#include "core/output/output_mark.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace greenfetch {

struct FrontierItem {
  std::string url;
  int depth = 0;
  std::string referrer;
};

class CrawlState {
 public:
  // Opens or creates DIR/state.sqlite (creating DIR if needed), journal_mode=WAL,
  // synchronous=NORMAL. URLs left in progress by an earlier process become pending again.
  // Throws std::runtime_error naming the path.
  explicit CrawlState(const std::string& dir);
  CrawlState(CrawlState&&) noexcept;
  CrawlState& operator=(CrawlState&&) noexcept;
  // Commits an open batch (what was added or done is kept), then closes the database.
  ~CrawlState();

  // Adds a discovered URL as pending if it was never seen; returns false if it was.
  bool add(const FrontierItem& item);

  // Takes up to n pending URLs, oldest first, and marks them in progress.
  std::vector<FrontierItem> take(std::size_t n);

  // Marks a URL done (its output was written). Returns false if the URL is unknown or was
  // already done.
  bool done(const std::string& url);

  // Whether the URL was ever added.
  bool contains(const std::string& url) const;

  std::size_t pending() const { return m_pending; }          // waiting to be taken
  std::size_t in_progress() const { return m_in_progress; }  // taken, not done yet
  std::size_t done_count() const { return m_done; }

  // Stores where the output `name` ended, in the open batch (or at once outside one).
  void set_output(const std::string& name, const OutputMark& mark);
  // Where `name` ended at the last commit that stored it; nullopt if none ever did.
  std::optional<OutputMark> output(const std::string& name) const;

  // Whether the process that used this state before did not reach finish() (it was killed or
  // crashed). Read when the state is opened; false for a new state.
  bool unfinished() const { return m_unfinished; }
  // Records that this run ended cleanly, in the open batch (or at once outside one).
  void finish();

  // Groups many add/take/done calls into one transaction: far faster than one commit each.
  // Nested begin() throws std::logic_error; commit() without begin() does nothing.
  void begin();
  void commit();
  bool in_batch() const { return m_in_batch; }

  // Path of the database file.
  const std::string& path() const { return m_path; }

 private:
  struct Db;
  struct Stmt;

  void close() noexcept;
  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& what) const;
  void recount();

  std::string m_path;
  UniqueFd m_lock;
  std::unique_ptr<Db> m_db;
  bool m_in_batch = false;
  bool m_unfinished = false;
  std::size_t m_pending = 0;
  std::size_t m_in_progress = 0;
  std::size_t m_done = 0;
};

}  // namespace greenfetch
