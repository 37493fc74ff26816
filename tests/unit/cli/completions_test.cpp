#include "cli/completions.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace greenfetch::cli {

TEST_CASE("greenfetch::cli::completion_script") {
  CLI::App app{"crawl", "greenfetch crawl"};
  std::string file;
  bool flag = false;
  app.add_option("-i,--input", file, "Read FILE ('-': stdin)")->type_name("FILE");
  app.add_flag("--odd", flag, "A flag: with 'quotes' [and brackets]");
  ModeOptions m = mode_options(app);
  CHECK(m.mode == "crawl");
  REQUIRE(m.options.size() == 3);  // -h, -i, the flag
  CHECK(m.options[1].names == std::vector<std::string>{"-i", "--input"});
  CHECK(m.options[1].value == "FILE");

  SUBCASE("bash: options per mode, file completion for FILE values") {
    std::string s = completion_script("bash", {m});
    CHECK(s.find("crawl)\n      opts='-h --help -i --input") != std::string::npos);
    CHECK(s.find("path_opts=' -i --input '") != std::string::npos);
    CHECK(s.find("complete -o default -F _greenfetch greenfetch") != std::string::npos);
  }
  SUBCASE("zsh: descriptions quoted, brackets and colons escaped") {
    std::string s = completion_script("zsh", {m});
    CHECK(s.rfind("#compdef greenfetch\n", 0) == 0);
    CHECK(s.find("'-i[Read FILE ('\\''-'\\''\\: stdin)]:FILE:_files'") != std::string::npos);
  }
  SUBCASE("fish: one complete line per option") {
    std::string s = completion_script("fish", {m});
    CHECK(s.find("complete -c greenfetch -n '__fish_seen_subcommand_from crawl' -s i -l input "
                 "-r -F -d 'Read FILE (\\'-\\': stdin)'") != std::string::npos);
  }
  CHECK_THROWS_AS(completion_script("tcsh", {m}), std::invalid_argument);
}

}  // namespace greenfetch::cli
