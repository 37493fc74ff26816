// Content-Encoding, decoded by greenfetch as the body streams in. libcurl 7.88 decodes too
// (CURLOPT_HTTP_CONTENT_DECODING), but says nothing when a compressed stream stops before its
// end: a gzip body cut short would pass as complete. So HttpClient turns libcurl's decoding
// off and decodes here, with zlib (gzip, x-gzip, deflate), libbrotli (br) and libzstd (zstd):
// the codings Debian's libcurl decodes for --compressed.
//
// Rules, as curl's where curl has one:
// - The codings are decoded in the reverse order of the Content-Encoding list (RFC 9110
//   8.4), at most k_max_codings of them; "identity" (and curl's "none") is no coding.
// - deflate is the zlib format (RFC 1950) when its first two bytes are a zlib header, else
//   raw deflate (RFC 1951), which servers send too; raw deflate may be followed by up to 4
//   bytes (the Adler-32 a broken server appends), as curl tolerates.
// - Bytes after the end of a gzip, zlib or br stream (a second gzip member too) are an
//   error, as curl fails such a body; zstd frames may follow one another (RFC 8878).
// - A body that ends inside a compressed stream is an error ("compressed body ended
//   early"), where curl reports success. An empty body (HEAD, 204, 304, Content-Length: 0)
//   is no stream at all and is fine.
// - zstd windows are limited to 8 MiB (RFC 8878 section 7.2 lets an HTTP client refuse
//   more), so that one body never holds more: memory is bounded by a few buffers.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace greenfetch {

enum class ContentCoding {
  gzip,     // gzip, x-gzip (zlib also reads a zlib stream here, as curl lets it)
  deflate,  // the zlib format, or raw deflate
  br,       // brotli (RFC 7932)
  zstd,     // Zstandard (RFC 8878)
};

// A Content-Encoding list as parsed: the codings in the order they were applied.
struct ContentCodings {
  std::vector<ContentCoding> codings;
  std::string unknown;    // the first coding that cannot be decoded, as written; empty: none
  bool too_many = false;  // more than ContentDecoder::k_max_codings (codings stops there)
};

// Adds the codings of one Content-Encoding header value (a header given more than once is
// one list, RFC 9110 5.3: call this for each, in order). Elements are separated by commas,
// surrounded by optional spaces and tabs, compared without case; empty ones are skipped.
void parse_content_encoding(std::string_view value, ContentCodings& into);

// Decodes one body, layer by layer, as a stream: each layer writes into a buffer of its own
// of k_buffer bytes, which the next layer (or the sink) takes. When the sink refuses a
// piece, the decoder stops and keeps everything not yet taken; the next feed() offers that
// piece again first. Move-only (each layer owns its library's stream state).
class ContentDecoder {
 public:
  static constexpr std::size_t k_max_codings = 5;  // as libcurl 7.88 (CVE-2023-23916)
  static constexpr std::size_t k_buffer = 16 * 1024;

  enum class Failure {
    none,
    corrupt,      // the library's message in error()
    ended_early,  // finish(): the body ended inside a compressed stream
    trailing,     // bytes after the end of a stream
    unknown,      // a coding greenfetch does not decode, or too many
  };

  explicit ContentDecoder(const ContentCodings& codings);
  ~ContentDecoder();
  ContentDecoder(ContentDecoder&&) noexcept;
  ContentDecoder& operator=(ContentDecoder&&) noexcept;

  // Takes decoded bytes; returns false to stop (the same piece is offered again later).
  using Sink = bool (*)(void* context, std::string_view decoded);

  struct Fed {
    std::size_t consumed = 0;  // bytes of `in` taken (all of them unless stopped or failed)
    bool stopped = false;      // the sink refused a piece: feed again (the rest of `in`)
  };

  // Decodes `in` (bytes of the body as received) and gives the result to out(decoded).
  // On failure, failure() and error() say why; the body is lost from there on.
  template <typename F>
  Fed feed(std::string_view in, F& out) {
    return feed_to(
        in, [](void* c, std::string_view s) { return (*static_cast<F*>(c))(s); }, &out);
  }
  Fed feed_to(std::string_view in, Sink out, void* context);

  // At the end of the body: false (and failure()) when a stream was started and not ended.
  bool finish();

  Failure failure() const { return m_failure; }
  const std::string& error() const { return m_error; }
  bool started() const { return m_started; }

  struct Layer;  // one coding's decoder (content_decoder.cpp)

 private:
  struct Stage;
  enum class Flow { more, stopped, failed };
  Flow decode_into(std::size_t i, std::string_view& src);
  Flow push(std::size_t i);
  void fail(Failure f, std::string message);

  std::vector<Stage> m_stages;  // m_stages[0] decodes the body as received
  Sink m_sink = nullptr;
  void* m_context = nullptr;
  Failure m_failure = Failure::none;
  Failure m_failure_pending = Failure::none;  // an unknown coding: fails at the first byte
  std::string m_error;
  bool m_started = false;
};

}  // namespace greenfetch
