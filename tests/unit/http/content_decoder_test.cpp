#include "core/http/content_decoder.hpp"

#include <brotli/encode.h>
#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include <stdexcept>
#include <string>

using namespace greenfetch;

namespace {

// windowBits as zlib's deflateInit2 takes them: 31 gzip, 15 zlib, -15 raw deflate.
std::string deflate_with(std::string_view plain, int window_bits) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(plain.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    throw std::runtime_error("deflate");
  }
  return out;
}

std::string gzip(std::string_view plain) {
  return deflate_with(plain, 31);
}

std::string brotli(std::string_view plain) {
  std::string out(BrotliEncoderMaxCompressedSize(plain.size()), '\0');
  std::size_t size = out.size();
  if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                             plain.size(), reinterpret_cast<const uint8_t*>(plain.data()), &size,
                             reinterpret_cast<uint8_t*>(out.data()))) {
    throw std::runtime_error("brotli");
  }
  out.resize(size);
  return out;
}

std::string zstd(std::string_view plain) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  std::size_t size = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3);
  if (ZSTD_isError(size) != 0) {
    throw std::runtime_error("zstd");
  }
  out.resize(size);
  return out;
}

ContentCodings codings_of(std::string_view header) {
  ContentCodings c;
  parse_content_encoding(header, c);
  return c;
}

struct Outcome {
  std::string body;
  bool finished = false;
  ContentDecoder::Failure failure = ContentDecoder::Failure::none;
  std::string error;
};

// Decodes `wire` as a body with this Content-Encoding, fed in chunks of `chunk` bytes.
Outcome decode(std::string_view header, std::string_view wire, std::size_t chunk = 1 << 20) {
  ContentDecoder d(codings_of(header));
  Outcome o;
  auto sink = [&](std::string_view piece) {
    o.body.append(piece);
    return true;
  };
  bool failed = false;
  while (!wire.empty() && !failed) {
    std::string_view part = wire.substr(0, chunk);
    ContentDecoder::Fed fed = d.feed(part, sink);
    failed = d.failure() != ContentDecoder::Failure::none;
    if (!failed) {
      REQUIRE(fed.consumed == part.size());
    }
    wire.remove_prefix(part.size());
  }
  o.finished = d.finish();
  o.failure = d.failure();
  o.error = d.error();
  return o;
}

std::string sample() {
  std::string s;
  for (int i = 0; i < 2000; ++i) {
    s += "line " + std::to_string(i) + " of a body that compresses well\n";
  }
  return s;
}

}  // namespace

TEST_CASE("greenfetch::parse_content_encoding") {
  SUBCASE("codings in the order applied, case and spaces aside, identity skipped") {
    ContentCodings c = codings_of(" GZip ,\tdeflate, identity,,br , zstd , x-gzip");
    CHECK(c.codings == std::vector<ContentCoding>{ContentCoding::gzip, ContentCoding::deflate,
                                                  ContentCoding::br, ContentCoding::zstd,
                                                  ContentCoding::gzip});
    CHECK(c.unknown.empty());
    CHECK_FALSE(c.too_many);
  }
  SUBCASE("a header given twice is one list") {
    ContentCodings c;
    parse_content_encoding("gzip", c);
    parse_content_encoding("br", c);
    CHECK(c.codings == std::vector<ContentCoding>{ContentCoding::gzip, ContentCoding::br});
  }
  SUBCASE("empty, identity and none are no coding") {
    CHECK(codings_of("").codings.empty());
    CHECK(codings_of(" , ").codings.empty());
    CHECK(codings_of("identity").codings.empty());
    CHECK(codings_of("none").codings.empty());
  }
  SUBCASE("an unknown coding is named as written") {
    ContentCodings c = codings_of("gzip, Compress");
    CHECK(c.unknown == "Compress");
  }
  SUBCASE("more than five codings") {
    CHECK_FALSE(codings_of("gzip,gzip,gzip,gzip,gzip").too_many);
    ContentCodings c = codings_of("gzip,gzip,gzip,gzip,gzip,gzip");
    CHECK(c.too_many);
    CHECK(c.codings.size() == ContentDecoder::k_max_codings);
  }
}

TEST_CASE("greenfetch::ContentDecoder") {
  const std::string plain = sample();

  SUBCASE("each coding decodes, whole or a byte at a time") {
    struct Case {
      const char* header;
      std::string wire;
    };
    const Case cases[] = {
        {"gzip", gzip(plain)},
        {"x-gzip", gzip(plain)},
        {"gzip", deflate_with(plain, 15)},  // zlib reads a zlib stream labelled gzip, as curl
        {"deflate", deflate_with(plain, 15)},
        {"deflate", deflate_with(plain, -15)},  // raw deflate, which servers send too
        {"br", brotli(plain)},
        {"zstd", zstd(plain)},
        {"zstd", zstd(plain.substr(0, 100)) + zstd(plain.substr(100))},  // two frames
    };
    for (const Case& c : cases) {
      CAPTURE(c.header);
      for (std::size_t chunk : {std::size_t{1 << 20}, std::size_t{1}, std::size_t{7}}) {
        CAPTURE(chunk);
        Outcome o = decode(c.header, c.wire, chunk);
        CHECK(o.finished);
        CHECK(o.failure == ContentDecoder::Failure::none);
        CHECK(o.body == plain);
      }
    }
  }

  SUBCASE("several layers are undone last one first") {
    Outcome o = decode("gzip, gzip", gzip(gzip(plain)), 100);
    CHECK(o.finished);
    CHECK(o.body == plain);
    o = decode("deflate, br", brotli(deflate_with(plain, 15)), 3);
    CHECK(o.finished);
    CHECK(o.body == plain);
    o = decode("zstd,identity,gzip", gzip(zstd(plain)));
    CHECK(o.finished);
    CHECK(o.body == plain);
  }

  SUBCASE("a stream cut short: compressed body ended early") {
    for (const char* header : {"gzip", "deflate", "br", "zstd"}) {
      CAPTURE(header);
      std::string h = header;
      std::string wire = h == "gzip"      ? gzip(plain)
                         : h == "deflate" ? deflate_with(plain, 15)
                         : h == "br"      ? brotli(plain)
                                          : zstd(plain);
      Outcome o = decode(header, wire.substr(0, wire.size() / 2));
      CHECK_FALSE(o.finished);
      CHECK(o.failure == ContentDecoder::Failure::ended_early);
      CHECK(o.error == "compressed body ended early");
      CHECK(o.body.size() < plain.size());
    }
    // Cut inside gzip's trailer (CRC-32 and size): every byte of the body came, yet.
    std::string wire = gzip(plain);
    Outcome o = decode("gzip", wire.substr(0, wire.size() - 3));
    CHECK(o.failure == ContentDecoder::Failure::ended_early);
    // The inner layer of two cut short.
    std::string inner = gzip(plain);
    o = decode("gzip, gzip", gzip(inner.substr(0, inner.size() - 5)));
    CHECK(o.failure == ContentDecoder::Failure::ended_early);
  }

  SUBCASE("corrupt data fails with the library's message") {
    std::string wire = gzip(plain);
    for (std::size_t i = 10; i < 30; ++i) {
      wire[i] = static_cast<char>(0xff);
    }
    Outcome o = decode("gzip", wire);
    CHECK(o.failure == ContentDecoder::Failure::corrupt);
    CHECK(o.error.starts_with("corrupt gzip body: "));
    CHECK(o.error.size() > std::string("corrupt gzip body: ").size());
    o = decode("gzip", "this is not gzip at all");
    CHECK(o.failure == ContentDecoder::Failure::corrupt);
    CHECK(o.error == "corrupt gzip body: incorrect header check");
    o = decode("br", "\xff\xff\xff\xff not brotli");
    CHECK(o.failure == ContentDecoder::Failure::corrupt);
    CHECK(o.error.starts_with("corrupt br body: "));
    o = decode("zstd", "not a zstd frame");
    CHECK(o.failure == ContentDecoder::Failure::corrupt);
    CHECK(o.error.starts_with("corrupt zstd body: "));
  }

  SUBCASE("bytes after the end of the stream fail, as curl fails them") {
    Outcome o = decode("gzip", gzip(plain) + "GARBAGE");
    CHECK(o.failure == ContentDecoder::Failure::trailing);
    CHECK(o.error == "data after the end of the gzip stream");
    CHECK(o.body == plain);                             // what came before is all there
    o = decode("gzip", gzip(plain) + gzip(plain), 50);  // a second member: curl fails it too
    CHECK(o.failure == ContentDecoder::Failure::trailing);
    o = decode("br", brotli(plain) + "x");
    CHECK(o.failure == ContentDecoder::Failure::trailing);
    // Raw deflate: up to 4 bytes more are tolerated, as curl does (an Adler-32 added).
    o = decode("deflate", deflate_with(plain, -15) + "1234", 2);
    CHECK(o.finished);
    CHECK(o.body == plain);
    o = decode("deflate", deflate_with(plain, -15) + "12345");
    CHECK(o.failure == ContentDecoder::Failure::trailing);
  }

  SUBCASE("an empty body is no stream: fine (HEAD, 204, 304, Content-Length: 0)") {
    for (const char* header : {"gzip", "deflate", "br", "zstd", "gzip, br", "compress"}) {
      CAPTURE(header);
      ContentDecoder d(codings_of(header));
      auto sink = [](std::string_view) { return true; };
      ContentDecoder::Fed fed = d.feed(std::string_view(), sink);
      CHECK(fed.consumed == 0);
      CHECK(d.finish());
      CHECK_FALSE(d.started());
    }
  }

  SUBCASE("an unknown coding fails at the first byte of the body") {
    Outcome o = decode("gzip, compress", "x");
    CHECK(o.failure == ContentDecoder::Failure::unknown);
    CHECK(o.error.find("'compress'") != std::string::npos);
    o = decode("gzip,gzip,gzip,gzip,gzip,gzip", "x");
    CHECK(o.failure == ContentDecoder::Failure::unknown);
  }

  SUBCASE("a sink that stops gets the same piece again, and memory stays in the buffers") {
    // 20 MiB of zeros in about 20 KiB: one feed() of the whole body never builds the 20 MiB.
    std::string zeros(20 << 20, '\0');
    std::string wire = gzip(gzip(zeros));
    zeros.clear();
    zeros.shrink_to_fit();
    ContentDecoder d(codings_of("gzip, gzip"));
    std::size_t total = 0;
    std::size_t biggest = 0;
    std::size_t calls = 0;
    std::string last_refused;
    bool refuse = false;
    auto sink = [&](std::string_view piece) {
      ++calls;
      if (refuse) {
        last_refused.assign(piece);
        refuse = false;
        return false;
      }
      if (!last_refused.empty()) {
        CHECK(piece == last_refused);  // offered again, unchanged
        last_refused.clear();
      }
      refuse = calls % 3 == 0;
      total += piece.size();
      biggest = std::max(biggest, piece.size());
      return true;
    };
    std::string_view rest = wire;
    int feeds = 0;
    while (feeds < 100000) {
      ++feeds;
      // As libcurl after a pause: the chunk again, from its first byte not yet taken.
      ContentDecoder::Fed fed = d.feed(rest.substr(0, 4096), sink);
      REQUIRE(d.failure() == ContentDecoder::Failure::none);
      rest.remove_prefix(fed.consumed);
      if (rest.empty() && !fed.stopped) {
        break;
      }
    }
    CHECK(d.finish());
    CHECK(total == 20u << 20);
    CHECK(biggest <= ContentDecoder::k_buffer);
  }
}
