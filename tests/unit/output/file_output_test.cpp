#include "core/output/file_output.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tests/unit/temp_dir.hpp"

using namespace greenfetch;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
std::size_t entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) {
    ++n;
  }
  return n;
}
}  // namespace

TEST_CASE("greenfetch::FileOutput") {
  test::TempDir dir;
  std::string path = dir.file("body");

  SUBCASE("the final name appears only at commit") {
    FileOutput f(AT_FDCWD, path, path, false);
    REQUIRE(f.append("hello "));
    REQUIRE(f.append("world"));
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK(entries(dir.path()) == 1);  // the temporary file beside it
    CHECK(f.commit() == path);
    CHECK(slurp(path) == "hello world");
    CHECK(entries(dir.path()) == 1);
  }
  SUBCASE("abandoned: nothing left, an existing file untouched") {
    { std::ofstream(path) << "old"; }
    {
      FileOutput f(AT_FDCWD, path, path, false);
      REQUIRE(f.append("new"));
      f.abandon();
    }
    CHECK(slurp(path) == "old");
    CHECK(entries(dir.path()) == 1);
  }
  SUBCASE("destroyed without commit: the temporary file goes") {
    {
      FileOutput f(AT_FDCWD, path, path, false);
      REQUIRE(f.append("x"));
    }
    CHECK(entries(dir.path()) == 0);
  }
  SUBCASE("no byte at all: no file until commit, then an empty one") {
    FileOutput f(AT_FDCWD, path, path, false);
    CHECK(entries(dir.path()) == 0);
    f.commit();
    CHECK(std::filesystem::file_size(path) == 0);
  }
  SUBCASE("restart drops what was written") {
    FileOutput f(AT_FDCWD, path, path, false);
    REQUIRE(f.append("first try"));
    f.restart();
    REQUIRE(f.append("second"));
    f.commit();
    CHECK(slurp(path) == "second");
  }
  SUBCASE("no_clobber: name.1, name.2") {
    { std::ofstream(path) << "old"; }
    FileOutput a(AT_FDCWD, path, path, true);
    FileOutput b(AT_FDCWD, path, path, true);
    REQUIRE(a.append("a"));
    REQUIRE(b.append("b"));
    CHECK(a.commit() == path + ".1");
    CHECK(b.commit() == path + ".2");
    CHECK(slurp(path) == "old");
    CHECK(slurp(path + ".2") == "b");
  }
  SUBCASE("a device is written directly; its error names it") {
    FileOutput f(AT_FDCWD, "/dev/full", "/dev/full", false);
    CHECK_FALSE(f.append("x"));
    CHECK(f.error() == "cannot write /dev/full: No space left on device");
    CHECK_THROWS_AS(f.commit(), std::runtime_error);
  }
  SUBCASE("a folder that does not exist") {
    std::string bad = dir.file("no/such/file");
    FileOutput f(AT_FDCWD, bad, bad, false);
    CHECK_FALSE(f.append("x"));
    CHECK(f.error().find(bad) != std::string::npos);
  }
}
