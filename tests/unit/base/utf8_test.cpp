#include "core/base/utf8.hpp"

#include <doctest/doctest.h>

using namespace greenfetch;

TEST_CASE("greenfetch::utf8_repair") {
  SUBCASE("valid input is unchanged") {
    CHECK(utf8_repair("abc") == "abc");
    CHECK(utf8_repair("b\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80") ==
          "b\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK(utf8_repair("\xef\xbb\xbfx") == "\xef\xbb\xbfx");  // a BOM stays
  }
  SUBCASE("each ill-formed sequence is one U+FFFD") {
    CHECK(utf8_repair("\xff") == "\xef\xbf\xbd");
    CHECK(utf8_repair("a\xc3") == "a\xef\xbf\xbd");
    CHECK(utf8_repair("\xe2\x82x") == "\xef\xbf\xbdx");
    CHECK(utf8_repair("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong
    CHECK(utf8_repair("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
    CHECK(utf8_repair("\xf4\x90\x80\x80") ==
          "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // above U+10FFFF
  }
}
