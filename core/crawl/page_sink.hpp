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
// links and title from HTML through the LinkExtractor, from the first k_max_parsed bytes of
// the (decoded) body only, and the body itself only when -o or --warc needs it. Bodies of redirect
// hops (a Location header) are neither parsed nor kept; a new hop or a retry (the headers change)
// starts over.
class PageSink {
 public:
  // The bytes of a page parsed for links: a larger page (a 100 MiB page of zeros, a gzip
  // bomb) is still saved whole to -o and --warc, but its links are those of this much.
  static constexpr std::size_t k_max_parsed = 8 * 1024 * 1024;

  PageSink(bool keep_body, LinkExtractorOptions options)
      : m_keep_body(keep_body), m_options(options) {}

  bool operator()(const Response& so_far, std::string_view chunk) {
    if (!m_started || so_far.headers != m_hop_headers) {
      begin_hop(so_far);
    }
    if (m_extractor && m_parsed < k_max_parsed) {
      std::string_view part = chunk.substr(0, k_max_parsed - m_parsed);
      m_extractor->feed(part);
      m_parsed += part.size();
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
  std::size_t m_parsed = 0;  // bytes fed to m_extractor
  std::string m_body;
};

}  // namespace greenfetch
