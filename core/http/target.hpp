// Reading the target of a request out of its URL, and the URL and header spellings the
// client must recognise (Location values, host names, the user's Host header).
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

namespace greenfetch {

// The common case without libcurl's URL API: "http(s)://" + a plain host name or IPv4
// address + an optional port + printable ASCII. Anything less plain (user info, IPv6, percent
// signs, spaces, upper-case schemes, ...) returns false and must go through parse_target.
bool parse_plain_target(const std::string& url, std::string& scheme, std::string& host, long& port);

// Splits an http(s) URL into host and port with libcurl's URL API (and gives back the URL
// as libcurl normalised it). Returns an error message, or an empty string on success. With
// a default_port (a proxy's URL), any scheme is accepted and a missing port is that one.
std::string parse_target(const std::string& url, std::string& normalized, std::string& scheme_out,
                         std::string& host, long& port, long default_port = 0);

// Whether a Location value names its own authority ("scheme:..." or "//host..."), so that
// libcurl's resolution of it owes nothing to the address a coalesced hop connected to.
bool names_authority(std::string_view v);

// A hop's name is plain enough to move from the URL to a Host header as is.
bool plain_host_name(std::string_view host);

// A header line of the user's about Host: "Host: value", "Host:" (drop it) or "Host;" (send
// it empty), in curl's -H syntax.
bool is_host_header(std::string_view h);

// Whether a header list holds such a line.
bool has_host_header(const curl_slist* list);

}  // namespace greenfetch
