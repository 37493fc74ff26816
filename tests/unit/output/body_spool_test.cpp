#include "core/output/body_spool.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/unit/temp_dir.hpp"

using namespace greenfetch;

namespace {
std::string drained(BodySpool& s) {
  std::string all;
  CHECK(s.drain([&all](std::string_view piece) {
    all.append(piece);
    return true;
  }));
  return all;
}
}  // namespace

TEST_CASE("greenfetch::BodySpool") {
  SUBCASE("within the budget: memory only, given back when drained") {
    SpoolBudget budget;
    budget.limit = 100;
    BodySpool s(budget);
    REQUIRE(s.append("hello "));
    REQUIRE(s.append("world"));
    CHECK_FALSE(s.spilled());
    CHECK(budget.used == 11);
    CHECK(drained(s) == "hello world");
    CHECK(budget.used == 0);
    CHECK(s.empty());
  }
  SUBCASE("beyond the budget: the rest goes to an unlinked file, in order") {
    test::TempDir dir;
    ::setenv("TMPDIR", dir.path().c_str(), 1);
    SpoolBudget budget;
    budget.limit = 1000;
    BodySpool a(budget);
    BodySpool b(budget);
    std::string big(300000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i) {
      big[i] = static_cast<char>('a' + i % 26);
    }
    REQUIRE(a.append(std::string(600, '1')));
    REQUIRE(b.append(big));  // 400 bytes fit, the rest spills
    CHECK(b.spilled());
    CHECK(budget.used == 1000);
    CHECK(std::filesystem::is_empty(dir.path()));  // nothing named on disk
    CHECK(drained(b) == big);
    CHECK(budget.used == 600);
    CHECK(drained(a) == std::string(600, '1'));
    ::unsetenv("TMPDIR");
  }
  SUBCASE("a consumer that stops stops the drain") {
    SpoolBudget budget;
    BodySpool s(budget);
    REQUIRE(s.append(std::string(200000, 'z')));
    int calls = 0;
    CHECK_FALSE(s.drain([&calls](std::string_view) { return ++calls < 2; }));
    CHECK(calls == 2);
  }
  SUBCASE("no temporary folder: append says why") {
    ::setenv("TMPDIR", "/nonexistent/greenfetch", 1);
    SpoolBudget budget;
    budget.limit = 0;
    BodySpool s(budget);
    CHECK_FALSE(s.append("x"));
    CHECK(s.error().find("/nonexistent/greenfetch") != std::string::npos);
    ::unsetenv("TMPDIR");
  }
  SUBCASE("each() reads it back as often as wanted; copy_to() writes it to a file") {
    test::TempDir dir;
    ::setenv("TMPDIR", dir.path().c_str(), 1);
    SpoolBudget budget;
    budget.limit = 1000;
    BodySpool s(budget);
    std::string big(200000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
      big[i] = static_cast<char>('a' + i % 26);
    }
    REQUIRE(s.append(big));
    REQUIRE(s.spilled());
    for (int round = 0; round < 2; ++round) {
      std::string all;
      CHECK(s.each([&all](std::string_view piece) {
        all.append(piece);
        return true;
      }));
      CHECK(all == big);
    }
    std::string path = dir.path() + "/copy";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    CHECK(s.copy_to(fd));
    ::close(fd);
    std::ifstream in(path, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == big);
    // A moved spool keeps its bytes and its share of the budget.
    BodySpool moved(std::move(s));
    CHECK(moved.size() == big.size());
    CHECK(budget.used == 1000);
    CHECK(drained(moved) == big);
    CHECK(budget.used == 0);
    ::unsetenv("TMPDIR");
  }
  SUBCASE("copy_to() a full device fails with errno") {
    SpoolBudget budget;
    BodySpool s(budget);
    REQUIRE(s.append(std::string(1000, 'q')));
    int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    errno = 0;
    CHECK_FALSE(s.copy_to(fd));
    CHECK(errno == ENOSPC);
    ::close(fd);
  }
}
