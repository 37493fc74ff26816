#include "core/base/utf8.hpp"

#include <algorithm>

namespace greenfetch {

std::string utf8_repair(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    // Continuation bytes needed, and the range the first of them must be in (this excludes
    // overlong forms, surrogates and code points above U+10FFFF).
    int need = 0;
    unsigned char lower = 0x80;
    unsigned char upper = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      lower = b == 0xE0 ? 0xA0 : 0x80;
      upper = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      lower = b == 0xF0 ? 0x90 : 0x80;
      upper = b == 0xF4 ? 0x8F : 0xBF;
    }
    std::size_t j = i + 1;
    bool good = need > 0;
    for (int k = 0; good && k < need; ++k) {
      if (j >= s.size()) {
        good = false;
        break;
      }
      const auto c = static_cast<unsigned char>(s[j]);
      if (c < lower || c > upper) {
        good = false;
        break;
      }
      lower = 0x80;
      upper = 0xBF;
      ++j;
    }
    if (good) {
      out.append(s.substr(i, j - i));
    } else {
      // One U+FFFD for the bytes read so far; the byte that broke the sequence (if any)
      // starts the next one.
      out += "\xEF\xBF\xBD";
      j = std::max(j, i + 1);
    }
    i = j;
  }
  return out;
}

}  // namespace greenfetch
