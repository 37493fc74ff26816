// URL normalization for the crawler: one spelling per resource, so that the visited set sees
// "HTTP://Example.com:80/a/./b/../%7Ec#top" and "http://example.com/a/~c" as the same page, and
// resolution of links found in HTML against the page (or <base>) URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace greenfetch {

struct NormalizeOptions {
  // Remove the whole query ("?a=1&b=2").
  bool strip_query = false;
  // Query parameters whose NAME (the part before '=', in its normalized percent-encoding) fully
  // matches this pattern are removed; the others keep their order. Not owned; may be null.
  const re2::RE2* drop_params = nullptr;
};

// Returns the normalized absolute URL, or std::nullopt if `url` is not an absolute http(s) URL
// libcurl can parse.
//
// Normal form: scheme and host lower-case; IDN hosts in punycode; no default port (80 for http,
// 443 for https); dot segments resolved; empty path is "/"; percent-encoding uniform (upper-case
// hex, unreserved characters decoded, characters not allowed raw encoded, a '%' that starts no
// escape encoded as %25, existing escapes never encoded twice); no fragment; no empty query ("?"
// alone). Leading and trailing whitespace is trimmed, tabs and newlines inside are removed (as
// browsers do) and spaces inside become %20.
std::optional<std::string> normalize_url(std::string_view url,
                                         const NormalizeOptions& options = {});

// Resolves `link` (absolute, scheme-relative "//host/x", absolute-path, relative path, "?query"
// or "#fragment", as found in an HTML attribute) against `base` with libcurl's URL API, then
// normalizes the result like normalize_url(). std::nullopt for links to other schemes (mailto:,
// javascript:, data:, ftp:, ...), a base that is not http(s), or anything unparsable.
std::optional<std::string> resolve_link(std::string_view base, std::string_view link,
                                        const NormalizeOptions& options = {});

}  // namespace greenfetch
