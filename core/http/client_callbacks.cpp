// HttpClient's side of libcurl's multi socket interface: the C trampolines, the socket and
// timer callbacks that tell the reactor what to watch, and the reactor's events handed back
// to libcurl, down to the transfers that end.
#include <sys/epoll.h>

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/http/retry_policy.hpp"
#include "core/http/target.hpp"
#include "core/http/transfer.hpp"

namespace greenfetch {

int http_client_socket_cb(CURL* /*easy*/, curl_socket_t s, int what, void* userp,
                          void* /*socketp*/) {
  return static_cast<HttpClient*>(userp)->on_socket(s, what);
}

int http_client_close_cb(void* clientp, curl_socket_t item) {
  return static_cast<HttpClient*>(clientp)->on_close_socket(item);
}

int http_client_timer_cb(CURLM* /*multi*/, long timeout_ms, void* userp) {
  return static_cast<HttpClient*>(userp)->on_timer(timeout_ms);
}

HttpClient::Transfer::Delivered HttpClient::Transfer::deliver(std::string_view piece) {
  Transfer& t = *this;
  auto size = static_cast<int64_t>(piece.size());
  t.received += size;
  if (t.max_filesize > 0 && t.received > t.max_filesize) {
    t.too_large = true;
    return Delivered::stop;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  if (BodyWriter* writer = t.request->writer) {
    switch (writer->write(*t.response, piece)) {
      case BodyWriter::Result::written:
        return Delivered::taken;
      case BodyWriter::Result::pause:
        t.received -= size;  // delivered again
        t.paused = true;
        return Delivered::pause;
      case BodyWriter::Result::failed:
        t.writer_failed = true;
        return Delivered::stop;
    }
  }
  if (const BodySink* sink = t.request->on_body) {
    if (!(*sink)(*t.response, piece)) {
      t.sink_refused = true;
      return Delivered::stop;
    }
    return Delivered::taken;
  }
  t.response->body.append(piece);
  return Delivered::taken;
}

std::size_t HttpClient::Transfer::decode_body(std::string_view wire) {
  Transfer& t = *this;
  std::size_t n = wire.size();
  std::size_t skip = std::min(t.wire_skip, n);
  wire.remove_prefix(skip);
  Delivered last = Delivered::taken;
  auto out = [&t, &last](std::string_view piece) {
    last = t.deliver(piece);
    return last == Delivered::taken;
  };
  ContentDecoder::Fed fed = t.decoder->feed(wire, out);
  if (t.decoder->failure() != ContentDecoder::Failure::none) {
    t.decode_failed = true;
    return 0;
  }
  if (fed.stopped) {
    if (last == Delivered::pause) {
      t.wire_skip = skip + fed.consumed;
      return CURL_WRITEFUNC_PAUSE;
    }
    return 0;  // too large, or the writer or sink failed
  }
  t.wire_skip -= skip;
  return n;
}

size_t http_client_write_cb(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  std::size_t n = size * nmemb;
  if (BodyWriter* writer = t->request->writer; writer != nullptr && t->skip_body) {
    return n;  // a redirect's body, or --fail's: never written (as curl)
  }
  if (t->decoder) {
    return t->decode_body(std::string_view(ptr, n));
  }
  using Delivered = HttpClient::Transfer::Delivered;
  switch (t->deliver(std::string_view(ptr, n))) {
    case Delivered::taken:
      return n;
    case Delivered::pause:
      return CURL_WRITEFUNC_PAUSE;
    case Delivered::stop:
      return 0;
  }
  return 0;
}

// With Request::capture_heads: collects the request head libcurl sends; with -v: writes
// libcurl's verbose lines.
int http_client_debug_cb(CURL* /*easy*/, curl_infotype type, char* data, size_t size,
                         void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  if (type == CURLINFO_HEADER_OUT && t->request->capture_heads) {
    t->response->request_head.assign(data, size);
  }
  if (t->verbose) {
    t->write_verbose(type, std::string_view(data, size));
  }
  return 0;
}

size_t http_client_read_cb(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  std::size_t n = std::min(size * nitems, t->upload->size() - t->upload_offset);
  std::memcpy(buffer, t->upload->data() + t->upload_offset, n);
  t->upload_offset += n;
  return n;
}

namespace {

// Writes all of s (whole lines) to stderr; a failing stderr loses the verbose text only.
void write_stderr(std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(STDERR_FILENO, s.data(), s.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void HttpClient::Transfer::write_verbose(curl_infotype type, std::string_view text) {
  const char* marker = type == CURLINFO_TEXT         ? "* "
                       : type == CURLINFO_HEADER_IN  ? "< "
                       : type == CURLINFO_HEADER_OUT ? "> "
                                                     : nullptr;
  if (marker == nullptr) {
    return;  // bodies and TLS records: curl -v does not show them either
  }
  std::string& out = verbose_text;
  for (char c : text) {
    if (c == '\r') {
      continue;
    }
    if (verbose_line_start) {
      out += request->label;
      out += marker;
      verbose_line_start = false;
    }
    out += c;
    verbose_line_start = c == '\n';
  }
  std::size_t end = out.rfind('\n');
  if (end != std::string::npos) {
    write_stderr(std::string_view(out).substr(0, end + 1));
    out.erase(0, end + 1);
  }
}

void HttpClient::Transfer::flush_verbose() {
  if (!verbose_text.empty()) {
    verbose_text += '\n';
    write_stderr(verbose_text);
    verbose_text.clear();
  }
  verbose_line_start = true;
}

size_t http_client_header_cb(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  std::size_t n = size * nmemb;
  if (t->coalesced && n > 9 && strncasecmp(ptr, "Location:", 9) == 0) {
    t->location_absolute = names_authority(std::string_view(ptr + 9, n - 9));
  }
  if (n > 5 && std::string_view(ptr, 5) == "HTTP/") {
    // A new response: its status decides whether a BodyWriter gets its body.
    std::string_view rest(ptr + 5, n - 5);
    std::size_t sp = rest.find(' ');
    t->hop_status = sp == std::string_view::npos ? 0 : std::strtol(ptr + 5 + sp + 1, nullptr, 10);
    t->hop_location = false;
    t->codings = {};
  } else if (n > 9 && strncasecmp(ptr, "Location:", 9) == 0) {
    t->hop_location = true;
  } else if (n > 17 && t->options->compressed && strncasecmp(ptr, "Content-Encoding:", 17) == 0) {
    std::string_view value(ptr + 17, n - 17);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
      value.remove_suffix(1);
    }
    parse_content_encoding(value, t->codings);
  } else if (n <= 2 && (ptr[0] == '\r' || ptr[0] == '\n')) {
    // The end of a head: decide about the body that follows.
    const RequestOptions& o = *t->options;
    bool redirect =
        t->hop_status >= 300 && t->hop_status < 400 && t->hop_location && o.follow_redirects;
    // A status the retry policy retries (503, 429...) while tries are left: its body is not
    // the one the user gets, and bytes on stdout cannot be taken back.
    bool retried = false;
    if (t->may_retry && !redirect) {
      Response status_only;
      status_only.http_code = t->hop_status;
      retried = should_retry(o.retry, status_only);
    }
    t->skip_body = redirect || retried || (o.fail && !o.fail_with_body && t->hop_status >= 400);
    // A body that is written, in a coding: decoded here (a followed redirect's is dropped).
    // (The end of a chunked body's trailers ends no head: a decoder that has started stays.)
    const ContentCodings& c = t->codings;
    bool encoded = !c.codings.empty() || !c.unknown.empty() || c.too_many;
    bool dropped = redirect || (t->skip_body && t->request->writer != nullptr);
    if (!t->decoder || !t->decoder->started()) {
      t->decoder.reset();
      t->wire_skip = 0;
      if (encoded && !dropped && t->hop_status >= 200) {
        t->decoder.emplace(c);
      }
    }
  }
  if (t->dump_headers) {
    t->response->header_dump.append(ptr, n);
  }
  if (t->request->lean && !t->keep_headers) {
    return n;
  }
  std::string_view line(ptr, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  auto& headers = t->response->headers;
  if (t->raw_headers) {
    std::string& text = t->response->header_text;
    if (line.starts_with("HTTP/")) {
      text.clear();
    }
    text.append(ptr, n);
  }
  if (line.starts_with("HTTP/")) {
    headers.clear();  // a new response (after 100 Continue, or a proxy's CONNECT answer)
    headers.reserve(16);
  } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
      value.remove_suffix(1);
    }
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return n;
}

int HttpClient::on_socket(curl_socket_t s, int what) {
  if (what == CURL_POLL_REMOVE) {
    // Kept in epoll for now: an idle keep-alive connection is usually wanted again at once.
    m_reactor.unwatch(s, /*keep_registered=*/true);
    return 0;
  }
  uint32_t events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
    events |= EPOLLIN;
  }
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
    events |= EPOLLOUT;
  }
  m_reactor.watch(s, events, this);
  return 0;
}

int HttpClient::on_close_socket(curl_socket_t s) {
  m_reactor.forget(s);
  return ::close(s);
}

int HttpClient::on_timer(long timeout_ms) {
  // Never call libcurl from here: a 0 timeout means "soon", so it becomes a timer due now.
  if (timeout_ms < 0) {
    m_timer.cancel();
  } else {
    m_timer.arm(m_reactor, Clock::now() + std::chrono::milliseconds(timeout_ms));
  }
  return 0;
}

void HttpClient::on_fd_events(int fd, uint32_t events) {
  int flags = 0;
  if ((events & EPOLLIN) != 0) {
    flags |= CURL_CSELECT_IN;
  }
  if ((events & EPOLLOUT) != 0) {
    flags |= CURL_CSELECT_OUT;
  }
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
    // Let libcurl read or write what it waits for, so it reports the socket's own error.
    flags |= CURL_CSELECT_IN | CURL_CSELECT_OUT | CURL_CSELECT_ERR;
  }
  int running = 0;
  curl_multi_socket_action(m_multi.get(), fd, flags, &running);
  check_multi_info();
}

void HttpClient::on_timer_fired() {
  int running = 0;
  curl_multi_socket_action(m_multi.get(), CURL_SOCKET_TIMEOUT, 0, &running);
  check_multi_info();
}

void HttpClient::check_multi_info() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(m_multi.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) {
      continue;
    }
    // Copy what we need: the message is gone after curl_multi_remove_handle.
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
    curl_multi_remove_handle(m_multi.get(), easy);
    if (t != nullptr) {
      t->result = result;
      Transfer* last = m_active.back();
      m_active[t->active_index] = last;
      last->active_index = t->active_index;
      m_active.pop_back();
      t->done.post();
    }
  }
}

void HttpClient::resume(const Request& request) {
  for (Transfer* t : m_active) {
    if (t->request == &request && t->paused) {
      t->paused = false;
      // May deliver the held chunk at once (the write callback runs inside this call).
      curl_easy_pause(t->easy, CURLPAUSE_CONT);
      break;
    }
  }
  check_multi_info();
}

void HttpClient::cancel_all() {
  m_cancelled = true;
  for (Transfer* t : m_active) {
    curl_multi_remove_handle(m_multi.get(), t->easy);
    t->result = CURLE_ABORTED_BY_CALLBACK;
    t->cancelled = true;
    t->done.post();
  }
  m_active.clear();
}

}  // namespace greenfetch
