// The request headers that carry secrets: as curl 7.88 does, a custom Authorization or
// Cookie header (-H) goes only to the host, port and scheme it was given for, unless
// --location-trusted; a redirect elsewhere gets the header list without them.
#pragma once

#include <string_view>

#include "core/http/curl_handles.hpp"

namespace greenfetch {

// Whether a -H entry ("Name: value", "Name;" or "Name:") sets Authorization or Cookie.
bool is_secret_header(std::string_view header);

// Whether any entry of the list is one.
bool has_secret_header(const curl_slist* headers);

// A copy of the list without those entries.
CurlSlist without_secret_headers(const curl_slist* headers);

}  // namespace greenfetch
