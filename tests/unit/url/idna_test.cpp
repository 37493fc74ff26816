#include "core/url/idna.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace greenfetch;

namespace {

std::string ascii(std::string_view domain) {
  return domain_to_ascii(domain).value_or("(failure)");
}

}  // namespace

TEST_CASE("greenfetch::domain_to_ascii") {
  SUBCASE("ASCII names are lower-cased without UTS #46") {
    CHECK(ascii("Example.COM") == "example.com");
    CHECK(ascii(std::string(70, 'a') + ".example") == std::string(70, 'a') + ".example");
  }
  SUBCASE("UTS #46 with the Standard's flags") {
    CHECK(ascii("bücher.example") == "xn--bcher-kva.example");
    CHECK(ascii("BÜCHER.example") == "xn--bcher-kva.example");
    CHECK(ascii("\xe2\x98\x83.net") == "xn--n3h.net");  // U+2603: not IDNA2008, UTS #46 keeps it
    CHECK(ascii("fa\xc3\x9f.de") == "xn--fa-hia.de");   // nontransitional: ß stays
    CHECK(ascii("-x.example") == "-x.example");         // CheckHyphens off
    CHECK(ascii("a\xe3\x80\x82"
                "b") == "a.b");  // U+3002 is a dot
  }
  SUBCASE("failures") {
    CHECK(ascii("xn--a.com") == "(failure)");
    CHECK(ascii("\xef\xbf\xbd") == "(failure)");
    CHECK(ascii("\xc2\xad") == "(failure)");
  }
}
