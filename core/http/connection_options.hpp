// The options of a request that shape the connection itself (TLS trust and client
// certificate, IPv4/IPv6), set on an easy handle. One place for HttpClient's transfers and
// bench's CONNECT_ONLY connections, so that both connect the same way.
#pragma once

#include <curl/curl.h>

#include "core/http/request.hpp"

namespace greenfetch {

// --cacert, --capath, -E/--cert, --key, -k, -4/-6 from `o` on `e` (options left at their
// defaults are not set).
void set_connection_options(CURL* e, const RequestOptions& o);

}  // namespace greenfetch
