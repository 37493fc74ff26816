// Values of command-line options written as text: sizes ("10k", "5M"), durations ("30s",
// "500ms"), seconds ("1.5") and whole numbers in a range. Each parser throws UsageError
// naming the option and the forms it accepts.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace greenfetch::cli {

// "500", "10k", "5M", "1G", "2T", "1.5M" -> bytes, as curl reads --max-filesize: the suffix
// is one of k, M, G, T in either case, 1024-based. Throws UsageError on anything else, on a
// negative value and on a value over 2^63 - 1.
uint64_t parse_size(const std::string& text, const std::string& option);

// "1.5" (seconds) -> 1500 ms; throws UsageError naming the option on anything else.
std::chrono::milliseconds parse_milliseconds(const std::string& text, const std::string& option);

// "30s", "2m", "1h", "500ms", or plain seconds -> milliseconds; throws UsageError.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option);

// A whole number from min to max; throws UsageError naming the option and the range.
uint64_t parse_count(const std::string& text, const std::string& option, uint64_t min,
                     uint64_t max);

// A CLI11 check that the value is a whole number from min to max (parse_count). Its message
// names the accepted range; it adds nothing to the value's name in --help.
CLI::Validator count_in(uint64_t min, uint64_t max);

}  // namespace greenfetch::cli
