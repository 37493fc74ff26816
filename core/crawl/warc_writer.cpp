#include "core/crawl/warc_writer.hpp"

#include "core/base/ascii.hpp"
#include "core/output/output.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <vector>

namespace greenfetch {

namespace {

constexpr std::string_view k_crlf = "\r\n";
constexpr std::string_view k_record_end = "\r\n\r\n";
constexpr std::string_view k_orig_transfer_encoding = "X-Greenfetch-Transfer-Encoding";
constexpr std::size_t k_scan_chunk = 1 << 20;           // bytes read at a time when scanning
constexpr std::size_t k_inflate_chunk = 256 * 1024;     // inflate output buffer when scanning
constexpr std::size_t k_first_record_keep = 64 * 1024;  // inflated bytes of record 1 kept
constexpr std::size_t k_deflate_step = 1 << 30;         // z_stream counts are 32-bit
constexpr std::size_t k_sha1_size = 20;
constexpr std::size_t k_write_piece = 1 << 20;  // a streamed record goes out in writes this size

std::string errno_text() {
  return std::strerror(errno);
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("WARC file " + path + ": " + what);
}

// ---- SHA-1 through OpenSSL's EVP interface ----

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

class Sha1 {
 public:
  Sha1() : m_ctx(EVP_MD_CTX_new()) {
    if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), EVP_sha1(), nullptr) != 1) {
      throw std::runtime_error("SHA-1 is not available from OpenSSL");
    }
  }
  void update(std::string_view data) {
    if (!data.empty() && EVP_DigestUpdate(m_ctx.get(), data.data(), data.size()) != 1) {
      throw std::runtime_error("SHA-1 update failed");
    }
  }
  std::string finish() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(m_ctx.get(), md.data(), &len) != 1 || len != k_sha1_size) {
      throw std::runtime_error("SHA-1 final failed");
    }
    return std::string(reinterpret_cast<const char*>(md.data()), len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> m_ctx;
};

// ---- zlib inflate in gzip mode, for the scan at open ----

// z_stream must not move once initialised (zlib keeps a pointer back to it), so the owner
// keeps it on the heap and moves only the pointer.
struct InflateEnd {
  void operator()(z_stream* s) const {
    inflateEnd(s);
    delete s;
  }
};

class Inflater {
 public:
  Inflater() {
    auto s = std::make_unique<z_stream>();
    if (inflateInit2(s.get(), 16 + MAX_WBITS) != Z_OK) {  // 16+: gzip wrapper, one member
      throw std::runtime_error("zlib inflateInit2 failed");
    }
    m_strm.reset(s.release());
  }
  z_stream* get() { return m_strm.get(); }

 private:
  std::unique_ptr<z_stream, InflateEnd> m_strm;
};

// The WARC-Record-ID of a warcinfo record starting at the beginning of `record`, or "".
std::string warcinfo_id_of(std::string_view record) {
  if (record.substr(0, 5) != "WARC/") {
    return {};
  }
  std::size_t end = record.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return {};
  }
  std::string_view head = record.substr(0, end + 2);
  bool is_warcinfo = false;
  std::string id;
  std::size_t pos = head.find(k_crlf) + 2;  // skip the version line
  while (pos < head.size()) {
    std::size_t eol = head.find(k_crlf, pos);
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    std::string name = ascii_lowercase(trim_line(line.substr(0, colon)));
    std::string_view value = trim_line(line.substr(colon + 1));
    if (name == "warc-type") {
      is_warcinfo = value == "warcinfo";
    } else if (name == "warc-record-id") {
      id = value;
    }
  }
  return is_warcinfo ? id : std::string();
}

bool all_zero(int fd, std::uint64_t from, std::uint64_t to) {
  std::vector<char> buf(k_scan_chunk);
  while (from < to) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), to - from));
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(from));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    if (std::any_of(buf.begin(), buf.begin() + n, [](char c) { return c != 0; })) {
      return false;
    }
    from += static_cast<std::uint64_t>(n);
  }
  return true;
}

struct ScanResult {
  std::uint64_t good_end = 0;  // end of the last complete gzip member
  std::string first_record;    // start of the first member's inflated data (if complete)
};

// Inflates the file member by member. Returns where the last complete member ends; throws
// when the data after it is neither a truncated member nor zero bytes.
ScanResult scan_members(int fd, const std::string& path, std::uint64_t file_size) {
  ScanResult result;
  Inflater inflater;
  z_stream* strm = inflater.get();
  std::vector<unsigned char> in(k_scan_chunk);
  std::vector<unsigned char> out(k_inflate_chunk);
  std::uint64_t pos = 0;  // file offset of in[0]
  bool in_member = false;
  std::uint64_t member_start = 0;
  std::uint64_t members = 0;
  std::string first;
  bool bad = false;
  while (pos < file_size && !bad) {
    ssize_t n = ::pread(fd, in.data(), in.size(), static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      fail(path, "cannot read: " + errno_text());
    }
    if (n == 0) {
      break;
    }
    strm->next_in = in.data();
    strm->avail_in = static_cast<uInt>(n);
    while (strm->avail_in > 0) {
      if (!in_member) {
        member_start = pos + static_cast<std::uint64_t>(strm->next_in - in.data());
        inflateReset(strm);
        in_member = true;
      }
      strm->next_out = out.data();
      strm->avail_out = static_cast<uInt>(out.size());
      int rc = inflate(strm, Z_NO_FLUSH);
      if (members == 0 && first.size() < k_first_record_keep) {
        std::size_t produced = out.size() - strm->avail_out;
        first.append(reinterpret_cast<const char*>(out.data()),
                     std::min(produced, k_first_record_keep - first.size()));
      }
      if (rc == Z_STREAM_END) {
        result.good_end = pos + static_cast<std::uint64_t>(strm->next_in - in.data());
        if (members == 0) {
          result.first_record = std::move(first);
        }
        ++members;
        in_member = false;
      } else if (rc == Z_BUF_ERROR) {
        break;  // needs more input than this chunk holds
      } else if (rc != Z_OK) {
        bad = true;
        break;
      }
    }
    pos += static_cast<std::uint64_t>(n);
  }
  if (bad && !all_zero(fd, member_start, file_size)) {
    fail(path,
         "not a gzip-compressed WARC file, or damaged: bad gzip data in the member at "
         "byte offset " +
             std::to_string(member_start) + " (not a truncated tail; " + "refusing to cut it off)");
  }
  return result;
}

// ---- zlib deflate in gzip mode: one member per record ----

struct DeflateEnd {
  void operator()(z_stream* s) const {
    deflateEnd(s);
    delete s;
  }
};

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append(k_crlf);
}

// Header values must stay on one line.
std::string one_line(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c != '\r' && c != '\n') {
      out += c;
    }
  }
  return out;
}

// A URI must not contain spaces or control characters; percent-encode any that slipped in so
// the header stays well formed.
std::string clean_uri(std::string_view uri) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : uri) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      out += '%';
      out += k_hex[u >> 4];
      out += k_hex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// Ends an HTTP head with exactly one blank line, adding what is missing.
std::string terminated_head(std::string_view head) {
  std::string out(head);
  if (out.empty()) {
    return out;
  }
  if (out.ends_with("\r\n\r\n")) {
    return out;
  }
  out.append(out.ends_with("\r\n") ? "\r\n" : "\r\n\r\n");
  return out;
}

// The stored body is de-chunked: rename Transfer-Encoding so that readers take the body as is.
std::string stored_response_head(std::string_view head) {
  std::string in = terminated_head(head);
  std::string out;
  out.reserve(in.size() + 16);
  std::size_t pos = 0;
  bool status_line = true;
  while (pos < in.size()) {
    std::size_t eol = in.find(k_crlf, pos);
    std::size_t next = eol == std::string::npos ? in.size() : eol + 2;
    std::string_view line(in.data() + pos, next - pos);
    std::size_t colon = line.find(':');
    if (!status_line && colon != std::string_view::npos &&
        iequals(trim_line(line.substr(0, colon)), "transfer-encoding")) {
      out.append(k_orig_transfer_encoding);
      out.append(line.substr(colon));
    } else {
      out.append(line);
    }
    status_line = false;
    pos = next;
  }
  return out;
}

}  // namespace

// Compresses whole records, each into one gzip member appended to a string.
class WarcWriter::Deflater {
 public:
  Deflater() {
    auto s = std::make_unique<z_stream>();
    if (deflateInit2(s.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("zlib deflateInit2 failed");
    }
    m_strm.reset(s.release());
  }

  void begin() { deflateReset(m_strm.get()); }
  void add(std::string_view data, std::string& out) { run(data, Z_NO_FLUSH, out); }
  void finish(std::string& out) { run({}, Z_FINISH, out); }

 private:
  void run(std::string_view data, int flush, std::string& out) {
    z_stream* s = m_strm.get();
    do {
      std::size_t step = std::min(data.size(), k_deflate_step);
      s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      s->avail_in = static_cast<uInt>(step);
      int mode = step == data.size() ? flush : Z_NO_FLUSH;
      int rc = Z_OK;
      do {
        std::size_t before = out.size();
        std::size_t room = std::max<std::size_t>(64 * 1024, deflateBound(s, s->avail_in));
        out.resize(before + room);
        s->next_out = reinterpret_cast<Bytef*>(out.data() + before);
        s->avail_out = static_cast<uInt>(room);
        rc = deflate(s, mode);
        out.resize(before + room - s->avail_out);
        if (rc == Z_STREAM_ERROR) {
          throw std::runtime_error("zlib deflate failed");
        }
      } while (s->avail_out == 0 || (mode == Z_FINISH && rc != Z_STREAM_END));
      data.remove_prefix(step);
    } while (!data.empty());
  }

  std::unique_ptr<z_stream, DeflateEnd> m_strm;
};

std::string base32_encode(std::string_view bytes) {
  static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  std::uint32_t buffer = 0;  // bits not yet written, right-aligned
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += k_alphabet[(buffer >> bits) & 0x1f];
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits > 0) {
    out += k_alphabet[(buffer << (5 - bits)) & 0x1f];
  }
  while (out.size() % 8 != 0) {
    out += '=';
  }
  return out;
}

std::string warc_sha1_digest(std::string_view data) {
  Sha1 sha;
  sha.update(data);
  return "sha1:" + base32_encode(sha.finish());
}

std::string warc_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  auto secs = us / 1'000'000;
  auto frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long>(frac));
  return buf;
}

std::string new_warc_record_id() {
  std::array<unsigned char, 16> b{};
  std::size_t got = 0;
  while (got < b.size()) {
    ssize_t n = ::getrandom(b.data() + got, b.size() - got, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw std::runtime_error("getrandom failed: " + errno_text());
    }
    got += static_cast<std::size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out = "<urn:uuid:";
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out += '-';
    }
    out += k_hex[b[i] >> 4];
    out += k_hex[b[i] & 0xf];
  }
  out += '>';
  return out;
}

WarcWriter::WarcWriter(const std::string& path, const std::string& software)
    : m_path(path), m_deflater(std::make_unique<Deflater>()) {
  m_fd.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666));
  if (!m_fd.valid()) {
    fail(path, "cannot open: " + errno_text());
  }
  if (::flock(m_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    fail(path, errno == EWOULDBLOCK ? std::string("in use by another writer")
                                    : "cannot lock: " + errno_text());
  }
  struct stat st {};
  if (::fstat(m_fd.get(), &st) != 0) {
    fail(path, "cannot stat: " + errno_text());
  }
  auto file_size = static_cast<std::uint64_t>(st.st_size);
  ScanResult scan = scan_members(m_fd.get(), path, file_size);
  if (scan.good_end < file_size) {
    if (::ftruncate(m_fd.get(), static_cast<off_t>(scan.good_end)) != 0) {
      fail(path, "cannot cut off the incomplete last record: " + errno_text());
    }
    m_recovered_bytes = file_size - scan.good_end;
  }
  m_size = scan.good_end;
  if (m_size > 0) {
    m_warcinfo_id = warcinfo_id_of(scan.first_record);
  }
  if (!m_warcinfo_id.empty()) {
    return;
  }

  // A new file (or one whose first record is not a warcinfo record): describe it.
  m_warcinfo_id = new_warc_record_id();
  std::string block = "software: " + one_line(software) +
                      "\r\nformat: WARC File Format 1.1\r\n"
                      "conformsTo: "
                      "http://iipc.github.io/warc-specifications/specifications/warc-format/"
                      "warc-1.1/\r\n";
  std::string filename =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::string head = "WARC/1.1\r\n";
  append_header(head, "WARC-Type", "warcinfo");
  append_header(head, "WARC-Record-ID", m_warcinfo_id);
  append_header(head, "WARC-Date", warc_date(std::chrono::system_clock::now()));
  append_header(head, "WARC-Filename", one_line(filename));
  append_header(head, "WARC-Block-Digest", warc_sha1_digest(block));
  append_header(head, "Content-Type", "application/warc-fields");
  append_header(head, "Content-Length", std::to_string(block.size()));
  head.append(k_crlf);
  std::string out;
  m_deflater->begin();
  m_deflater->add(head, out);
  m_deflater->add(block, out);
  m_deflater->add(k_record_end, out);
  m_deflater->finish(out);
  append(out);
}

WarcWriter::WarcWriter(WarcWriter&&) noexcept = default;
WarcWriter& WarcWriter::operator=(WarcWriter&&) noexcept = default;
WarcWriter::~WarcWriter() = default;

struct WarcResponseDigest::Hashes {
  Sha1 block;
  Sha1 payload;
};

WarcResponseDigest::WarcResponseDigest(std::string_view response_head)
    : m_stored_head(stored_response_head(response_head)), m_hashes(std::make_unique<Hashes>()) {
  m_hashes->block.update(m_stored_head);
}

WarcResponseDigest::WarcResponseDigest(WarcResponseDigest&&) noexcept = default;
WarcResponseDigest& WarcResponseDigest::operator=(WarcResponseDigest&&) noexcept = default;
WarcResponseDigest::~WarcResponseDigest() = default;

void WarcResponseDigest::update(std::string_view body_chunk) {
  m_hashes->block.update(body_chunk);
  m_hashes->payload.update(body_chunk);
  m_body_size += body_chunk.size();
}

std::pair<std::string, std::string> WarcResponseDigest::finish() {
  return {"sha1:" + base32_encode(m_hashes->block.finish()),
          "sha1:" + base32_encode(m_hashes->payload.finish())};
}

std::string WarcWriter::write(const WarcExchange& x) {
  WarcResponseDigest digest(x.response_head);
  digest.update(x.response_body);
  std::string_view body = x.response_body;
  return write_streamed(x, std::move(digest),
                        [body](const std::function<bool(std::string_view)>& piece) {
                          for (std::size_t at = 0; at < body.size(); at += k_write_piece) {
                            if (!piece(body.substr(at, k_write_piece))) {
                              return false;
                            }
                          }
                          return true;
                        });
}

std::string WarcWriter::write_streamed(const WarcExchange& x, WarcResponseDigest digest,
                                       const WarcBodyReader& body) {
  if (!m_fd.valid()) {
    throw std::logic_error("WarcWriter::write on a moved-from writer");
  }
  std::string response_id = new_warc_record_id();
  std::string date = warc_date(x.date);
  std::string uri = clean_uri(x.target_uri);
  std::string ip = one_line(x.ip_address);
  std::string out;
  m_record_bytes = 0;

  // response
  {
    const std::string& http_head = digest.stored_head();
    std::uint64_t body_size = digest.body_size();
    auto [block_digest, payload_digest] = digest.finish();
    std::string head = "WARC/1.1\r\n";
    append_header(head, "WARC-Type", "response");
    append_header(head, "WARC-Record-ID", response_id);
    append_header(head, "WARC-Date", date);
    append_header(head, "WARC-Target-URI", uri);
    if (!ip.empty()) {
      append_header(head, "WARC-IP-Address", ip);
    }
    append_header(head, "WARC-Warcinfo-ID", m_warcinfo_id);
    append_header(head, "WARC-Block-Digest", block_digest);
    append_header(head, "WARC-Payload-Digest", payload_digest);
    append_header(head, "Content-Type", "application/http;msgtype=response");
    append_header(head, "Content-Length", std::to_string(http_head.size() + body_size));
    head.append(k_crlf);
    m_deflater->begin();
    m_deflater->add(head, out);
    m_deflater->add(http_head, out);
    std::uint64_t read = 0;
    bool ok = body([&](std::string_view piece) {
      if (piece.size() > body_size - read) {
        return false;
      }
      read += piece.size();
      m_deflater->add(piece, out);
      append_part(out, /*last=*/false);
      return true;
    });
    if (!ok || read != body_size) {
      abandon_record("cannot read the body back: " + std::to_string(read) + " of " +
                     std::to_string(body_size) + " bytes");
    }
    m_deflater->add(k_record_end, out);
    m_deflater->finish(out);
  }

  // request
  if (!x.request_head.empty()) {
    std::string http_head = terminated_head(x.request_head);
    Sha1 block_sha;
    block_sha.update(http_head);
    block_sha.update(x.request_body);
    std::string head = "WARC/1.1\r\n";
    append_header(head, "WARC-Type", "request");
    append_header(head, "WARC-Record-ID", new_warc_record_id());
    append_header(head, "WARC-Date", date);
    append_header(head, "WARC-Target-URI", uri);
    if (!ip.empty()) {
      append_header(head, "WARC-IP-Address", ip);
    }
    append_header(head, "WARC-Warcinfo-ID", m_warcinfo_id);
    append_header(head, "WARC-Concurrent-To", response_id);
    append_header(head, "WARC-Block-Digest", "sha1:" + base32_encode(block_sha.finish()));
    if (!x.request_body.empty()) {
      append_header(head, "WARC-Payload-Digest", warc_sha1_digest(x.request_body));
    }
    append_header(head, "Content-Type", "application/http;msgtype=request");
    append_header(head, "Content-Length", std::to_string(http_head.size() + x.request_body.size()));
    head.append(k_crlf);
    m_deflater->begin();
    m_deflater->add(head, out);
    m_deflater->add(http_head, out);
    m_deflater->add(x.request_body, out);
    m_deflater->add(k_record_end, out);
    m_deflater->finish(out);
  }

  append_part(out, /*last=*/true);
  return response_id;
}

void WarcWriter::append_part(std::string& out, bool last) {
  if (last || out.size() >= k_write_piece) {
    if (!write_all(m_fd.get(), out)) {
      abandon_record("cannot write: " + errno_text());
    }
    m_record_bytes += out.size();
    out.clear();
  }
  if (last) {
    m_size += std::exchange(m_record_bytes, 0);
  }
}

void WarcWriter::abandon_record(const std::string& why) {
  m_record_bytes = 0;
  // Cut back what was written of the record, so that the file still ends with a complete one.
  if (::ftruncate(m_fd.get(), static_cast<off_t>(m_size)) != 0) {
    fail(m_path, why + "; nor cut back the partial record: " + errno_text());
  }
  fail(m_path, why);
}

void WarcWriter::append(const std::string& bytes) {
  if (!write_all(m_fd.get(), bytes)) {
    std::string why = errno_text();
    // Cut back a partial member so that the file still ends with a complete one.
    if (::ftruncate(m_fd.get(), static_cast<off_t>(m_size)) != 0) {
      fail(m_path, "cannot write (" + why + ") nor cut back the partial record: " + errno_text());
    }
    fail(m_path, "cannot write: " + why);
  }
  m_size += bytes.size();
}

void WarcWriter::flush() {
  if (m_fd.valid() && ::fdatasync(m_fd.get()) != 0) {
    fail(m_path, "cannot sync: " + errno_text());
  }
}

}  // namespace greenfetch
