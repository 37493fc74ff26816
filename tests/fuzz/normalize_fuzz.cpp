// URL normalization and link resolution (core/url/normalize): the first line is the base, the
// rest the link. A normalized URL must normalize to itself.
#include <cstdint>
#include <optional>
#include <string>

#include "core/url/normalize.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  std::string_view text = fuzz::as_text(data, size);
  std::string_view link;
  std::string_view base = fuzz::first_line(text, link);
  for (std::string_view url : {text, base}) {
    if (std::optional<std::string> n = normalize_url(url)) {
      std::optional<std::string> again = normalize_url(*n);
      if (!again || *again != *n) {
        __builtin_trap();
      }
    }
  }
  NormalizeOptions strip;
  strip.strip_query = true;
  (void)normalize_url(text, strip);
  if (std::optional<std::string> r = resolve_link(base, link)) {
    std::optional<std::string> again = normalize_url(*r);
    if (!again || *again != *r) {
      __builtin_trap();
    }
  }
  return 0;
}
