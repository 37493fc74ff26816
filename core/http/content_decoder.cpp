#include "core/http/content_decoder.hpp"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <new>
#include <optional>

#include "core/base/ascii.hpp"

namespace greenfetch {

namespace {

// What one step of a layer did.
enum class StepStatus { ok, corrupt, trailing };
struct Step {
  std::size_t written = 0;
  StepStatus status = StepStatus::ok;
  std::string message;  // for corrupt: the library's words
};

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

void parse_content_encoding(std::string_view value, ContentCodings& into) {
  while (true) {
    std::size_t comma = value.find(',');
    std::string_view element = trim_ows(value.substr(0, comma));
    if (!element.empty() && !iequals(element, "identity") && !iequals(element, "none")) {
      std::optional<ContentCoding> coding;
      if (iequals(element, "gzip") || iequals(element, "x-gzip")) {
        coding = ContentCoding::gzip;
      } else if (iequals(element, "deflate")) {
        coding = ContentCoding::deflate;
      } else if (iequals(element, "br")) {
        coding = ContentCoding::br;
      } else if (iequals(element, "zstd")) {
        coding = ContentCoding::zstd;
      }
      if (!coding) {
        if (into.unknown.empty()) {
          into.unknown = element;
        }
      } else if (into.codings.size() >= ContentDecoder::k_max_codings) {
        into.too_many = true;
      } else {
        into.codings.push_back(*coding);
      }
    }
    if (comma == std::string_view::npos) {
      return;
    }
    value.remove_prefix(comma + 1);
  }
}

// One coding's decoder: step() decodes from src (advancing it) into out.
struct ContentDecoder::Layer {
  virtual ~Layer() = default;
  virtual Step step(std::string_view& src, char* out, std::size_t cap) = 0;
  // The stream is complete (for zstd: the last frame so far is).
  virtual bool ended() const = 0;
};

namespace {

// gzip and deflate through zlib's inflate: the z_stream's owner.
class ZlibLayer final : public ContentDecoder::Layer {
 public:
  explicit ZlibLayer(ContentCoding coding) : m_gzip(coding == ContentCoding::gzip) {}
  ~ZlibLayer() override {
    if (m_init) {
      inflateEnd(&m_z);
    }
  }
  ZlibLayer(const ZlibLayer&) = delete;
  ZlibLayer& operator=(const ZlibLayer&) = delete;

  Step step(std::string_view& src, char* out, std::size_t cap) override {
    Step s;
    if (m_ended) {
      // Raw deflate: up to 4 bytes more are tolerated (an Adler-32 some servers add).
      std::size_t skip = std::min<std::size_t>(m_trailer_left, src.size());
      m_trailer_left -= skip;
      src.remove_prefix(skip);
      if (!src.empty()) {
        s.status = StepStatus::trailing;
      }
      return s;
    }
    if (!m_init) {
      if (!start(src)) {
        return s;  // deflate: waiting for the second byte to tell the formats apart
      }
      if (m_have_first) {
        // The byte held back while the format was unknown goes in first.
        std::string_view first(&m_first, 1);
        m_have_first = false;
        s = inflate_some(first, out, cap);
        if (s.status != StepStatus::ok || m_ended) {
          return s;
        }
        Step more = inflate_some(src, out + s.written, cap - s.written);
        more.written += s.written;
        return more;
      }
    }
    return inflate_some(src, out, cap);
  }

  bool ended() const override { return m_ended; }

 private:
  // Initialises the stream; false while deflate's format cannot be told yet.
  bool start(std::string_view& src) {
    int window = MAX_WBITS + 32;  // gzip: zlib reads a gzip or a zlib header, as curl lets it
    if (!m_gzip) {
      if (!m_have_first) {
        if (src.empty()) {
          return false;
        }
        m_first = src.front();
        m_have_first = true;
        src.remove_prefix(1);
      }
      if (src.empty()) {
        return false;
      }
      // RFC 1950: compression method 8, a window of at most 32 KiB, the 16 bits a multiple
      // of 31. Otherwise the server sent raw deflate.
      auto b0 = static_cast<unsigned char>(m_first);
      auto b1 = static_cast<unsigned char>(src.front());
      bool zlib = (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
      window = zlib ? MAX_WBITS : -MAX_WBITS;
      m_trailer_left = zlib ? 0 : 4;
    }
    int rc = inflateInit2(&m_z, window);
    if (rc != Z_OK) {
      throw std::bad_alloc();  // zlib fails here only for want of memory
    }
    m_init = true;
    return true;
  }

  Step inflate_some(std::string_view& src, char* out, std::size_t cap) {
    Step s;
    std::size_t in_size = std::min<std::size_t>(src.size(), UINT_MAX);
    m_z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src.data()));
    m_z.avail_in = static_cast<uInt>(in_size);
    m_z.next_out = reinterpret_cast<Bytef*>(out);
    m_z.avail_out = static_cast<uInt>(cap);
    int rc = inflate(&m_z, Z_NO_FLUSH);
    src.remove_prefix(in_size - m_z.avail_in);
    s.written = cap - m_z.avail_out;
    switch (rc) {
      case Z_STREAM_END:
        m_ended = true;
        break;
      case Z_OK:
      case Z_BUF_ERROR:  // no progress possible: needs more input (or room)
        break;
      case Z_MEM_ERROR:
        throw std::bad_alloc();
      case Z_NEED_DICT:
        s.status = StepStatus::corrupt;
        s.message = "it needs a preset dictionary";
        break;
      default:
        s.status = StepStatus::corrupt;
        s.message = m_z.msg != nullptr ? m_z.msg : "zlib error " + std::to_string(rc);
        break;
    }
    return s;
  }

  bool m_gzip;
  z_stream m_z{};
  bool m_init = false;
  bool m_ended = false;
  bool m_have_first = false;  // deflate: m_first read, the format not known yet
  char m_first = 0;
  std::size_t m_trailer_left = 0;
};

// br through libbrotli's decoder: the BrotliDecoderState's owner.
class BrotliLayer final : public ContentDecoder::Layer {
 public:
  BrotliLayer() : m_state(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (m_state == nullptr) {
      throw std::bad_alloc();
    }
  }
  ~BrotliLayer() override { BrotliDecoderDestroyInstance(m_state); }
  BrotliLayer(const BrotliLayer&) = delete;
  BrotliLayer& operator=(const BrotliLayer&) = delete;

  Step step(std::string_view& src, char* out, std::size_t cap) override {
    Step s;
    if (m_ended) {
      s.status = src.empty() ? StepStatus::ok : StepStatus::trailing;
      return s;
    }
    std::size_t avail_in = src.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(src.data());
    std::size_t avail_out = cap;
    auto* next_out = reinterpret_cast<uint8_t*>(out);
    BrotliDecoderResult rc =
        BrotliDecoderDecompressStream(m_state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    src.remove_prefix(src.size() - avail_in);
    s.written = cap - avail_out;
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
      m_ended = true;
    } else if (rc == BROTLI_DECODER_RESULT_ERROR) {
      s.status = StepStatus::corrupt;
      s.message = BrotliDecoderErrorString(BrotliDecoderGetErrorCode(m_state));
    }
    return s;
  }

  bool ended() const override { return m_ended; }

 private:
  BrotliDecoderState* m_state;
  bool m_ended = false;
};

// zstd through libzstd's streaming decoder: the ZSTD_DStream's owner.
class ZstdLayer final : public ContentDecoder::Layer {
 public:
  ZstdLayer() : m_stream(ZSTD_createDStream()) {
    if (m_stream == nullptr) {
      throw std::bad_alloc();
    }
    ZSTD_DCtx_setParameter(m_stream, ZSTD_d_windowLogMax, k_window_log_max);
  }
  ~ZstdLayer() override { ZSTD_freeDStream(m_stream); }
  ZstdLayer(const ZstdLayer&) = delete;
  ZstdLayer& operator=(const ZstdLayer&) = delete;

  Step step(std::string_view& src, char* out, std::size_t cap) override {
    Step s;
    ZSTD_inBuffer in{src.data(), src.size(), 0};
    ZSTD_outBuffer o{out, cap, 0};
    std::size_t rc = ZSTD_decompressStream(m_stream, &o, &in);
    src.remove_prefix(in.pos);
    s.written = o.pos;
    if (ZSTD_isError(rc) != 0) {
      s.status = StepStatus::corrupt;
      s.message = ZSTD_getErrorName(rc);
    } else if (rc == 0) {
      m_ended = true;  // a frame is complete and flushed; another one may follow
    } else if (in.pos > 0 || o.pos > 0) {
      m_ended = false;
    }
    return s;
  }

  bool ended() const override { return m_ended; }

 private:
  static constexpr int k_window_log_max = 23;  // 8 MiB, RFC 8878 section 7.2
  ZSTD_DStream* m_stream;
  bool m_ended = false;
};

std::unique_ptr<ContentDecoder::Layer> make_layer(ContentCoding c) {
  switch (c) {
    case ContentCoding::gzip:
    case ContentCoding::deflate:
      return std::make_unique<ZlibLayer>(c);
    case ContentCoding::br:
      return std::make_unique<BrotliLayer>();
    case ContentCoding::zstd:
      return std::make_unique<ZstdLayer>();
  }
  return nullptr;
}

const char* coding_name(ContentCoding c) {
  switch (c) {
    case ContentCoding::gzip:
      return "gzip";
    case ContentCoding::deflate:
      return "deflate";
    case ContentCoding::br:
      return "br";
    case ContentCoding::zstd:
      return "zstd";
  }
  return "";
}

}  // namespace

// One layer and the buffer it writes into: bytes [pos, len) not yet taken by the next stage.
struct ContentDecoder::Stage {
  std::unique_ptr<Layer> layer;
  ContentCoding coding = ContentCoding::gzip;
  std::unique_ptr<char[]> buffer;
  std::size_t pos = 0;
  std::size_t len = 0;
  bool full = false;     // the last step filled the buffer: the library may hold more
  bool started = false;  // it was given input
};

ContentDecoder::ContentDecoder(const ContentCodings& codings) {
  if (!codings.unknown.empty()) {
    m_failure_pending = Failure::unknown;
    m_error = "unknown Content-Encoding '" + codings.unknown +
              "' (greenfetch decodes gzip, deflate, br and zstd)";
    return;
  }
  if (codings.too_many) {
    m_failure_pending = Failure::unknown;
    m_error = "more than " + std::to_string(k_max_codings) + " Content-Encodings";
    return;
  }
  // The last coding applied is the first to undo.
  for (auto it = codings.codings.rbegin(); it != codings.codings.rend(); ++it) {
    Stage s;
    s.layer = make_layer(*it);
    s.coding = *it;
    s.buffer = std::make_unique<char[]>(k_buffer);
    m_stages.push_back(std::move(s));
  }
}

ContentDecoder::~ContentDecoder() = default;
ContentDecoder::ContentDecoder(ContentDecoder&&) noexcept = default;
ContentDecoder& ContentDecoder::operator=(ContentDecoder&&) noexcept = default;

void ContentDecoder::fail(Failure f, std::string message) {
  m_failure = f;
  m_error = std::move(message);
}

ContentDecoder::Flow ContentDecoder::push(std::size_t i) {
  Stage& s = m_stages[i];
  std::string_view piece(s.buffer.get() + s.pos, s.len - s.pos);
  if (i + 1 == m_stages.size()) {
    if (!m_sink(m_context, piece)) {
      return Flow::stopped;
    }
    s.pos = s.len = 0;
    return Flow::more;
  }
  Flow f = decode_into(i + 1, piece);
  s.pos = s.len - piece.size();
  if (s.pos == s.len) {
    s.pos = s.len = 0;
  }
  return f;
}

ContentDecoder::Flow ContentDecoder::decode_into(std::size_t i, std::string_view& src) {
  Stage& s = m_stages[i];
  if (!src.empty()) {
    s.started = true;
  }
  while (true) {
    if (s.pos < s.len) {
      Flow f = push(i);
      if (f != Flow::more) {
        return f;
      }
    }
    if (src.empty() && !s.full) {
      return Flow::more;
    }
    std::size_t before = src.size();
    Step step = s.layer->step(src, s.buffer.get(), k_buffer);
    if (step.status == StepStatus::corrupt) {
      fail(Failure::corrupt,
           std::string("corrupt ") + coding_name(s.coding) + " body: " + step.message);
      return Flow::failed;
    }
    if (step.status == StepStatus::trailing) {
      fail(Failure::trailing,
           std::string("data after the end of the ") + coding_name(s.coding) + " stream");
      return Flow::failed;
    }
    s.pos = 0;
    s.len = step.written;
    s.full = step.written == k_buffer;
    if (step.written == 0 && src.size() == before && !src.empty()) {
      // Neither input taken nor output made: the library cannot go on with these bytes.
      fail(Failure::corrupt, std::string("corrupt ") + coding_name(s.coding) + " body");
      return Flow::failed;
    }
  }
}

ContentDecoder::Fed ContentDecoder::feed_to(std::string_view in, Sink out, void* context) {
  Fed fed;
  if (m_failure != Failure::none) {
    return fed;
  }
  m_sink = out;
  m_context = context;
  if (!in.empty()) {
    m_started = true;
    if (m_failure_pending != Failure::none) {
      m_failure = m_failure_pending;  // the message is in m_error already
      return fed;
    }
  }
  // What an earlier stop left in the buffers (or in a library, behind a full buffer) first.
  for (std::size_t i = 0; i < m_stages.size(); ++i) {
    std::string_view nothing;
    Flow f = decode_into(i, nothing);
    if (f == Flow::stopped) {
      fed.stopped = true;
      return fed;
    }
    if (f == Flow::failed) {
      return fed;
    }
  }
  std::string_view src = in;
  Flow f = m_stages.empty() ? Flow::more : decode_into(0, src);
  if (m_stages.empty() && !in.empty()) {
    f = m_sink(m_context, in) ? Flow::more : Flow::stopped;
    src = f == Flow::more ? std::string_view() : in;
  }
  fed.consumed = in.size() - src.size();
  fed.stopped = f == Flow::stopped;
  return fed;
}

bool ContentDecoder::finish() {
  if (m_failure != Failure::none) {
    return false;
  }
  for (const Stage& s : m_stages) {
    if (s.started && !s.layer->ended()) {
      fail(Failure::ended_early, "compressed body ended early");
      return false;
    }
  }
  return true;
}

}  // namespace greenfetch
