#include "core/crawl/warc_writer.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base/ascii.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace greenfetch;
using greenfetch::test::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::uint64_t file_size(const std::string& path) {
  return std::filesystem::file_size(path);
}

// ---- a small independent reader: inflate member by member, one record per member ----

struct InflateEnd {
  void operator()(z_stream* s) const {
    inflateEnd(s);
    delete s;
  }
};

struct Record {
  std::uint64_t offset = 0;  // of its gzip member in the file
  std::uint64_t end = 0;     // end of that member
  std::string version;
  std::map<std::string, std::string> fields;  // names lower-cased
  std::string block;

  std::string field(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  }
  bool has(const std::string& name) const { return fields.count(name) != 0; }
  // HTTP head and payload of an application/http block.
  std::string http_head() const { return block.substr(0, block.find("\r\n\r\n") + 4); }
  std::string payload() const { return block.substr(block.find("\r\n\r\n") + 4); }
};

Record parse_record(const std::string& data) {
  Record r;
  std::size_t head_end = data.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  std::size_t pos = data.find("\r\n");
  r.version = data.substr(0, pos);
  pos += 2;
  while (pos < head_end + 2) {
    std::size_t eol = data.find("\r\n", pos);
    std::string line = data.substr(pos, eol - pos);
    pos = eol + 2;
    std::size_t colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.erase(0, 1);
    }
    std::string name = ascii_lowercase(line.substr(0, colon));
    REQUIRE_MESSAGE(r.fields.count(name) == 0, "repeated field " << name);
    r.fields[name] = value;
  }
  std::size_t length = std::stoull(r.field("content-length"));
  std::size_t block_start = head_end + 4;
  REQUIRE(data.size() == block_start + length + 4);  // exactly one record in the member
  r.block = data.substr(block_start, length);
  CHECK(data.substr(block_start + length) == "\r\n\r\n");
  return r;
}

std::vector<Record> read_warc(const std::string& path) {
  std::string file = read_file(path);
  std::vector<Record> records;
  std::size_t pos = 0;
  while (pos < file.size()) {
    std::unique_ptr<z_stream, InflateEnd> strm(new z_stream{});
    REQUIRE(inflateInit2(strm.get(), 16 + MAX_WBITS) == Z_OK);
    strm->next_in = reinterpret_cast<Bytef*>(file.data() + pos);
    strm->avail_in = static_cast<uInt>(file.size() - pos);
    std::string out;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      char buf[65536];
      strm->next_out = reinterpret_cast<Bytef*>(buf);
      strm->avail_out = sizeof buf;
      rc = inflate(strm.get(), Z_NO_FLUSH);
      REQUIRE_MESSAGE((rc == Z_OK || rc == Z_STREAM_END), "inflate error at " << pos);
      out.append(buf, sizeof buf - strm->avail_out);
    }
    std::size_t end = file.size() - strm->avail_in;
    Record r = parse_record(out);
    r.offset = pos;
    r.end = end;
    records.push_back(std::move(r));
    pos = end;
  }
  return records;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) {
    c = static_cast<char>(rng() & 0xff);
  }
  return out;
}

// body must outlive the exchange (response_body is a view).
WarcExchange exchange(const std::string& url, std::string_view body) {
  WarcExchange x;
  x.target_uri = url;
  x.ip_address = "192.0.2.7";
  x.request_head = "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: greenfetch/test\r\n\r\n";
  x.response_head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  x.response_body = body;
  x.date = std::chrono::system_clock::now();
  return x;
}

// Checks what every record written by WarcWriter must satisfy.
void check_record(const Record& r, const std::string& warcinfo_id) {
  CHECK(r.version == "WARC/1.1");
  CHECK(r.has("warc-record-id"));
  CHECK(r.has("warc-date"));
  CHECK(r.field("warc-block-digest") == warc_sha1_digest(r.block));
  std::string type = r.field("warc-type");
  if (type == "warcinfo") {
    CHECK(r.field("content-type") == "application/warc-fields");
    return;
  }
  CHECK(r.field("warc-warcinfo-id") == warcinfo_id);
  CHECK(r.has("warc-target-uri"));
  if (type == "response") {
    CHECK(r.field("content-type") == "application/http;msgtype=response");
    CHECK(r.field("warc-payload-digest") == warc_sha1_digest(r.payload()));
  } else {
    CHECK(type == "request");
    CHECK(r.field("content-type") == "application/http;msgtype=request");
  }
}

void check_file(const std::vector<Record>& records) {
  REQUIRE(!records.empty());
  CHECK(records[0].field("warc-type") == "warcinfo");
  std::string info_id = records[0].field("warc-record-id");
  std::set<std::string> ids;
  for (const Record& r : records) {
    check_record(r, info_id);
    CHECK(ids.insert(r.field("warc-record-id")).second);
  }
}

// "<urn:uuid:xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx>": lower-case hex, version 4, variant
// V in 8/9/a/b.
bool is_record_id(const std::string& id) {
  const std::string prefix = "<urn:uuid:";
  if (id.size() != prefix.size() + 36 + 1 || !id.starts_with(prefix) || id.back() != '>') {
    return false;
  }
  std::string uuid = id.substr(prefix.size(), 36);
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    char c = uuid[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (c == '-')) {
      return false;
    }
    if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return uuid[14] == '4' && std::string("89ab").find(uuid[19]) != std::string::npos;
}

}  // namespace

TEST_CASE("base32_encode follows RFC 4648") {
  CHECK(base32_encode("") == "");
  CHECK(base32_encode("f") == "MY======");
  CHECK(base32_encode("fo") == "MZXQ====");
  CHECK(base32_encode("foo") == "MZXW6===");
  CHECK(base32_encode("foob") == "MZXW6YQ=");
  CHECK(base32_encode("fooba") == "MZXW6YTB");
  CHECK(base32_encode("foobar") == "MZXW6YTBOI======");
  CHECK(base32_encode(std::string("\xff\x00\xff\x00\xff", 5)) == "74AP6AH7");
}

TEST_CASE("warc_sha1_digest is sha1: + base32 of SHA-1") {
  CHECK(warc_sha1_digest("") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
  CHECK(warc_sha1_digest("abc") == "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
  CHECK(warc_sha1_digest("hello world") == "sha1:FKXGYNOJJ7H3IFO35FPUBC445EPOQRXN");
}

TEST_CASE("warc_date is UTC ISO 8601 with microseconds") {
  using namespace std::chrono;
  CHECK(warc_date(system_clock::time_point{}) == "1970-01-01T00:00:00.000000Z");
  auto t =
      sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{59} + microseconds{123456};
  CHECK(warc_date(time_point_cast<system_clock::duration>(t)) == "2024-02-29T23:59:59.123456Z");
  CHECK(warc_date(system_clock::time_point{} - milliseconds{1}) == "1969-12-31T23:59:59.999000Z");
}

TEST_CASE("new_warc_record_id is a random version 4 UUID URN") {
  CHECK(is_record_id("<urn:uuid:0f1e2d3c-4b5a-4978-8a9b-abcdefabcdef>"));
  CHECK_FALSE(is_record_id("<urn:uuid:0f1e2d3c-4b5a-3978-8a9b-abcdefabcdef>"));  // version 3
  CHECK_FALSE(is_record_id("<urn:uuid:0f1e2d3c-4b5a-4978-ca9b-abcdefabcdef>"));  // variant
  CHECK_FALSE(is_record_id("urn:uuid:0f1e2d3c-4b5a-4978-8a9b-abcdefabcdef"));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_warc_record_id();
    CHECK(is_record_id(id));
    CHECK(seen.insert(id).second);
  }
}

TEST_CASE("WarcWriter writes warcinfo, then response + request pairs") {
  TempDir dir("warc_test");
  std::string path = dir.file("crawl.warc.gz");
  std::string body = "<html>hello</html>";
  std::vector<std::string> response_ids;
  std::string info_id;
  {
    WarcWriter w(path, "greenfetch/9.9.9");
    info_id = w.warcinfo_id();
    CHECK(is_record_id(info_id));
    CHECK(w.recovered_bytes() == 0);
    for (int i = 0; i < 3; ++i) {
      WarcExchange x = exchange("http://example.com/" + std::to_string(i), body);
      if (i == 1) {
        x.ip_address.clear();
      }
      response_ids.push_back(w.write(x));
      CHECK(is_record_id(response_ids.back()));
    }
    w.flush();
    CHECK(w.size() == file_size(path));
  }
  std::vector<Record> records = read_warc(path);
  REQUIRE(records.size() == 7);
  check_file(records);

  const Record& info = records[0];
  CHECK(info.field("warc-record-id") == info_id);
  CHECK(info.field("warc-filename") == "crawl.warc.gz");
  CHECK(info.block.find("software: greenfetch/9.9.9\r\n") != std::string::npos);
  CHECK(info.block.find("format: WARC File Format 1.1\r\n") != std::string::npos);
  CHECK(!info.has("warc-warcinfo-id"));

  for (int i = 0; i < 3; ++i) {
    const Record& resp = records[1 + 2 * i];
    const Record& req = records[2 + 2 * i];
    std::string url = "http://example.com/" + std::to_string(i);
    CHECK(resp.field("warc-type") == "response");
    CHECK(resp.field("warc-record-id") == response_ids[i]);
    CHECK(resp.field("warc-target-uri") == url);
    CHECK(resp.payload() == body);
    CHECK(resp.field("warc-payload-digest") == warc_sha1_digest(body));
    CHECK(resp.http_head().starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(req.field("warc-type") == "request");
    CHECK(req.field("warc-concurrent-to") == response_ids[i]);
    CHECK(req.field("warc-target-uri") == url);
    CHECK(req.field("warc-date") == resp.field("warc-date"));
    CHECK(req.block.starts_with("GET / HTTP/1.1\r\nHost: example.com\r\n"));
    CHECK(!req.has("warc-payload-digest"));
    if (i == 1) {
      CHECK(!resp.has("warc-ip-address"));
      CHECK(!req.has("warc-ip-address"));
    } else {
      CHECK(resp.field("warc-ip-address") == "192.0.2.7");
      CHECK(req.field("warc-ip-address") == "192.0.2.7");
    }
  }
}

TEST_CASE("WarcWriter::write_streamed: digests as the body came, body read back in pieces") {
  TempDir dir("warc_test");
  std::string path = dir.file("stream.warc.gz");
  // Over the writer's 1 MiB write piece: the record goes out in several writes.
  std::string body(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 rng(7);
  for (char& c : body) {
    c = static_cast<char>(rng());
  }
  std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto reader = [&body](const std::function<bool(std::string_view)>& piece) {
    for (std::size_t at = 0; at < body.size(); at += 65536) {
      if (!piece(std::string_view(body).substr(at, 65536))) {
        return false;
      }
    }
    return true;
  };
  auto digest_of = [&](std::string_view b) {
    WarcResponseDigest d(head);
    for (std::size_t at = 0; at < b.size(); at += 4096) {
      d.update(b.substr(at, 4096));
    }
    return d;
  };
  SUBCASE("the record is the one write() makes of the same exchange") {
    std::uint64_t before = 0;
    {
      WarcWriter w(path, "greenfetch/9.9.9");
      before = w.size();
      WarcExchange x = exchange("http://example.com/big", {});
      w.write_streamed(x, digest_of(body), reader);
      CHECK(w.size() == file_size(path));
      CHECK(w.size() > before);
    }
    std::vector<Record> records = read_warc(path);
    REQUIRE(records.size() == 3);
    check_file(records);
    const Record& resp = records[1];
    CHECK(resp.payload() == body);
    CHECK(resp.field("warc-payload-digest") == warc_sha1_digest(body));
    CHECK(resp.http_head().find("X-Greenfetch-Transfer-Encoding: chunked") != std::string::npos);
    CHECK(records[2].field("warc-concurrent-to") == resp.field("warc-record-id"));
  }
  SUBCASE("a body read back shorter than digested: the record is cut back, the error named") {
    std::uint64_t before = 0;
    {
      WarcWriter w(path, "greenfetch/9.9.9");
      before = w.size();
      WarcExchange x = exchange("http://example.com/big", {});
      std::string shorter = body.substr(0, body.size() - 1);
      auto short_reader = [&shorter](const std::function<bool(std::string_view)>& piece) {
        for (std::size_t at = 0; at < shorter.size(); at += 65536) {
          if (!piece(std::string_view(shorter).substr(at, 65536))) {
            return false;
          }
        }
        return true;
      };
      CHECK_THROWS_WITH_AS(w.write_streamed(x, digest_of(body), short_reader),
                           doctest::Contains("cannot read the body back"), std::runtime_error);
      CHECK(w.size() == before);
      CHECK(file_size(path) == before);
      w.write(exchange("http://example.com/after", "ok"));
    }
    std::vector<Record> records = read_warc(path);
    REQUIRE(records.size() == 3);
    check_file(records);
    CHECK(records[1].field("warc-target-uri") == "http://example.com/after");
  }
}

TEST_CASE("WarcWriter record fields: date, heads, request bodies, odd URIs") {
  TempDir dir("warc_test");
  std::string path = dir.file("fields.warc.gz");
  using namespace std::chrono;
  WarcExchange x;
  x.target_uri = "http://example.com/a b\r\nX-Evil: 1";
  x.request_head =
      "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 7";  // no blank line
  x.request_body = "a=1&b=2";
  x.response_head =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n";
  std::string body = "de-chunked body";
  x.response_body = body;
  x.date = time_point_cast<system_clock::duration>(sys_days{year{2023} / 7 / 14} + hours{1} +
                                                   seconds{2} + microseconds{3});
  {
    WarcWriter w(path, "greenfetch/1.0");
    w.write(x);
    // no request head: only the response record
    WarcExchange y = x;
    y.request_head.clear();
    y.target_uri = "https://example.org/";
    w.write(y);
  }
  std::vector<Record> records = read_warc(path);
  REQUIRE(records.size() == 4);
  check_file(records);
  const Record& resp = records[1];
  const Record& req = records[2];
  CHECK(resp.field("warc-date") == "2023-07-14T01:00:02.000003Z");
  CHECK(resp.field("warc-target-uri") == "http://example.com/a%20b%0D%0AX-Evil:%201");
  CHECK(!resp.has("x-evil"));
  CHECK(resp.http_head() ==
        "HTTP/1.1 200 OK\r\nX-Greenfetch-Transfer-Encoding: chunked\r\n"
        "Content-Type: text/plain\r\n\r\n");
  CHECK(resp.payload() == body);
  CHECK(req.block ==
        "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 7\r\n\r\na=1&b=2");
  CHECK(req.field("warc-payload-digest") == warc_sha1_digest("a=1&b=2"));
  CHECK(records[3].field("warc-type") == "response");
  CHECK(records[3].field("warc-target-uri") == "https://example.org/");
}

TEST_CASE("WarcWriter stores binary bodies byte for byte") {
  TempDir dir("warc_test");
  std::string path = dir.file("binary.warc.gz");
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) {
    all_bytes += static_cast<char>(i);
  }
  all_bytes += "\r\n\r\nWARC/1.1\r\n\r\n";  // looks like record syntax, must not confuse anything
  all_bytes += std::string(1000, '\0');
  std::string big = random_bytes(3 * 1024 * 1024 + 17, 42);  // incompressible, several MB
  std::vector<std::string> bodies = {all_bytes, big, std::string()};
  {
    WarcWriter w(path, "greenfetch/1.0");
    for (const std::string& b : bodies) {
      w.write(exchange("http://example.com/bin", b));
    }
  }
  std::vector<Record> records = read_warc(path);
  REQUIRE(records.size() == 7);
  check_file(records);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const Record& resp = records[1 + 2 * i];
    CHECK(resp.payload() == bodies[i]);
    CHECK(resp.field("warc-payload-digest") == warc_sha1_digest(bodies[i]));
  }
  CHECK(records[5].field("warc-payload-digest") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
}

TEST_CASE("WarcWriter appends to an existing file without a second warcinfo") {
  TempDir dir("warc_test");
  std::string path = dir.file("append.warc.gz");
  std::string body = "first";
  std::string info_id;
  {
    WarcWriter w(path, "greenfetch/1.0");
    info_id = w.warcinfo_id();
    w.write(exchange("http://example.com/1", body));
  }
  std::uint64_t size_before = file_size(path);
  std::string bytes_before = read_file(path);
  {
    WarcWriter w(path, "greenfetch/1.1");
    CHECK(w.warcinfo_id() == info_id);
    CHECK(w.recovered_bytes() == 0);
    CHECK(w.size() == size_before);
    w.write(exchange("http://example.com/2", body));
  }
  CHECK(read_file(path).substr(0, size_before) == bytes_before);  // never rewritten
  std::vector<Record> records = read_warc(path);
  REQUIRE(records.size() == 5);
  check_file(records);
  int warcinfos = 0;
  for (const Record& r : records) {
    warcinfos += r.field("warc-type") == "warcinfo" ? 1 : 0;
  }
  CHECK(warcinfos == 1);
  CHECK(records[3].field("warc-target-uri") == "http://example.com/2");
  CHECK(records[3].field("warc-warcinfo-id") == info_id);

  SUBCASE("an empty existing file gets a warcinfo record") {
    std::string empty = dir.file("empty.warc.gz");
    write_file(empty, "");
    { WarcWriter w(empty, "greenfetch/1.0"); }
    std::vector<Record> r = read_warc(empty);
    REQUIRE(r.size() == 1);
    CHECK(r[0].field("warc-type") == "warcinfo");
  }
}

TEST_CASE("WarcWriter cuts off a truncated last record and appends after it") {
  TempDir dir("warc_test");
  std::string path = dir.file("cut.warc.gz");
  std::string body = random_bytes(5000, 7);
  {
    WarcWriter w(path, "greenfetch/1.0");
    w.write(exchange("http://example.com/a", body));
    w.write(exchange("http://example.com/b", body));
  }
  std::vector<Record> whole = read_warc(path);
  REQUIRE(whole.size() == 5);
  std::string original = read_file(path);
  const Record& last = whole.back();  // the request record of /b

  SUBCASE("cut at every byte of the last member") {
    for (std::uint64_t cut = last.offset + 1; cut < last.end; ++cut) {
      write_file(path, original.substr(0, cut));
      WarcWriter w(path, "greenfetch/1.0");
      REQUIRE(w.recovered_bytes() == cut - last.offset);
      REQUIRE(w.size() == last.offset);
      REQUIRE(file_size(path) == last.offset);
    }
    {
      WarcWriter w(path, "greenfetch/1.0");
      w.write(exchange("http://example.com/c", body));
    }
    std::vector<Record> records = read_warc(path);
    REQUIRE(records.size() == 6);  // lost only the partial request record of /b
    check_file(records);
    CHECK(records[3].field("warc-target-uri") == "http://example.com/b");
    CHECK(records[4].field("warc-target-uri") == "http://example.com/c");
    CHECK(records[4].field("warc-type") == "response");
  }

  SUBCASE("cut inside a response record (a write() killed half way)") {
    const Record& resp_b = whole[3];
    std::uint64_t cut = resp_b.offset + (resp_b.end - resp_b.offset) / 2;
    write_file(path, original.substr(0, cut));
    {
      WarcWriter w(path, "greenfetch/1.0");
      CHECK(w.recovered_bytes() == cut - resp_b.offset);
      w.write(exchange("http://example.com/c", body));
    }
    std::vector<Record> records = read_warc(path);
    REQUIRE(records.size() == 5);
    check_file(records);
    CHECK(records[3].field("warc-target-uri") == "http://example.com/c");
  }

  SUBCASE("cut exactly at a member boundary: nothing to recover") {
    write_file(path, original.substr(0, last.offset));
    WarcWriter w(path, "greenfetch/1.0");
    CHECK(w.recovered_bytes() == 0);
    CHECK(file_size(path) == last.offset);
  }

  SUBCASE("a tail of zero bytes (power loss) is cut off") {
    write_file(path, original + std::string(4096, '\0'));
    WarcWriter w(path, "greenfetch/1.0");
    CHECK(w.recovered_bytes() == 4096);
    CHECK(read_file(path) == original);
  }

  SUBCASE("only a partial warcinfo record: starts over with a new one") {
    write_file(path, original.substr(0, whole[0].end / 2));
    {
      WarcWriter w(path, "greenfetch/1.0");
      CHECK(w.recovered_bytes() == whole[0].end / 2);
      CHECK(w.warcinfo_id() != whole[0].field("warc-record-id"));
      w.write(exchange("http://example.com/c", body));
    }
    std::vector<Record> records = read_warc(path);
    REQUIRE(records.size() == 3);
    check_file(records);
  }

  SUBCASE("damage that is not a truncated tail is refused, the file left alone") {
    std::string damaged = original;
    damaged[whole[2].offset + 20] ^= 0x55;  // inside a member followed by more members
    write_file(path, damaged);
    CHECK_THROWS_WITH_AS(WarcWriter(path, "greenfetch/1.0"), doctest::Contains(path.c_str()),
                         std::runtime_error);
    CHECK(read_file(path) == damaged);
  }

  SUBCASE("a file that is not gzip is refused") {
    std::string plain = "WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n";
    write_file(path, plain);
    CHECK_THROWS_WITH_AS(WarcWriter(path, "greenfetch/1.0"), doctest::Contains(path.c_str()),
                         std::runtime_error);
    CHECK(read_file(path) == plain);
  }
}

TEST_CASE("WarcWriter appends after a first record that is not warcinfo") {
  TempDir dir("warc_test");
  std::string path = dir.file("foreign.warc.gz");
  std::string body = "x";
  {
    WarcWriter w(path, "greenfetch/1.0");
    w.write(exchange("http://example.com/", body));
  }
  std::vector<Record> whole = read_warc(path);
  std::string original = read_file(path);
  // drop the warcinfo member: the file now starts with a response record
  write_file(path, original.substr(whole[1].offset));
  std::string new_info;
  {
    WarcWriter w(path, "greenfetch/1.0");
    new_info = w.warcinfo_id();
    CHECK(new_info != whole[0].field("warc-record-id"));
    w.write(exchange("http://example.com/2", body));
  }
  std::vector<Record> records = read_warc(path);
  REQUIRE(records.size() == 5);
  CHECK(records[2].field("warc-type") == "warcinfo");
  CHECK(records[2].field("warc-record-id") == new_info);
  CHECK(records[3].field("warc-warcinfo-id") == new_info);
}

TEST_CASE("WarcWriter errors name the path; one writer per file") {
  TempDir dir("warc_test");
  std::string missing = dir.file("no/such/dir/x.warc.gz");
  CHECK_THROWS_WITH_AS(WarcWriter(missing, "greenfetch/1.0"), doctest::Contains(missing.c_str()),
                       std::runtime_error);
  std::string path = dir.file("locked.warc.gz");
  WarcWriter first(path, "greenfetch/1.0");
  CHECK_THROWS_WITH_AS(WarcWriter(path, "greenfetch/1.0"), doctest::Contains(path.c_str()),
                       std::runtime_error);
  WarcWriter moved = std::move(first);  // the lock moves with the descriptor
  CHECK_THROWS_AS(WarcWriter(path, "greenfetch/1.0"), std::runtime_error);
  std::string body = "ok";
  moved.write(exchange("http://example.com/", body));
  CHECK(read_warc(path).size() == 3);
}

// For tests/e2e/warc_validate.js: GREENFETCH_WARC_SAMPLE=/tmp/sample.warc.gz writes a sample
// file there (text, binary, empty, de-chunked and POST bodies), kept after the test.
TEST_CASE("WarcWriter sample file for the warcio check") {
  const char* env = std::getenv("GREENFETCH_WARC_SAMPLE");
  if (env == nullptr) {
    return;
  }
  std::string out = env;
  std::filesystem::remove(out);
  WarcWriter w(out, "greenfetch/0.1.0");
  std::string html = "<!doctype html><title>hi</title><a href=\"/next\">next</a>\n";
  std::string binary = random_bytes(200000, 3);
  std::string empty;
  std::string chunked_body = random_bytes(3000, 5);
  WarcExchange a = exchange("http://example.com/", html);
  a.response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
                    std::to_string(html.size()) + "\r\n\r\n";
  w.write(a);
  w.write(exchange("http://example.com/blob.bin", binary));
  WarcExchange c = exchange("http://example.com/empty", empty);
  // (warcio.js 2.4.11 misreads a head with no header field at all: keep one here)
  c.response_head = "HTTP/1.1 204 No Content\r\nServer: test\r\n\r\n";
  w.write(c);
  WarcExchange d = exchange("https://example.com/chunked", chunked_body);
  d.response_head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  w.write(d);
  WarcExchange e = exchange("https://example.com/form", html);
  e.request_head = "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\n";
  e.request_body = "a=1";
  w.write(e);
  w.flush();
  MESSAGE("sample WARC written to " << out);
}
