#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/crawl/link_extractor.hpp"
#include "core/http/response.hpp"

namespace greenfetch {

// What one page fetch collects while its body streams in (inside libcurl's write callback):
// links and title from HTML through the LinkExtractor, and the body itself only when -o or
// --warc needs it. Bodies of redirect hops (a Location header) are neither parsed nor kept;
// a new hop or a retry (the headers change) starts over.
class PageSink {
 public:
  PageSink(bool keep_body, LinkExtractorOptions options)
      : m_keep_body(keep_body), m_options(options) {}

  bool operator()(const Response& so_far, std::string_view chunk) {
    if (!m_started || so_far.headers != m_hop_headers) {
      begin_hop(so_far);
    }
    if (m_extractor) {
      m_extractor->feed(chunk);
    }
    if (m_keep_body) {
      m_body.append(chunk);
    }
    return true;
  }

  bool html() const { return m_extractor.has_value(); }
  ExtractedPage finish() { return m_extractor ? m_extractor->finish() : ExtractedPage{}; }
  std::string& body() { return m_body; }

 private:
  void begin_hop(const Response& so_far);

  bool m_keep_body;
  LinkExtractorOptions m_options;
  bool m_started = false;
  std::vector<std::pair<std::string, std::string>> m_hop_headers;
  std::optional<LinkExtractor> m_extractor;
  std::string m_body;
};

}  // namespace greenfetch
