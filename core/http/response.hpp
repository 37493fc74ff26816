// The result of fetching one URL: what -w, --json and the collectors read.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/base/error.hpp"

namespace greenfetch {

// Phase times in seconds, measured like curl's -w variables: each one from the start of
// the whole transfer (redirects included) to the end of that phase of the last hop.
struct Timings {
  double namelookup = 0;     // c-ares lookup done (0 for an IP literal or a cached name)
  double connect = 0;        // TCP connected
  double appconnect = 0;     // TLS handshake done (0 for plain HTTP)
  double pretransfer = 0;    // request about to be sent
  double starttransfer = 0;  // first byte of the answer
  double redirect = 0;       // time spent in all redirect hops before the last one
  double total = 0;          // whole transfer
};

struct Response {
  std::string url;            // the URL as given
  uint64_t line = 0;          // its input line number (0 for a command-line argument)
  uint64_t urlnum = 0;        // 0-based index of the URL in the run (curl's %{urlnum})
  std::string effective_url;  // the last URL fetched (after redirects)
  std::string scheme;         // scheme of effective_url, upper case as curl prints it ("HTTP")
  long http_code = 0;         // last response's status, 0 when none was received
  std::string http_version;   // "1", "1.1", "2", "3" (curl's %{http_version}); empty if none
  std::string remote_ip;
  long remote_port = 0;
  std::string local_ip;  // local end of the last connection (curl's %{local_ip})
  long local_port = 0;
  std::string method;          // method of the last request, "GET" ... (curl's %{method})
  std::string referer;         // Referer sent with the last request, empty if none (%{referer})
  long num_connects = 0;       // new connections opened, all hops added up as curl -L does
  long ssl_verify_result = 0;  // CURLINFO_SSL_VERIFYRESULT of the last hop (0: ok or plain HTTP)
  std::string content_type;    // Content-Type of the last response
  std::string redirect_url;    // Location of the last response when it was not followed
  int num_redirects = 0;
  int retries = 0;
  int64_t size_download = 0;  // body bytes of the last response as received (before decoding)
  int64_t size_header = 0;    // header bytes of all responses
  int64_t size_request = 0;   // bytes sent in all requests
  int64_t size_upload = 0;    // body bytes sent
  double speed_download = 0;  // bytes per second, size_download / total
  Timings time;
  std::vector<std::pair<std::string, std::string>> headers;  // last response's headers, in order
  std::string body;
  std::string header_text;         // -I or Request::capture_heads: last response's raw head
  std::string header_dump;         // RequestOptions::dump_headers: every hop's raw head, in order
  std::string request_head;        // Request::capture_heads: the last request's raw head as sent
  std::string filename_effective;  // file the body was saved to (-o DIR), empty when none
  Error error = Error::none;
  std::string error_message;  // human-readable, empty when error == none
  int curl_code = 0;          // libcurl's CURLcode (curl's %{exitcode})

  bool ok() const { return error == Error::none; }
};

}  // namespace greenfetch
