// libFuzzer target: any bytes as a URL glob. A bad glob must be a GlobError, never a crash;
// a good one expands to exactly count() URLs (at most the first 1000 are produced).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/input/url_glob.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view pattern(reinterpret_cast<const char*>(data), size);
  try {
    greenfetch::UrlGlob glob(pattern);
    std::string url;
    uint64_t n = 0;
    while (n < 1000 && glob.next(url)) {
      ++n;
    }
    if (n < 1000 && n != glob.count()) {
      std::abort();
    }
  } catch (const greenfetch::GlobError&) {
  }
  return 0;
}
