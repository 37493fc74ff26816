#include "core/url/host.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace greenfetch;

namespace {

std::string host(std::string_view input) {
  return parse_host(input).value_or("(failure)");
}

}  // namespace

TEST_CASE("greenfetch::parse_host") {
  SUBCASE("IPv4 number forms") {
    CHECK(host("0xc0.0250.01") == "192.168.0.1");
    CHECK(host("192.168.257.") == "192.168.1.1");
    CHECK(host("999999999.") == "59.154.201.255");
    CHECK(host("0x7f.1") == "127.0.0.1");
    CHECK(host("4294967295") == "255.255.255.255");
    CHECK(host("4294967296") == "(failure)");
    CHECK(host("256.256.256.256") == "(failure)");
    CHECK(host("1.2.3.4.5") == "(failure)");
    CHECK(host("1.2.3.09") == "(failure)");
    CHECK(host("foo.0x4") == "(failure)");
    CHECK(host("foo.1a") == "foo.1a");
    CHECK(host("99999999999999999999999999") == "(failure)");
  }
  SUBCASE("IPv6") {
    CHECK(host("[::127.0.0.1]") == "[::7f00:1]");
    CHECK(host("[1:0:0:2:0:0:0:3]") == "[1:0:0:2::3]");
    CHECK(host("[0:0:1:0:0:0:0:0]") == "[0:0:1::]");
    CHECK(host("[2001:DB8::1]") == "[2001:db8::1]");
    CHECK(host("[::%31]") == "(failure)");
    CHECK(host("[1::2::3]") == "(failure)");
    CHECK(host("[::1.2.3.04]") == "(failure)");
    CHECK(host("[::1") == "(failure)");
  }
  SUBCASE("domains") {
    CHECK(host("%41.com") == "a.com");
    CHECK(host("EXAMPLE.com.") == "example.com.");
    CHECK(host("a\xc2\xad"
               "b") == "ab");                // a soft hyphen maps to nothing
    CHECK(host("\xc2\xad") == "(failure)");  // ... and a name of nothing fails
    CHECK(host("%25") == "(failure)");
    CHECK(host("a\x7f"
               "b") == "(failure)");
    CHECK(host("a%7Cb") == "(failure)");
    CHECK(host("a_b") == "a_b");
    CHECK(host("xn--a") == "(failure)");
    CHECK(host("%ff") == "(failure)");
  }
  SUBCASE("ends_in_number") {
    CHECK(ends_in_number("a.1"));
    CHECK(ends_in_number("a.0x"));
    CHECK(ends_in_number("1."));
    CHECK_FALSE(ends_in_number("a.1a"));
    CHECK_FALSE(ends_in_number("."));
  }
}
