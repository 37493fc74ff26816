#include "core/output/output_mark.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/engine/unique_fd.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace greenfetch;
using greenfetch::test::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(int fd, const std::string& text) {
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
}

}  // namespace

TEST_CASE("OutputMark: a regular file is marked with its size; a pipe is not") {
  TempDir dir("output_mark");
  UniqueFd fd(::open(dir.file("out").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  REQUIRE(fd.valid());
  put(fd.get(), "one\n");
  std::optional<OutputMark> m = mark_output(fd.get(), "out");
  REQUIRE(m.has_value());
  CHECK(m->end == 4);
  CHECK(m->inode != 0);

  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  UniqueFd r(p[0]);
  UniqueFd w(p[1]);
  CHECK_FALSE(mark_output(w.get(), "pipe").has_value());
  CHECK_THROWS_WITH_AS(mark_output(-1, "nothing"), doctest::Contains("nothing: cannot stat"),
                       std::runtime_error);
}

TEST_CASE("OutputMark: cut_to_mark cuts only the marked file, only when it grew") {
  TempDir dir("output_mark");
  std::string path = dir.file("out");
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  REQUIRE(fd.valid());
  put(fd.get(), "one\n");
  OutputMark m = *mark_output(fd.get(), "out");
  put(fd.get(), "two\n");

  CHECK(cut_to_mark(fd.get(), m, "out") == 4);
  CHECK(slurp(path) == "one\n");
  put(fd.get(), "three\n");  // O_APPEND: after the cut, writing goes on at the new end
  CHECK(slurp(path) == "one\nthree\n");
  CHECK(cut_to_mark(fd.get(), OutputMark{m.device, m.inode, 100}, "out") == 0);  // shorter
  CHECK(slurp(path) == "one\nthree\n");

  // Another file (the same name after a rename and re-create counts as another file).
  std::filesystem::rename(path, dir.file("old"));
  { std::ofstream(path) << "someone else's text\n"; }
  CHECK(cut_to_mark(path, m) == 0);
  CHECK(slurp(path) == "someone else's text\n");
  // By path, the marked file itself.
  CHECK(cut_to_mark(dir.file("old"), m) == 6);
  CHECK(slurp(dir.file("old")) == "one\n");
  CHECK(cut_to_mark(dir.file("missing"), m) == 0);
}

TEST_CASE("OutputMark: a file not opened for appending is also moved back to the new end") {
  TempDir dir("output_mark");
  std::string path = dir.file("out");
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  REQUIRE(fd.valid());
  put(fd.get(), "one\n");
  OutputMark m = *mark_output(fd.get(), "out");
  put(fd.get(), "two\n");
  CHECK(cut_to_mark(fd.get(), m, "out") == 4);
  put(fd.get(), "three\n");
  CHECK(slurp(path) == "one\nthree\n");  // no hole of zero bytes where "two\n" was
}
