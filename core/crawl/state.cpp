#include "core/crawl/state.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace greenfetch {

namespace {

constexpr int k_schema_version = 2;
constexpr int k_busy_timeout_ms = 5000;
constexpr const char* k_cache_size = "PRAGMA cache_size = -65536";  // 64 MiB of page cache

constexpr const char* k_schema =
    "CREATE TABLE urls ("
    "  id INTEGER PRIMARY KEY,"  // insertion order
    "  url TEXT NOT NULL UNIQUE,"
    "  depth INTEGER NOT NULL,"
    "  referrer TEXT NOT NULL,"
    "  state INTEGER NOT NULL"  // 0 pending, 1 in progress, 2 done
    ");"
    "CREATE INDEX urls_open ON urls(state) WHERE state < 2;";

// Added in version 2 (a version 1 state gains them when opened).
constexpr const char* k_schema_2 =
    "CREATE TABLE outputs ("
    "  name TEXT PRIMARY KEY,"  // "stdout", "warc"
    "  device INTEGER NOT NULL,"
    "  inode INTEGER NOT NULL,"
    "  end_offset INTEGER NOT NULL"
    ");"
    "CREATE TABLE run ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  open INTEGER NOT NULL"  // 1 from opening until finish(): still 1 after a kill
    ");"
    "INSERT INTO run(id, open) VALUES (1, 0);";

// "state < 2 AND" lets SQLite use the partial index urls_open: it only uses a partial index
// when the query's WHERE contains the index's WHERE term as written.
constexpr const char* k_insert =
    "INSERT INTO urls(url, depth, referrer, state) VALUES (?1, ?2, ?3, 0) "
    "ON CONFLICT(url) DO NOTHING";
constexpr const char* k_select_pending =
    "SELECT id, url, depth, referrer FROM urls WHERE state < 2 AND state = 0 "
    "ORDER BY id LIMIT ?1";
constexpr const char* k_set_state = "UPDATE urls SET state = ?2 WHERE id = ?1";
constexpr const char* k_find = "SELECT id, state FROM urls WHERE url = ?1";
constexpr const char* k_requeue = "UPDATE urls SET state = 0 WHERE state < 2 AND state = 1";
constexpr const char* k_count_all = "SELECT count(*) FROM urls";
constexpr const char* k_count_state = "SELECT count(*) FROM urls WHERE state < 2 AND state = ?1";
constexpr const char* k_set_output =
    "INSERT INTO outputs(name, device, inode, end_offset) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(name) DO UPDATE SET device = ?2, inode = ?3, end_offset = ?4";
constexpr const char* k_get_output =
    "SELECT device, inode, end_offset FROM outputs WHERE name = ?1";

enum State : int { k_pending = 0, k_in_progress = 1, k_done = 2 };

struct Sqlite3Close {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct Sqlite3Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbHandle = std::unique_ptr<sqlite3, Sqlite3Close>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, Sqlite3Finalize>;

}  // namespace

// A prepared statement, reset (and its bindings cleared) after every use.
struct CrawlState::Stmt {
  StmtHandle handle;

  // Resets the statement when a use of it ends, however it ends.
  class Use {
   public:
    explicit Use(sqlite3_stmt* s) : m_stmt(s) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() {
      sqlite3_reset(m_stmt);
      sqlite3_clear_bindings(m_stmt);
    }
    sqlite3_stmt* get() const { return m_stmt; }

   private:
    sqlite3_stmt* m_stmt;
  };
  Use use() const { return Use(handle.get()); }
};

// The connection and its statements; the statements are declared after the connection so
// that they are finalized before it is closed.
struct CrawlState::Db {
  DbHandle db;
  Stmt insert;
  Stmt select_pending;
  Stmt set_state;
  Stmt find;
  Stmt count_state;
  Stmt set_output;
  Stmt get_output;
};

namespace {

void bind_text(sqlite3_stmt* s, int index, std::string_view text) {
  // SQLITE_STATIC: the text outlives the step that reads it.
  sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

std::string column_text(sqlite3_stmt* s, int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, index));
  int bytes = sqlite3_column_bytes(s, index);
  return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(bytes));
}

}  // namespace

void CrawlState::fail(const std::string& what) const {
  std::string detail = m_db && m_db->db ? std::string(": ") + sqlite3_errmsg(m_db->db.get()) : "";
  throw std::runtime_error("crawl state " + m_path + ": " + what + detail);
}

void CrawlState::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(m_db->db.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("crawl state " + m_path + ": " + sql + ": " + msg);
  }
}

CrawlState::CrawlState(const std::string& dir) : m_path(dir + "/state.sqlite") {
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    throw std::runtime_error("crawl state " + m_path + ": cannot create folder " + dir + ": " +
                             std::strerror(errno));
  }
  std::string lock_path = dir + "/state.lock";
  m_lock.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
  if (!m_lock.valid()) {
    throw std::runtime_error("crawl state " + m_path + ": cannot open " + lock_path + ": " +
                             std::strerror(errno));
  }
  if (::flock(m_lock.get(), LOCK_EX | LOCK_NB) != 0) {
    throw std::runtime_error("crawl state " + m_path +
                             (errno == EWOULDBLOCK
                                  ? std::string(": in use by another crawl")
                                  : ": cannot lock: " + std::string(std::strerror(errno))));
  }

  m_db = std::make_unique<Db>();
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(m_path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  m_db->db.reset(raw);  // a handle is returned even on failure, and must be closed
  if (rc != SQLITE_OK) {
    fail("cannot open");
  }
  sqlite3_busy_timeout(raw, k_busy_timeout_ms);

  // journal_mode answers with the mode in effect, which stays "delete" where WAL is impossible.
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(raw, "PRAGMA journal_mode = WAL", -1, &s, nullptr) != SQLITE_OK) {
      fail("cannot set journal_mode");
    }
    StmtHandle pragma(s);
    if (sqlite3_step(s) != SQLITE_ROW) {
      fail("cannot set journal_mode");
    }
    std::string mode = column_text(s, 0);
    if (mode != "wal") {
      throw std::runtime_error("crawl state " + m_path + ": cannot use WAL mode (journal_mode " +
                               mode + ")");
    }
  }
  exec("PRAGMA synchronous = NORMAL");
  exec(k_cache_size);

  int version = 0;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, nullptr) != SQLITE_OK) {
      fail("cannot read the schema version");
    }
    StmtHandle pragma(s);
    if (sqlite3_step(s) != SQLITE_ROW) {
      fail("cannot read the schema version");
    }
    version = sqlite3_column_int(s, 0);
  }
  if (version == 0 || version == 1) {
    exec("BEGIN IMMEDIATE");
    try {
      if (version == 0) {
        exec(k_schema);
      }
      exec(k_schema_2);
      exec(("PRAGMA user_version = " + std::to_string(k_schema_version)).c_str());
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  } else if (version != k_schema_version) {
    throw std::runtime_error("crawl state " + m_path + ": unknown schema version " +
                             std::to_string(version) + " (written by a newer greenfetch?)");
  }

  auto prepare = [&](Stmt& stmt, const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(raw, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      fail(std::string("cannot prepare ") + sql);
    }
    stmt.handle.reset(s);
  };
  prepare(m_db->insert, k_insert);
  prepare(m_db->select_pending, k_select_pending);
  prepare(m_db->set_state, k_set_state);
  prepare(m_db->find, k_find);
  prepare(m_db->count_state, k_count_state);
  prepare(m_db->set_output, k_set_output);
  prepare(m_db->get_output, k_get_output);

  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(raw, "SELECT open FROM run WHERE id = 1", -1, &s, nullptr) !=
        SQLITE_OK) {
      fail("cannot read the run table");
    }
    StmtHandle select(s);
    m_unfinished = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
  }
  exec("UPDATE run SET open = 1 WHERE id = 1");
  // URLs in progress when an earlier process stopped were never finished: fetch them again.
  exec(k_requeue);
  recount();
}

CrawlState::CrawlState(CrawlState&& other) noexcept
    : m_path(std::move(other.m_path)),
      m_lock(std::move(other.m_lock)),
      m_db(std::move(other.m_db)),
      m_in_batch(std::exchange(other.m_in_batch, false)),
      m_unfinished(std::exchange(other.m_unfinished, false)),
      m_pending(std::exchange(other.m_pending, 0)),
      m_in_progress(std::exchange(other.m_in_progress, 0)),
      m_done(std::exchange(other.m_done, 0)) {}

CrawlState& CrawlState::operator=(CrawlState&& other) noexcept {
  if (this != &other) {
    close();
    m_path = std::move(other.m_path);
    m_lock = std::move(other.m_lock);
    m_db = std::move(other.m_db);
    m_in_batch = std::exchange(other.m_in_batch, false);
    m_unfinished = std::exchange(other.m_unfinished, false);
    m_pending = std::exchange(other.m_pending, 0);
    m_in_progress = std::exchange(other.m_in_progress, 0);
    m_done = std::exchange(other.m_done, 0);
  }
  return *this;
}

CrawlState::~CrawlState() {
  close();
}

void CrawlState::close() noexcept {
  if (m_db && m_db->db && m_in_batch) {
    if (sqlite3_exec(m_db->db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      sqlite3_exec(m_db->db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  m_in_batch = false;
  m_db.reset();  // close the database before the lock is released
  m_lock.reset();
}

void CrawlState::recount() {
  std::size_t total = 0;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(m_db->db.get(), k_count_all, -1, &s, nullptr) != SQLITE_OK) {
      fail("cannot count URLs");
    }
    StmtHandle count(s);
    if (sqlite3_step(s) != SQLITE_ROW) {
      fail("cannot count URLs");
    }
    total = static_cast<std::size_t>(sqlite3_column_int64(s, 0));
  }
  auto count_state = [&](int state) {
    auto use = m_db->count_state.use();
    sqlite3_bind_int(use.get(), 1, state);
    if (sqlite3_step(use.get()) != SQLITE_ROW) {
      fail("cannot count URLs");
    }
    return static_cast<std::size_t>(sqlite3_column_int64(use.get(), 0));
  };
  m_pending = count_state(k_pending);
  m_in_progress = count_state(k_in_progress);
  m_done = total - m_pending - m_in_progress;
}

bool CrawlState::add(const FrontierItem& item) {
  int rc = SQLITE_OK;
  {
    auto use = m_db->insert.use();
    bind_text(use.get(), 1, item.url);
    sqlite3_bind_int(use.get(), 2, item.depth);
    bind_text(use.get(), 3, item.referrer);
    rc = sqlite3_step(use.get());
  }
  if (rc != SQLITE_DONE) {
    // An I/O error or a full disk may have rolled the whole batch back.
    if (m_in_batch && sqlite3_get_autocommit(m_db->db.get()) != 0) {
      m_in_batch = false;
      recount();
    }
    fail("cannot add " + item.url);
  }
  if (sqlite3_changes(m_db->db.get()) == 0) {
    return false;
  }
  ++m_pending;
  return true;
}

std::vector<FrontierItem> CrawlState::take(std::size_t n) {
  std::vector<FrontierItem> items;
  if (n == 0 || m_pending == 0) {
    return items;
  }
  bool own_transaction = !m_in_batch;
  if (own_transaction) {
    begin();
  }
  try {
    std::vector<sqlite3_int64> ids;
    {
      auto use = m_db->select_pending.use();
      sqlite3_bind_int64(use.get(), 1,
                         static_cast<sqlite3_int64>(std::min<std::size_t>(n, INT64_MAX)));
      int rc = SQLITE_OK;
      while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
        ids.push_back(sqlite3_column_int64(use.get(), 0));
        FrontierItem item;
        item.url = column_text(use.get(), 1);
        item.depth = sqlite3_column_int(use.get(), 2);
        item.referrer = column_text(use.get(), 3);
        items.push_back(std::move(item));
      }
      if (rc != SQLITE_DONE) {
        fail("cannot read pending URLs");
      }
    }
    for (sqlite3_int64 id : ids) {
      auto use = m_db->set_state.use();
      sqlite3_bind_int64(use.get(), 1, id);
      sqlite3_bind_int(use.get(), 2, k_in_progress);
      if (sqlite3_step(use.get()) != SQLITE_DONE) {
        fail("cannot mark URLs in progress");
      }
    }
    if (own_transaction) {
      commit();
    }
  } catch (...) {
    if (own_transaction || sqlite3_get_autocommit(m_db->db.get()) != 0) {
      sqlite3_exec(m_db->db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      m_in_batch = false;
    }
    recount();
    throw;
  }
  m_pending -= items.size();
  m_in_progress += items.size();
  return items;
}

bool CrawlState::done(const std::string& url) {
  sqlite3_int64 id = 0;
  int state = k_done;
  {
    auto use = m_db->find.use();
    bind_text(use.get(), 1, url);
    int rc = sqlite3_step(use.get());
    if (rc == SQLITE_DONE) {
      return false;
    }
    if (rc != SQLITE_ROW) {
      fail("cannot look up " + url);
    }
    id = sqlite3_column_int64(use.get(), 0);
    state = sqlite3_column_int(use.get(), 1);
  }
  if (state == k_done) {
    return false;
  }
  {
    auto use = m_db->set_state.use();
    sqlite3_bind_int64(use.get(), 1, id);
    sqlite3_bind_int(use.get(), 2, k_done);
    if (sqlite3_step(use.get()) != SQLITE_DONE) {
      if (m_in_batch && sqlite3_get_autocommit(m_db->db.get()) != 0) {
        m_in_batch = false;
        recount();
      }
      fail("cannot mark " + url + " done");
    }
  }
  if (state == k_in_progress) {
    --m_in_progress;
  } else {
    --m_pending;
  }
  ++m_done;
  return true;
}

bool CrawlState::contains(const std::string& url) const {
  auto use = m_db->find.use();
  bind_text(use.get(), 1, url);
  int rc = sqlite3_step(use.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    fail("cannot look up " + url);
  }
  return rc == SQLITE_ROW;
}

void CrawlState::set_output(const std::string& name, const OutputMark& mark) {
  int rc = SQLITE_OK;
  {
    auto use = m_db->set_output.use();
    bind_text(use.get(), 1, name);
    sqlite3_bind_int64(use.get(), 2, static_cast<sqlite3_int64>(mark.device));
    sqlite3_bind_int64(use.get(), 3, static_cast<sqlite3_int64>(mark.inode));
    sqlite3_bind_int64(use.get(), 4, static_cast<sqlite3_int64>(mark.end));
    rc = sqlite3_step(use.get());
  }
  if (rc != SQLITE_DONE) {
    fail("cannot store the end of " + name);
  }
}

std::optional<OutputMark> CrawlState::output(const std::string& name) const {
  auto use = m_db->get_output.use();
  bind_text(use.get(), 1, name);
  int rc = sqlite3_step(use.get());
  if (rc == SQLITE_DONE) {
    return std::nullopt;
  }
  if (rc != SQLITE_ROW) {
    fail("cannot read the end of " + name);
  }
  return OutputMark{static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 0)),
                    static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 1)),
                    static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 2))};
}

void CrawlState::finish() {
  exec("UPDATE run SET open = 0 WHERE id = 1");
}

void CrawlState::begin() {
  if (m_in_batch) {
    throw std::logic_error("CrawlState::begin: a batch is already open");
  }
  exec("BEGIN IMMEDIATE");
  m_in_batch = true;
}

void CrawlState::commit() {
  if (!m_in_batch) {
    return;
  }
  char* err = nullptr;
  if (sqlite3_exec(m_db->db.get(), "COMMIT", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    // Keep the counts true to what the database now holds.
    sqlite3_exec(m_db->db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    m_in_batch = false;
    recount();
    throw std::runtime_error("crawl state " + m_path + ": cannot commit: " + msg);
  }
  m_in_batch = false;
}

}  // namespace greenfetch
