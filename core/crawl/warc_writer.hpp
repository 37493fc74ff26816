// WARC/1.1 output for `crawl --warc FILE`: every fetched URL becomes a `response` record and
// a `request` record, each compressed as its own gzip member, so the file is a valid
// multi-member .warc.gz that any WARC tool can read and index record by record.
//
// File layout: the first record of a file is a `warcinfo` record (software, format,
// conformsTo); every later record names it in WARC-Warcinfo-ID.
//
// Crash safety and resuming: the file is opened for appending and never rewritten. Each
// write() of a record pair under 1 MiB compressed hands the kernel both gzip members in one
// write(2) call (a larger one goes in 1 MiB writes, see below), so a kill -9 leaves at most
// one partially written member at the end. On open the writer inflates the file member by
// member (zlib, gzip mode, one member per inflate run) to find where the last complete
// member ends; a truncated last member (or a tail of zero bytes, as a power loss can leave)
// is cut off with ftruncate() and writing resumes there. Corrupt data that is not such a tail
// (a plain-text file, a damaged member followed by more data) is never "repaired": the
// constructor throws instead. Scanning costs one decompression of the file at open (about
// 0.3 s per GB of uncompressed records); recovered_bytes() says how much was cut off.
//
// Large bodies stream: a response body kept outside memory (crawl spools a page to an
// unlinked temporary file as it arrives, core/crawl/page_sink.hpp) comes with its digests,
// computed as it arrived (WarcResponseDigest), and is read back in pieces into the deflater
// by write_streamed(); the compressed record goes to the file in writes of about 1 MiB, so
// memory stays bounded whatever the body's size. A kill -9 in the middle of such a record
// leaves a truncated last member, which the next open cuts off (or, with --state, the cut to
// the last commit). A failed write cuts the file back to where the record began.
//
// Cost of write(): deflate (zlib level 6) plus two SHA-1 passes over the body (payload and
// block digests), about 150 MB of records per second on one core, in the calling thread.
//
// Appending to an existing file writes no second warcinfo record: the writer reads the
// WARC-Record-ID of the file's first record and keeps using it as WARC-Warcinfo-ID, so a file
// has one warcinfo record however often the crawl was resumed. Only if the first record is
// not a warcinfo record (a file started by another tool) does it write a new one before
// appending.
//
// Not thread-safe: one WarcWriter per file, used from one thread. An exclusive flock() on the
// file keeps a second process (or a second writer) from appending to it at the same time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/engine/unique_fd.hpp"

namespace greenfetch {

// One HTTP request/response pair as sent and received.
struct WarcExchange {
  std::string target_uri;    // the URL fetched (WARC-Target-URI)
  std::string ip_address;    // WARC-IP-Address; left out when empty
  std::string request_head;  // raw request: "GET /path HTTP/1.1\r\nHost: ...\r\n\r\n"
  std::string request_body;
  std::string response_head;                   // raw status line + headers + "\r\n\r\n"
  std::string_view response_body;              // raw payload as transferred, after de-chunking
  std::chrono::system_clock::time_point date;  // when the request was sent (WARC-Date)
};

// The digests of a response record, computed as its body arrives: WARC-Block-Digest covers the
// stored HTTP head then the body, WARC-Payload-Digest the body alone.
class WarcResponseDigest {
 public:
  // response_head: the raw head as in WarcExchange::response_head (stored as write() stores
  // it: Transfer-Encoding renamed, ended by a blank line).
  explicit WarcResponseDigest(std::string_view response_head);
  WarcResponseDigest(WarcResponseDigest&&) noexcept;
  WarcResponseDigest& operator=(WarcResponseDigest&&) noexcept;
  ~WarcResponseDigest();

  void update(std::string_view body_chunk);
  std::uint64_t body_size() const { return m_body_size; }
  const std::string& stored_head() const { return m_stored_head; }
  // "sha1:..." of what was given: {block, payload}. Once only.
  std::pair<std::string, std::string> finish();

 private:
  struct Hashes;
  std::string m_stored_head;
  std::unique_ptr<Hashes> m_hashes;
  std::uint64_t m_body_size = 0;
};

// Reads a body back in pieces, in order, handing each to `piece`; false when reading failed or
// `piece` returned false.
using WarcBodyReader = std::function<bool(const std::function<bool(std::string_view)>& piece)>;

class WarcWriter {
 public:
  // Opens path for appending (creating it if needed), recovering a truncated tail as described
  // above; writes a warcinfo record first when the file is new or empty. software is the
  // warcinfo "software" field, e.g. "greenfetch/0.1.0". Throws std::runtime_error naming the
  // path.
  WarcWriter(const std::string& path, const std::string& software);
  WarcWriter(WarcWriter&&) noexcept;
  WarcWriter& operator=(WarcWriter&&) noexcept;
  ~WarcWriter();

  // Writes a `response` record, then a `request` record whose WARC-Concurrent-To names the
  // response (no request record when request_head is empty). Returns the response record's
  // WARC-Record-ID ("<urn:uuid:...>"). Throws std::runtime_error naming the path; on a failed
  // or short write the file is cut back so it still ends with a complete member.
  //
  // Both records carry WARC-Block-Digest; the response (and a request with a body) also
  // carries WARC-Payload-Digest, the SHA-1 of the payload (the entity body). The stored
  // response body is de-chunked, so a "Transfer-Encoding" header in response_head is renamed
  // to "X-Greenfetch-Transfer-Encoding": a reader must not try to de-chunk the stored body.
  // A head that does not end in a blank line gets one.
  std::string write(const WarcExchange& x);

  // As write(), with the response body outside memory: `digest` was fed the body as it came
  // (its head is the one stored; x.response_head and x.response_body are not used) and `body`
  // reads the same digest.body_size() bytes back. Throws std::runtime_error naming the path
  // when writing fails or the body read back is not what was digested; the file is then cut
  // back to where the record began.
  std::string write_streamed(const WarcExchange& x, WarcResponseDigest digest,
                             const WarcBodyReader& body);

  // write() leaves each record complete in the kernel (safe from kill -9); flush() also makes
  // it durable on disk (fdatasync), e.g. before the crawl state marks the URLs done.
  void flush();

  const std::string& path() const { return m_path; }
  // WARC-Record-ID of the warcinfo record the records of this file refer to.
  const std::string& warcinfo_id() const { return m_warcinfo_id; }
  // Bytes of an incomplete last member cut off at open (0 when the file was intact).
  std::uint64_t recovered_bytes() const { return m_recovered_bytes; }
  // Current size of the file in bytes.
  std::uint64_t size() const { return m_size; }
  // The open file (for fstat; writing to it directly would break the size kept above).
  int fd() const { return m_fd.get(); }

 private:
  class Deflater;

  void append(const std::string& bytes);
  // A piece of the record being written: to the file once `out` holds enough, so that memory
  // stays bounded (m_size moves only when the record is complete: see commit_record()).
  void append_part(std::string& out, bool last);
  [[noreturn]] void abandon_record(const std::string& why);

  std::uint64_t m_record_bytes = 0;  // bytes of the record being written already in the file

  std::string m_path;
  UniqueFd m_fd;
  std::unique_ptr<Deflater> m_deflater;
  std::string m_warcinfo_id;
  std::uint64_t m_size = 0;
  std::uint64_t m_recovered_bytes = 0;
};

// Helpers, public for the tests and for other record writers.

// RFC 4648 base32 (alphabet A-Z2-7, '=' padding). Written here: neither zlib nor OpenSSL nor
// any other library Debian ships with a simple C API exposes a base32 encoder.
std::string base32_encode(std::string_view bytes);

// "sha1:" + base32 of the SHA-1 of data: the form of WARC-Block-Digest and WARC-Payload-Digest.
std::string warc_sha1_digest(std::string_view data);

// WARC-Date: UTC, ISO 8601 / W3C-DTF with microseconds ("2024-05-01T12:34:56.123456Z"), the
// sub-second precision WARC 1.1 allows (section 5.4) and that distinguishes fetches made within
// the same second.
std::string warc_date(std::chrono::system_clock::time_point t);

// A fresh "<urn:uuid:...>" with a random (version 4) UUID from getrandom().
std::string new_warc_record_id();

}  // namespace greenfetch
