#include "core/crawl/link_extractor.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/sanitizer.hpp"

using namespace greenfetch;
using greenfetch::test::k_asan;
using namespace std::string_literals;
using Links = std::vector<std::string>;

namespace {

ExtractedPage extract(std::string_view html, LinkExtractorOptions options = {},
                      std::size_t chunk_size = 0) {
  LinkExtractor extractor(options);
  if (chunk_size == 0) {
    extractor.feed(html);
  } else {
    for (std::size_t i = 0; i < html.size(); i += chunk_size) {
      extractor.feed(html.substr(i, chunk_size));
    }
  }
  return extractor.finish();
}

Links links(std::string_view html, LinkExtractorOptions options = {}) {
  return extract(html, options).links;
}

Links assets(std::string_view html) {
  return links(html, LinkExtractorOptions{.assets = true});
}

// Same result whether the page arrives whole, one byte at a time, or in odd-sized chunks.
void check_chunking_invariant(std::string_view html, LinkExtractorOptions options = {}) {
  const ExtractedPage whole = extract(html, options);
  for (const std::size_t chunk_size :
       {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64}}) {
    CAPTURE(chunk_size);
    const ExtractedPage chunked = extract(html, options, chunk_size);
    CHECK(chunked.links == whole.links);
    CHECK(chunked.title == whole.title);
    CHECK(chunked.base == whole.base);
  }
}

// Resident set size in bytes, from /proc (Linux); 0 if unavailable.
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  if (!(statm >> pages >> resident)) {
    return 0;
  }
  return resident * 4096;
}

// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xFF);
  }
  return out;
}

constexpr std::string_view k_sample_page = R"html(<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>  Tom &amp; Jerry &eacute;&#x263A;
  episode &lt;1&gt; </title>
<base href="/base/dir/"><base href="/second/">
<link rel="stylesheet" href="/style.css">
<link rel="next" href="page2.html">
<link rel="icon" href="/favicon.ico">
<meta http-equiv="refresh" content="30; url=/refreshed">
<script src="/app.js">var s = '<a href="/in-script">';</script>
</head>
<body>
<!-- <a href="/in-comment"> -->
<a href="/one">one</a> <A HREF='/two?x=1&amp;y=2'>two</A>
<map><area href="/area" shape="rect"></map>
<iframe src="/frame.html"></iframe>
<img src="/img.png" srcset="/img-2x.png 2x, /img-3x.png 3x">
<picture><source srcset="/wide.webp 800w" media="(min-width: 600px)"></picture>
<svg><title>drawing</title></svg>
<a href="">empty</a><a href="   ">blank</a><a>no href</a>
<a href="/last">last</a>
</body></html>
)html";

}  // namespace

TEST_CASE("link_extractor") {
  SUBCASE("elements") {
    SUBCASE("a and area href") {
      CHECK(links(R"(<a href="/x">x</a><area href="/y"><a name="anchor">z</a>)") ==
            Links{"/x", "/y"});
    }
    SUBCASE("frame and iframe src") {
      CHECK(links(R"(<frameset><frame src="/f1"><frame src="f2"></frameset>)") ==
            Links{"/f1", "f2"});
      CHECK(links(R"(<p><iframe src="https://example.com/embed"></iframe>)") ==
            Links{"https://example.com/embed"});
    }
    SUBCASE("link rel next, prev, alternate, canonical; not icon or stylesheet") {
      CHECK(links(R"(<head>
      <link rel="next" href="/n"><link rel="PREV" href="/p">
      <link rel="alternate" hreflang="de" href="/de"><link rel="canonical" href="/c">
      <link rel="icon" href="/i.ico"><link rel="stylesheet" href="/s.css">
      <link rel="preload  Next" href="/two-keywords"><link href="/no-rel">)") ==
            Links{"/n", "/p", "/de", "/c", "/two-keywords"});
    }
    SUBCASE("values are kept raw, with entities decoded; empty ones are left out") {
      CHECK(links(R"(<a href=" /spaced ">a</a><a href="/q?a=1&amp;b=2">b</a><a href>c</a>)") ==
            Links{" /spaced ", "/q?a=1&b=2"});
      CHECK(
          links(
              R"html(<a href="javascript:void(0)">j</a><a href="mailto:x@example.com">m</a>)html") ==
          Links{"javascript:void(0)", "mailto:x@example.com"});
    }
    SUBCASE("assets only when asked") {
      constexpr std::string_view html = R"(<link rel="stylesheet" href="/s.css">
      <script src="/a.js"></script><script>inline()</script>
      <img src="/i.png" srcset="/i-1.png 1x, /i-2.png 2x">
      <video><source src="/v.mp4"></video>
      <picture><source srcset="/p.avif 100w,/p2.avif 200w"></picture><a href="/page">p</a>)";
      CHECK(links(html) == Links{"/page"});
      CHECK(assets(html) == Links{"/s.css", "/a.js", "/i.png", "/i-1.png", "/i-2.png", "/v.mp4",
                                  "/p.avif", "/p2.avif", "/page"});
    }
    SUBCASE("srcset forms") {
      CHECK(assets(R"(<img srcset="a.png">)") == Links{"a.png"});
      CHECK(assets(R"(<img srcset="  a.png  1.5x ,b.png,  c.png 480w , ">)") ==
            Links{"a.png", "b.png", "c.png"});
      // Commas inside a URL stay; a URL ending in ',' has no descriptors.
      CHECK(assets(R"(<img srcset="/r/w=100,h=50.png 1x, d.png, e.png 2x">)") ==
            Links{"/r/w=100,h=50.png", "d.png", "e.png"});
      CHECK(assets(R"(<img srcset="f.png (a, b) 2x, g.png">)") == Links{"f.png", "g.png"});
    }
    SUBCASE("no links inside script, style, comments") {
      CHECK(links(R"(<script>document.write('<a href="/s">')</script>
      <style>a::after { content: '<a href="/t">' }</style><!-- <a href="/c"> -->
      <a href="/real">r</a>)") == Links{"/real"});
    }
    SUBCASE("document order across element kinds") {
      CHECK(extract(k_sample_page).links == Links{"page2.html", "/refreshed", "/one",
                                                  "/two?x=1&y=2", "/area", "/frame.html", "/last"});
      CHECK(extract(k_sample_page, {.assets = true}).links ==
            Links{"/style.css", "page2.html", "/refreshed", "/app.js", "/one", "/two?x=1&y=2",
                  "/area", "/frame.html", "/img.png", "/img-2x.png", "/img-3x.png", "/wide.webp",
                  "/last"});
    }
  }

  SUBCASE("base") {
    CHECK(extract(k_sample_page).base == "/base/dir/");
    CHECK(extract("<a href=x>").base.empty());
    // A <base> without a usable href does not count; the next one does.
    CHECK(extract(R"(<base target="_top"><base href=""><base href="https://cdn.example/">)").base ==
          "https://cdn.example/");
  }

  SUBCASE("meta refresh") {
    const auto refresh = [](std::string_view content) {
      return links("<meta http-equiv=\"Refresh\" content=\"" + std::string(content) + "\">");
    };
    CHECK(refresh("5; url=/a") == Links{"/a"});
    CHECK(refresh("5;URL=/b") == Links{"/b"});
    CHECK(refresh("0; url = /c ") == Links{"/c"});
    CHECK(refresh("3, /d") == Links{"/d"});
    CHECK(refresh("1.5; /e") == Links{"/e"});
    CHECK(refresh("0; url='/f g'") == Links{"/f g"});
    CHECK(refresh("0; URL=&quot;/h&quot;; junk") == Links{"/h"});
    CHECK(refresh("0;url=http://example.com/i?x=1") == Links{"http://example.com/i?x=1"});
    // "url" that is not followed by '=' is the URL itself.
    CHECK(refresh("0; urlish/path") == Links{"urlish/path"});
    // No URL: a plain reload.
    CHECK(refresh("30").empty());
    CHECK(refresh("30; ").empty());
    CHECK(refresh("soon; url=/x").empty());
    CHECK(refresh("").empty());
    // Only http-equiv=refresh counts.
    CHECK(links(R"(<meta name="refresh" content="0; url=/no">)").empty());
    CHECK(links(R"(<meta http-equiv="content-type" content="0; url=/no">)").empty());
  }

  SUBCASE("title") {
    CHECK(extract(k_sample_page).title == "Tom & Jerry é☺ episode <1>");
    CHECK(extract("<title>First</title><title>Second</title>").title == "First");
    CHECK(extract("<svg><title>icon</title></svg><title>Page</title>").title == "Page");
    CHECK(extract("<title>&nbsp;nbsp&#160;&#xA0;</title>").title ==
          "\u00A0nbsp\u00A0\u00A0");  // no-break spaces are not collapsed
    CHECK(extract("<p>no title</p>").title.empty());
    // An unclosed title is cut at the cap, on a character boundary.
    std::string long_title = "<title>";
    for (int i = 0; i < 3000; ++i) {
      long_title += "é";  // two bytes each
    }
    const std::string title = extract(long_title).title;
    CHECK(title.size() <= LinkExtractor::k_max_title_bytes);
    CHECK(title.size() >= LinkExtractor::k_max_title_bytes - 1);
    CHECK(title.size() % 2 == 0);
  }

  SUBCASE("malformed HTML") {
    SUBCASE("unclosed and misnested tags") {
      CHECK(links(R"(<a href="/a"><div><p><a href="/b"><table><tr><td><a href=/c></table>
      <b><i>x</b></i><a href='/d'>)") == Links{"/a", "/b", "/c", "/d"});
    }
    SUBCASE("unterminated attribute and tag at end of input") {
      CHECK(links(R"(<a href="/ok">ok</a><a href="/never-closed)") ==
            Links{"/ok", "/never-closed"});
      CHECK(links(R"(<a href="/ok">ok</a><a href)") == Links{"/ok"});
      CHECK(links("<a href=/ok>ok</a><").size() == 1);
    }
    SUBCASE("stray angle brackets and bogus markup") {
      CHECK(links(R"(1 < 2 > 0 <<a href="/x">x</a> <!doctype nonsense><? pi ?></unknown>
      <a href="/y" href="/dup">y</a><a href=/z/>)") == Links{"/x", "/y", "/z/"});
    }
    SUBCASE("invalid UTF-8 and NUL become U+FFFD, later UTF-8 stays intact") {
      const std::string html =
          "<title>A\xff\xfe"
          "B</title>\x80\xc3 <a href='/x\x00y'>n</a>"
          "<a href='/\xc3\xa9t\xc3\xa9'>e</a>"s;
      const ExtractedPage page = extract(html);
      CHECK(page.title == "A\uFFFD\uFFFDB");
      CHECK(page.links == Links{"/x\uFFFDy", "/\u00E9t\u00E9"});
      check_chunking_invariant(html);
    }
    SUBCASE("a declared charset is ignored: input is UTF-8") {
      CHECK(links("<meta charset=iso-8859-1><a href='/\xc3\xbc'>u</a>") == Links{"/\u00FC"});
      CHECK(links("<meta http-equiv=content-type content='text/html; charset=windows-1252'>"
                  "<a href='/\xe2\x82\xac'>u</a>") == Links{"/\u20AC"});
    }
    SUBCASE("a binary blob") {
      const std::string blob = random_bytes(1 << 20, 12345);
      const ExtractedPage only_blob = extract(blob);
      CHECK(only_blob.links.size() <= LinkExtractor::k_max_links);
      // Whatever the blob did to the parser state, links around it are found.
      const std::string html =
          "<a href='/before'>b</a>" + blob + "\"'></script></style>-->" + "<a href='/after'>a</a>";
      const Links found = extract(html, {}, 4096).links;
      REQUIRE(!found.empty());
      CHECK(found.front() == "/before");
      CHECK(found.back() == "/after");
    }
    SUBCASE("empty input, and finish() twice, feed() after finish()") {
      LinkExtractor extractor;
      const ExtractedPage page = extractor.finish();
      CHECK(page.links.empty());
      CHECK(page.title.empty());
      extractor.feed("<a href=/late>");
      CHECK(extractor.finish().links.empty());
    }
  }

  SUBCASE("chunk boundaries") {
    check_chunking_invariant(k_sample_page);
    check_chunking_invariant(k_sample_page, {.assets = true});
    // Boundaries inside entities, attribute values holding '>', comments, multi-byte characters.
    check_chunking_invariant(R"(<title>a &amp; b &eacute; &#233; &unknown; c</title>
    <a href="/gt>inside?q=&lt;x&gt;">x</a><!-- > <a href="/c"> -- > -->
    <a title='<a href="/no">' href='/é€😀'>y</a><meta http-equiv=refresh content="0;url=/r">)");
    const ExtractedPage byte_by_byte = extract(k_sample_page, {}, 1);
    CHECK(byte_by_byte.title == "Tom & Jerry é☺ episode <1>");
    CHECK(byte_by_byte.links.size() == 7);
  }

  SUBCASE("moves") {
    LinkExtractor first;
    first.feed("<title>Moved</title><a href=");
    LinkExtractor second(std::move(first));
    second.feed("/a>x</a>");
    LinkExtractor third;
    third = std::move(second);
    const ExtractedPage page = third.finish();
    CHECK(page.title == "Moved");
    CHECK(page.links == Links{"/a"});
  }

  SUBCASE("100 MB page in 64 KiB chunks, bounded time and memory") {
    constexpr std::size_t k_chunk_size = 64 * 1024;
    constexpr std::size_t k_chunks = 1600;  // 100 MiB
    std::string chunk;
    for (int n = 0; chunk.size() < k_chunk_size - 64; ++n) {
      chunk += "<a href=\"/page/" + std::to_string(n) + "\">link</a>\n";
    }
    chunk.resize(k_chunk_size, ' ');

    // CPU time, not wall time: on a shared CI machine the wall clock measures the neighbours too.
    const std::clock_t start = std::clock();
    LinkExtractor extractor;
    extractor.feed("<html><head><title>Big</title></head><body>");
    std::size_t resident_after_warmup = 0;
    std::size_t resident_peak = 0;
    for (std::size_t i = 0; i < k_chunks; ++i) {
      extractor.feed(chunk);
      // The link vector fills up (k_max_links) during the first ~50 chunks; after that nothing
      // should grow.
      if (i == 400) {
        resident_after_warmup = resident_bytes();
      } else if (i > 400 && i % 100 == 0) {
        resident_peak = std::max(resident_peak, resident_bytes());
      }
    }
    const ExtractedPage page = extractor.finish();
    const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;

    CHECK(page.title == "Big");
    REQUIRE(page.links.size() == LinkExtractor::k_max_links);
    CHECK(page.links.front() == "/page/0");
    // About 2 s of CPU in an optimized build, most of it inside libxml2.
    CHECK(seconds < (k_asan ? 30.0 : 10.0));
    if (resident_after_warmup != 0 && !k_asan) {
      // 75 MiB more input went through after warm-up; a tree or a buffered body would show here.
      CHECK(resident_peak < resident_after_warmup + 8 * 1024 * 1024);
    }
  }
}
