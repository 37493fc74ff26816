#include "core/crawl/page_headers.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "core/crawl/crawler.hpp"

namespace greenfetch {

TEST_CASE("greenfetch::header_value") {
  Response r;
  r.headers = {{"Content-Type", "text/html"}, {"location", "/a"}, {"Location", "/b"}};
  CHECK(header_value(r, "content-type") == "text/html");
  CHECK(header_value(r, "LOCATION") == "/a");
  CHECK(header_value(r, "Content").empty());
  CHECK(has_header(r, "Location"));
  CHECK_FALSE(has_header(r, "Retry-After"));
}

TEST_CASE("greenfetch::is_html_type") {
  CHECK(is_html_type("text/html"));
  CHECK(is_html_type(" Text/HTML ; charset=utf-8"));
  CHECK(is_html_type("application/xhtml+xml"));
  CHECK_FALSE(is_html_type("text/plain"));
  CHECK_FALSE(is_html_type("text/htmlx"));
  CHECK_FALSE(is_html_type(""));
}

TEST_CASE("greenfetch::path_and_query") {
  CHECK(path_and_query("http://a.test") == "/");
  CHECK(path_and_query("http://a.test/x/y?q=1#frag") == "/x/y?q=1");
  CHECK(path_and_query("https://a.test:8080?q") == "?q");
}

TEST_CASE("greenfetch::retry_after") {
  Response r;
  SUBCASE("absent or unparsable") {
    CHECK_FALSE(retry_after(r));
    r.headers = {{"Retry-After", "soon"}};
    CHECK_FALSE(retry_after(r));
  }
  SUBCASE("seconds, capped at k_max_retry_after") {
    r.headers = {{"Retry-After", " 5 "}};
    CHECK(retry_after(r) == std::chrono::seconds(5));
    r.headers = {{"Retry-After", "99999999999"}};
    CHECK(retry_after(r) == k_max_retry_after);
  }
  SUBCASE("a date in the past is no pause") {
    r.headers = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};
    CHECK(retry_after(r) == Clock::duration::zero());
  }
}

}  // namespace greenfetch
