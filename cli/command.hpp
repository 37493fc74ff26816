// What every mode's command line does the same way: parse, check, run, and turn a usage
// error into one line on stderr and exit status 2.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace greenfetch::cli {

inline constexpr int k_usage_error = 2;  // exit status for a bad command line or input file

// Parses argv into app (CLI11), then calls configure (checks that need every value; it
// throws UsageError), then run, whose result is the exit status. --help exits 0; a parse
// error is CLI11's message; a UsageError from configure or run is "PREFIX: message". Both
// exit with k_usage_error.
int run_command(CLI::App& app, int argc, char** argv, const std::string& prefix,
                const std::function<void()>& configure, const std::function<int()>& run);

}  // namespace greenfetch::cli
