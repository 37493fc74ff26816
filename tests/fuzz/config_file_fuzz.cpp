// libFuzzer target: any bytes as lines of a -K config file. A bad line must be a ConfigError,
// never a crash; an entry's option is never empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/input/config_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    try {
      auto entry = greenfetch::parse_config_line(line);
      if (entry && entry->option.empty()) {
        std::abort();
      }
    } catch (const greenfetch::ConfigError&) {
    }
  }
  return 0;
}
