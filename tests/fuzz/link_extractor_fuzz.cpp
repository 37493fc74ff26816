// HTML link extraction: the input's first byte picks the options and the chunk sizes come
// from its next 8 bytes; the rest is the page, fed in those chunks.
#include <cstdint>
#include <string>

#include "core/crawl/link_extractor.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  if (size < 9) {
    return 0;
  }
  LinkExtractorOptions options;
  options.assets = (data[0] & 1) != 0;
  std::string_view sizes = fuzz::as_text(data + 1, 8);
  std::string_view page = fuzz::as_text(data + 9, size - 9);
  LinkExtractor chunked(options);
  fuzz::for_each_chunk(page, sizes, [&](std::string_view chunk) { chunked.feed(chunk); });
  ExtractedPage a = chunked.finish();
  if (a.links.size() > LinkExtractor::k_max_links ||
      a.title.size() > LinkExtractor::k_max_title_bytes) {
    __builtin_trap();
  }
  if (!chunked.finish().links.empty()) {
    __builtin_trap();  // documented: a second finish() returns an empty page
  }
  return 0;
}
