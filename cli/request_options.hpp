// Command-line options that shape every request, shared by the fetch, bench and crawl modes.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "cli/option_values.hpp"  // parse_duration, parse_milliseconds, parse_size
#include "core/dns/resolver.hpp"
#include "core/http/request.hpp"

namespace greenfetch::cli {

// What the options give as text and apply_request_options() turns into RequestOptions.
struct RequestArgs {
  // How a body piece is read and joined to the others.
  enum class DataKind { data, binary, raw, urlencode, json };
  std::vector<std::pair<DataKind, std::string>> data;  // -d, --data-*, --json, in order
  std::vector<std::string> forms;                      // -F values, in order
  std::string upload_file;                             // -T FILE ("-": stdin)
  std::string limit_rate;                              // --limit-rate text
  bool netrc = false;                                  // --netrc
  std::string rate;                                    // --rate text
  std::string retry_on;                                // --retry-on text
  ResolverOptions* dns = nullptr;  // where --dns-servers, --dns-timeout, -4/-6 go
  bool speed_limit_given = false;  // --speed-limit was given
  bool speed_time_given = false;   // --speed-time was given
};

// Adds -X, -H, -d, -A, -m, -k, --retry, --rate, --dns-servers ... to app.
// with_rate: add fetch's --rate (bench mode has its own).
void add_request_options(CLI::App& app, RequestOptions& options, RequestArgs& args,
                         bool with_rate = true);
// After parsing: reads -d @FILE, checks values; throws UsageError naming the option.
void apply_request_options(RequestOptions& options, RequestArgs& args);

// -H: throws UsageError unless header is "Name: value", "Name:" or "Name;".
void check_header(const std::string& header);
// --retry-on LIST into r (what is not listed is not retried); throws UsageError naming the item.
void parse_retry_on(const std::string& text, RetryOptions& r);

}  // namespace greenfetch::cli
