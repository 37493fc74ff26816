// -j/--json: one JSON Lines record per URL, plus the small JSON and UTF-8 helpers it shares
// with the -w formatter (write_out.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/http/response.hpp"

namespace greenfetch {

struct JsonRecordOptions {
  bool include_body = false;  // --body: add "body" and "body_encoding"
  // More fields, after all the others and in their order (crawl's depth, referrer, ...). An
  // object; not owned; null: none.
  const nlohmann::ordered_json* extra = nullptr;
};

// One line of JSON (no trailing newline) for one result. Always valid JSON, whatever bytes the
// URL, headers or body hold: invalid UTF-8 becomes U+FFFD in strings, and a body that is not
// valid UTF-8 is given in base64. Fields, in this order: url, line, url_effective, status,
// http_version, remote_ip, remote_port, headers, content_type, size, time, redirects, retries,
// error, and with include_body: body, body_encoding; then the fields of `extra`. Empty strings and
// zero numbers that mean "none" (line, status, http_version, remote_ip, remote_port, content_type)
// are null.
std::string json_record(const Response& r, const JsonRecordOptions& opts = {});

// True when s is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view s);

// s with every ill-formed UTF-8 subsequence replaced by U+FFFD (one per maximal subpart, as
// Unicode recommends).
std::string to_valid_utf8(std::string_view s);

// Appends s as a quoted JSON string: '"', '\\' and control characters escaped, ill-formed UTF-8
// replaced by U+FFFD, everything else (including valid non-ASCII UTF-8) as is.
void append_json_string(std::string& out, std::string_view s);

// RFC 4648 base64 with padding, no line breaks.
std::string base64_encode(std::string_view data);

// s without leading and trailing spaces, tabs, CRs and LFs (how curl gives header values).
std::string_view trim_header_value(std::string_view s);

}  // namespace greenfetch
