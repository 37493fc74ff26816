// libFuzzer target for the URL parser (core/url/parse.cpp) and the normal form on top of it.
// The input is split at its first newline into a link and a base. Checked, besides "no crash,
// no sanitizer report": a parsed URL serializes to ASCII only, parsing that serialization again
// gives it back, and the normal form is stable.
#include "core/url/normalize.hpp"
#include "core/url/parse.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void require(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = in.find('\n');
  const std::string_view link = in.substr(0, nl);
  const std::string_view base_text = nl == std::string_view::npos ? "" : in.substr(nl + 1);

  const UrlParseResult base = parse_url(base_text);
  const UrlParseResult r = parse_url(link, base.status == UrlParseStatus::ok ? &base.url : nullptr);
  if (r.status != UrlParseStatus::ok) {
    return 0;
  }
  const std::string href = r.url.href();
  for (const char c : href) {
    require(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F);
  }
  const UrlParseResult again = parse_url(href);
  require(again.status == UrlParseStatus::ok && again.url.href() == href);
  const std::string normal = normalize(r.url);
  const std::optional<std::string> twice = normalize_url(normal);
  require(twice && *twice == normal);
  return 0;
}
