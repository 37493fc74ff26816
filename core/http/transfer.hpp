// The inside of HttpClient, shared by the files that define its members (client.cpp,
// client_callbacks.cpp, transfer_setup.cpp, client_hops.cpp): one hop, one transfer in
// flight, and the C trampolines libcurl calls. Not part of the public API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/client.hpp"
#include "core/http/content_decoder.hpp"

namespace greenfetch {

// One hop of a fetch: the URL fetched and how (redirects make more hops).
struct HttpClient::Hop {
  std::string url;
  std::string host;  // as in the URL (brackets around IPv6)
  long port = 0;
  std::string method;  // "GET", "HEAD", "POST" or a custom one
  bool send_body = false;
  std::string scheme;  // "http" or "https"
  std::string proxy;   // the proxy for this hop, empty for none
  // The first URL's host, port and scheme (or --location-trusted): -u credentials and -H
  // Authorization and Cookie headers may be sent.
  bool send_secrets = true;
  std::string referer;  // -e: the Referer this hop sends (with ';auto', the previous URL)
  // Sharing connections by address (http:// only, see can_coalesce): the one address the
  // name resolved to ("[v6]" in brackets), the URL libcurl is given with that address in
  // place of the name, and the Host header that carries the name. address is empty when the
  // hop is not coalesced.
  std::string address;
  std::string connect_url;
  std::string host_header;
};

// One fetch in flight: found again from libcurl through CURLOPT_PRIVATE.
struct HttpClient::Transfer {
  explicit Transfer(Reactor& r) : done(r) {}
  const Request* request = nullptr;
  const RequestOptions* options = nullptr;
  Response* response = nullptr;
  CURL* easy = nullptr;
  Waiter done;
  CURLcode result = CURLE_OK;
  bool cancelled = false;
  bool too_large = false;
  int64_t max_filesize = 0;
  int64_t received = 0;            // body bytes of this hop so far
  bool sink_refused = false;       // the BodySink asked to stop
  bool writer_failed = false;      // the BodyWriter could not write
  bool paused = false;             // the BodyWriter paused the transfer (resume() unpauses)
  long hop_status = 0;             // status of the response being received
  bool hop_location = false;       // it has a Location header
  bool skip_body = false;          // its body is dropped (a redirect followed, or --fail)
  bool dump_headers = false;       // append every head to Response::header_dump (-D)
  bool may_retry = false;          // a retry may follow this try
  std::string proxy_set;                // CURLOPT_PROXY now set on the easy handle
  bool referer_set = false;             // CURLOPT_REFERER is a hop's own (-e ';auto')
  bool custom_method_set = false;       // CURLOPT_CUSTOMREQUEST now set on the easy handle
  bool headers_set = false;             // CURLOPT_HTTPHEADER is the request's own list
  bool keep_headers = true;             // lean requests keep them only when a retry may read them
  bool raw_headers = false;             // keep the raw header text too (-I)
  bool verbose_set = false;             // CURLOPT_VERBOSE is on for capture_heads or -v
  const std::string* upload = nullptr;  // -T: the bytes to PUT
  bool verbose = false;                 // -v: write libcurl's verbose lines to stderr
  std::size_t upload_offset = 0;        // -T: bytes of the upload given to libcurl this hop
  CurlMime mime;                        // -F: this hop's multipart body
  std::string verbose_text;             // -v: the unfinished verbose line (prefix included)
  bool verbose_line_start = true;       // -v: the next verbose byte starts a line
  bool connected = false;               // a hop opened a new connection (see release_easy)
  std::size_t active_index = 0;
  CurlSlist resolve;       // CURLOPT_RESOLVE for this hop; alive until the hop ends
  CurlSlist safe_headers;  // a hop to another origin: the header list without secrets
  // A coalesced hop's Host header, put in front of the request's headers (its `next`).
  curl_slist host_node{};
  bool coalesced = false;          // this hop's URL has the address in place of the name
  bool location_absolute = false;  // a coalesced hop's Location named its own scheme or host
  // --compressed: libcurl's own decoding is off (it cannot tell a cut stream); the body of a
  // hop whose head has a Content-Encoding goes through `decoder` (see http_client_write_cb).
  ContentCodings codings;                 // the Content-Encoding of the head being received
  std::optional<ContentDecoder> decoder;  // this hop's body is encoded
  std::size_t wire_skip = 0;   // after a pause: bytes of libcurl's next chunk already decoded
  bool decode_failed = false;  // the decoder failed (or the body ended inside a stream)
  Clock::time_point deadline = Clock::time_point::max();          // -m, for the whole URL
  Clock::time_point connect_deadline = Clock::time_point::max();  // --connect-timeout, per hop
  char errbuf[CURL_ERROR_SIZE] = {};

  enum class Delivered { taken, pause, stop };
  // Hands one piece of the body (decoded, when it was encoded) to where the request wants it:
  // its BodyWriter, its BodySink, or Response::body; --max-filesize counts these bytes. Runs
  // inside libcurl's write callback.
  Delivered deliver(std::string_view piece);
  // An encoded body: libcurl's chunk through the hop's decoder; returns what the write
  // callback returns. A pause keeps the decoder's state; libcurl then delivers the same chunk
  // again (with more after it, perhaps), whose first wire_skip bytes were already taken.
  std::size_t decode_body(std::string_view wire);

  // -v: libcurl's verbose text of this transfer, written to stderr in whole lines, each line
  // after the request's label and curl's marker ("* ", "> ", "< ").
  void write_verbose(curl_infotype type, std::string_view text);
  // -v: writes what is left of an unfinished verbose line.
  void flush_verbose();
};

// C trampolines (client_callbacks.cpp): each turns one libcurl callback into one member call
// (or one append).
int http_client_socket_cb(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
int http_client_close_cb(void* clientp, curl_socket_t item);
int http_client_timer_cb(CURLM* multi, long timeout_ms, void* userp);
size_t http_client_write_cb(char* ptr, size_t size, size_t nmemb, void* userdata);
int http_client_debug_cb(CURL* easy, curl_infotype type, char* data, size_t size, void* userdata);
size_t http_client_read_cb(char* buffer, size_t size, size_t nitems, void* userdata);
size_t http_client_header_cb(char* ptr, size_t size, size_t nmemb, void* userdata);

}  // namespace greenfetch
