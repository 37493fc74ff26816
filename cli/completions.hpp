// Shell completion scripts (bash, zsh, fish) made from the CLI11 option tables of the three
// modes, so that they list exactly the options --help lists. `greenfetch --completions SHELL`
// prints one; the build runs it and `cmake --install` puts the files where the shells look.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace greenfetch::cli {

struct OptionSpec {
  std::vector<std::string> names;  // "-c", "--concurrency"
  std::string value;               // value name as in --help ("N", "FILE"); empty: a flag
  std::string description;         // --help's description
};

struct ModeOptions {
  std::string mode;  // "get" (the default mode), "bench", "crawl"
  std::vector<OptionSpec> options;
};

// The options of one mode's app (its name "greenfetch" or "greenfetch MODE" gives the mode).
ModeOptions mode_options(const CLI::App& app);

// The script for shell "bash", "zsh" or "fish"; throws std::invalid_argument for another.
std::string completion_script(const std::string& shell, const std::vector<ModeOptions>& modes);

}  // namespace greenfetch::cli
