// The crawl state a resumed `crawl --state DIR` reads (core/crawl/state): the input is SQL run
// against a fresh state database (so rows, tables and the schema version can be anything a
// damaged or foreign state.sqlite holds), then CrawlState opens it as a resume would and takes,
// marks and counts. A state it cannot use must be refused with an exception, never a crash,
// and its counts must stay consistent. The SQL runs under an authorizer that allows no ATTACH,
// PRAGMA or VACUUM (nothing outside the database), with a step budget against endless queries.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include "core/crawl/state.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

const std::string& state_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/greenfetch_fuzz_state_" +
           std::to_string(::getpid());
  }();
  return dir;
}

struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    std::filesystem::remove_all(state_dir(), ec);
  }
};

int authorize(void* /*unused*/, int action, const char* /*a*/, const char* /*b*/, const char* /*c*/,
              const char* /*d*/) {
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
    case SQLITE_PRAGMA:
      return SQLITE_DENY;
    default:
      return SQLITE_OK;
  }
}

int stop_after_budget(void* steps) {
  return ++*static_cast<int*>(steps) > 10000 ? 1 : 0;
}

// Runs the input as SQL on DIR/state.sqlite; false when the database cannot be opened.
bool run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return false;
  }
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 16);
  sqlite3_set_authorizer(db, &authorize, nullptr);
  int steps = 0;
  sqlite3_progress_handler(db, 100, &stop_after_budget, &steps);
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The path first, so that it is destroyed after the cleanup that uses it.
  static const std::string& path_first = state_dir();
  static Cleanup cleanup;
  (void)path_first;
  using namespace greenfetch;
  std::string sql(fuzz::as_text(data, size));
  for (char& c : sql) {
    if (c == '\0') {
      c = ' ';
    }
  }
  // VACUUM INTO writes a file elsewhere: not what is fuzzed.
  std::string lower = sql;
  for (char& c : lower) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  if (lower.find("vacuum") != std::string::npos) {
    return 0;
  }
  const std::string& dir = state_dir();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  try {
    { CrawlState fresh(dir); }  // the real schema, closed cleanly
  } catch (const std::runtime_error&) {
    return 0;
  }
  if (!run_sql(dir + "/state.sqlite", sql)) {
    return 0;
  }
  try {
    CrawlState state(dir);
    std::size_t before = state.pending() + state.in_progress() + state.done_count();
    if (state.in_progress() != 0 || before > (1U << 20)) {
      __builtin_trap();  // documented: in-progress URLs are pending again after opening
    }
    (void)state.unfinished();
    (void)state.output("stdout");
    state.begin();
    for (const FrontierItem& item : state.take(3)) {
      state.done(item.url);
    }
    state.add(FrontierItem{"http://a.test/new", 1, "http://a.test/"});
    state.set_output("warc", OutputMark{1, 2, 3});
    state.commit();
    if (state.in_progress() != 0) {
      __builtin_trap();
    }
  } catch (const std::exception&) {
    // a state it cannot use is refused with a message naming it
  }
  return 0;
}
