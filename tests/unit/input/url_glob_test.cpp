#include "core/input/url_glob.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> expand(const std::string& pattern) {
  greenfetch::UrlGlob g(pattern);
  std::vector<std::string> out;
  std::string url;
  while (g.next(url)) {
    out.push_back(url);
  }
  CHECK(out.size() == g.count());
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("greenfetch::UrlGlob") {
  using greenfetch::GlobError;
  using greenfetch::UrlGlob;
  SUBCASE("a URL without patterns is itself") {
    CHECK(expand("http://h/x") == V{"http://h/x"});
    CHECK(expand("") == V{""});
  }
  SUBCASE("sets, the last pattern turning fastest") {
    CHECK(expand("http://h/{a,b}/{1,2}") ==
          V{"http://h/a/1", "http://h/a/2", "http://h/b/1", "http://h/b/2"});
    CHECK(expand("x{,y}") == V{"x", "xy"});
    CHECK(expand("{a\\,b,c}") == V{"a,b", "c"});
  }
  SUBCASE("number ranges, padded and stepped") {
    CHECK(expand("u[1-3]") == V{"u1", "u2", "u3"});
    CHECK(expand("u[8-10]") == V{"u8", "u9", "u10"});
    CHECK(expand("u[001-003]") == V{"u001", "u002", "u003"});
    CHECK(expand("u[001-100:50]") == V{"u001", "u051"});
    CHECK(expand("u[0-10:5]") == V{"u0", "u5", "u10"});
  }
  SUBCASE("letter ranges") {
    CHECK(expand("[a-c]") == V{"a", "b", "c"});
    CHECK(expand("[A-E:2]") == V{"A", "C", "E"});
  }
  SUBCASE("escapes and IPv6 literals stay literal") {
    CHECK(expand("http://h/\\[1-2\\]") == V{"http://h/[1-2]"});
    CHECK(expand("http://[::1]:8080/[1-2]") == V{"http://[::1]:8080/1", "http://[::1]:8080/2"});
    CHECK(expand("http://[fe80::1%25eth0]/") == V{"http://[fe80::1%25eth0]/"});
  }
  SUBCASE("counts without expanding") {
    UrlGlob g("http://h/[1-1000]/[1-10000]");
    CHECK(g.count() == 10'000'000);
    std::string url;
    CHECK(g.next(url));
    CHECK(url == "http://h/1/1");
    CHECK(g.next(url));
    CHECK(url == "http://h/1/2");
  }
  SUBCASE("bad globs name the position") {
    CHECK_THROWS_WITH_AS(UrlGlob("http://h/{a,b"), "bad URL glob at position 10: unmatched brace",
                         GlobError);
    CHECK_THROWS_AS(UrlGlob("h/[1-"), GlobError);
    CHECK_THROWS_AS(UrlGlob("h/[3-1]"), GlobError);
    CHECK_THROWS_AS(UrlGlob("h/[a-Z]"), GlobError);
    CHECK_THROWS_AS(UrlGlob("h/[1-5:0]"), GlobError);
    CHECK_THROWS_AS(UrlGlob("h/[x]"), GlobError);
    CHECK_THROWS_AS(UrlGlob("h/{a,[1-2]}"), GlobError);
    CHECK_THROWS_AS(UrlGlob("h/[1-9999999999999999999]"), GlobError);
  }
  SUBCASE("the expansion is capped") {
    CHECK_THROWS_AS(UrlGlob("[1-100000][1-100000]"), GlobError);
    CHECK_NOTHROW(UrlGlob("[1-1000][1-1000][1-1000]"));
    std::string many;
    for (int i = 0; i < 101; ++i) {
      many += "{a}";
    }
    CHECK_THROWS_AS(UrlGlob{many}, GlobError);
  }
}
