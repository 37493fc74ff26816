#include "cli/help_formatter.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/option_values.hpp"

namespace greenfetch::cli {

TEST_CASE("greenfetch::cli::HelpFormatter") {
  CLI::App app{"tool: does things.", "tool"};
  app.formatter(std::make_shared<HelpFormatter>());
  app.footer("Examples:\n  tool -c 3 URL");
  std::vector<std::string> urls;
  std::size_t n = 50;
  bool follow = true;
  std::string file;
  std::string scope;
  app.add_option("urls", urls, "URLs to fetch")->type_name("URL");
  app.add_option("-c,--concurrency", n, "Transfers in flight")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--per-host", n, "Per host (default: none)")->check(count_in(0, 9));
  app.add_flag("--no-location{false}", follow, "Do not follow redirects");
  app.add_option("-i,--input", file, "Read FILE")->type_name("FILE");
  std::map<std::string, int> kinds{{"a", 1}, {"b", 2}};
  app.add_option("--kind", scope, "Kind")
      ->transform(CLI::CheckedTransformer(kinds))
      ->type_name("a|b");
  std::string help = app.help();
  INFO(help);

  SUBCASE("one line per option, value names in capitals, defaults in words") {
    // The line that starts with these names, its run of padding squeezed to one space.
    auto line = [&help](const std::string& names) {
      std::size_t at = help.find("\n" + names + " ");
      REQUIRE(at != std::string::npos);
      std::string l = help.substr(at + 1, help.find('\n', at + 1) - at - 1);
      std::size_t pad = l.find("  ", names.size());
      std::size_t text = l.find_first_not_of(' ', pad);
      return l.substr(0, pad) + " | " + l.substr(text);
    };
    CHECK(help.find("Usage: tool [OPTIONS] [URL...]\n") != std::string::npos);
    CHECK(line("  -c, --concurrency N") ==
          "  -c, --concurrency N | Transfers in flight (default 50)");
    CHECK(line("      --per-host N") == "      --per-host N | Per host (default: none)");
    CHECK(line("      --no-location") == "      --no-location | Do not follow redirects");
    CHECK(line("  -i, --input FILE") == "  -i, --input FILE | Read FILE");
    CHECK(line("      --kind a|b") == "      --kind a|b | Kind");
    CHECK(help.find("\nExamples:\n  tool -c 3 URL\n") != std::string::npos);
  }
  SUBCASE("no CLI11 internals") {
    for (const char* internal : {"{false}", "UINT", "INT in", "TEXT", "->", "REQUIRED"}) {
      CHECK_MESSAGE(help.find(internal) == std::string::npos, internal << " in\n" << help);
    }
  }
  SUBCASE("value names") {
    CHECK(HelpFormatter::value_name(app.get_option("--concurrency")) == "N");
    CHECK(HelpFormatter::value_name(app.get_option("--no-location")).empty());
    CHECK(HelpFormatter::names(app.get_option("--input")) == "-i, --input FILE");
  }
}

}  // namespace greenfetch::cli
