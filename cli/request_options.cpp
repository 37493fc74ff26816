#include "cli/request_options.hpp"

#include <cmath>
#include <cstdlib>

#include "core/url_source.hpp"

namespace greenfetch::cli {

std::chrono::milliseconds parse_milliseconds(const std::string& text, const std::string& option) {
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(seconds) || seconds < 0 ||
      seconds > 1e7) {
    throw UsageError(option + ": '" + text + "' is not a number of seconds");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

void add_request_options(CLI::App& app, RequestOptions& o) {
  app.add_option("-H,--header", o.headers,
                 "Extra header 'Name: value' (repeatable; 'Name:' removes a default header)")
      ->type_name("HEADER");
  app.add_option("-A,--user-agent", o.user_agent, "User-Agent header")
      ->capture_default_str()
      ->type_name("STRING");
  app.add_option("-X,--request", o.method, "Request method (default GET, or POST with -d)")
      ->type_name("METHOD");
  app.add_flag("-I,--head", o.head, "Send HEAD requests");
  app.add_flag("-L,--location", "Follow redirects (the default; accepted for curl habits)");
  app.add_flag("--no-location{false}", o.follow_redirects, "Do not follow redirects");
  app.add_option("--max-redirs", o.max_redirects, "Most redirects followed per URL")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_flag("--compressed{true},--raw{false}", o.compressed,
               "Ask for compressed bodies and decode them (default on; --raw: off)");
  app.add_option(
         "-m,--max-time",
         [&o](const CLI::results_t& r) {
           o.max_time = parse_milliseconds(r.front(), "--max-time");
           return true;
         },
         "Most SECONDS one URL may take, redirects included (default: no limit)")
      ->type_name("SECONDS");
  app.add_option(
         "--connect-timeout",
         [&o](const CLI::results_t& r) {
           o.connect_timeout = parse_milliseconds(r.front(), "--connect-timeout");
           return true;
         },
         "Most SECONDS a connection may take to open")
      ->type_name("SECONDS");
  app.add_option("--max-filesize", o.max_filesize,
                 "Fail a URL whose body is larger than BYTES (default: no limit)")
      ->type_name("BYTES")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-k,--insecure", o.insecure, "Do not verify TLS certificates");
  app.add_flag("--fail", o.fail, "Count HTTP status 400 and above as a failure");
  app.add_flag("-4,--ipv4{4}", o.ip_resolve, "Resolve names to IPv4 addresses only");
  app.add_flag("-6,--ipv6{6}", o.ip_resolve, "Resolve names to IPv6 addresses only");
}

void apply_request_options(RequestOptions& o) {
  for (const std::string& h : o.headers) {
    if (h.find(':') == std::string::npos && h.find(';') == std::string::npos) {
      throw UsageError("--header '" + h + "' is not of the form 'Name: value'");
    }
  }
}

}  // namespace greenfetch::cli
