// bench -i FILE: targets in vegeta's format. "@FILE" body lines would read files, so '@' is
// replaced here: the format is what is fuzzed, not the file system.
#include <cstdint>
#include <string>

#include "core/bench/bench.hpp"
#include "core/input/url_source.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  std::string text(fuzz::as_text(data, size));
  for (char& c : text) {
    if (c == '@') {
      c = '!';
    }
  }
  try {
    for (const BenchTarget& t : parse_targets(text, "targets.txt")) {
      if (t.url.find("://") == std::string::npos) {
        __builtin_trap();  // documented: every target has a URL
      }
    }
  } catch (const UsageError&) {
    // refused with a message naming the line
  }
  return 0;
}
