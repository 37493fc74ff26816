// Sitemaps (XML, gzip): the first byte picks small or default limits, the next 8 the chunk
// sizes; the rest is the body, fed in those chunks.
#include <cstdint>
#include <string>

#include "core/crawl/sitemap.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  if (size < 9) {
    return 0;
  }
  SitemapLimits limits;
  if ((data[0] & 1) != 0) {  // small limits, to reach them
    limits.max_urls = 3;
    limits.max_bytes = 4096;
    limits.max_loc_bytes = 64;
  }
  std::string_view sizes = fuzz::as_text(data + 1, 8);
  std::string_view body = fuzz::as_text(data + 9, size - 9);
  SitemapParser parser(limits);
  bool going = true;
  fuzz::for_each_chunk(body, sizes, [&](std::string_view chunk) {
    if (going) {
      going = parser.feed(chunk);
    }
  });
  SitemapResult r = parser.finish();
  if (r.locs.size() > limits.max_urls) {
    __builtin_trap();
  }
  for (const std::string& loc : r.locs) {
    if (loc.size() > limits.max_loc_bytes) {
      __builtin_trap();
    }
  }
  return 0;
}
