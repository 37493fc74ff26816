#include "core/crawl/mirror.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

using namespace greenfetch;

using V = std::vector<std::string>;

TEST_CASE("CrawlMirror: URLs map to host/path segments") {
  CHECK(CrawlMirror::segments("http://a.example/") == V{"a.example", "index.html"});
  CHECK(CrawlMirror::segments("http://a.example") == V{"a.example", "index.html"});
  CHECK(CrawlMirror::segments("http://a.example:8080/x/y.html") ==
        V{"a.example+8080", "x", "y.html"});
  CHECK(CrawlMirror::segments("http://a.example/x/") == V{"a.example", "x", "index.html"});
  CHECK(CrawlMirror::segments("http://a.example/x?a=1/2") == V{"a.example", "x@a=1%2F2"});
  CHECK(CrawlMirror::segments("http://u:p@a.example/x") == V{"a.example", "x"});
  CHECK(CrawlMirror::segments("not a url").empty());
}

TEST_CASE("CrawlMirror: file names without raw query strings") {
  SUBCASE("a query is encoded into the name, and '@' only separates it") {
    CHECK(CrawlMirror::segments("http://a/p?x=1&y=%C3%BC") == V{"a", "p@x=1%26y=%25C3%25BC"});
    CHECK(CrawlMirror::segments("http://a/?q") == V{"a", "index.html@q"});
    CHECK(CrawlMirror::segments("http://a/a@x=1") == V{"a", "a%40x=1"});
    CHECK(CrawlMirror::segments("http://a/a?x=1") != CrawlMirror::segments("http://a/a@x=1"));
    CHECK(CrawlMirror::segments("http://a/a%40x=1") != CrawlMirror::segments("http://a/a@x=1"));
  }
  SUBCASE("bytes that shells or Windows dislike are escaped, '%' too") {
    CHECK(CrawlMirror::segments("http://a/x%20y/p|i*pe:\"\x01") ==
          V{"a", "x%2520y", "p%7Ci%2Ape%3A%22%01"});
    CHECK(CrawlMirror::segments("http://a/-rf/~u/$HOME;(x)'")[1] == "%2Drf");
    CHECK(CrawlMirror::segments("http://a/-rf/~u/$HOME;(x)'")[2] == "%7Eu");
    CHECK(CrawlMirror::segments("http://a/-rf/~u/$HOME;(x)'")[3] == "%24HOME%3B%28x%29%27");
    CHECK(CrawlMirror::segments("http://[::1]:8080/")[0] == "%5B%3A%3A1%5D+8080");
    CHECK(CrawlMirror::segments("http://a+b/")[0] == "a%2Bb");
  }
  SUBCASE("Windows device names, trailing dots, empty segments") {
    CHECK(CrawlMirror::segments("http://a/con/nul.txt/Com1") ==
          V{"a", "%63on", "%6Eul.txt", "%43om1"});
    CHECK(CrawlMirror::segments("http://a/console/x.") == V{"a", "console", "x%2E"});
    CHECK(CrawlMirror::segments("http://a/x//y") == V{"a", "x", "%-", "y"});
  }
  SUBCASE("long names are shortened with a hash: stable, distinct, at most 200 bytes") {
    std::string a(300, 'x');
    std::string b = a + "y";
    std::string na = CrawlMirror::segments("http://h/" + a).back();
    std::string nb = CrawlMirror::segments("http://h/" + b).back();
    CHECK(na.size() <= 200);
    CHECK(na.substr(0, 180) == std::string(180, 'x'));
    CHECK(na.substr(180, 2) == "%-");
    CHECK(na.size() == 198);
    CHECK(na != nb);
    CHECK(na == CrawlMirror::segments("http://h/" + a).back());
    // an escape is never cut in two
    std::string q =
        CrawlMirror::segments("http://h/" + std::string(178, 'x') + "?" + std::string(100, '&'))
            .back();
    CHECK(q.substr(0, 178) == std::string(178, 'x'));
    CHECK(q.substr(178, 3) == "@%-");
    CHECK(q.size() == 179 + 2 + 16);
  }
  SUBCASE("relative_path joins the names") {
    CHECK(CrawlMirror::relative_path("http://h:81/a/b?c") == "h+81/a/b@c");
  }
}

TEST_CASE("CrawlMirror: no segment can climb out of the folder") {
  for (const char* url : {"http://a/../../etc/passwd", "http://a/./x", "http://a//x", "http://../x",
                          "http://a/x/..", "http://a/x/."}) {
    for (const std::string& s : CrawlMirror::segments(url)) {
      CHECK(s != "..");
      CHECK(s != ".");
      CHECK(!s.empty());
      CHECK(s.find('/') == std::string::npos);
    }
  }
  std::string long_name(1000, 'x');
  V v = CrawlMirror::segments("http://a/" + long_name);
  CHECK(v.back().size() <= 200);
}

TEST_CASE("CrawlMirror: save writes the tree and refuses symbolic links") {
  char tmpl[] = "/tmp/crawl_mirror_test.XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  CrawlMirror m(dir);
  std::string path = m.save("http://h.example:81/a/b.html", "hello");
  CHECK(path == dir + "/h.example+81/a/b.html");
  std::ifstream in(path);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "hello");
  // a symbolic link planted where a folder is expected is not followed
  REQUIRE(::symlink("/tmp", (dir + "/evil.example").c_str()) == 0);
  CHECK_THROWS_AS(m.save("http://evil.example/x", "no"), std::runtime_error);
  // a file where a folder is needed is an error, not an overwrite
  m.save("http://h.example/f", "file");
  CHECK_THROWS_AS(m.save("http://h.example/f/g", "no"), std::runtime_error);
  std::string cmd = "rm -rf '" + dir + "'";
  CHECK(std::system(cmd.c_str()) == 0);
}
