#include "core/crawl/sitemap.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using namespace greenfetch;

namespace {

std::string gzip(std::string_view data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

// Feeds the body in pieces of `step` bytes, as a transfer would.
SitemapResult parse_in_pieces(std::string_view body, std::size_t step, SitemapLimits limits = {}) {
  SitemapParser parser(limits);
  for (std::size_t i = 0; i < body.size(); i += step) {
    if (!parser.feed(body.substr(i, step))) {
      break;
    }
  }
  return parser.finish();
}

std::string urlset(std::size_t n) {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (std::size_t i = 0; i < n; ++i) {
    s += "<url><loc>http://example.org/p/" + std::to_string(i) +
         "</loc><lastmod>2024-01-01</lastmod></url>\n";
  }
  s += "</urlset>\n";
  return s;
}

constexpr std::string_view k_plain =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
    "        xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n"
    "  <url>\n"
    "    <loc>\n   http://example.org/a?x=1&amp;y=2   \n</loc>\n"
    "    <image:image><image:loc>http://example.org/img.png</image:loc></image:image>\n"
    "  </url>\n"
    "  <url><loc><![CDATA[http://example.org/b]]></loc></url>\n"
    "  <url><loc></loc></url>\n"
    "  <other><loc>http://example.org/not-an-entry</loc></other>\n"
    "</urlset>\n";

constexpr std::string_view k_index =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
    "  <sitemap><loc>http://example.org/s1.xml</loc><lastmod>2024-01-01</lastmod></sitemap>\n"
    "  <sitemap><loc>http://example.org/s2.xml.gz</loc></sitemap>\n"
    "</sitemapindex>\n";

}  // namespace

TEST_CASE("sitemap: plain urlset") {
  for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{7}, k_plain.size()}) {
    CAPTURE(step);
    SitemapResult r = parse_in_pieces(k_plain, step);
    CHECK(r.error == "");
    CHECK(r.kind == SitemapKind::urlset);
    CHECK_FALSE(r.gzip);
    CHECK(r.locs ==
          std::vector<std::string>{"http://example.org/a?x=1&y=2", "http://example.org/b"});
  }
}

TEST_CASE("sitemap: no namespace is accepted") {
  SitemapResult r = parse_sitemap("<urlset><url><loc>http://e.org/</loc></url></urlset>");
  CHECK(r.error == "");
  CHECK(r.locs == std::vector<std::string>{"http://e.org/"});
}

TEST_CASE("sitemap: gzipped urlset, fed in pieces") {
  std::string body = urlset(2000);
  std::string gz = gzip(body);
  REQUIRE(gz.size() < body.size());
  for (std::size_t step : {std::size_t{1}, std::size_t{100}, std::size_t{65536}}) {
    CAPTURE(step);
    SitemapResult r = parse_in_pieces(gz, step);
    CHECK(r.error == "");
    CHECK(r.gzip);
    CHECK(r.kind == SitemapKind::urlset);
    REQUIRE(r.locs.size() == 2000);
    CHECK(r.locs.front() == "http://example.org/p/0");
    CHECK(r.locs.back() == "http://example.org/p/1999");
  }
}

TEST_CASE("sitemap: concatenated gzip members are one stream") {
  std::string body = urlset(3);
  std::string gz = gzip(body.substr(0, 40)) + gzip(body.substr(40));
  SitemapResult r = parse_sitemap(gz);
  CHECK(r.error == "");
  CHECK(r.locs.size() == 3);
}

TEST_CASE("sitemap: sitemap index") {
  SitemapResult r = parse_in_pieces(k_index, 5);
  CHECK(r.error == "");
  CHECK(r.kind == SitemapKind::index);
  CHECK(r.locs ==
        std::vector<std::string>{"http://example.org/s1.xml", "http://example.org/s2.xml.gz"});
  SitemapResult g = parse_sitemap(gzip(k_index));
  CHECK(g.kind == SitemapKind::index);
  CHECK(g.locs.size() == 2);
}

TEST_CASE("sitemap: garbage is an error, never a crash") {
  CHECK(parse_sitemap("").error == "empty body");
  CHECK(parse_sitemap("x").error != "");
  CHECK(parse_sitemap("\x1f").error != "");
  CHECK(parse_sitemap("this is not xml at all <<<>>>").error != "");
  SitemapResult html = parse_sitemap("<html><body><a href='/x'>x</a></body></html>");
  CHECK(html.error.find("not a sitemap") == 0);
  CHECK(html.locs.empty());
  // Not well-formed after one entry: the entry found is kept, the error reported.
  SitemapResult broken =
      parse_sitemap("<urlset><url><loc>http://e.org/1</loc></url><url><loc>x</url></urlset>");
  CHECK(broken.error.find("not well-formed") == 0);
  CHECK(broken.locs == std::vector<std::string>{"http://e.org/1"});
  // Truncated document.
  CHECK(parse_sitemap("<urlset><url><loc>http://e.org/1</loc>").error != "");
  // Bad and truncated gzip.
  CHECK(parse_sitemap("\x1f\x8b\x08garbage-garbage-garbage").error.find("gzip") !=
        std::string::npos);
  std::string gz = gzip(urlset(10));
  CHECK(parse_sitemap(std::string_view(gz).substr(0, gz.size() / 2)).error != "");
  // Entities are not expanded (a "billion laughs" costs nothing).
  SitemapResult laughs = parse_sitemap(
      "<?xml version=\"1.0\"?><!DOCTYPE urlset [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
      "<urlset><url><loc>http://e.org/&c;</loc></url></urlset>");
  for (const std::string& loc : laughs.locs) {
    CHECK(loc.size() < 100);
  }
}

TEST_CASE("sitemap: oversize is bounded") {
  SitemapLimits small;
  small.max_bytes = 10'000;
  // Plain: stops at the byte limit, keeps the entries found until then.
  SitemapResult r = parse_in_pieces(urlset(1000), 512, small);
  CHECK(r.error.find("larger than 10000 bytes") == 0);
  CHECK(r.locs.size() > 10);
  CHECK(r.locs.size() < 1000);
  // Gzip: the limit applies to the inflated size (a "zip bomb" stops early).
  std::string bomb = "<urlset>" + std::string(5'000'000, ' ') + "</urlset>";
  std::string gz = gzip(bomb);
  CHECK(gz.size() < 100'000);
  SitemapParser parser(small);
  CHECK_FALSE(parser.feed(gz));
  CHECK(parser.finish().error.find("larger than") == 0);
  // Entry count.
  SitemapLimits few;
  few.max_urls = 5;
  SitemapResult many = parse_sitemap(urlset(20), few);
  CHECK(many.error == "more than 5 entries");
  CHECK(many.locs.size() == 5);
  // An overlong <loc> is skipped, not kept.
  SitemapLimits short_loc;
  short_loc.max_loc_bytes = 30;
  SitemapResult lng =
      parse_sitemap("<urlset><url><loc>http://e.org/" + std::string(100, 'x') +
                        "</loc></url><url><loc>http://e.org/ok</loc></url></urlset>",
                    short_loc);
  CHECK(lng.error == "");
  CHECK(lng.locs == std::vector<std::string>{"http://e.org/ok"});
}

TEST_CASE("sitemap: default limits are the sitemaps.org ones") {
  SitemapLimits l;
  CHECK(l.max_urls == 50'000);
  CHECK(l.max_bytes == 50u * 1024 * 1024);
}

TEST_CASE("sitemap: text sitemap") {
  SUBCASE("one URL per line, blank lines, CRLF, a BOM, no final newline") {
    std::string body =
        "\xEF\xBB\xBFhttp://example.org/a\r\n"
        "\r\n"
        "   https://example.org/b?x=1&y=2  \n"
        "\n"
        "HTTP://example.org/%C3%A9/\xC3\xA9";
    SitemapResult r = parse_sitemap(body);
    CHECK(r.error == "");
    CHECK(r.kind == SitemapKind::urlset);
    CHECK(r.text);
    CHECK_FALSE(r.gzip);
    CHECK(r.locs == std::vector<std::string>{"http://example.org/a",
                                             "https://example.org/b?x=1&y=2",
                                             "HTTP://example.org/%C3%A9/\xC3\xA9"});
    // However the body is cut.
    for (std::size_t step : {1, 2, 3, 7, 64}) {
      CAPTURE(step);
      SitemapResult p = parse_in_pieces(body, step);
      CHECK(p.locs == r.locs);
      CHECK(p.error == "");
    }
  }
  SUBCASE("gzip-compressed") {
    std::string body;
    for (int i = 0; i < 1000; ++i) {
      body += "http://example.org/t/" + std::to_string(i) + "\n";
    }
    SitemapResult r = parse_in_pieces(gzip(body), 100);
    CHECK(r.error == "");
    CHECK(r.gzip);
    CHECK(r.text);
    CHECK(r.locs.size() == 1000);
    CHECK(r.locs.back() == "http://example.org/t/999");
  }
  SUBCASE("XML is still XML after white space and a BOM") {
    SitemapResult r =
        parse_sitemap("\xEF\xBB\xBF\n  <urlset><url><loc>http://e.org/1</loc></url></urlset>");
    CHECK_FALSE(r.text);
    CHECK(r.error == "");
    CHECK(r.locs == std::vector<std::string>{"http://e.org/1"});
  }
  SUBCASE("a first line that is not a URL: not a sitemap") {
    for (std::string body : {"Not Found\nhttp://e.org/1\n", "/relative\n", "ftp://e.org/x\n",
                             "http://\n", "\x89PNG\r\n\x1a\n", "mailto:a@e.org"}) {
      CAPTURE(body);
      SitemapResult r = parse_sitemap(body);
      CHECK(r.error.find("not a sitemap: line 1 is neither XML nor a URL") == 0);
      CHECK(r.kind == SitemapKind::unknown);
      CHECK(r.locs.empty());
    }
    CHECK(parse_sitemap("\n\n  x\n").error == "not a sitemap: line 3 is neither XML nor a URL");
    // Only white space: no URL.
    CHECK(parse_sitemap(" \n\t\n").error == "not a sitemap");
    CHECK(parse_sitemap(std::string(5000, ' ')).error == "not a sitemap");
  }
  SUBCASE("later bad lines are skipped and named, the URLs kept") {
    SitemapResult r = parse_sitemap(
        "http://e.org/1\n# a comment\nhttp://e.org/2\nhttp://e.org/with space\nhttp://e.org/\x01\n"
        "http://e.org/3\n");
    CHECK(r.kind == SitemapKind::urlset);
    CHECK(r.locs == std::vector<std::string>{"http://e.org/1", "http://e.org/2", "http://e.org/3"});
    CHECK(r.error == "line 2: not an absolute http(s) URL (3 lines skipped)");
    SitemapResult one = parse_sitemap("http://e.org/1\nhttp:/e.org/2\n");
    CHECK(one.error == "line 2: not an absolute http(s) URL (1 line skipped)");
  }
  SUBCASE("limits: entries, bytes, line length") {
    std::string body;
    for (int i = 0; i < 100; ++i) {
      body += "http://e.org/" + std::to_string(i) + "\n";
    }
    SitemapLimits few;
    few.max_urls = 5;
    SitemapResult many = parse_in_pieces(body, 10, few);
    CHECK(many.error == "more than 5 entries");
    CHECK(many.locs.size() == 5);
    SitemapLimits small;
    small.max_bytes = 500;
    SitemapResult big = parse_in_pieces(body, 64, small);
    CHECK(big.error.find("larger than 500 bytes") == 0);
    CHECK(big.locs.size() > 10);
    CHECK(big.locs.size() < 100);
    SitemapLimits short_loc;
    short_loc.max_loc_bytes = 30;
    std::string lng =
        "http://e.org/ok\nhttp://e.org/" + std::string(100'000, 'x') + "\nhttp://e.org/2";
    SitemapResult l = parse_in_pieces(lng, 1000, short_loc);
    CHECK(l.locs == std::vector<std::string>{"http://e.org/ok", "http://e.org/2"});
    CHECK(l.error == "line 2: longer than 30 bytes (1 line skipped)");
    // An overlong last line without a newline is skipped too.
    SitemapResult tail =
        parse_sitemap("http://e.org/ok\nhttp://e.org/" + std::string(100, 'x'), short_loc);
    CHECK(tail.locs == std::vector<std::string>{"http://e.org/ok"});
    CHECK(tail.error == "line 2: longer than 30 bytes (1 line skipped)");
  }
}
