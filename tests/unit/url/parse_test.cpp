#include "core/url/parse.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace greenfetch;

namespace {

// The href, "(failure)" or "(other)", so that a failing CHECK prints something readable.
std::string href(std::string_view input, std::string_view base = {}) {
  UrlParseResult b;
  if (!base.empty()) {
    b = parse_url(base);
    REQUIRE(b.status == UrlParseStatus::ok);
  }
  const UrlParseResult r = parse_url(input, base.empty() ? nullptr : &b.url);
  switch (r.status) {
    case UrlParseStatus::ok:
      return r.url.href();
    case UrlParseStatus::failure:
      return "(failure)";
    case UrlParseStatus::other_scheme:
      return "(other)";
  }
  return "?";
}

constexpr std::string_view k_base = "http://example.org/foo/bar";

}  // namespace

TEST_CASE("greenfetch::parse_url") {
  SUBCASE("backslashes are slashes in http(s)") {
    CHECK(href("\\x", k_base) == "http://example.org/x");
    CHECK(href("\\\\other\\a", k_base) == "http://other/a");
    CHECK(href("http:\\\\example.com\\a\\b") == "http://example.com/a/b");
  }
  SUBCASE("same-scheme relative forms") {
    CHECK(href("http:foo.com", k_base) == "http://example.org/foo/foo.com");
    CHECK(href("http:/example.com/", k_base) == "http://example.org/example.com/");
    CHECK(href("http:/example.com/") == "http://example.com/");
    CHECK(href("https:example.com/", k_base) == "https://example.com/");
    CHECK(href("http:", k_base) == "http://example.org/foo/bar");
    CHECK(href("https://////example.com///") == "https://example.com///");
  }
  SUBCASE("relative references") {
    CHECK(href("", "http://a/b?q#f") == "http://a/b?q");
    CHECK(href("#g", "http://a/b?q#f") == "http://a/b?q#g");
    CHECK(href("?r", "http://a/b?q#f") == "http://a/b?r");
    CHECK(href("//h/p", "https://a/b") == "https://h/p");
    CHECK(href("../../../x", "http://a/b/c/d") == "http://a/x");
    CHECK(href("/%2e%2E/x/.", k_base) == "http://example.org/x/");
    CHECK(href("x") == "(failure)");
  }
  SUBCASE("tabs and newlines are removed, C0 and spaces trimmed") {
    CHECK(href("  \x01http://a/\tb\nc\r \x1f") == "http://a/bc");
    CHECK(href("ja\nvascript:x", k_base) == "(other)");
  }
  SUBCASE("hosts") {
    CHECK(href("http://%41.com/") == "http://a.com/");
    CHECK(href("http://%25/") == "(failure)");
    CHECK(href("http://[::%31]/") == "(failure)");
    CHECK(href("http://0xc0.0250.01/") == "http://192.168.0.1/");
    CHECK(href("http://[::127.0.0.1]/") == "http://[::7f00:1]/");
    CHECK(href("http://a|b/") == "(failure)");
    CHECK(href("http://bücher.example/") == "http://xn--bcher-kva.example/");
  }
  SUBCASE("credentials and ports") {
    CHECK(href("http://a:b@c@d:80/") == "http://a:b%40c@d/");
    CHECK(href("http://user@/") == "(failure)");
    CHECK(href("https://h:443/") == "https://h/");
    CHECK(href("https://h:80/") == "https://h:80/");
    CHECK(href("http://h:65536/") == "(failure)");
    CHECK(href("http://h:x/") == "(failure)");
    CHECK(href("http://h:/") == "http://h/");
  }
  SUBCASE("percent-encode sets") {
    CHECK(href("http://h/a b\"<>`{}^|'?a b\"<>`{}^|'#a b\"<>`{}") ==
          "http://h/a%20b%22%3C%3E%60%7B%7D%5E|'?a%20b%22%3C%3E`{}^|%27#a%20b%22%3C%3E%60{}");
    CHECK(href("http://h/ü?ü#ü") == "http://h/%C3%BC?%C3%BC#%C3%BC");
    CHECK(href("http://h/%zz%7e") == "http://h/%zz%7e");
    // Ill-formed UTF-8 reads as U+FFFD.
    CHECK(href("http://h/\xff") == "http://h/%EF%BF%BD");
  }
  SUBCASE("other schemes are not parsed") {
    CHECK(href("mailto:a@b", k_base) == "(other)");
    CHECK(href("ftp://h/", k_base) == "(other)");
    CHECK(href("file:///etc/passwd") == "(other)");
  }
}
