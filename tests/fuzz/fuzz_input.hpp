// Small helpers shared by the fuzz targets: the input as text, and cutting it into parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace greenfetch::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The text before the first '\n' (all of it when there is none); `rest` gets what follows.
inline std::string_view first_line(std::string_view text, std::string_view& rest) {
  std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) {
    rest = {};
    return text;
  }
  rest = text.substr(nl + 1);
  return text.substr(0, nl);
}

// Cuts text into chunks whose sizes come from `sizes` (one byte each, 1..256, cycled), as a
// network would deliver a body: parsers fed in chunks must give the same result however the
// body is cut. Calls f(chunk) for each.
template <typename F>
void for_each_chunk(std::string_view text, std::string_view sizes, F&& f) {
  std::size_t i = 0;
  while (!text.empty()) {
    std::size_t n =
        sizes.empty() ? text.size() : static_cast<unsigned char>(sizes[i++ % sizes.size()]) + 1U;
    n = n < text.size() ? n : text.size();
    f(text.substr(0, n));
    text.remove_prefix(n);
  }
}

}  // namespace greenfetch::fuzz
