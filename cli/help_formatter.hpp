// greenfetch's --help layout for every mode, in the manner of curl's and ripgrep's: a usage
// line, one line per option ("-c, --concurrency N   Transfers in flight at once (default
// 50)"), value names in capitals, defaults in words, then the app's footer (examples).
// CLI11's own markers (type names such as UINT or TEXT, validator ranges, {false} flag values,
// "REQUIRED") never appear. Every option added to an app that uses this formatter gets the
// same look.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace greenfetch::cli {

class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override;

  // The value an option takes as shown in --help ("N", "FILE"; empty for a flag).
  static std::string value_name(const CLI::Option* opt);
  // "-c, --concurrency N" (a flag with only a long name is indented past "-x, ").
  static std::string names(const CLI::Option* opt);
  // The description, with " (default X)" when a default is captured and not already told.
  static std::string description(const CLI::Option* opt);
};

}  // namespace greenfetch::cli
