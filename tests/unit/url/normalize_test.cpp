#include "core/url/normalize.hpp"

#include <doctest/doctest.h>
#include <re2/re2.h>

#include <optional>
#include <string>

using namespace greenfetch;

namespace {

// "(none)" instead of nullopt so that a failing CHECK prints something readable.
std::string norm(std::string_view url, const NormalizeOptions& options = {}) {
  return normalize_url(url, options).value_or("(none)");
}

std::string resolve(std::string_view base, std::string_view link,
                    const NormalizeOptions& options = {}) {
  return resolve_link(base, link, options).value_or("(none)");
}

constexpr std::string_view k_base = "http://example.com/a/b/c?x=1#top";

}  // namespace

TEST_CASE("url_normalize") {
  SUBCASE("scheme and host are lower-cased") {
    CHECK(norm("HTTP://Example.COM/Path") == "http://example.com/Path");
    CHECK(norm("HtTpS://WWW.Example.Org") == "https://www.example.org/");
  }

  SUBCASE("IDN hosts become punycode") {
    CHECK(norm("http://bücher.example/") == "http://xn--bcher-kva.example/");
    CHECK(norm("http://BÜCHER.example/x") == "http://xn--bcher-kva.example/x");
    CHECK(norm("http://XN--BCHER-KVA.example/") == "http://xn--bcher-kva.example/");
    // Not valid UTF-8, so not a name IDNA can convert.
    CHECK(norm("http://\xff\xfe.example/") == "(none)");
  }

  SUBCASE("default ports are dropped, others kept") {
    CHECK(norm("http://example.com:80/") == "http://example.com/");
    CHECK(norm("https://example.com:443/") == "https://example.com/");
    CHECK(norm("http://example.com:0080/") == "http://example.com/");
    CHECK(norm("http://example.com:443/") == "http://example.com:443/");
    CHECK(norm("https://example.com:80/") == "https://example.com:80/");
    CHECK(norm("http://example.com:8080/") == "http://example.com:8080/");
    CHECK(norm("http://example.com:99999/") == "(none)");
  }

  SUBCASE("dot segments are resolved") {
    CHECK(norm("http://example.com/a/./b/../c") == "http://example.com/a/c");
    CHECK(norm("http://example.com/a/b/..") == "http://example.com/a/");
    CHECK(norm("http://example.com/a/.") == "http://example.com/a/");
    CHECK(norm("http://example.com/../../x") == "http://example.com/x");
    // Encoded dots are dots once decoded.
    CHECK(norm("http://example.com/a/%2E%2e/b") == "http://example.com/b");
    CHECK(norm("http://example.com/a//b/") == "http://example.com/a//b/");
  }

  SUBCASE("empty path becomes /") {
    CHECK(norm("http://example.com") == "http://example.com/");
    CHECK(norm("http://example.com?q=1") == "http://example.com/?q=1");
  }

  SUBCASE("percent-encoding is uniform") {
    // Unreserved characters are decoded.
    CHECK(norm("http://example.com/%7Euser/%41%62%2D%5f") == "http://example.com/~user/Ab-_");
    // Other escapes are kept, in upper-case hex.
    CHECK(norm("http://example.com/a%2fb%3a?c=%3d%e2%82%ac") ==
          "http://example.com/a%2Fb%3A?c=%3D%E2%82%AC");
    // Raw bytes that may not appear in a URL are escaped...
    CHECK(norm("http://example.com/ü?ä=\"1\"") == "http://example.com/%C3%BC?%C3%A4=%221%22");
    CHECK(norm("http://example.com/a<b>{c}|d^e`") ==
          "http://example.com/a%3Cb%3E%7Bc%7D|d%5Ee%60");
    // The Standard's path set leaves '|' as written, as browsers send it.
    // ...but existing escapes are never escaped twice.
    CHECK(norm("http://example.com/a%20b%25c") == "http://example.com/a%20b%25c");
    CHECK(norm("http://example.com/%C3%BC") == norm("http://example.com/ü"));
    // A '%' that starts no escape stays as written (the Standard, and browsers, send it so).
    CHECK(norm("http://example.com/100%?p=%zz") == "http://example.com/100%?p=%zz");
    // Sub-delimiters and ':' '@' stay as written in the path, '/' '?' also in the query.
    CHECK(norm("http://example.com/a:b@c;d=e!$&'()*+,?x=/y?z") ==
          "http://example.com/a:b@c;d=e!$&'()*+,?x=/y?z");
    // Normalizing twice changes nothing.
    const std::string once = norm("http://Example.com:80/%7e/a b/%2e/c?%61=%2F#f");
    CHECK(once == "http://example.com/~/a%20b/c?a=%2F");
    CHECK(norm(once) == once);
  }

  SUBCASE("fragment is dropped") {
    CHECK(norm("http://example.com/a#section-2") == "http://example.com/a");
    CHECK(norm("http://example.com/a?b=1#") == "http://example.com/a?b=1");
  }

  SUBCASE("empty query is dropped") {
    CHECK(norm("http://example.com/a?") == "http://example.com/a");
  }

  SUBCASE("strip_query") {
    NormalizeOptions options;
    options.strip_query = true;
    CHECK(norm("http://example.com/a?b=1&c=2#f", options) == "http://example.com/a");
    CHECK(norm("http://example.com/a", options) == "http://example.com/a");
  }

  SUBCASE("drop_params removes matching names, keeps the others in order") {
    const re2::RE2 utm("utm_.*");
    REQUIRE(utm.ok());
    NormalizeOptions options;
    options.drop_params = &utm;
    CHECK(norm("http://example.com/?id=7&utm_source=x&page=2&utm_medium=y", options) ==
          "http://example.com/?id=7&page=2");
    CHECK(norm("http://example.com/?utm_source=x&utm_campaign", options) == "http://example.com/");
    // Full match on the name only: a value or a longer name that merely contains it stays.
    CHECK(norm("http://example.com/?ref=utm_x&xutm_a=1", options) ==
          "http://example.com/?ref=utm_x&xutm_a=1");
    // The name is matched in its normalized spelling (%5F is '_').
    CHECK(norm("http://example.com/?utm%5Fsource=x&a=1", options) == "http://example.com/?a=1");
    CHECK(norm("http://example.com/?a=1&&b=2", options) == "http://example.com/?a=1&b=2");
  }

  SUBCASE("whitespace") {
    CHECK(norm("  \t http://example.com/a \r\n") == "http://example.com/a");
    CHECK(norm("http://example.com/a b?c d") == "http://example.com/a%20b?c%20d");
    CHECK(norm("http://exa\nmple.com/a\tb") == "http://example.com/ab");
    CHECK(norm("http://exa mple.com/") == "(none)");
  }

  SUBCASE("only absolute http(s) URLs") {
    CHECK(norm("ftp://example.com/") == "(none)");
    CHECK(norm("mailto:someone@example.com") == "(none)");
    CHECK(norm("example.com/a") == "(none)");
    CHECK(norm("/a/b") == "(none)");
    CHECK(norm("") == "(none)");
    CHECK(norm("http://") == "(none)");
  }

  SUBCASE("user info, IP addresses") {
    CHECK(norm("http://User:p%41ss@Example.com/") == "http://User:pAss@example.com/");
    CHECK(norm("http://@example.com/") == "http://example.com/");
    CHECK(norm("http://0x7f.1/") == "http://127.0.0.1/");
    CHECK(norm("http://[::1]:80/") == "http://[::1]/");
    CHECK(norm("http://[2001:DB8::1]:8080/") == "http://[2001:db8::1]:8080/");
  }

  SUBCASE("relative links") {
    CHECK(resolve(k_base, "../a") == "http://example.com/a/a");
    CHECK(resolve(k_base, "./b") == "http://example.com/a/b/b");
    CHECK(resolve(k_base, "d") == "http://example.com/a/b/d");
    CHECK(resolve(k_base, "/root") == "http://example.com/root");
    CHECK(resolve(k_base, "../../../../x") == "http://example.com/x");
    CHECK(resolve(k_base, "//Other.Example:80/x") == "http://other.example/x");
    CHECK(resolve("https://example.com/", "//cdn.example/y") == "https://cdn.example/y");
    CHECK(resolve(k_base, "?q") == "http://example.com/a/b/c?q");
    CHECK(resolve(k_base, "#frag") == "http://example.com/a/b/c?x=1");
    CHECK(resolve(k_base, "") == "http://example.com/a/b/c?x=1");
    CHECK(resolve(k_base, "d?e=1#f") == "http://example.com/a/b/d?e=1");
    CHECK(resolve(k_base, "HTTPS://Elsewhere.Example:443/p") == "https://elsewhere.example/p");
    CHECK(resolve(k_base, "http://bücher.example/") == "http://xn--bcher-kva.example/");
  }

  SUBCASE("links are trimmed and inner spaces encoded") {
    CHECK(resolve(k_base, "  \n /a b/c d.html \t") == "http://example.com/a%20b/c%20d.html");
    CHECK(resolve(k_base, "my page.html?q=a b") == "http://example.com/a/b/my%20page.html?q=a%20b");
  }

  SUBCASE("non-http links are rejected") {
    CHECK(resolve(k_base, "mailto:someone@example.com") == "(none)");
    CHECK(resolve(k_base, "javascript:void(0)") == "(none)");
    CHECK(resolve(k_base, " JavaScript:alert(1)") == "(none)");
    CHECK(resolve(k_base, "java\nscript:alert(1)") == "(none)");
    CHECK(resolve(k_base, "data:text/html,<p>hi</p>") == "(none)");
    CHECK(resolve(k_base, "tel:+15551234") == "(none)");
    CHECK(resolve(k_base, "ftp://example.com/file") == "(none)");
    CHECK(resolve("mailto:a@example.com", "/x") == "(none)");
    CHECK(resolve("not a url", "/x") == "(none)");
    CHECK(resolve(k_base, "http://exa mple.com/") == "(none)");
  }

  SUBCASE("resolved links get the options") {
    const re2::RE2 utm("utm_.*");
    NormalizeOptions options;
    options.drop_params = &utm;
    CHECK(resolve(k_base, "/p?utm_source=feed&id=3&utm_medium=rss", options) ==
          "http://example.com/p?id=3");
    options.strip_query = true;
    CHECK(resolve(k_base, "/p?id=3", options) == "http://example.com/p");
  }
}

TEST_CASE("greenfetch::resolve_location") {
  auto loc = [](std::string_view from, std::string_view location,
                const NormalizeOptions* options = nullptr) {
    ResolvedUrl r = resolve_location(from, location, options);
    return r.status == UrlParseStatus::ok        ? r.url
           : r.status == UrlParseStatus::failure ? std::string("(failure)")
                                                 : std::string("(other)");
  };
  const std::string_view from = "http://example.org/foo/bar?q=1";

  SUBCASE("relative forms, as a browser resolves them") {
    CHECK(loc(from, "\\x") == "http://example.org/x");
    CHECK(loc(from, "../a") == "http://example.org/a");
    CHECK(loc(from, "?q") == "http://example.org/foo/bar?q");
    CHECK(loc(from, "//other:8080/p") == "http://other:8080/p");
    CHECK(loc(from, "http:baz") == "http://example.org/foo/baz");
    CHECK(loc(from, " /t\ta\nb ") == "http://example.org/tab");
  }

  SUBCASE("hosts: escapes and IPv4 numbers") {
    CHECK(loc(from, "http://%41.com/") == "http://a.com/");
    CHECK(loc(from, "http://0x7f.1:81/") == "http://127.0.0.1:81/");
    CHECK(loc(from, "https://[::127.0.0.1]/") == "https://[::7f00:1]/");
  }

  SUBCASE("without options: the href without the fragment; with: the normal form") {
    CHECK(loc(from, "/%7e#frag") == "http://example.org/%7e");
    CHECK(loc(from, "/x?") == "http://example.org/x?");
    NormalizeOptions options;
    CHECK(loc(from, "/%7e#frag", &options) == "http://example.org/~");
    CHECK(loc(from, "/x?", &options) == "http://example.org/x");
    options.strip_query = true;
    CHECK(loc(from, "/x?a=1", &options) == "http://example.org/x");
  }

  SUBCASE("what the Standard rejects, other schemes, a bad base") {
    CHECK(loc(from, "http://a b/") == "(failure)");
    CHECK(loc(from, "http://[::1/") == "(failure)");
    CHECK(loc(from, "http://%zz/") == "(failure)");
    CHECK(loc(from, "http://256.256.256.256/") == "(failure)");
    CHECK(loc(from, "ftp://example.org/f") == "(other)");
    CHECK(loc(from, "mailto:a@example.org") == "(other)");
    CHECK(loc("not a url", "/x") == "(failure)");
  }
}
