// Locale-independent ASCII helpers for protocol text (header names, robots.txt keys, HTML
// attribute names, URL schemes): <cctype> depends on the locale, these never do.
#pragma once

#include <cstddef>
#include <string_view>

namespace greenfetch {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
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

}  // namespace greenfetch
