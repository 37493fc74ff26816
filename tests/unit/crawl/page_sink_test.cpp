#include "core/crawl/page_sink.hpp"

#include <doctest/doctest.h>

namespace greenfetch {

TEST_CASE("greenfetch::PageSink") {
  Response r;

  SUBCASE("an HTML body is parsed as it streams in, and kept only when asked") {
    r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
    PageSink sink(/*keep_body=*/false, {});
    CHECK(sink(r, "<title>T</title><a hr"));
    CHECK(sink(r, "ef=\"/next\">n</a>"));
    CHECK(sink.html());
    CHECK(sink.body().empty());
    ExtractedPage page = sink.finish();
    CHECK(page.title == "T");
    REQUIRE(page.links.size() == 1);
    CHECK(page.links[0] == "/next");
  }
  SUBCASE("links come from the first k_max_parsed bytes only; the body is kept whole") {
    r.headers = {{"Content-Type", "text/html"}};
    PageSink sink(/*keep_body=*/true, {});
    CHECK(sink(r, "<a href=\"/early\">e</a><p>"));
    std::string filler(PageSink::k_max_parsed, 'x');
    CHECK(sink(r, filler));
    CHECK(sink(r, "</p><a href=\"/late\">l</a>"));
    ExtractedPage page = sink.finish();
    REQUIRE(page.links.size() == 1);
    CHECK(page.links[0] == "/early");
    CHECK(sink.body().size() > PageSink::k_max_parsed);
  }
  SUBCASE("a body that is not HTML is kept but not parsed") {
    r.headers = {{"Content-Type", "text/plain"}};
    PageSink sink(/*keep_body=*/true, {});
    CHECK(sink(r, "<a href=\"/x\">"));
    CHECK_FALSE(sink.html());
    CHECK(sink.body() == "<a href=\"/x\">");
    CHECK(sink.finish().links.empty());
  }
  SUBCASE("a redirect hop's body is dropped when the next hop begins") {
    r.headers = {{"Location", "/b"}, {"Content-Type", "text/html"}};
    PageSink sink(/*keep_body=*/true, {});
    CHECK(sink(r, "moved"));
    CHECK_FALSE(sink.html());
    r.headers = {{"Content-Type", "text/html"}};
    CHECK(sink(r, "<a href=\"/c\">"));
    CHECK(sink.html());
    CHECK(sink.body() == "<a href=\"/c\">");
    CHECK(sink.finish().links.size() == 1);
  }
}

}  // namespace greenfetch
