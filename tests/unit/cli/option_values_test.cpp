#include "cli/option_values.hpp"

#include <doctest/doctest.h>

#include <string>

#include "core/input/url_source.hpp"

namespace greenfetch::cli {

TEST_CASE("greenfetch::cli::parse_size") {
  SUBCASE("plain bytes and curl's suffixes, 1024-based, either case") {
    CHECK(parse_size("0", "--max-filesize") == 0);
    CHECK(parse_size("500", "--max-filesize") == 500);
    CHECK(parse_size("10k", "--max-filesize") == 10240);
    CHECK(parse_size("10K", "--max-filesize") == 10240);
    CHECK(parse_size("5M", "--max-filesize") == 5ull * 1024 * 1024);
    CHECK(parse_size("1g", "--max-filesize") == 1024ull * 1024 * 1024);
    CHECK(parse_size("2T", "--max-filesize") == 2ull * 1024 * 1024 * 1024 * 1024);
    CHECK(parse_size("1.5M", "--max-filesize") == 1572864);
  }
  SUBCASE("anything else names the option and the accepted forms") {
    for (const char* bad :
         {"", "k", "-1", "10x", "1e3", "1.2.3", " 1", "1 k", "inf", "0x10", "10kk", "."}) {
      try {
        parse_size(bad, "--max-filesize");
        FAIL("accepted: '" << bad << "'");
      } catch (const UsageError& e) {
        std::string what = e.what();
        CHECK(what.find("--max-filesize") != std::string::npos);
        CHECK(what.find("10k, 5M, 1G") != std::string::npos);
      }
    }
  }
  SUBCASE("too large for curl_off_t") {
    CHECK_THROWS_AS(parse_size("8589934592G", "--max-filesize"), UsageError);
    CHECK_THROWS_AS(parse_size(std::string(400, '9'), "--max-filesize"), UsageError);
    CHECK(parse_size("8388607T", "--max-filesize") == 8388607ull << 40);
  }
}

TEST_CASE("greenfetch::cli::parse_duration") {
  CHECK(parse_duration("30s", "-z").count() == 30000);
  CHECK(parse_duration("2m", "-z").count() == 120000);
  CHECK(parse_duration("1h", "-z").count() == 3600000);
  CHECK(parse_duration("500ms", "-z").count() == 500);
  CHECK(parse_duration("1.5", "-z").count() == 1500);
  for (const char* bad : {"", "s", "30x", "-1s", "1e3s", "3..0s", "99999999h"}) {
    CHECK_THROWS_WITH_AS(parse_duration(bad, "-z"), doctest::Contains("-z: "), UsageError);
  }
}

TEST_CASE("greenfetch::cli::parse_milliseconds") {
  CHECK(parse_milliseconds("0", "-m").count() == 0);
  CHECK(parse_milliseconds("2.25", "-m").count() == 2250);
  for (const char* bad : {"", "x", "-1", "1s", "nan", "1e9", "20000000"}) {
    CHECK_THROWS_WITH_AS(parse_milliseconds(bad, "-m"), doctest::Contains("seconds"), UsageError);
  }
}

TEST_CASE("greenfetch::cli::parse_count") {
  CHECK(parse_count("1", "-c", 1, 100) == 1);
  CHECK(parse_count("100", "-c", 1, 100) == 100);
  CHECK(parse_count("18446744073709551615", "-c", 0, UINT64_MAX) == UINT64_MAX);
  for (const char* bad : {"", "0", "101", "-1", "1.0", "abc", "18446744073709551616", " 5"}) {
    CHECK_THROWS_WITH_AS(parse_count(bad, "-c", 1, 100),
                         doctest::Contains("is not a whole number from 1 to 100"), UsageError);
  }
  SUBCASE("count_in: a CLI11 check with the same message and no description") {
    CLI::Validator v = count_in(1, 5);
    CHECK(v.get_description().empty());
    std::string ok = "3";
    CHECK(v(ok).empty());
    std::string bad = "9";
    CHECK(v(bad) == "'9' is not a whole number from 1 to 5");
  }
}

}  // namespace greenfetch::cli
