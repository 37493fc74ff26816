#include "core/crawl/link_converter.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace greenfetch;

namespace {

// The page through the link extractor and the converter, as the crawl does it: `saved` maps
// each saved normalized URL to the URL whose file holds it.
std::string convert(const std::string& html, const std::string& page_url,
                    const std::map<std::string, std::string>& saved, bool assets = false) {
  LinkExtractorOptions lo;
  lo.assets = assets;
  LinkExtractor x(lo);
  x.feed(html);
  ExtractedPage page = x.finish();
  LinkConversion c;
  c.page_url = page_url;
  c.assets = assets;
  c.saved = [&saved](const std::string& url) -> std::optional<std::string> {
    auto it = saved.find(url);
    if (it == saved.end()) {
      return std::nullopt;
    }
    return it->second;
  };
  return convert_links(html, page, c);
}

std::map<std::string, std::string> saved_set(std::initializer_list<std::string> urls) {
  std::map<std::string, std::string> m;
  for (const std::string& u : urls) {
    m[u] = u;
  }
  return m;
}

}  // namespace

TEST_CASE("greenfetch::find_link_attributes") {
  SUBCASE("quoted, single-quoted and unquoted values of href and src") {
    std::string html = R"(<a href="x">1</a><IMG SRC='y'><a title=t href=z>)";
    auto v = find_link_attributes(html);
    REQUIRE(v.size() == 3);
    CHECK(html.substr(v[0].begin, v[0].end - v[0].begin) == "x");
    CHECK(html.substr(v[1].begin, v[1].end - v[1].begin) == "y");
    CHECK(html.substr(v[2].begin, v[2].end - v[2].begin) == "z");
  }
  SUBCASE("comments, script text, end tags and other attributes are skipped") {
    std::string html =
        "<!-- <a href=no> --><script>x='<a href=no>'</script><p data-href=no>"
        "</a href=no><base href=b>";
    auto v = find_link_attributes(html);
    REQUIRE(v.size() == 1);
    CHECK(v[0].base);
    CHECK(html.substr(v[0].begin, v[0].end - v[0].begin) == "b");
  }
  SUBCASE("a page cut inside a tag or value gives what came before") {
    CHECK(find_link_attributes("<a href=\"x").empty());
    CHECK(find_link_attributes("<a href=x><a href").size() == 1);
    CHECK(find_link_attributes("").empty());
    CHECK(find_link_attributes("<").empty());
  }
}

TEST_CASE("greenfetch::mirror_link") {
  CHECK(mirror_link("http://h/a/b.html", "http://h/a/c.html") == "c.html");
  CHECK(mirror_link("http://h/a/b.html", "http://h/") == "../index.html");
  CHECK(mirror_link("http://h/", "http://h/a/b/c") == "a/b/c");
  CHECK(mirror_link("http://h/x", "http://other:8080/y") == "../other+8080/y");
  CHECK(mirror_link("http://h/p", "http://h/q?a=1%20") == "q@a=1%252520");  // file q@a=1%2520
  CHECK(mirror_link("http://h/p", "http://h/p") == "p");
}

TEST_CASE("greenfetch::convert_links") {
  const std::string page = "http://h.test/dir/page.html";
  auto saved = saved_set({"http://h.test/dir/page.html", "http://h.test/", "http://h.test/dir/a",
                          "http://h.test/q?x=1"});
  SUBCASE("quoted, single-quoted and unquoted links to saved pages become relative paths") {
    CHECK(convert(R"(<a href="a">)", page, saved) == R"(<a href="a">)");  // already relative
    CHECK(convert(R"(<a href="/">)", page, saved) == R"(<a href="../index.html">)");
    CHECK(convert("<a href='http://h.test/dir/a'>", page, saved) == "<a href='a'>");
    CHECK(convert("<a href=/dir/a>x</a>", page, saved) == "<a href=a>x</a>");
  }
  SUBCASE("a query link maps to FILE@QUERY") {
    CHECK(convert(R"(<a href="/q?x=1">)", page, saved) == R"(<a href="../q@x=1">)");
  }
  SUBCASE("fragments are kept; a link to the page's own fragment is left alone") {
    CHECK(convert(R"(<a href="/#top">)", page, saved) == R"(<a href="../index.html#top">)");
    CHECK(convert(R"(<a href="#top">)", page, saved) == R"(<a href="#top">)");
  }
  SUBCASE("links to pages not saved become absolute") {
    CHECK(convert(R"(<a href="other.html#f">)", page, saved) ==
          R"(<a href="http://h.test/dir/other.html#f">)");
    CHECK(convert(R"(<a href="//x.test/">)", page, saved) == R"(<a href="http://x.test/">)");
    CHECK(convert(R"(<a href="mailto:a@b">)", page, saved) == R"(<a href="mailto:a@b">)");
  }
  SUBCASE("<base> resolves the links and becomes the page's own file") {
    std::string html = R"(<base href="http://h.test/"><a href="dir/a">1</a><a href="n">2</a>)";
    CHECK(convert(html, page, saved) ==
          R"(<base href="page.html"><a href="a">1</a><a href="http://h.test/n">2</a>)");
  }
  SUBCASE("values with entities are left alone") {
    std::string html = R"(<a href="/q?x=1&amp;y=2">)";
    CHECK(convert(html, page, saved) == html);
  }
  SUBCASE("only links the extractor reports; every other byte stays") {
    // <img src> is a link only with --assets; the comment and the script are no links.
    std::string html =
        "<!DOCTYPE html>\r\n<HTML><!-- <a href=/> -->\n"
        "<script>var s = '<a href=\"/\">';</script>\n"
        "<p class=x>caf\xC3\xA9</p><img src=/ alt='  '>\n"
        "<A  HREF = \"/\"  id=k>home</A>\n";
    std::string want =
        "<!DOCTYPE html>\r\n<HTML><!-- <a href=/> -->\n"
        "<script>var s = '<a href=\"/\">';</script>\n"
        "<p class=x>caf\xC3\xA9</p><img src=/ alt='  '>\n"
        "<A  HREF = \"../index.html\"  id=k>home</A>\n";
    CHECK(convert(html, page, saved) == want);
    std::string with_assets = "<img src=/ alt=x>";
    CHECK(convert(with_assets, page, saved, true) == "<img src=../index.html alt=x>");
  }
  SUBCASE("a redirect's start links to its target's file") {
    auto m = saved;
    m["http://h.test/old"] = "http://h.test/dir/a";
    CHECK(convert(R"(<a href="/old">)", page, m) == R"(<a href="a">)");
  }
}
