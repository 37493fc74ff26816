// What to fetch and how: one plain struct per concern, default values as documented in --help.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace greenfetch {

// Options shared by every request of a run (fetch, bench and crawl modes).
struct RequestOptions {
  std::string method;                             // empty: GET (HEAD with head = true, POST with data)
  std::vector<std::string> headers;               // "Name: value"; "Name:" removes a default header
  std::string user_agent = "greenfetch/" GREENFETCH_VERSION;
  bool head = false;                              // -I: HEAD request, headers only
  bool follow_redirects = true;                   // --no-location turns it off
  int max_redirects = 10;                         // --max-redirs
  bool compressed = true;                         // Accept-Encoding for what libcurl decodes
  std::chrono::milliseconds max_time{0};          // 0: no limit (per URL, redirects included)
  std::chrono::milliseconds connect_timeout{0};   // 0: libcurl's default (300 s)
  int64_t max_filesize = 0;                       // 0: no limit
  bool insecure = false;                          // -k
  long ip_resolve = 0;                            // 0 any, 4 or 6 (-4 / -6)
  bool fail = false;                              // --fail: status >= 400 is an error
  std::string proxy;                              // empty: no proxy (never looked up per request)
};

// One request: the URL and where it came from.
struct Request {
  std::string url;
  uint64_t line = 0;  // line number in the input (0 for a command-line argument)
  std::string data;   // request body; non-empty or has_data makes it a POST unless method is set
  bool has_data = false;
};

}  // namespace greenfetch
