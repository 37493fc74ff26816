// What every mode's command line does the same way: the --help layout and -V, parse, check,
// run, and turn a usage error into one line on stderr and exit status 2.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace greenfetch::cli {

inline constexpr int k_usage_error = 2;  // exit status for a bad command line or input file

// Gives app greenfetch's --help layout (HelpFormatter) and -V/--version, parses argv into it
// (CLI11), then calls configure (checks that need every value; it throws UsageError), then
// run, whose result is the exit status. --help and -V print on stdout and exit 0. An unknown
// option is "greenfetch: unknown option --x (see greenfetch --help)"; a bad value names the
// option and the accepted forms; a UsageError from configure or run is "PREFIX: message".
// All of these exit with k_usage_error.
int run_command(CLI::App& app, int argc, char** argv, const std::string& prefix,
                const std::function<void()>& configure, const std::function<int()>& run);

// While a sink is set, run_command hands each app it is given to the sink (after adding -h and
// -V) instead of parsing and running: --completions reads every mode's option table this way.
// An empty function removes the sink.
void set_option_table_sink(std::function<void(const CLI::App&)> sink);

}  // namespace greenfetch::cli
