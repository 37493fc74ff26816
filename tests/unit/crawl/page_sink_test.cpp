#include "core/crawl/page_sink.hpp"

#include <doctest/doctest.h>

namespace greenfetch {

TEST_CASE("greenfetch::PageSink") {
  Response r;
  SpoolBudget budget;
  auto kept = [](PageSink& sink) {
    std::string out;
    REQUIRE(sink.body() != nullptr);
    CHECK(sink.body()->each([&out](std::string_view piece) {
      out.append(piece);
      return true;
    }));
    return out;
  };

  SUBCASE("an HTML body is parsed as it streams in, and kept only when asked") {
    r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
    PageSink sink(nullptr, /*warc=*/false, {});
    CHECK(sink(r, "<title>T</title><a hr"));
    CHECK(sink(r, "ef=\"/next\">n</a>"));
    CHECK(sink.html());
    CHECK(sink.body() == nullptr);
    ExtractedPage page = sink.finish();
    CHECK(page.title == "T");
    REQUIRE(page.links.size() == 1);
    CHECK(page.links[0] == "/next");
  }
  SUBCASE("links come from the first k_max_parsed bytes only; the body is kept whole") {
    r.headers = {{"Content-Type", "text/html"}};
    PageSink sink(&budget, /*warc=*/false, {});
    CHECK(sink(r, "<a href=\"/early\">e</a><p>"));
    std::string filler(PageSink::k_max_parsed, 'x');
    CHECK(sink(r, filler));
    CHECK(sink(r, "</p><a href=\"/late\">l</a>"));
    ExtractedPage page = sink.finish();
    REQUIRE(page.links.size() == 1);
    CHECK(page.links[0] == "/early");
    CHECK(sink.body()->size() > PageSink::k_max_parsed);
  }
  SUBCASE("a body that is not HTML is kept but not parsed") {
    r.headers = {{"Content-Type", "text/plain"}};
    PageSink sink(&budget, /*warc=*/false, {});
    CHECK(sink(r, "<a href=\"/x\">"));
    CHECK_FALSE(sink.html());
    CHECK(kept(sink) == "<a href=\"/x\">");
    CHECK(sink.finish().links.empty());
  }
  SUBCASE("a redirect hop's body is dropped when the next hop begins") {
    r.headers = {{"Location", "/b"}, {"Content-Type", "text/html"}};
    PageSink sink(&budget, /*warc=*/false, {});
    CHECK(sink(r, "moved"));
    CHECK_FALSE(sink.html());
    r.headers = {{"Content-Type", "text/html"}};
    CHECK(sink(r, "<a href=\"/c\">"));
    CHECK(sink.html());
    CHECK(kept(sink) == "<a href=\"/c\">");
    CHECK(sink.finish().links.size() == 1);
  }
  SUBCASE("a body over the budget spills to a temporary file, read back whole and again") {
    r.headers = {{"Content-Type", "text/plain"}};
    SpoolBudget small{1024};
    PageSink sink(&small, /*warc=*/false, {});
    std::string piece(1000, 'a');
    for (int i = 0; i < 5; ++i) {
      piece[0] = static_cast<char>('0' + i);
      CHECK(sink(r, piece));
    }
    CHECK(sink.body()->spilled());
    CHECK(small.used <= 1024);
    std::string once = kept(sink);
    CHECK(once.size() == 5000);
    CHECK(once[1000] == '1');
    CHECK(once[4000] == '4');
    CHECK(kept(sink) == once);
  }
  SUBCASE("with --warc the digests are those of the hop whose body is kept") {
    r.headers = {{"Location", "/b"}};
    r.header_text = "HTTP/1.1 302 Found\r\nLocation: /b\r\n\r\n";
    PageSink sink(&budget, /*warc=*/true, {});
    CHECK(sink(r, "moved"));
    r.headers = {{"Content-Type", "text/plain"}};
    r.header_text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
    CHECK(sink(r, "hello "));
    CHECK(sink(r, "world"));
    std::optional<WarcResponseDigest> d = sink.take_digest();
    REQUIRE(d.has_value());
    CHECK(d->body_size() == 11);
    CHECK(d->stored_head() == r.header_text);
    auto [block, payload] = d->finish();
    CHECK(payload == warc_sha1_digest("hello world"));
    CHECK(block == warc_sha1_digest(r.header_text + "hello world"));
    CHECK_FALSE(sink.take_digest().has_value());
  }
  SUBCASE("without -o or --warc nothing is kept and no digest made") {
    r.headers = {{"Content-Type", "text/plain"}};
    PageSink sink(nullptr, /*warc=*/true, {});
    CHECK(sink(r, "x"));
    CHECK(sink.body() == nullptr);
    CHECK_FALSE(sink.take_digest().has_value());
  }
}

}  // namespace greenfetch
