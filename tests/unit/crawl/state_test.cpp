#include "core/crawl/state.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/sanitizer.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace greenfetch;
using greenfetch::test::k_asan;
using greenfetch::test::TempDir;

namespace {

std::string url(int i) {
  return "http://example.com/page/" + std::to_string(i);
}

FrontierItem item(int i, int depth = 1) {
  return FrontierItem{url(i), depth, url(0)};
}

std::vector<std::string> urls_of(const std::vector<FrontierItem>& items) {
  std::vector<std::string> out;
  for (const FrontierItem& it : items) {
    out.push_back(it.url);
  }
  return out;
}

// What kill -9 leaves behind: the process ends at once, no destructor runs, nothing is closed
// or committed.
[[noreturn]] void crash() {
  ::_exit(9);
}

// Runs body in a child process (body must end by calling crash()). Returns the child's exit
// status: 9 after crash(), 1 after an exception, 0 if body returned.
template <typename F>
int run_in_child(F body) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("CrawlState: add refuses URLs seen before, in any state") {
  TempDir dir("crawl_state");
  CrawlState state(dir.path());
  CHECK(std::filesystem::exists(dir.path() + "/state.sqlite"));
  CHECK(state.path() == dir.path() + "/state.sqlite");
  CHECK(state.pending() == 0);
  CHECK(state.done_count() == 0);

  CHECK(state.add({"http://example.com/", 0, ""}));
  CHECK_FALSE(state.add({"http://example.com/", 3, "http://other/"}));
  CHECK(state.add({"http://example.com/a", 1, "http://example.com/"}));
  CHECK(state.contains("http://example.com/a"));
  CHECK_FALSE(state.contains("http://example.com/b"));
  CHECK(state.pending() == 2);

  auto taken = state.take(1);
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].url == "http://example.com/");
  CHECK(taken[0].depth == 0);  // the first add wins
  CHECK(taken[0].referrer.empty());
  CHECK_FALSE(state.add({"http://example.com/", 0, ""}));  // in progress
  CHECK(state.done("http://example.com/"));
  CHECK_FALSE(state.add({"http://example.com/", 0, ""}));  // done
  CHECK_FALSE(state.done("http://example.com/"));          // already done
  CHECK_FALSE(state.done("http://example.com/never-added"));

  // bytes are bytes: case, trailing slash and embedded NULs all make different URLs
  CHECK(state.add({"HTTP://EXAMPLE.COM/", 0, ""}));
  CHECK(state.add({std::string("http://example.com/\0x", 20), 0, ""}));
  CHECK(state.contains(std::string("http://example.com/\0x", 20)));
  CHECK(state.pending() == 3);
}

TEST_CASE("CrawlState: take hands out the oldest pending URLs first") {
  TempDir dir("crawl_state");
  CrawlState state(dir.path());
  state.begin();
  for (int i = 1; i <= 10; ++i) {
    CHECK(state.add(item(i, i % 3)));
  }
  state.commit();
  CHECK(state.pending() == 10);

  auto first = state.take(4);
  CHECK(urls_of(first) == std::vector<std::string>{url(1), url(2), url(3), url(4)});
  CHECK(first[1].depth == 2);
  CHECK(first[1].referrer == url(0));
  CHECK(state.pending() == 6);
  CHECK(state.in_progress() == 4);

  // URLs found while fetching the first ones queue up behind the older ones
  CHECK(state.add(item(11)));
  auto second = state.take(3);
  CHECK(urls_of(second) == std::vector<std::string>{url(5), url(6), url(7)});
  auto rest = state.take(100);
  CHECK(urls_of(rest) == std::vector<std::string>{url(8), url(9), url(10), url(11)});
  CHECK(state.take(5).empty());
  CHECK(state.take(0).empty());
  CHECK(state.pending() == 0);
  CHECK(state.in_progress() == 11);

  for (const FrontierItem& it : first) {
    CHECK(state.done(it.url));
  }
  CHECK(state.done_count() == 4);
  CHECK(state.in_progress() == 7);

  // done without take (e.g. answered from elsewhere) is fine too
  CHECK(state.add(item(12)));
  CHECK(state.done(url(12)));
  CHECK(state.pending() == 0);
  CHECK(state.done_count() == 5);
}

TEST_CASE("CrawlState: take inside a batch, and reopening keeps everything committed") {
  TempDir dir("crawl_state");
  {
    CrawlState state(dir.path());
    state.begin();
    for (int i = 1; i <= 5; ++i) {
      state.add(item(i));
    }
    auto taken = state.take(2);
    CHECK(taken.size() == 2);
    state.done(url(1));
    CHECK(state.in_batch());
    CHECK_THROWS_AS(state.begin(), std::logic_error);
    state.commit();
    CHECK_FALSE(state.in_batch());
    state.commit();  // no batch open: nothing to do
  }
  CrawlState state(dir.path());
  CHECK(state.done_count() == 1);
  CHECK(state.in_progress() == 0);
  CHECK(state.pending() == 4);  // url(2) was in progress: pending again
  CHECK(urls_of(state.take(10)) == std::vector<std::string>{url(2), url(3), url(4), url(5)});
}

TEST_CASE("CrawlState: destroying the object commits an open batch") {
  TempDir dir("crawl_state");
  {
    CrawlState state(dir.path());
    state.begin();
    state.add(item(1));
    state.add(item(2));
    state.done(url(1));
  }
  CrawlState state(dir.path());
  CHECK(state.pending() == 1);
  CHECK(state.done_count() == 1);
}

TEST_CASE("CrawlState: a crash (kill -9) loses only the uncommitted batch") {
  TempDir dir("crawl_state");
  int status = run_in_child([&] {
    CrawlState state(dir.path());
    state.begin();
    for (int i = 1; i <= 100; ++i) {
      state.add(item(i));
    }
    state.commit();
    state.take(10);  // url(1) .. url(10) in progress, committed
    state.begin();
    for (int i = 1; i <= 5; ++i) {
      state.done(url(i));
    }
    state.commit();  // url(1) .. url(5) done
    state.begin();
    for (int i = 101; i <= 150; ++i) {
      state.add(item(i));  // never committed
    }
    state.done(url(6));  // never committed
    state.take(20);      // never committed
    crash();             // inside the scope of state: its destructor never runs
  });
  REQUIRE(status == 9);

  CrawlState state(dir.path());
  CHECK(state.done_count() == 5);
  CHECK(state.in_progress() == 0);
  CHECK(state.pending() == 95);  // url(6)..url(10) were in progress: pending again
  for (int i = 1; i <= 5; ++i) {
    CHECK_FALSE(state.done(url(i)));  // still done
  }
  CHECK_FALSE(state.add(item(100)));  // committed: still seen
  CHECK(state.add(item(101)));        // the uncommitted batch is gone
  auto next = state.take(6);
  CHECK(urls_of(next) ==
        std::vector<std::string>{url(6), url(7), url(8), url(9), url(10), url(11)});
}

TEST_CASE("CrawlState: output marks are committed with the batch; unfinished after a kill") {
  TempDir dir("crawl_state");
  {
    CrawlState state(dir.path());
    CHECK_FALSE(state.unfinished());  // a new state
    CHECK_FALSE(state.output("stdout").has_value());
    state.begin();
    state.set_output("stdout", OutputMark{1, 2, 30});
    state.set_output("warc", OutputMark{1, 3, 400});
    state.commit();
    state.set_output("stdout", OutputMark{1, 2, 40});  // outside a batch: at once
    state.finish();
  }
  {
    CrawlState state(dir.path());
    CHECK_FALSE(state.unfinished());  // the last run called finish()
    REQUIRE(state.output("stdout").has_value());
    CHECK(state.output("stdout")->end == 40);
    CHECK(state.output("stdout")->inode == 2);
    CHECK(state.output("warc")->end == 400);
  }
  // Closed without finish(): the next open calls the run unfinished. A kill -9 in a batch
  // loses the batch's marks with the batch.
  int status = run_in_child([&] {
    CrawlState state(dir.path());
    state.begin();
    state.set_output("stdout", OutputMark{1, 2, 99});
    crash();
  });
  CHECK(status == 9);
  CrawlState state(dir.path());
  CHECK(state.unfinished());
  CHECK(state.output("stdout")->end == 40);
}

TEST_CASE("CrawlState: a version 1 state is upgraded and keeps its URLs") {
  TempDir dir("crawl_state");
  {
    CrawlState state(dir.path());
    state.add(item(1));
  }
  // What greenfetch before version 2 of the schema left behind: no outputs and run tables.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path() + "/state.sqlite").c_str(), &db) == SQLITE_OK);
    int rc = sqlite3_exec(db, "DROP TABLE outputs; DROP TABLE run; PRAGMA user_version = 1;",
                          nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
  CrawlState state(dir.path());
  CHECK(state.pending() == 1);
  CHECK_FALSE(state.unfinished());
  CHECK_FALSE(state.output("stdout").has_value());
  state.set_output("stdout", OutputMark{1, 2, 3});
  CHECK(state.output("stdout")->end == 3);
}

TEST_CASE("CrawlState: one process at a time; errors name the path") {
  TempDir dir("crawl_state");
  CrawlState state(dir.path());
  CHECK_THROWS_WITH_AS(CrawlState(dir.path()),
                       doctest::Contains((dir.path() + "/state.sqlite").c_str()),
                       std::runtime_error);
  CrawlState moved = std::move(state);  // the lock moves along
  CHECK_THROWS_AS(CrawlState(dir.path()), std::runtime_error);
  CHECK(moved.add(item(1)));

  std::string bad = dir.path() + "/not-a-dir";
  {
    std::FILE* f = std::fopen(bad.c_str(), "w");
    std::fclose(f);
  }
  CHECK_THROWS_WITH_AS(CrawlState(bad + "/sub"), doctest::Contains(bad.c_str()),
                       std::runtime_error);

  TempDir other("crawl_state");
  {
    std::FILE* f = std::fopen((other.path() + "/state.sqlite").c_str(), "w");
    std::fputs("this is not an SQLite database, just some text that is long enough......", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH_AS(CrawlState(other.path()),
                       doctest::Contains((other.path() + "/state.sqlite").c_str()),
                       std::runtime_error);
}

TEST_CASE("CrawlState: 100,000 adds in batches take under 2 s") {
  TempDir dir("crawl_state");
  CrawlState state(dir.path());
  constexpr int k_urls = 100'000;
  constexpr int k_batch = 1000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < k_urls; i += k_batch) {
    state.begin();
    for (int j = i; j < i + k_batch; ++j) {
      state.add({"https://www.example.com/some/fairly/long/path/" + std::to_string(j) +
                     "?query=string&x=" + std::to_string(j * 7),
                 2, "https://www.example.com/"});
    }
    state.commit();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("100,000 adds: " << seconds << " s");
  CHECK(seconds < (k_asan ? 10.0 : 2.0));
  CHECK(state.pending() == k_urls);

  // and the frontier drains in order, in batches, with the counts kept right
  std::size_t taken = 0;
  while (true) {
    state.begin();
    auto items = state.take(5000);
    for (const FrontierItem& it : items) {
      state.done(it.url);
    }
    state.commit();
    if (items.empty()) {
      break;
    }
    taken += items.size();
  }
  CHECK(taken == static_cast<std::size_t>(k_urls));
  CHECK(state.done_count() == static_cast<std::size_t>(k_urls));
  CHECK(state.pending() == 0);
}
