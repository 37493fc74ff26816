// Reads HTTP/1.x responses for bench's fast path with Debian's http-parser (the parser wrk
// uses): a packaged parser, not a hand-written one. Fed the bytes as they arrive, it tells
// when one response is complete and what bench counts of it: status, head and body bytes
// (the body as sent, chunk framing excluded, as libcurl counts CURLINFO_SIZE_DOWNLOAD), and
// whether the connection may carry the next request.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace greenfetch {

class ResponseParser {
 public:
  enum class State {
    partial,    // more bytes are needed
    complete,   // one whole response (interim 1xx heads are skipped, as libcurl does)
    malformed,  // not HTTP/1.x: error() says why
  };

  ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Expects a new response; `head`: the request was HEAD (a body is never read).
  void start(bool head);
  // Parses what arrived. Bytes after a complete response (never sent by an HTTP/1.1 server
  // that was not asked to pipeline) are ignored.
  State feed(const char* data, std::size_t size);
  // The server closed the connection: complete when the body runs until the close,
  // otherwise partial (the response was cut) or malformed.
  State finish();

  long status() const { return m_status; }
  uint64_t header_bytes() const { return m_header_bytes; }  // every head, 1xx included
  uint64_t body_bytes() const { return m_body_bytes; }
  uint64_t received() const { return m_received; }  // all bytes fed for this response
  bool keep_alive() const { return m_keep_alive; }  // valid once complete
  bool encoded() const { return m_encoded; }        // a Content-Encoding header was seen
  bool has_location() const { return m_location; }  // a Location header was seen
  std::string error() const;

 private:
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
  void check_field();

  http_parser m_parser{};
  http_parser_settings m_settings{};
  bool m_head = false;
  bool m_in_head = true;  // before the end of the current head
  bool m_done = false;
  long m_status = 0;
  uint64_t m_header_bytes = 0;
  uint64_t m_body_bytes = 0;
  uint64_t m_received = 0;
  bool m_keep_alive = false;
  bool m_encoded = false;
  bool m_location = false;
  std::string m_field;  // the header name being read (it may come in pieces)
  bool m_field_open = false;
};

}  // namespace greenfetch
