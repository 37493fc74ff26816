// The bytes of one bench target's request, built once (as wrk does) for the fast path: the
// head libcurl would send for it (request line, Host, User-Agent, Accept, Accept-Encoding,
// the -H and target headers with curl's rules for replacing and removing the defaults,
// Content-Length and Content-Type for a body), then the body.
#pragma once

#include <cstddef>
#include <string>

#include "core/bench/bench.hpp"

namespace greenfetch {

struct WireRequest {
  std::string url;     // as given (libcurl connects to its origin)
  std::string origin;  // "scheme://host:port", lower-case: connections are shared by origin
  std::string host;    // without brackets (for the resolver)
  long port = 0;
  bool tls = false;
  bool head = false;  // HEAD: the answer has no body
  std::string bytes;  // head and body, as written on the wire
  std::size_t body_size = 0;
};

// Builds target's request, or returns why the fast path cannot send it (empty: built).
std::string build_wire_request(const BenchTarget& target, const RequestOptions& options,
                               WireRequest& out);

}  // namespace greenfetch
