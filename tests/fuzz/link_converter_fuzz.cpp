// --convert-links' scanner and rewriting: the input is the page; it is converted as the page
// http://h.test/d/p.html with every http://h.test/ URL saved. The attribute spans must be
// ascending, inside the page and never overlapping, and the bytes outside them unchanged in
// the converted page's prefix before the first span.
#include <cstdint>
#include <optional>
#include <string>

#include "core/crawl/link_converter.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  std::string_view html = fuzz::as_text(data, size);
  std::vector<LinkAttribute> attrs = find_link_attributes(html);
  std::size_t last = 0;
  for (const LinkAttribute& a : attrs) {
    if (a.begin < last || a.end < a.begin || a.end > html.size()) {
      __builtin_trap();
    }
    last = a.end;
  }
  LinkExtractorOptions lo;
  lo.assets = size > 0 && (data[0] & 1) != 0;
  LinkExtractor x(lo);
  x.feed(html);
  ExtractedPage page = x.finish();
  LinkConversion c;
  c.page_url = "http://h.test/d/p.html";
  c.assets = lo.assets;
  c.saved = [](const std::string& url) -> std::optional<std::string> {
    if (url.starts_with("http://h.test/")) {
      return url;
    }
    return std::nullopt;
  };
  std::string out = convert_links(html, page, c);
  std::size_t first = attrs.empty() ? html.size() : attrs.front().begin;
  if (out.size() < first || std::string_view(out).substr(0, first) != html.substr(0, first)) {
    __builtin_trap();
  }
  if (attrs.empty() && out != html) {
    __builtin_trap();
  }
  return 0;
}
