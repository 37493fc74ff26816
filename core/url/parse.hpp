// The one place that turns "string + base" into a URL: the WHATWG URL Standard's basic URL
// parser (https://url.spec.whatwg.org/#concept-basic-url-parser) for http and https, which is
// how browsers read an href, a Location header or an address bar. greenfetch's own
// normalization (fragment dropped, ...) sits on top of it in core/url/normalize.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace greenfetch {

// A parsed http(s) URL, each part in the Standard's serialized (percent-encoded) form.
struct Url {
  std::string scheme;    // "http" or "https"
  std::string username;  // percent-encoded; empty if none
  std::string password;  // percent-encoded; empty if none
  std::string host;      // "example.com", "xn--bcher-kva.example", "192.168.0.1", "[::1]"
  int port = -1;         // -1 when absent or the scheme's default (80, 443)
  std::string path;      // "/a/b", never empty
  std::optional<std::string> query;     // without the '?'; "" for a bare '?'
  std::optional<std::string> fragment;  // without the '#'

  // The Standard's URL serializer (the href), with or without the fragment.
  std::string href(bool with_fragment = true) const;
};

enum class UrlParseStatus {
  ok,            // an http(s) URL
  failure,       // the Standard's parser returns failure (bad host, bad port, no base, ...)
  other_scheme,  // a URL of another scheme (mailto:, javascript:, ftp:, ...): not parsed
};

struct UrlParseResult {
  UrlParseStatus status = UrlParseStatus::failure;
  Url url;  // set when status is ok
};

// Parses `input` (bytes of UTF-8; ill-formed sequences read as U+FFFD, as a browser decoding
// the page would) against `base` (null for an absolute URL). Leading and trailing C0 controls
// and spaces are trimmed and tabs and newlines removed, as the Standard says.
UrlParseResult parse_url(std::string_view input, const Url* base = nullptr);

}  // namespace greenfetch
