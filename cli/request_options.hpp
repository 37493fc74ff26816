// Command-line options that shape every request, shared by the fetch, bench and crawl modes.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/http/request.hpp"

namespace greenfetch::cli {

// What the options give as text and apply_request_options() turns into RequestOptions.
struct RequestArgs {
  std::vector<std::string> data;         // -d values, in order
  std::vector<std::string> data_binary;  // --data-binary values
  std::string rate;                      // --rate text
  std::string retry_on;                  // --retry-on text
  ResolverOptions* dns = nullptr;        // where --dns-servers, --dns-timeout, -4/-6 go
  bool speed_limit_given = false;        // --speed-limit was given
  bool speed_time_given = false;         // --speed-time was given
};

// Adds -X, -H, -d, -A, -m, -k, --retry, --rate, --dns-servers ... to app.
// with_rate: add fetch's --rate (bench mode has its own).
void add_request_options(CLI::App& app, RequestOptions& options, RequestArgs& args,
                         bool with_rate = true);
// "30s", "2m", "1h", "500ms", or plain seconds -> milliseconds; throws UsageError.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option);
// After parsing: reads -d @FILE, checks values; throws UsageError naming the option.
void apply_request_options(RequestOptions& options, RequestArgs& args);

// "1.5" (seconds) -> 1500 ms; throws UsageError naming the option on anything else.
std::chrono::milliseconds parse_milliseconds(const std::string& text, const std::string& option);

}  // namespace greenfetch::cli
