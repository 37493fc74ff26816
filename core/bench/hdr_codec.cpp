#include "core/bench/hdr_codec.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

namespace greenfetch {

namespace {

// Cookies: the base values with 0x10 in the word-size nibble, which readers mask out.
constexpr uint32_t k_v2_cookie = 0x1c849303 | 0x10;
constexpr uint32_t k_v2_compressed_cookie = 0x1c849304 | 0x10;
constexpr uint32_t k_cookie_mask = ~uint32_t{0xf0};
constexpr std::size_t k_header_bytes = 40;  // cookie .. conversion ratio

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((v >> shift) & 0xff);
  }
}

void put_u64(std::string& out, uint64_t v) {
  put_u32(out, static_cast<uint32_t>(v >> 32));
  put_u32(out, static_cast<uint32_t>(v));
}

uint64_t get_be(std::string_view in, std::size_t at, int bytes) {
  if (at + static_cast<std::size_t>(bytes) > in.size()) {
    throw std::runtime_error("HdrHistogram encoding: truncated");
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

// ZigZag, then LEB128 in at most 9 bytes (the ninth carries 8 bits), as the format defines.
void put_varint(std::string& out, int64_t value) {
  uint64_t v = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if (v < 0x80) {
      out += static_cast<char>(v);
      return;
    }
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v & 0xff);
}

int64_t get_varint(std::string_view in, std::size_t& at) {
  uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (at >= in.size()) {
      throw std::runtime_error("HdrHistogram encoding: truncated count");
    }
    auto byte = static_cast<unsigned char>(in[at++]);
    if (i == 8) {
      v |= static_cast<uint64_t>(byte) << 56;
      break;
    }
    v |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      break;
    }
  }
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

std::string uncompressed(const Histogram& h) {
  std::string payload;
  std::size_t next = 0;  // the index after the last one written
  h.for_each_count([&](std::size_t index, uint64_t count) {
    if (index > next) {
      put_varint(payload, -static_cast<int64_t>(index - next));  // a run of zero counters
    }
    put_varint(payload, static_cast<int64_t>(count));
    next = index + 1;
  });
  std::string out;
  put_u32(out, k_v2_cookie);
  put_u32(out, static_cast<uint32_t>(payload.size()));
  put_u32(out, 0);  // normalizing index offset
  put_u32(out, static_cast<uint32_t>(h.significant_digits()));
  put_u64(out, static_cast<uint64_t>(h.lowest()));
  put_u64(out, static_cast<uint64_t>(h.highest()));
  put_u64(out, std::bit_cast<uint64_t>(1.0));  // integer to double conversion ratio
  out += payload;
  return out;
}

}  // namespace

std::string hdr_encode(const Histogram& h) {
  std::string raw = uncompressed(h);
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string deflated(size, '\0');
  if (compress(reinterpret_cast<Bytef*>(deflated.data()), &size,
               reinterpret_cast<const Bytef*>(raw.data()),
               static_cast<uLong>(raw.size())) != Z_OK) {
    throw std::runtime_error("HdrHistogram encoding: zlib failed");
  }
  deflated.resize(size);
  std::string out;
  put_u32(out, k_v2_compressed_cookie);
  put_u32(out, static_cast<uint32_t>(deflated.size()));
  return out + deflated;
}

std::string hdr_encode_base64(const Histogram& h) {
  std::string bin = hdr_encode(h);
  std::string out(4 * ((bin.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bin.data()),
                          static_cast<int>(bin.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Histogram hdr_decode(std::string_view in) {
  if ((static_cast<uint32_t>(get_be(in, 0, 4)) & k_cookie_mask) != 0x1c849304) {
    throw std::runtime_error("not a compressed HdrHistogram (V2) encoding");
  }
  auto deflated_size = static_cast<std::size_t>(get_be(in, 4, 4));
  if (8 + deflated_size > in.size()) {
    throw std::runtime_error("HdrHistogram encoding: truncated");
  }
  // Inflate in steps: the size of the result is known only from its header.
  z_stream z{};
  if (inflateInit(&z) != Z_OK) {
    throw std::runtime_error("HdrHistogram encoding: zlib failed");
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + 8));
  z.avail_in = static_cast<uInt>(deflated_size);
  std::string raw;
  int rc = Z_OK;
  char chunk[16384];
  constexpr std::size_t k_limit = std::size_t{64} << 20;  // far above any real histogram
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    raw.append(chunk, sizeof chunk - z.avail_out);
    if (raw.size() > k_limit) {
      rc = Z_DATA_ERROR;
    }
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    throw std::runtime_error("HdrHistogram encoding: bad zlib data");
  }
  if ((static_cast<uint32_t>(get_be(raw, 0, 4)) & k_cookie_mask) != 0x1c849303) {
    throw std::runtime_error("HdrHistogram encoding: not a V2 histogram inside");
  }
  auto payload = static_cast<std::size_t>(get_be(raw, 4, 4));
  auto offset = static_cast<uint32_t>(get_be(raw, 8, 4));
  auto digits = static_cast<int>(get_be(raw, 12, 4));
  auto lowest = static_cast<int64_t>(get_be(raw, 16, 8));
  auto highest = static_cast<int64_t>(get_be(raw, 24, 8));
  if (offset != 0) {
    throw std::runtime_error("HdrHistogram encoding: normalizing offsets are not supported");
  }
  if (k_header_bytes + payload > raw.size()) {
    throw std::runtime_error("HdrHistogram encoding: truncated counts");
  }
  std::optional<Histogram> made;
  try {
    made.emplace(lowest, highest, digits);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("HdrHistogram encoding: ") + e.what());
  }
  Histogram& h = *made;
  std::string_view counts(raw.data() + k_header_bytes, payload);
  std::size_t at = 0;
  std::size_t index = 0;
  while (at < counts.size()) {
    int64_t v = get_varint(counts, at);
    if (v < 0) {
      index += static_cast<std::size_t>(-v);
    } else {
      h.add_at_index(index++, static_cast<uint64_t>(v));  // throws past the end
    }
  }
  return std::move(*made);
}

Histogram hdr_decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) {
    throw std::runtime_error("not base64: length not a multiple of 4");
  }
  std::string bin(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bin.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) {
    throw std::runtime_error("not base64");
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t pad = 0;
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && pad < 2; --i) {
    ++pad;
  }
  bin.resize(static_cast<std::size_t>(n) - pad);
  return hdr_decode(bin);
}

}  // namespace greenfetch
