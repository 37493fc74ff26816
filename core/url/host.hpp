// The URL Standard's host parser for special schemes (http, https): a domain (through
// UTS #46), an IPv4 address in any of its number forms, or an IPv6 address in brackets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace greenfetch {

// input: the host as written between the authority's '@' and ':' or its end (percent-escapes
// undecoded), valid UTF-8. Returns the serialized host ("example.com", "xn--bcher-kva.example",
// "192.168.0.1", "[::7f00:1]"), or std::nullopt when the Standard's host parser returns failure.
std::optional<std::string> parse_host(std::string_view input);

// The Standard's IPv4 parser on a domain that "ends in a number"; the address as a number.
std::optional<std::uint32_t> parse_ipv4(std::string_view domain);

// The Standard's "ends in a number" check: whether the domain must be parsed as IPv4.
bool ends_in_number(std::string_view domain);

}  // namespace greenfetch
