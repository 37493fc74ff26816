#include "core/input/config_file.hpp"

#include <doctest/doctest.h>

TEST_CASE("greenfetch::parse_config_line") {
  using greenfetch::ConfigError;
  using greenfetch::parse_config_line;
  SUBCASE("blank and comment lines are nothing") {
    CHECK(!parse_config_line(""));
    CHECK(!parse_config_line("   \t"));
    CHECK(!parse_config_line("# url = http://h/"));
    CHECK(!parse_config_line("  # indented comment"));
  }
  SUBCASE("the three spellings of an option with a value") {
    for (const char* line : {"url = http://h/x", "url=http://h/x", "url: http://h/x",
                             "url http://h/x", "--url http://h/x", "  --url=http://h/x  "}) {
      auto e = parse_config_line(line);
      REQUIRE(e);
      CHECK(e->option == "--url");
      CHECK(e->value == "http://h/x");
    }
  }
  SUBCASE("flags and short options") {
    auto e = parse_config_line("silent");
    REQUIRE(e);
    CHECK(e->option == "--silent");
    CHECK(!e->value);
    e = parse_config_line("-H \"X-A: 1\"");
    REQUIRE(e);
    CHECK(e->option == "-H");
    CHECK(e->value == "X-A: 1");
  }
  SUBCASE("quoted values with escapes; unquoted ones end at a blank") {
    auto e = parse_config_line(R"(user-agent = "a \"b\"\tc\\d" trailing)");
    REQUIRE(e);
    CHECK(e->option == "--user-agent");
    CHECK(e->value == "a \"b\"\tc\\d");
    e = parse_config_line("data = a b");
    REQUIRE(e);
    CHECK(e->value == "a");
    e = parse_config_line("header = \"\"");
    REQUIRE(e);
    CHECK(e->value == "");
  }
  SUBCASE("an unterminated quote is an error") {
    CHECK_THROWS_AS(parse_config_line("url = \"http://h/"), ConfigError);
    CHECK_THROWS_AS(parse_config_line("url = \"abc\\"), ConfigError);
  }
}
