// What the crawler reads in a response's headers and URL: a header's value, whether the
// body is HTML, the part of a URL robots.txt rules match, and a Retry-After pause.
#pragma once

#include <optional>
#include <string_view>

#include "core/engine/timer.hpp"
#include "core/http/response.hpp"

namespace greenfetch {

// The value of the first header called `name` (any case); empty when there is none.
std::string_view header_value(const Response& r, std::string_view name);

// Whether the response has a header called `name` (any case).
bool has_header(const Response& r, std::string_view name);

// text/html or application/xhtml+xml, whatever the parameters and case.
bool is_html_type(std::string_view ct);

// "/path?query" of an absolute URL ("/" when it has no path).
std::string_view path_and_query(std::string_view url);

// Retry-After: delta-seconds or an HTTP date, at most k_max_retry_after (crawler.hpp);
// nullopt when absent or unparsable.
std::optional<Clock::duration> retry_after(const Response& r);

}  // namespace greenfetch
