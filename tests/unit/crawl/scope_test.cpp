#include "core/crawl/scope.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace greenfetch;

namespace {

CrawlScope make_scope(std::vector<std::string> seeds, ScopeKind kind,
                      std::vector<std::string> include = {},
                      std::vector<std::string> exclude = {}) {
  ScopeOptions options;
  options.kind = kind;
  options.include = std::move(include);
  options.exclude = std::move(exclude);
  return CrawlScope(seeds, std::move(options));
}

}  // namespace

TEST_CASE("crawl_scope") {
  SUBCASE("host") {
    const CrawlScope scope =
        make_scope({"https://www.example.com/blog/post.html"}, ScopeKind::host);
    CHECK(scope.in_scope("https://www.example.com/"));
    CHECK(scope.in_scope("https://www.example.com/other/page?x=1"));
    // The scheme does not matter, the host and port do.
    CHECK(scope.in_scope("http://www.example.com/plain"));
    CHECK_FALSE(scope.in_scope("https://example.com/"));
    CHECK_FALSE(scope.in_scope("https://cdn.www.example.com/"));
    CHECK_FALSE(scope.in_scope("https://www.example.com:8443/"));
    CHECK_FALSE(scope.in_scope("https://www.example.com.evil.example/"));
    CHECK_FALSE(scope.in_scope("https://evil.example/?www.example.com"));
    CHECK(scope.in_scope("https://user:pw@www.example.com/login"));
    CHECK_FALSE(scope.in_scope("not a url"));
    CHECK_FALSE(scope.in_scope(""));

    SUBCASE("port is part of the host") {
      const CrawlScope with_port = make_scope({"http://localhost:8080/"}, ScopeKind::host);
      CHECK(with_port.in_scope("http://localhost:8080/a"));
      CHECK_FALSE(with_port.in_scope("http://localhost/a"));
      CHECK_FALSE(with_port.in_scope("http://localhost:8081/a"));
    }
    SUBCASE("several seeds") {
      const CrawlScope two =
          make_scope({"http://a.example/", "http://b.example/x"}, ScopeKind::host);
      CHECK(two.in_scope("http://a.example/1"));
      CHECK(two.in_scope("http://b.example/2"));
      CHECK_FALSE(two.in_scope("http://c.example/3"));
    }
  }

  SUBCASE("domain") {
    const CrawlScope scope = make_scope({"http://www.example.co.uk/"}, ScopeKind::domain);
    CHECK(scope.in_scope("http://www.example.co.uk/a"));
    CHECK(scope.in_scope("https://shop.example.co.uk/b"));
    CHECK(scope.in_scope("http://example.co.uk/"));
    CHECK(scope.in_scope("http://deep.sub.example.co.uk:8080/c"));
    // co.uk is a public suffix: another registrable domain under it is another site.
    CHECK_FALSE(scope.in_scope("http://other.co.uk/"));
    CHECK_FALSE(scope.in_scope("http://co.uk/"));
    CHECK_FALSE(scope.in_scope("http://example.com/"));
    CHECK_FALSE(scope.in_scope("http://www.example.co.uk.evil.example/"));

    SUBCASE("private suffixes count too") {
      const CrawlScope pages = make_scope({"https://alice.github.io/"}, ScopeKind::domain);
      CHECK(pages.in_scope("https://www.alice.github.io/"));
      CHECK_FALSE(pages.in_scope("https://bob.github.io/"));
    }
    SUBCASE("IDN domains, in punycode") {
      const CrawlScope idn = make_scope({"http://www.xn--bcher-kva.example/"}, ScopeKind::domain);
      CHECK(idn.in_scope("http://shop.xn--bcher-kva.example/"));
    }
    SUBCASE("IP addresses and localhost are their own domain") {
      const CrawlScope ip = make_scope({"http://192.168.1.10/"}, ScopeKind::domain);
      CHECK(ip.in_scope("http://192.168.1.10:8080/x"));
      CHECK_FALSE(ip.in_scope("http://10.168.1.10/"));
      CHECK_FALSE(ip.in_scope("http://192.168.2.10/"));
      const CrawlScope v6 = make_scope({"http://[2001:db8::1]/"}, ScopeKind::domain);
      CHECK(v6.in_scope("http://[2001:db8::1]:81/"));
      CHECK_FALSE(v6.in_scope("http://[2001:db8::2]/"));
      const CrawlScope local = make_scope({"http://localhost:3000/"}, ScopeKind::domain);
      CHECK(local.in_scope("http://localhost/"));
      CHECK_FALSE(local.in_scope("http://example.com/"));
    }
  }

  SUBCASE("prefix") {
    const CrawlScope scope =
        make_scope({"https://example.com/docs/v2/index.html"}, ScopeKind::prefix);
    CHECK(scope.in_scope("https://example.com/docs/v2/"));
    CHECK(scope.in_scope("https://example.com/docs/v2/index.html"));
    CHECK(scope.in_scope("https://example.com/docs/v2/api/list?page=2"));
    CHECK_FALSE(scope.in_scope("https://example.com/docs/v2"));
    CHECK_FALSE(scope.in_scope("https://example.com/docs/v1/"));
    CHECK_FALSE(scope.in_scope("https://example.com/docs/v20/"));
    CHECK_FALSE(scope.in_scope("https://example.com/"));
    CHECK_FALSE(scope.in_scope("https://example.com/?/docs/v2/"));
    // Same scheme and host required.
    CHECK_FALSE(scope.in_scope("http://example.com/docs/v2/a"));
    CHECK_FALSE(scope.in_scope("https://www.example.com/docs/v2/a"));
    CHECK_FALSE(scope.in_scope("https://example.com:8443/docs/v2/a"));

    SUBCASE("a seed that names a directory, or the root") {
      const CrawlScope dir = make_scope({"http://example.com/a/b/"}, ScopeKind::prefix);
      CHECK(dir.in_scope("http://example.com/a/b/c"));
      CHECK_FALSE(dir.in_scope("http://example.com/a/c"));
      // Without a trailing slash the last segment is a file name, as in wget -np.
      const CrawlScope file = make_scope({"http://example.com/a/b"}, ScopeKind::prefix);
      CHECK(file.in_scope("http://example.com/a/c"));
      CHECK_FALSE(file.in_scope("http://example.com/x"));
      const CrawlScope root = make_scope({"http://example.com/?q=1"}, ScopeKind::prefix);
      CHECK(root.in_scope("http://example.com/anything/at/all"));
    }
  }

  SUBCASE("any") {
    const CrawlScope scope = make_scope({"http://example.com/"}, ScopeKind::any);
    CHECK(scope.in_scope("http://example.com/"));
    CHECK(scope.in_scope("https://anything.example.org:9000/x"));
    const CrawlScope no_seeds = make_scope({}, ScopeKind::any);
    CHECK(no_seeds.in_scope("http://example.net/"));
  }

  SUBCASE("include and exclude") {
    SUBCASE("include: must match one, partially") {
      const CrawlScope scope =
          make_scope({"http://example.com/"}, ScopeKind::host, {"/blog/", R"(\.html$)"});
      CHECK(scope.in_scope("http://example.com/blog/post"));
      CHECK(scope.in_scope("http://example.com/about.html"));
      CHECK_FALSE(scope.in_scope("http://example.com/about"));
      // Include does not widen the kind's scope.
      CHECK_FALSE(scope.in_scope("http://other.example/blog/post"));
    }
    SUBCASE("exclude: must match none") {
      const CrawlScope scope = make_scope({"http://example.com/"}, ScopeKind::host, {},
                                          {R"(\?.*sort=)", "/private/", "(?i)\\.PDF$"});
      CHECK(scope.in_scope("http://example.com/list?page=2"));
      CHECK_FALSE(scope.in_scope("http://example.com/list?page=2&sort=asc"));
      CHECK_FALSE(scope.in_scope("http://example.com/private/x"));
      CHECK_FALSE(scope.in_scope("http://example.com/doc.pdf"));
      CHECK(scope.in_scope("http://example.com/doc.pdf.html"));
    }
    SUBCASE("exclude wins over include") {
      const CrawlScope scope =
          make_scope({"http://example.com/"}, ScopeKind::any, {"example"}, {"/tmp/"});
      CHECK(scope.in_scope("http://example.com/a"));
      CHECK_FALSE(scope.in_scope("http://example.com/tmp/a"));
      CHECK_FALSE(scope.in_scope("http://other.org/a"));
    }
    SUBCASE("copies share the compiled patterns") {
      const CrawlScope original = make_scope({"http://example.com/"}, ScopeKind::host, {}, {"/x"});
      const CrawlScope copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
      CHECK_FALSE(copy.in_scope("http://example.com/x"));
      CHECK(copy.in_scope("http://example.com/y"));
    }
  }

  SUBCASE("invalid patterns and seeds") {
    ScopeOptions options;
    options.include = {"ok", "bad(unclosed"};
    try {
      CrawlScope scope({"http://example.com/"}, options);
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      CHECK(message.find("bad(unclosed") != std::string::npos);
      CHECK(message.find("include") != std::string::npos);
    }
    ScopeOptions exclude;
    exclude.exclude = {"a**"};
    CHECK_THROWS_AS(CrawlScope({"http://example.com/"}, exclude), std::invalid_argument);
    // Backreferences are not RE2.
    ScopeOptions backref;
    backref.exclude = {R"((a)\1)"};
    CHECK_THROWS_AS(CrawlScope({"http://example.com/"}, backref), std::invalid_argument);
    CHECK_THROWS_AS(CrawlScope({"example.com/no-scheme"}, ScopeOptions{}), std::invalid_argument);
  }
}

TEST_CASE("greenfetch::CrawlScope extensions") {
  SUBCASE("url_extension") {
    CHECK(url_extension("http://h/a/B.PDF?x=1.zip") == "pdf");
    CHECK(url_extension("http://h/a.tar.gz") == "gz");
    CHECK(url_extension("http://h/dir.d/") == "");
    CHECK(url_extension("http://h/.htaccess") == "");
    CHECK(url_extension("http://h/a.") == "");
    CHECK(url_extension("http://h.example/") == "");
    CHECK(url_extension("http://h.example") == "");
  }
  SUBCASE("accept_ext follows listed files and pages, reject_ext never") {
    ScopeOptions options;
    options.accept_ext = {"pdf"};
    const CrawlScope accept({"http://h/"}, options);
    CHECK(accept.in_scope("http://h/a.pdf"));
    CHECK(accept.in_scope("http://h/A.PDF"));
    CHECK_FALSE(accept.in_scope("http://h/a.zip"));
    CHECK(accept.in_scope("http://h/page.html"));
    CHECK(accept.in_scope("http://h/about"));
    CHECK(accept.in_scope("http://h/dir/"));
    ScopeOptions reject_options;
    reject_options.reject_ext = {"zip", "jpg"};
    const CrawlScope reject({"http://h/"}, reject_options);
    CHECK_FALSE(reject.in_scope("http://h/a.zip"));
    CHECK_FALSE(reject.in_scope("http://h/x/B.JPG?s=1"));
    CHECK(reject.in_scope("http://h/a.pdf"));
    CHECK(reject.in_scope("http://h/"));
  }
}
