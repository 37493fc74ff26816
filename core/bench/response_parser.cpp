#include "core/bench/response_parser.hpp"

#include <strings.h>

namespace greenfetch {

namespace {
ResponseParser* self(http_parser* p) {
  return static_cast<ResponseParser*>(p->data);
}
}  // namespace

ResponseParser::ResponseParser() {
  http_parser_settings_init(&m_settings);
  m_settings.on_header_field = &ResponseParser::on_header_field;
  m_settings.on_header_value = [](http_parser* p, const char*, std::size_t) {
    self(p)->check_field();
    return 0;
  };
  m_settings.on_headers_complete = &ResponseParser::on_headers_complete;
  m_settings.on_body = &ResponseParser::on_body;
  m_settings.on_message_complete = &ResponseParser::on_message_complete;
  start(false);
}

void ResponseParser::start(bool head) {
  http_parser_init(&m_parser, HTTP_RESPONSE);
  m_parser.data = this;
  m_head = head;
  m_in_head = true;
  m_done = false;
  m_status = 0;
  m_header_bytes = 0;
  m_body_bytes = 0;
  m_received = 0;
  m_keep_alive = false;
  m_encoded = false;
  m_location = false;
  m_field.clear();
  m_field_open = false;
}

int ResponseParser::on_header_field(http_parser* p, const char* at, std::size_t n) {
  ResponseParser& r = *self(p);
  if (!r.m_field_open) {
    r.m_field.clear();
    r.m_field_open = true;
  }
  r.m_field.append(at, n);
  return 0;
}

void ResponseParser::check_field() {
  if (!m_field_open) {
    return;
  }
  m_field_open = false;
  if (strcasecmp(m_field.c_str(), "content-encoding") == 0) {
    m_encoded = true;
  } else if (strcasecmp(m_field.c_str(), "location") == 0) {
    m_location = true;
  }
}

// Pauses the parser at the end of each head, so that feed() knows the head's size from where
// http_parser_execute stopped (the parser keeps no count of its own that survives the head).
int ResponseParser::on_headers_complete(http_parser* p) {
  ResponseParser& r = *self(p);
  r.check_field();
  r.m_status = p->status_code;
  http_parser_pause(p, 1);
  // A HEAD answer announces a body it does not send; 1: "skip the body".
  return r.m_head ? 1 : 0;
}

int ResponseParser::on_body(http_parser* p, const char* /*at*/, std::size_t n) {
  self(p)->m_body_bytes += n;
  return 0;
}

int ResponseParser::on_message_complete(http_parser* p) {
  ResponseParser& r = *self(p);
  if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101) {
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    r.m_in_head = true;
    r.m_body_bytes = 0;
    r.m_encoded = false;
    r.m_location = false;
    return 0;
  }
  r.m_keep_alive = http_should_keep_alive(p) != 0;
  r.m_done = true;
  http_parser_pause(p, 1);
  return 0;
}

ResponseParser::State ResponseParser::feed(const char* data, std::size_t size) {
  std::size_t off = 0;
  while (off < size && !m_done) {
    std::size_t n = http_parser_execute(&m_parser, &m_settings, data + off, size - off);
    http_errno e = HTTP_PARSER_ERRNO(&m_parser);
    if (e == HPE_PAUSED) {
      http_parser_pause(&m_parser, 0);
      if (m_in_head && !m_done) {
        // Stopped on the head's last byte (the parser reads it again when resumed).
        m_header_bytes = m_received + off + n + 1;
        m_in_head = false;
      }
    } else if (e != HPE_OK) {
      return State::malformed;
    }
    off += n;
  }
  m_received += off;
  return m_done ? State::complete : State::partial;
}

ResponseParser::State ResponseParser::finish() {
  if (m_done) {
    return State::complete;
  }
  http_parser_execute(&m_parser, &m_settings, nullptr, 0);
  if (m_done) {
    return State::complete;
  }
  return HTTP_PARSER_ERRNO(&m_parser) == HPE_INVALID_EOF_STATE ||
                 HTTP_PARSER_ERRNO(&m_parser) == HPE_OK || m_received == 0
             ? State::partial
             : State::malformed;
}

std::string ResponseParser::error() const {
  return http_errno_description(HTTP_PARSER_ERRNO(&m_parser));
}

}  // namespace greenfetch
