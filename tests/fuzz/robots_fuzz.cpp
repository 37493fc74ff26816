// robots.txt: the input is the file; the paths asked about are fixed ones and the file's own
// first line (so rules and paths share bytes).
#include <cstdint>
#include <string>

#include "core/crawl/robots.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using greenfetch::Robots;
  std::string_view body = greenfetch::fuzz::as_text(data, size);
  Robots robots = Robots::parse(body, "greenfetch/0.1.0 (+https://example.test/bot)");
  std::string_view rest;
  std::string path = "/" + std::string(greenfetch::fuzz::first_line(body, rest));
  (void)robots.allowed(path);
  (void)robots.allowed("/");
  (void)robots.allowed("/robots.txt");
  (void)robots.allowed("/a/b%2Fc?d=%7e*$");
  if (!robots.allowed("/robots.txt")) {
    __builtin_trap();  // documented: robots.txt itself is always allowed
  }
  if (std::optional<double> d = robots.crawl_delay(); d && !(*d >= 0)) {
    __builtin_trap();
  }
  return 0;
}
