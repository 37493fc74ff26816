// Command-line options that shape every request, shared by the fetch, bench and crawl modes.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

#include "core/request.hpp"

namespace greenfetch::cli {

// Adds -H, -A, -X, -I, -m, --connect-timeout, -k, ... to app, writing into options.
void add_request_options(CLI::App& app, RequestOptions& options);
// Checks what CLI11 could not (called after parse); throws UsageError naming the option.
void apply_request_options(RequestOptions& options);

// "1.5" (seconds) -> 1500 ms; throws UsageError naming the option on anything else.
std::chrono::milliseconds parse_milliseconds(const std::string& text, const std::string& option);

}  // namespace greenfetch::cli
