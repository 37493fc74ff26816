// Sitemaps (XML, text, gzip): the first byte picks small or default limits, the next 8 the
// chunk sizes; the rest is the body, fed in those chunks. A text sitemap's entries must be
// absolute http(s) URLs without white space or control bytes, and its result must not depend
// on how the body was cut.
#include <cstdint>
#include <string>
#include <string_view>

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
  if (r.text) {
    for (const std::string& loc : r.locs) {
      std::string_view u = loc;
      bool http = u.size() > 7 && (u[0] | 0x20) == 'h' && (u[1] | 0x20) == 't' &&
                  (u[2] | 0x20) == 't' && (u[3] | 0x20) == 'p';
      if (!http) {
        __builtin_trap();
      }
      for (char ch : u) {
        if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7F) {
          __builtin_trap();
        }
      }
    }
    // Over the byte limit, the parse stops in the piece that crosses it: pieces differ.
    SitemapResult whole = parse_sitemap(body, limits);
    bool over = whole.error.rfind("larger than", 0) == 0;
    if (!over && (!whole.text || whole.locs != r.locs || whole.error != r.error)) {
      __builtin_trap();
    }
  }
  return 0;
}
