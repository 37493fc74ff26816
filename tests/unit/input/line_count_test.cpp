#include "core/input/line_count.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "tests/unit/temp_dir.hpp"

namespace greenfetch {

TEST_CASE("greenfetch::count_url_lines") {
  test::TempDir dir;
  auto write = [&dir](const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name), std::ios::binary) << text;
    return dir.file(name);
  };
  SUBCASE("blank lines and # comments are not URLs, as UrlSource skips them") {
    std::string a = write("a", "# header\n\nhttp://a/\n  \t\r\n   http://b/\n  # indented\nc");
    CHECK(count_url_lines({a}) == 3u);
    std::string b = write("b", "");
    CHECK(count_url_lines({a, b, a}) == 6u);
  }
  SUBCASE("no files: none") {
    CHECK(count_url_lines({}) == 0u);
  }
  SUBCASE("a missing file or a pipe: not known") {
    CHECK_FALSE(count_url_lines({dir.file("nope")}).has_value());
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    int saved = ::dup(STDIN_FILENO);
    ::dup2(fds[0], STDIN_FILENO);
    CHECK_FALSE(count_url_lines({"-"}).has_value());
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    ::close(fds[0]);
    ::close(fds[1]);
  }
  SUBCASE("the file offset is left where it was") {
    std::string a = write("a", "http://a/\nhttp://b/\n");
    int fd = ::open(a.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    int saved = ::dup(STDIN_FILENO);
    ::dup2(fd, STDIN_FILENO);
    CHECK(count_url_lines({"-"}) == 2u);
    CHECK(::lseek(STDIN_FILENO, 0, SEEK_CUR) == 0);
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    ::close(fd);
  }
}

}  // namespace greenfetch
