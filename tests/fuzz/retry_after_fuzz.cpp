// libFuzzer target: the Retry-After reader (delta-seconds and the HTTP-date forms).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/http/retry_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  // A fixed "now" keeps runs reproducible (Thu, 03 Dec 2026 12:00:00 GMT).
  auto wait = greenfetch::parse_retry_after(value, 1796299200);
  if (wait && wait->count() < 0) {
    __builtin_trap();  // never a negative wait
  }
  return 0;
}
