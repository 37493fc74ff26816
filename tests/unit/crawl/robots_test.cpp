#include "core/crawl/robots.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

using namespace greenfetch;
using namespace std::string_view_literals;

namespace {

constexpr std::string_view k_ua = "greenfetch/0.1.0 (+https://example.org/greenfetch)";

bool allows(std::string_view body, std::string_view path, std::string_view ua = k_ua) {
  return Robots::parse(body, ua).allowed(path);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// RFC 9309 section 5.1.
constexpr std::string_view k_rfc_simple =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

}  // namespace

TEST_CASE("Robots") {
  SUBCASE("RFC 9309 5.1: the * group applies to an unnamed crawler") {
    const Robots r = Robots::parse(k_rfc_simple, k_ua);
    CHECK_FALSE(r.allowed("/example/page.html"));
    CHECK_FALSE(r.allowed("/picture.gif"));
    CHECK_FALSE(r.allowed("/deep/dir/picture.gif"));
    CHECK(r.allowed("/picture.gif?size=big"));  // "$" anchors at the end of the URL
    CHECK(r.allowed("/picture.gifs"));
    CHECK(r.allowed("/publications/paper.html"));
    CHECK(r.allowed("/"));
  }

  SUBCASE("RFC 9309 5.1: foobot's own group, whatever the case of its token") {
    for (const std::string_view ua : {"foobot", "FooBot/2.1", "FOOBOT (+http://foo.example)"}) {
      CAPTURE(ua);
      const Robots r = Robots::parse(k_rfc_simple, ua);
      CHECK(r.allowed("/example/page.html"));
      CHECK(r.allowed("/example/allowed.gif"));
      CHECK_FALSE(r.allowed("/example/other.html"));
      CHECK_FALSE(r.allowed("/publications/paper.html"));  // the * group does not apply
      CHECK_FALSE(r.allowed("/"));
      CHECK(r.allowed("/robots.txt"));  // implicitly allowed
    }
  }

  SUBCASE("RFC 9309 5.1: barbot and bazbot share one group") {
    for (const std::string_view ua : {"barbot/1.0", "bazbot/1.0"}) {
      CAPTURE(ua);
      CHECK_FALSE(allows(k_rfc_simple, "/example/page.html", ua));
      CHECK(allows(k_rfc_simple, "/example/other.html", ua));
      CHECK(allows(k_rfc_simple, "/picture.gif", ua));
    }
  }

  SUBCASE("RFC 9309 5.1: quxbot's empty last group allows everything") {
    CHECK(allows(k_rfc_simple, "/example/page.html", "quxbot"));
    CHECK(allows(k_rfc_simple, "/picture.gif", "quxbot"));
  }

  SUBCASE("RFC 9309 5.2: the longest match wins") {
    constexpr std::string_view body =
        "User-Agent: foobot\n"
        "Allow: /example/page/\n"
        "Disallow: /example/page/disallowed.gif\n";
    CHECK_FALSE(allows(body, "/example/page/disallowed.gif", "foobot"));
    CHECK(allows(body, "/example/page/", "foobot"));
    CHECK(allows(body, "/example/page/allowed.gif", "foobot"));
  }

  SUBCASE("RFC 9309 2.2.1: groups naming the same token are merged") {
    constexpr std::string_view body =
        "user-agent: ExampleBot\n"
        "disallow: /foo\n"
        "disallow: /bar\n"
        "\n"
        "user-agent: *\n"
        "disallow: /everyone\n"
        "\n"
        "user-agent: examplebot\n"
        "disallow: /baz\n";
    const Robots r = Robots::parse(body, "ExampleBot/3");
    CHECK_FALSE(r.allowed("/foo"));
    CHECK_FALSE(r.allowed("/bar"));
    CHECK_FALSE(r.allowed("/baz"));
    CHECK(r.allowed("/everyone"));
    CHECK(r.allowed("/qux"));
  }

  SUBCASE("group selection") {
    SUBCASE("a group naming greenfetch beats the * group in both directions") {
      constexpr std::string_view body =
          "User-agent: *\n"
          "Disallow: /\n"
          "\n"
          "User-agent: greenfetch\n"
          "Disallow: /private/\n";
      CHECK(allows(body, "/public"));
      CHECK_FALSE(allows(body, "/private/x"));
      CHECK_FALSE(allows(body, "/public", "otherbot"));
    }
    SUBCASE("several * groups are merged") {
      constexpr std::string_view body =
          "User-agent: *\nDisallow: /a\n\nUser-agent: otherbot\nDisallow: /b\n\n"
          "User-agent: *\nDisallow: /c\n";
      CHECK_FALSE(allows(body, "/a"));
      CHECK(allows(body, "/b"));
      CHECK_FALSE(allows(body, "/c"));
    }
    SUBCASE("no matching group and no * group: everything is allowed") {
      CHECK(allows("User-agent: otherbot\nDisallow: /\n", "/x"));
      CHECK(allows("", "/x"));
    }
    SUBCASE("the token must match exactly, not as a prefix or substring") {
      constexpr std::string_view body =
          "User-agent: greenfetch-news\nDisallow: /news\n\n"
          "User-agent: greenfetch2\nDisallow: /two\n\n"
          "User-agent: mygreenfetch\nDisallow: /my\n\n"
          "User-agent: *\nDisallow: /star\n";
      CHECK(allows(body, "/news"));
      CHECK(allows(body, "/two"));
      CHECK(allows(body, "/my"));
      CHECK_FALSE(allows(body, "/star"));
      CHECK_FALSE(allows(body, "/news", "greenfetch-news/1.0"));
    }
    SUBCASE("a user-agent line with a version or comment still names the token") {
      CHECK_FALSE(allows("User-agent: GreenFetch/9.9 # us\nDisallow: /x\n", "/x"));
      CHECK_FALSE(allows("User-agent: greenfetch (our crawler)\nDisallow: /x\n", "/x"));
    }
    SUBCASE("consecutive user-agent lines share the rules below them") {
      constexpr std::string_view body =
          "User-agent: otherbot\nUser-agent: greenfetch\nDisallow: /shared\n";
      CHECK_FALSE(allows(body, "/shared"));
      CHECK_FALSE(allows(body, "/shared", "otherbot"));
    }
    SUBCASE("a user-agent line after rules starts a new group") {
      constexpr std::string_view body =
          "User-agent: greenfetch\nDisallow: /mine\nUser-agent: otherbot\nDisallow: /theirs\n";
      CHECK_FALSE(allows(body, "/mine"));
      CHECK(allows(body, "/theirs"));
    }
    SUBCASE("blank lines and comments do not end a group") {
      constexpr std::string_view body =
          "User-agent: greenfetch\n\n# note\n\nDisallow: /a\n\n\nDisallow: /b\n";
      CHECK_FALSE(allows(body, "/a"));
      CHECK_FALSE(allows(body, "/b"));
    }
    SUBCASE("sitemap, crawl-delay and unknown lines do not split user-agent lines") {
      constexpr std::string_view body =
          "User-agent: otherbot\n"
          "Sitemap: https://example.org/s.xml\n"
          "Crawl-delay: 3\n"
          "Host: example.org\n"
          "User-agent: greenfetch\n"
          "Disallow: /x\n";
      CHECK_FALSE(allows(body, "/x"));
      CHECK_FALSE(allows(body, "/x", "otherbot"));
      // The delay is credited to the user-agent lines above it only.
      CHECK_FALSE(Robots::parse(body, k_ua).crawl_delay().has_value());
      const Robots other = Robots::parse(body, "otherbot");
      REQUIRE(other.crawl_delay().has_value());
      CHECK(*other.crawl_delay() == doctest::Approx(3.0));
    }
    SUBCASE("rules before any user-agent line are ignored") {
      constexpr std::string_view body = "Disallow: /\nUser-agent: *\nDisallow: /private\n";
      CHECK(allows(body, "/public"));
      CHECK_FALSE(allows(body, "/private"));
    }
    SUBCASE("a user-agent with no product token only gets the * group") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /star\n";
      CHECK_FALSE(allows(body, "/star", ""));
      CHECK_FALSE(allows(body, "/star", "/1.0"));
    }
  }

  SUBCASE("longest match and ties") {
    SUBCASE("order in the file does not matter") {
      CHECK(allows("User-agent: *\nAllow: /p\nDisallow: /\n", "/page"));
      CHECK(allows("User-agent: *\nDisallow: /\nAllow: /p\n", "/page"));
      CHECK_FALSE(allows("User-agent: *\nAllow: /p\nDisallow: /page\n", "/page"));
      CHECK(allows("User-agent: *\nAllow: /p\nDisallow: /page\n", "/pag"));
    }
    SUBCASE("a tie goes to allow") {
      CHECK(allows("User-agent: *\nDisallow: /folder\nAllow: /folder\n", "/folder/page"));
      CHECK(allows("User-agent: *\nAllow: /folder\nDisallow: /folder\n", "/folder/page"));
      // Different patterns of equal length (3 octets each).
      CHECK(allows("User-agent: *\nDisallow: /ab\nAllow: /a*\n", "/abc"));
    }
    SUBCASE("wildcard patterns are measured by their own length") {
      constexpr std::string_view body =
          "User-agent: *\nAllow: /*.html\nDisallow: /private/\nAllow: /private/*.html\n";
      CHECK(allows(body, "/index.html"));
      CHECK_FALSE(allows(body, "/private/data.txt"));
      CHECK(allows(body, "/private/page.html"));
      CHECK_FALSE(
          allows("User-agent: *\nAllow: /*.html\nDisallow: /private/\n", "/private/a.html"));
    }
    SUBCASE("allow /$ against disallow / opens only the home page") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /\nAllow: /$\n";
      CHECK(allows(body, "/"));
      CHECK_FALSE(allows(body, "/x"));
      CHECK_FALSE(allows(body, "/?q=1"));
    }
    SUBCASE("matching is case-sensitive") {
      CHECK(allows("User-agent: *\nDisallow: /Private\n", "/private"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /Private\n", "/Private/x"));
    }
    SUBCASE("the query is part of what is matched") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /search?\nDisallow: /*?sid=\n";
      CHECK(allows(body, "/search"));
      CHECK_FALSE(allows(body, "/search?q=x"));
      CHECK_FALSE(allows(body, "/page?sid=42"));
      CHECK(allows(body, "/page?id=42"));
    }
  }

  SUBCASE("special characters * and $") {
    SUBCASE("* matches any run of octets, including none") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /this/*/exactly\n";
      CHECK_FALSE(allows(body, "/this/is/exactly"));
      CHECK_FALSE(allows(body, "/this/a/b/c/exactly/more"));
      CHECK_FALSE(allows(body, "/this//exactly"));
      CHECK(allows(body, "/this/exactly"));
      CHECK(allows(body, "/that/is/exactly"));
    }
    SUBCASE("$ anchors at the end") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /this/path/exactly$\n";
      CHECK_FALSE(allows(body, "/this/path/exactly"));
      CHECK(allows(body, "/this/path/exactly/"));
      CHECK(allows(body, "/this/path/exactly?x"));
    }
    SUBCASE("*.php$ and a trailing * that changes nothing") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /*.php$\nDisallow: /fish*\n";
      CHECK_FALSE(allows(body, "/index.php"));
      CHECK_FALSE(allows(body, "/a/b/c.php"));
      CHECK(allows(body, "/index.php?x=1"));
      CHECK(allows(body, "/index.php5"));
      CHECK_FALSE(allows(body, "/fish"));
      CHECK_FALSE(allows(body, "/fishheads/yummy.html"));
      CHECK(allows(body, "/Fish.asp"));
    }
    SUBCASE("an anchored pattern ending in a wildcard, and repeated pieces") {
      CHECK_FALSE(allows("User-agent: *\nDisallow: /a*$\n", "/anything"));
      constexpr std::string_view body = "User-agent: *\nDisallow: /*ab*ab$\n";
      CHECK_FALSE(allows(body, "/abab"));
      CHECK_FALSE(allows(body, "/xabyyabzab"));
      CHECK(allows(body, "/aba"));
      CHECK(allows(body, "/ab"));  // pieces may not overlap
    }
    SUBCASE("a $ that is not last is a literal") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /a$b\n";
      CHECK_FALSE(allows(body, "/a$b"));
      CHECK(allows(body, "/a%24b"));  // an escape in the URL is compared as written
      CHECK(allows(body, "/a"));
    }
    SUBCASE("RFC 9309 2.2.3: %2A and %24 in a pattern are a literal * and $") {
      constexpr std::string_view body =
          "User-agent: *\nDisallow: /path/file-with-a-%2A.html\nDisallow: /path/foo-%24\n";
      CHECK_FALSE(allows(body, "/path/file-with-a-*.html"));
      CHECK(allows(body, "/path/file-with-a-%2A.html"));  // the URL's escape stays one
      CHECK(allows(body, "/path/file-with-a-b.html"));
      CHECK_FALSE(allows(body, "/path/foo-$"));
      CHECK_FALSE(allows(body, "/path/foo-$/more"));  // %24 does not anchor
      CHECK(allows(body, "/path/foo-"));
    }
  }

  SUBCASE("percent-encoding, compared as Google's parser compares it") {
    SUBCASE("RFC 9309 2.2.2: a raw UTF-8 pattern matches its encoded form in the URL") {
      constexpr std::string_view body = "User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n";
      CHECK_FALSE(allows(body, "/foo/bar/%E3%83%84"));
      CHECK_FALSE(allows(body, "/foo/bar/\xE3\x83\x84"));
      CHECK(allows(body, "/foo/bar/"));
    }
    SUBCASE("hex digits compare case-insensitively") {
      CHECK_FALSE(allows("User-agent: *\nDisallow: /a%2fb\n", "/a%2Fb"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /a%2Fb\n", "/a%2fb"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "/foo/bar/%e3%83%84"));
    }
    SUBCASE("Google: escapes in a pattern are kept as written, never decoded") {
      // Google's test: "Allow: /foo/bar/%62%61%7A" does not allow /foo/bar/baz, only the URL
      // spelt with the same escapes.
      constexpr std::string_view body =
          "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n";
      CHECK_FALSE(allows(body, "/foo/bar/baz", "FooBot"));
      CHECK(allows(body, "/foo/bar/%62%61%7A", "FooBot"));
      CHECK(allows("User-agent: *\nDisallow: /%7Euser\n", "/~user/page"));
      CHECK(allows("User-agent: *\nDisallow: /foo/bar/baz\n", "/foo/bar/%62%61%7A"));
    }
    SUBCASE("a reserved character and its encoding stay different") {
      CHECK(allows("User-agent: *\nDisallow: /a%2Fb\n", "/a/b"));
      CHECK(allows("User-agent: *\nDisallow: /a/b\n", "/a%2Fb"));
      CHECK(allows("User-agent: *\nDisallow: /q?x=a%26y=b\n", "/q?x=a&y=b"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /q?x=a&y=b\n", "/q?x=a&y=b"));
      CHECK(allows("User-agent: *\nDisallow: /foo/bar?baz=https://foo.bar\n",
                   "/foo/bar?baz=https%3A%2F%2Ffoo.bar"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /foo/bar?baz=https://foo.bar\n",
                         "/foo/bar?baz=https://foo.bar"));
    }
    SUBCASE("other ASCII in a pattern is compared raw") {
      CHECK(allows("User-agent: *\nDisallow: /a b\n", "/a%20b"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /private[1]\n", "/private[1]"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /100%\n", "/100%"));
    }
  }

  SUBCASE("empty disallow and empty allow match nothing") {
    CHECK(allows("User-agent: *\nDisallow:\n", "/"));
    CHECK(allows("User-agent: *\nDisallow:   # nothing\n", "/anything"));
    CHECK_FALSE(allows("User-agent: *\nAllow:\nDisallow: /\n", "/x"));
    // An empty disallow in our group still selects our group over the * group.
    CHECK(allows("User-agent: *\nDisallow: /\n\nUser-agent: greenfetch\nDisallow:\n", "/x"));
  }

  SUBCASE("/robots.txt is always allowed") {
    CHECK(allows("User-agent: *\nDisallow: /\n", "/robots.txt"));
    CHECK(allows("User-agent: *\nDisallow: /robots.txt\n", "/robots.txt"));
    CHECK_FALSE(allows("User-agent: *\nDisallow: /\n", "/robots.txtx"));
    CHECK_FALSE(allows("User-agent: *\nDisallow: /\n", "/robots.txt/x"));
  }

  SUBCASE("allow_all, disallow_all and a default Robots") {
    const Robots all = Robots::allow_all();
    CHECK(all.allowed("/"));
    CHECK(all.allowed("/any/thing?x=1"));
    CHECK_FALSE(all.crawl_delay().has_value());
    CHECK(all.sitemaps().empty());
    const Robots none = Robots::disallow_all();
    CHECK_FALSE(none.allowed("/"));
    CHECK_FALSE(none.allowed("/any/thing?x=1"));
    CHECK_FALSE(none.allowed(""));
    CHECK(none.allowed("/robots.txt"));
    CHECK_FALSE(none.crawl_delay().has_value());
    CHECK(Robots{}.allowed("/x"));
  }

  SUBCASE("line syntax") {
    SUBCASE("keys are case-insensitive, whitespace is trimmed, comments are stripped") {
      constexpr std::string_view body =
          "  USER-AGENT :  GreenFetch   # us\n"
          "\tdisALLOW\t:\t/a   # why\n"
          "DISALLOW:/b#no space\n"
          "# Disallow: /c\n";
      CHECK_FALSE(allows(body, "/a"));
      CHECK_FALSE(allows(body, "/b"));
      CHECK(allows(body, "/c"));
    }
    SUBCASE("CRLF, CR and LF line ends, mixed") {
      CHECK_FALSE(allows("User-agent: *\r\nDisallow: /a\r\nDisallow: /b\r\n", "/b"));
      CHECK_FALSE(allows("User-agent: *\rDisallow: /a\rDisallow: /b", "/b"));
      constexpr std::string_view mixed = "User-agent: *\r\nDisallow: /a\rDisallow: /b\nAllow: /b/c";
      CHECK_FALSE(allows(mixed, "/a"));
      CHECK_FALSE(allows(mixed, "/b"));
      CHECK(allows(mixed, "/b/c"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /a\r\n", "/a"));
      CHECK(allows("User-agent: *\nDisallow: /a\r\n", "/b"));
    }
    SUBCASE("a UTF-8 byte order mark at the start") {
      CHECK_FALSE(allows("\xEF\xBB\xBFUser-agent: *\nDisallow: /x\n", "/x"));
      CHECK_FALSE(allows("\xEF\xBB\xBFUser-agent: greenfetch\nDisallow: /x\n", "/x"));
    }
    SUBCASE("common misspellings of disallow and user-agent, but not of allow") {
      CHECK_FALSE(allows("User-agent: *\nDisalow: /a\n", "/a"));
      CHECK_FALSE(allows("User-agent: *\nDissallow: /a\n", "/a"));
      CHECK_FALSE(allows("Useragent: greenfetch\nDisallow: /a\n", "/a"));
      CHECK_FALSE(allows("User agent: greenfetch\nDisallow: /a\n", "/a"));
      CHECK_FALSE(allows("User-agent: *\nDisallow: /\nAlow: /a\n", "/a"));
    }
    SUBCASE("unknown keys are skipped") {
      constexpr std::string_view body = "User-agent: *\nNoindex: /n\nDisallow: /yes\nhello world\n";
      CHECK(allows(body, "/n"));
      CHECK_FALSE(allows(body, "/yes"));
    }
  }

  SUBCASE("garbage never crashes and yields no rules") {
    SUBCASE("an HTML page served as robots.txt") {
      constexpr std::string_view html =
          "<!DOCTYPE html>\n<html><head><title>Not found: /robots.txt</title></head>\n"
          "<body style=\"color: red\">Sorry: nothing here</body></html>\n";
      const Robots r = Robots::parse(html, k_ua);
      CHECK(r.allowed("/"));
      CHECK(r.allowed("/anything"));
      CHECK(r.sitemaps().empty());
      CHECK_FALSE(r.crawl_delay().has_value());
    }
    SUBCASE("2 MB of pseudo-random binary") {
      std::string noise(2 * 1024 * 1024, '\0');
      std::uint64_t state = 0x9E3779B97F4A7C15ULL;
      for (char& c : noise) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        c = static_cast<char>(state >> 56);
      }
      const auto start = std::chrono::steady_clock::now();
      const Robots r = Robots::parse(noise, k_ua);
      CHECK(r.allowed("/"));
      CHECK(r.allowed("/some/path?q=1"));
      CHECK(r.sitemaps().empty());
      CHECK(seconds_since(start) < 2.0);
    }
    SUBCASE("NUL bytes, lone % escapes and a huge line") {
      std::string body("User-agent: *\nDisallow: /a\0b\nDisallow: /%\nDisallow: /%4\n"sv);
      body += "Disallow: /" + std::string(300'000, 'x') + "\n";
      const Robots r = Robots::parse(body, k_ua);
      CHECK(r.allowed("/a%00b"));  // the pattern's raw NUL is compared raw (Google)
      CHECK_FALSE(r.allowed("/%25"));
      CHECK_FALSE(r.allowed("/%254"));
      CHECK(r.allowed("/b"));
      CHECK_FALSE(r.allowed("/" + std::string(300'001, 'x')));
    }
  }

  SUBCASE("size limit: a 2 MB file is parsed up to 512 KiB") {
    std::string body = "User-agent: *\nDisallow: /early\n";
    const std::string filler = "# " + std::string(97, 'f') + "\n";  // 100 octets
    while (body.size() < 500 * 1024) {
      body += filler;
    }
    body += "Disallow: /at-500-kib\n";
    while (body.size() < 2 * 1024 * 1024) {
      body += filler;
    }
    body += "Disallow: /late\n";
    REQUIRE(body.size() > Robots::k_max_bytes);

    const auto start = std::chrono::steady_clock::now();
    const Robots r = Robots::parse(body, k_ua);
    CHECK(seconds_since(start) < 2.0);
    CHECK_FALSE(r.allowed("/early"));
    CHECK_FALSE(r.allowed("/at-500-kib"));
    CHECK(r.allowed("/late"));
  }

  SUBCASE("size limit: the line the limit cuts through is dropped, not shortened") {
    std::string body = "User-agent: *\nDisallow: /s\n";
    const std::string filler = "# " + std::string(97, 'f') + "\n";
    while (body.size() + filler.size() < Robots::k_max_bytes - 20) {
      body += filler;
    }
    body += "Allow: /s" + std::string(100, 'x') + "\n";  // straddles k_max_bytes
    REQUIRE(body.size() > Robots::k_max_bytes);
    // Kept whole, the line would allow /sxxx…; cut at the limit, it would allow /sxxx too.
    CHECK_FALSE(allows(body, "/s" + std::string(100, 'x')));
    CHECK_FALSE(allows(body, "/sxxxxx"));
  }

  SUBCASE("a pathological pattern runs in bounded time") {
    const std::string long_a = "/" + std::string(100'000, 'a');
    const auto start = std::chrono::steady_clock::now();
    CHECK(allows("User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*b\n", long_a));
    CHECK_FALSE(allows("User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*b\n", long_a + "b"));
    std::string many = "User-agent: *\nDisallow: /";
    for (int i = 0; i < 2000; ++i) {
      many += "*a";
    }
    many += "*b$\n";
    CHECK(allows(many, long_a));
    CHECK(allows(many, long_a + "bc"));
    CHECK_FALSE(allows(many, long_a + "cb"));
    // Long pieces that almost match everywhere.
    const std::string piece = std::string(500, 'a') + "b";
    CHECK(allows("User-agent: *\nDisallow: /*" + piece + "*" + piece + "\n", long_a));
    CHECK(seconds_since(start) < 2.0);
  }

  SUBCASE("crawl-delay") {
    SUBCASE("of the matched group, in the common layout without rules between groups") {
      constexpr std::string_view body =
          "User-agent: *\nCrawl-delay: 10\n\nUser-agent: greenfetch\nCrawl-delay: 2.5\n";
      const Robots ours = Robots::parse(body, k_ua);
      REQUIRE(ours.crawl_delay().has_value());
      CHECK(*ours.crawl_delay() == doctest::Approx(2.5));
      const Robots theirs = Robots::parse(body, "otherbot");
      REQUIRE(theirs.crawl_delay().has_value());
      CHECK(*theirs.crawl_delay() == doctest::Approx(10.0));
    }
    SUBCASE("absent when the matched group has none") {
      constexpr std::string_view body =
          "User-agent: *\nCrawl-delay: 10\n\nUser-agent: greenfetch\nDisallow: /x\n";
      CHECK_FALSE(Robots::parse(body, k_ua).crawl_delay().has_value());
      CHECK_FALSE(Robots::parse("User-agent: *\nDisallow: /\n", k_ua).crawl_delay().has_value());
    }
    SUBCASE("the largest valid value wins, across merged groups") {
      constexpr std::string_view body =
          "User-agent: greenfetch\nCrawl-delay: 1\nCrawl-delay: 4\nDisallow: /a\n\n"
          "User-agent: greenfetch\nCrawl-delay: 0.5\n";
      const Robots r = Robots::parse(body, k_ua);
      REQUIRE(r.crawl_delay().has_value());
      CHECK(*r.crawl_delay() == doctest::Approx(4.0));
    }
    SUBCASE("invalid values are ignored") {
      for (const std::string_view value : {"abc", "-1", "inf", "nan", "5s", "", "1e999"}) {
        CAPTURE(value);
        const std::string body = "User-agent: *\nCrawl-delay: " + std::string(value) + "\n";
        CHECK_FALSE(Robots::parse(body, k_ua).crawl_delay().has_value());
      }
      const Robots r = Robots::parse("User-agent: *\ncrawl-DELAY :  0   # none\n", k_ua);
      REQUIRE(r.crawl_delay().has_value());
      CHECK(*r.crawl_delay() == doctest::Approx(0.0));
    }
    SUBCASE("several user-agent lines above one delay share it") {
      constexpr std::string_view body =
          "User-agent: otherbot\nUser-agent: greenfetch\nCrawl-delay: 7\nDisallow: /x\n";
      const Robots r = Robots::parse(body, k_ua);
      REQUIRE(r.crawl_delay().has_value());
      CHECK(*r.crawl_delay() == doctest::Approx(7.0));
    }
    SUBCASE("outside any group it is ignored") {
      CHECK_FALSE(Robots::parse("Crawl-delay: 5\nUser-agent: *\nDisallow: /x\n", k_ua)
                      .crawl_delay()
                      .has_value());
    }
  }

  SUBCASE("sitemaps") {
    constexpr std::string_view body =
        "Sitemap: https://example.org/top.xml\n"
        "User-agent: otherbot\n"
        "Disallow: /\n"
        "SITEMAP: http://example.org/other-group.xml # comment\n"
        "Sitemap: /relative.xml\n"
        "Sitemap:\n"
        "Sitemap: https://example.org/top.xml\n"
        "User-agent: greenfetch\n"
        "sitemap:https://cdn.example.net/s.xml.gz\n";
    const Robots r = Robots::parse(body, k_ua);
    REQUIRE(r.sitemaps().size() == 3);
    CHECK(r.sitemaps()[0] == "https://example.org/top.xml");
    CHECK(r.sitemaps()[1] == "http://example.org/other-group.xml");
    CHECK(r.sitemaps()[2] == "https://cdn.example.net/s.xml.gz");
    CHECK(r.allowed("/"));  // otherbot's rules are not ours
    CHECK(Robots::parse("User-agent: *\nDisallow: /\n", k_ua).sitemaps().empty());
  }
}

// Each rule of Google's open-source parser (google/robotstxt) that greenfetch follows where
// RFC 9309 leaves room, one row per leniency.
TEST_CASE("greenfetch::Robots Google leniencies") {
  struct Row {
    std::string_view what;
    std::string body;
    std::string_view agent;
    std::string path;
    bool allowed;
  };
  const std::string long_line =
      "Disallow: /long" + std::string(Robots::k_max_line_octets, 'x') + "tail\n";
  const Row rows[] = {
      {"missing colon: user-agent and disallow", "user-agent FooBot\ndisallow /\n", "FooBot", "/x",
       false},
      {"missing colon: allow", "user-agent FooBot\ndisallow /\nallow /ok\n", "FooBot", "/ok", true},
      {"missing colon: other agents unaffected", "user-agent FooBot\ndisallow /\n", "BarBot", "/x",
       true},
      {"missing colon: more than two words is skipped", "user-agent FooBot\ndisallow / x\n",
       "FooBot", "/x", true},
      {"missing colon: a tab separates too", "user-agent\tFooBot\ndisallow\t/\n", "FooBot", "/x",
       false},
      {"escapes kept: %62%61%7A does not match baz",
       "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n", "FooBot", "/foo/bar/baz",
       false},
      {"escapes kept: the same escapes match",
       "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n", "FooBot",
       "/foo/bar/%62%61%7A", true},
      {"escapes kept: lower-case hex in the pattern", "User-agent: *\nDisallow: /%aa\n", "FooBot",
       "/%AA", false},
      {"non-ASCII pattern octets are encoded", "User-agent: *\nDisallow: /\xE3\x83\x84\n", "FooBot",
       "/%E3%83%84", false},
      {"line-length limit: the start of a long line counts", "User-agent: *\n" + long_line,
       "FooBot", "/long" + std::string(100, 'x'), true},
      {"line-length limit: what is past it is dropped", "User-agent: *\n" + long_line, "FooBot",
       "/long" + std::string(Robots::k_max_line_octets, 'x') + "tail", false},
      {"index.html allowed allows its directory",
       "User-agent: *\nDisallow: /\nAllow: /dir/index.html\n", "FooBot", "/dir/", true},
      {"index.htm too", "User-agent: *\nDisallow: /\nAllow: /dir/index.htm\n", "FooBot", "/dir/",
       true},
      {"index.html: only the directory itself",
       "User-agent: *\nDisallow: /\nAllow: /dir/index.html\n", "FooBot", "/dir/other", false},
      {"index.html: not for disallow", "User-agent: *\nDisallow: /dir/index.html\n", "FooBot",
       "/dir/", true},
      {"product token: RFC 9309 rules stay (no prefix match)", "User-agent: Foo\nDisallow: /\n",
       "FooBot", "/x", true},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CHECK(Robots::parse(row.body, row.agent).allowed(row.path) == row.allowed);
  }
}
