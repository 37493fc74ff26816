#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/crawl/link_extractor.hpp"
#include "core/crawl/warc_writer.hpp"
#include "core/http/response.hpp"
#include "core/output/body_spool.hpp"

namespace greenfetch {

// What one page fetch collects while its body streams in (inside libcurl's write callback):
// links and title from HTML through the LinkExtractor, from the first k_max_parsed bytes of
// the (decoded) body only, and, when -o or --warc needs it, the body itself in a BodySpool
// (memory from the crawl's budget, then an unlinked temporary file: a page is never held
// whole), with the WARC digests computed as it arrives. Bodies of redirect hops (a Location
// header) are neither parsed nor kept; a new hop or a retry (the headers change) starts over.
class PageSink {
 public:
  // The bytes of a page parsed for links: a larger page (a 100 MiB page of zeros, a gzip
  // bomb) is still saved whole to -o and --warc, but its links are those of this much.
  static constexpr std::size_t k_max_parsed = 4 * 1024 * 1024;

  // budget: where a kept body's memory is counted (nullptr: the body is not kept); warc: the
  // WARC digests are wanted (a kept body only).
  PageSink(SpoolBudget* budget, bool warc, LinkExtractorOptions options)
      : m_warc(warc && budget != nullptr), m_options(options) {
    if (budget != nullptr) {
      m_body.emplace(*budget);
    }
  }

  // False (the transfer is aborted) when the body cannot be kept: see error().
  bool operator()(const Response& so_far, std::string_view chunk) {
    if (!m_started || so_far.headers != m_hop_headers) {
      begin_hop(so_far);
    }
    if (m_extractor && m_parsed < k_max_parsed) {
      std::string_view part = chunk.substr(0, k_max_parsed - m_parsed);
      m_extractor->feed(part);
      m_parsed += part.size();
    }
    if (m_body) {
      if (m_digest) {
        m_digest->update(chunk);
      }
      if (!m_body->append(chunk)) {
        return false;
      }
    }
    return true;
  }

  bool html() const { return m_extractor.has_value(); }
  ExtractedPage finish() { return m_extractor ? m_extractor->finish() : ExtractedPage{}; }
  // The kept body (nullptr when not kept).
  BodySpool* body() { return m_body ? &*m_body : nullptr; }
  // The WARC digests of the body kept, with the head they cover (the head of the hop whose
  // body this is); nullopt when no body byte arrived (the record is then made from the
  // response's head alone).
  std::optional<WarcResponseDigest> take_digest() { return std::exchange(m_digest, std::nullopt); }
  // Why the body could not be kept (the temporary file failed).
  std::string error() const { return m_body ? m_body->error() : std::string(); }

 private:
  void begin_hop(const Response& so_far);

  bool m_warc;
  LinkExtractorOptions m_options;
  bool m_started = false;
  std::vector<std::pair<std::string, std::string>> m_hop_headers;
  std::optional<LinkExtractor> m_extractor;
  std::size_t m_parsed = 0;  // bytes fed to m_extractor
  std::optional<BodySpool> m_body;
  std::optional<WarcResponseDigest> m_digest;
};

}  // namespace greenfetch
