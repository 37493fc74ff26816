// The Content-Encoding list parser and the streaming decoder behind --compressed
// (core/http/content_decoder). The input's first line is the header value, its second line
// the sizes of the chunks the body is fed in (as a network cuts it), the rest the body.
// Decoding must give the same bytes and the same outcome whole and in chunks, with a sink
// that refuses a piece now and then (a paused writer), never more than k_buffer bytes at a
// time.
#include <cstdint>
#include <string_view>

#include "core/http/content_decoder.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

using greenfetch::ContentDecoder;

constexpr uint64_t k_max_output = 1 << 20;  // a bomb is decoded this far, then left

struct Result {
  uint64_t size = 0;
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a of the decoded bytes
  ContentDecoder::Failure failure = ContentDecoder::Failure::none;
  bool finished = false;
  bool capped = false;
};

Result decode(const greenfetch::ContentCodings& codings, std::string_view body,
              std::string_view sizes, bool refuse_some) {
  ContentDecoder d(codings);
  Result r;
  uint64_t offers = 0;
  std::string_view refused;
  auto sink = [&](std::string_view piece) {
    if (piece.size() > ContentDecoder::k_buffer) {
      __builtin_trap();
    }
    if (!refused.empty() && piece != refused) {
      __builtin_trap();  // a refused piece must come again, unchanged, first
    }
    refused = {};
    if (refuse_some && ++offers % 3 == 0) {
      refused = piece;
      return false;
    }
    for (char c : piece) {
      r.hash = (r.hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    r.size += piece.size();
    return true;
  };
  bool failed = false;
  greenfetch::fuzz::for_each_chunk(body, sizes, [&](std::string_view chunk) {
    // As libcurl after a pause: the same chunk again, from its first byte not yet taken.
    for (int tries = 0; tries < 1 << 20 && !failed && !r.capped; ++tries) {
      ContentDecoder::Fed fed = d.feed(chunk, sink);
      if (d.failure() != ContentDecoder::Failure::none) {
        failed = true;
      }
      if (fed.consumed > chunk.size()) {
        __builtin_trap();
      }
      chunk.remove_prefix(fed.consumed);
      r.capped = r.size > k_max_output;
      if (!fed.stopped && (chunk.empty() || failed)) {
        break;
      }
    }
  });
  if (!failed && !r.capped) {
    // A refused piece at the very end is offered again by a feed of nothing.
    for (int tries = 0; tries < 8; ++tries) {
      std::string_view nothing;
      if (!d.feed(nothing, sink).stopped) {
        break;
      }
    }
    r.finished = d.finish();
  }
  r.failure = d.failure();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest;
  std::string_view header =
      greenfetch::fuzz::first_line(greenfetch::fuzz::as_text(data, size), rest);
  std::string_view body;
  std::string_view sizes = greenfetch::fuzz::first_line(rest, body);
  greenfetch::ContentCodings codings;
  greenfetch::parse_content_encoding(header, codings);
  if (codings.codings.size() > ContentDecoder::k_max_codings) {
    __builtin_trap();
  }
  Result whole = decode(codings, body, {}, false);
  Result cut = decode(codings, body, sizes, true);
  if (whole.capped || cut.capped) {
    return 0;
  }
  if (whole.finished != cut.finished || whole.failure != cut.failure) {
    __builtin_trap();
  }
  if (whole.failure == ContentDecoder::Failure::none &&
      (whole.size != cut.size || whole.hash != cut.hash)) {
    __builtin_trap();
  }
  return 0;
}
