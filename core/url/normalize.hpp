// greenfetch's normal form of a URL, on top of the URL Standard's parser (core/url/parse.hpp):
// one spelling per resource, so that the crawl's seen-set sees "HTTP://Example.com:80/a/./b/
// ../%7Ec#top" and "http://example.com/a/~c" as the same page. The normal form is also the URL
// that is fetched and reported, byte for byte.
#pragma once

#include "core/url/parse.hpp"

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

// The normal form: the Standard's serialization (lower-case scheme and host, IDN hosts in
// punycode, IPv4 in dotted decimal, IPv6 compressed, no default port, dot segments resolved,
// the Standard's percent-encoding), and on top of it, greenfetch's own normalizations:
//  1. no fragment (it is never sent to the server);
//  2. no empty query ("?" alone);
//  3. in user info, path and query, an escape of an unreserved character (RFC 3986:
//     A-Z a-z 0-9 - . _ ~) is decoded ("%7E" is "~"), every other escape is written in
//     upper-case hex ("%c3%bc" is "%C3%BC"); but not in a component where a '%' starts no
//     escape ("100%"): there, decoding could create a new escape;
//  4. the options' query filters.
std::string normalize(const Url& url, const NormalizeOptions& options = {});

// A link resolved and normalized, or why not.
struct ResolvedUrl {
  UrlParseStatus status = UrlParseStatus::failure;
  std::string url;  // the normal form when status is ok
};

// Parses an absolute URL and normalizes it.
ResolvedUrl normalize_checked(std::string_view url, const NormalizeOptions& options = {});

// Resolves `link` (as found in an HTML attribute or a Location header) against `base`, which
// must be an absolute http(s) URL (a failure otherwise), and normalizes the result.
ResolvedUrl resolve_checked(const Url& base, std::string_view link,
                            const NormalizeOptions& options = {});

// Fetch mode's reading of a URL from the command line or an input file: when it does not start
// with "scheme://" (or "http:"/"https:"), "http://" is put in front, as curl guesses; then the
// Standard's parser. `url` is then the Standard's href without the fragment (which is never
// sent): that is what is fetched, and %{url_effective} names it.
ResolvedUrl parse_input_url(std::string_view input);

// A redirect's target: `location` (a Location header's value, as received) resolved by the
// Standard's parser against `from` (the URL that redirected, an absolute http(s) URL; a failure
// otherwise), then written as the URL that redirected was: in the normal form with `options`
// (crawl, as its links), or with `options` null as the Standard's href without the fragment
// (fetch mode, as parse_input_url writes its input).
ResolvedUrl resolve_location(std::string_view from, std::string_view location,
                             const NormalizeOptions* options);

// The same, nullopt unless the status is ok.
std::optional<std::string> normalize_url(std::string_view url,
                                         const NormalizeOptions& options = {});
std::optional<std::string> resolve_link(std::string_view base, std::string_view link,
                                        const NormalizeOptions& options = {});

}  // namespace greenfetch
