#include "core/crawl/page_sink.hpp"

#include "core/crawl/page_headers.hpp"

namespace greenfetch {

void PageSink::begin_hop(const Response& so_far) {
  m_started = true;
  m_hop_headers = so_far.headers;
  if (m_body) {
    m_body->clear();
  }
  m_digest.reset();
  if (m_warc) {
    // The head of this hop is complete when its body begins (trailers, which libcurl adds to
    // header_text after the body, are thus left out of the record, as they are not part of it).
    m_digest.emplace(so_far.header_text);
  }
  m_extractor.reset();
  m_parsed = 0;
  if (!has_header(so_far, "Location") && is_html_type(header_value(so_far, "Content-Type"))) {
    m_extractor.emplace(m_options);
  }
}

}  // namespace greenfetch
