#include "core/base/ascii.hpp"

#include <doctest/doctest.h>

using namespace greenfetch;

TEST_CASE("ascii helpers") {
  SUBCASE("case") {
    CHECK(ascii_lowercase("HoSt.Example:80") == "host.example:80");
    CHECK(ascii_lowercase("\xC3\x89T\xC3\x89") == "\xC3\x89t\xC3\x89");  // non-ASCII bytes kept
    CHECK(iequals("Transfer-Encoding", "transfer-encoding"));
    CHECK_FALSE(iequals("Host", "Hosts"));
  }
  SUBCASE("classes and hex digits") {
    CHECK(is_ascii_alpha('q'));
    CHECK_FALSE(is_ascii_alpha('7'));
    CHECK(is_ascii_digit('7'));
    CHECK(hex_value('0') == 0);
    CHECK(hex_value('a') == 10);
    CHECK(hex_value('F') == 15);
    CHECK(hex_value('g') == -1);
  }
  SUBCASE("trimming names its white space") {
    CHECK(trim("  a b \t", " \t") == "a b");
    CHECK(trim(" \t ", " \t").empty());
    CHECK(trim_start("\n x\n", "\n ") == "x\n");
    CHECK(trim_end("\n x\n", "\n ") == "\n x");
    // A line: blanks at both ends and the CR of CRLF, but a leading CR is kept.
    CHECK(trim_line(" \thttp://a/ \r") == "http://a/");
    CHECK(trim_line("\rx") == "\rx");
  }
}
