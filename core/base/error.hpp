// The one error enum of greenfetch: what went wrong with one URL (or one run).
#pragma once

#include <string_view>

namespace greenfetch {

enum class Error {
  none,         // the transfer completed (an HTTP error status is not an error unless --fail)
  invalid_url,  // the input line is not a URL greenfetch can fetch
  dns,          // the host name does not resolve (NXDOMAIN, no address, server failure)
  dns_timeout,  // no DNS server answered in time
  connect,      // TCP connect failed (refused, unreachable)
  tls,          // TLS handshake or certificate verification failed
  timeout,      // --max-time or --connect-timeout elapsed
  reset,        // the connection broke while sending or receiving (reset, closed mid-body)
  http,         // status >= 400 with --fail
  too_large,    // the body exceeds --max-filesize
  too_many_redirects,  // more redirects than --max-redirs
  protocol,            // the server's answer is not valid HTTP, or any other transfer failure
  cancelled,           // the run was interrupted (SIGINT) before this transfer ended
  output,              // the body could not be saved (-o DIR: disk full, permissions)
};

// Stable lower-case name used in JSON output and error lines ("dns", "timeout", ...).
std::string_view error_kind(Error e);

}  // namespace greenfetch
