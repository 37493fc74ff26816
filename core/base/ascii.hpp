// Locale-independent ASCII helpers for protocol text (header names, robots.txt keys, HTML
// attribute names, URL schemes and hosts, percent-escapes): <cctype> depends on the locale,
// these never do.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace greenfetch {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool is_ascii_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_ascii_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// The value of a hexadecimal digit (either case), or -1.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// s with its ASCII upper-case letters lowered (other bytes as they are).
inline std::string ascii_lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = ascii_lower(c);
  }
  return out;
}

// Case-insensitive equality of two ASCII strings.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

// s without the leading / trailing / both runs of bytes from `chars` (each format has its own
// idea of white space, so the caller names it).
constexpr std::string_view trim_start(std::string_view s, std::string_view chars) {
  std::size_t first = s.find_first_not_of(chars);
  return first == std::string_view::npos ? std::string_view() : s.substr(first);
}

constexpr std::string_view trim_end(std::string_view s, std::string_view chars) {
  std::size_t last = s.find_last_not_of(chars);
  return last == std::string_view::npos ? std::string_view() : s.substr(0, last + 1);
}

constexpr std::string_view trim(std::string_view s, std::string_view chars) {
  return trim_end(trim_start(s, chars), chars);
}

// A line of a line-oriented text format (URL lists, WARC and HTTP headers): blanks (space,
// tab) at either end, and the CR of a CRLF ending.
constexpr std::string_view trim_line(std::string_view s) {
  return trim_end(trim_start(s, " \t"), " \t\r");
}

}  // namespace greenfetch
