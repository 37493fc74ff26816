#include "core/http/target.hpp"

#include <doctest/doctest.h>

#include <string>

namespace greenfetch {

TEST_CASE("greenfetch::parse_plain_target") {
  std::string scheme;
  std::string host;
  long port = 0;

  SUBCASE("http and https with their default ports") {
    CHECK(parse_plain_target("http://example.com/a?b#c", scheme, host, port));
    CHECK(scheme == "http");
    CHECK(host == "example.com");
    CHECK(port == 80);
    CHECK(parse_plain_target("https://127.0.0.1", scheme, host, port));
    CHECK(scheme == "https");
    CHECK(host == "127.0.0.1");
    CHECK(port == 443);
  }
  SUBCASE("an explicit port") {
    CHECK(parse_plain_target("http://a.test:8080/x", scheme, host, port));
    CHECK(host == "a.test");
    CHECK(port == 8080);
  }
  SUBCASE("anything less plain is left to libcurl's URL API") {
    CHECK_FALSE(parse_plain_target("HTTP://a.test/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("ftp://a.test/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://A.test/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://user@a.test/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://[::1]/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http:///path", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://a.test:/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://a.test:0/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://a.test:65536/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://a.test:80a/", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://a.test/a b", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://a.test/a\\b", scheme, host, port));
    CHECK_FALSE(parse_plain_target("http://a.test/\xc3\xa9", scheme, host, port));
  }
}

TEST_CASE("greenfetch::parse_target") {
  std::string normalized;
  std::string scheme;
  std::string host;
  long port = 0;

  SUBCASE("a URL is split and normalised") {
    CHECK(parse_target("http://User@Example.COM:8080/a", normalized, scheme, host, port).empty());
    CHECK(scheme == "http");
    CHECK(host == "Example.COM");
    CHECK(port == 8080);
    CHECK(normalized.starts_with("http://User@Example.COM:8080/a"));
  }
  SUBCASE("an IPv6 host keeps its brackets, and the default port is filled in") {
    CHECK(parse_target("https://[::1]/", normalized, scheme, host, port).empty());
    CHECK(host == "[::1]");
    CHECK(port == 443);
  }
  SUBCASE("a URL without a scheme gets libcurl's guess") {
    CHECK(parse_target("a.test/x", normalized, scheme, host, port).empty());
    CHECK(host == "a.test");
    CHECK((scheme == "http" || scheme == "https"));
  }
  SUBCASE("other schemes are refused, unless a default port is given (proxies)") {
    CHECK(parse_target("ftp://a.test/", normalized, scheme, host, port) ==
          "unsupported scheme 'ftp'");
    CHECK(parse_target("http://127.0.0.1", normalized, scheme, host, port, 1080).empty());
    CHECK(host == "127.0.0.1");
    CHECK(port == 1080);  // a proxy URL without a port: the given default, not 80
  }
  SUBCASE("a malformed URL is an error message") {
    CHECK(parse_target("http://a b/", normalized, scheme, host, port).starts_with("malformed URL"));
  }
}

TEST_CASE("greenfetch::names_authority") {
  CHECK(names_authority("//other.test/x"));
  CHECK(names_authority(" \thttp://other.test/"));
  CHECK(names_authority("a+b-c.d:rest"));
  CHECK_FALSE(names_authority("/path"));
  CHECK_FALSE(names_authority("relative/path"));
  CHECK_FALSE(names_authority(":nothing"));
  CHECK_FALSE(names_authority("1http://x"));
  CHECK_FALSE(names_authority("page?x=a:b"));
  CHECK_FALSE(names_authority(""));
}

TEST_CASE("greenfetch::plain_host_name") {
  CHECK(plain_host_name("www.example-1.test"));
  CHECK(plain_host_name("under_score.test"));
  CHECK_FALSE(plain_host_name(""));
  CHECK_FALSE(plain_host_name("[::1]"));
  CHECK_FALSE(plain_host_name("a%2eb"));
  CHECK_FALSE(plain_host_name(std::string(254, 'a')));
  CHECK(plain_host_name(std::string(253, 'a')));
}

TEST_CASE("greenfetch::is_host_header") {
  SUBCASE("one line") {
    CHECK(is_host_header("Host: a.test"));
    CHECK(is_host_header("host:"));
    CHECK(is_host_header("HOST;"));
    CHECK_FALSE(is_host_header("Hostname: a"));
    CHECK_FALSE(is_host_header("Host"));
    CHECK_FALSE(is_host_header("X-Host: a"));
  }
  SUBCASE("a list") {
    curl_slist* list = curl_slist_append(nullptr, "Accept: */*");
    CHECK_FALSE(has_host_header(list));
    CHECK_FALSE(has_host_header(nullptr));
    list = curl_slist_append(list, "host: b.test");
    CHECK(has_host_header(list));
    curl_slist_free_all(list);
  }
}

}  // namespace greenfetch
