// libFuzzer target for the option value parsers (cli/option_values.cpp): any text gives a value
// or a UsageError, never a crash, a hang or another exception; accepted values are in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/option_values.hpp"
#include "core/input/url_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  using greenfetch::UsageError;
  try {
    uint64_t bytes = greenfetch::cli::parse_size(text, "--max-filesize");
    if (bytes > static_cast<uint64_t>(INT64_MAX)) {
      std::abort();
    }
  } catch (const UsageError&) {
  }
  try {
    auto ms = greenfetch::cli::parse_duration(text, "--duration");
    if (ms.count() < 0 || ms.count() > 10'000'000'000LL) {
      std::abort();
    }
  } catch (const UsageError&) {
  }
  try {
    auto ms = greenfetch::cli::parse_milliseconds(text, "--max-time");
    if (ms.count() < 0 || ms.count() > 10'000'000'000LL) {
      std::abort();
    }
  } catch (const UsageError&) {
  }
  try {
    uint64_t n = greenfetch::cli::parse_count(text, "-c", 1, 100000);
    if (n < 1 || n > 100000) {
      std::abort();
    }
  } catch (const UsageError&) {
  }
  return 0;
}
