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
        V{"a.example:8080", "x", "y.html"});
  CHECK(CrawlMirror::segments("http://a.example/x/") == V{"a.example", "x", "index.html"});
  CHECK(CrawlMirror::segments("http://a.example/x?a=1/2") == V{"a.example", "x?a=1%2F2"});
  CHECK(CrawlMirror::segments("http://u:p@a.example/x") == V{"a.example", "x"});
  CHECK(CrawlMirror::segments("not a url").empty());
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
  CHECK(path == dir + "/h.example:81/a/b.html");
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
