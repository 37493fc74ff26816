#include "core/output/json_record.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using greenfetch::Error;
using greenfetch::json_record;
using greenfetch::JsonRecordOptions;
using greenfetch::Response;
using Json = nlohmann::ordered_json;

Response filled_response() {
  Response r;
  r.url = "http://example.test/start";
  r.line = 12;
  r.effective_url = "https://example.test/end";
  r.scheme = "HTTPS";
  r.http_code = 200;
  r.http_version = "1.1";
  r.remote_ip = "192.0.2.7";
  r.remote_port = 443;
  r.content_type = "text/plain";
  r.num_redirects = 1;
  r.retries = 2;
  r.size_download = 5;
  r.size_header = 200;
  r.size_request = 80;
  r.size_upload = 0;
  r.time.namelookup = 0.001;
  r.time.connect = 0.002;
  r.time.appconnect = 0.003;
  r.time.pretransfer = 0.0035;
  r.time.starttransfer = 0.1 + 0.2;  // 0.30000000000000004: rounded to microseconds
  r.time.redirect = 0.05;
  r.time.total = 0.4;
  r.headers = {{"Content-Type", "text/plain"},
               {"Set-Cookie", "a=1"},
               {"set-cookie", " b=2 "},
               {"SET-COOKIE", "c=3"},
               {"X-One", "1"}};
  r.body = "hello";
  return r;
}

std::vector<std::string> keys_of(const Json& j) {
  std::vector<std::string> keys;
  for (const auto& item : j.items()) {
    keys.push_back(item.key());
  }
  return keys;
}

}  // namespace

TEST_CASE("json_record") {
  SUBCASE("fields, in order, with their values") {
    std::string line = json_record(filled_response());
    REQUIRE(!line.empty());
    CHECK(line.find('\n') == std::string::npos);
    Json j = Json::parse(line);
    REQUIRE(j.is_object());
    CHECK(keys_of(j) == std::vector<std::string>{"url", "line", "url_effective", "status",
                                                 "http_version", "remote_ip", "remote_port",
                                                 "headers", "content_type", "size", "time",
                                                 "redirects", "retries", "error"});
    CHECK(j["url"] == "http://example.test/start");
    CHECK(j["line"] == 12);
    CHECK(j["url_effective"] == "https://example.test/end");
    CHECK(j["status"] == 200);
    CHECK(j["http_version"] == "1.1");
    CHECK(j["remote_ip"] == "192.0.2.7");
    CHECK(j["remote_port"] == 443);
    CHECK(j["content_type"] == "text/plain");
    CHECK(keys_of(j["size"]) ==
          std::vector<std::string>{"download", "header", "request", "upload"});
    CHECK(j["size"]["download"] == 5);
    CHECK(j["size"]["header"] == 200);
    CHECK(j["size"]["request"] == 80);
    CHECK(j["size"]["upload"] == 0);
    CHECK(keys_of(j["time"]) ==
          std::vector<std::string>{"dns", "connect", "tls", "first_byte", "redirect", "total"});
    CHECK(j["time"]["dns"] == doctest::Approx(0.001));
    CHECK(j["time"]["connect"] == doctest::Approx(0.002));
    CHECK(j["time"]["tls"] == doctest::Approx(0.003));
    CHECK(j["time"]["first_byte"] == doctest::Approx(0.3));
    CHECK(j["time"]["redirect"] == doctest::Approx(0.05));
    CHECK(j["time"]["total"] == doctest::Approx(0.4));
    CHECK(line.find("\"first_byte\":0.3,") != std::string::npos);
    CHECK(j["redirects"] == 1);
    CHECK(j["retries"] == 2);
    CHECK(j["error"].is_null());
  }

  SUBCASE("headers: lower-case names, a list when repeated") {
    Json h = Json::parse(json_record(filled_response()))["headers"];
    REQUIRE(h.is_object());
    CHECK(keys_of(h) == std::vector<std::string>{"content-type", "set-cookie", "x-one"});
    CHECK(h["content-type"] == "text/plain");
    CHECK(h["set-cookie"] == Json::array({"a=1", "b=2", "c=3"}));
    CHECK(h["x-one"] == "1");
  }

  SUBCASE("nulls for what did not happen") {
    Response r;
    r.url = "http://missing.test/";
    r.effective_url = r.url;
    r.error = Error::dns;
    r.error_message = "no such name";
    Json j = Json::parse(json_record(r));
    REQUIRE(j.is_object());
    CHECK(j["line"].is_null());
    CHECK(j["status"].is_null());
    CHECK(j["http_version"].is_null());
    CHECK(j["remote_ip"].is_null());
    CHECK(j["remote_port"].is_null());
    CHECK(j["content_type"].is_null());
    CHECK(j["headers"] == Json::object());
    CHECK(j["error"] == Json{{"kind", "dns"}, {"message", "no such name"}});
    CHECK(keys_of(j["error"]) == std::vector<std::string>{"kind", "message"});
  }

  SUBCASE("invalid UTF-8 in the URL and a header still gives valid JSON") {
    Response r = filled_response();
    r.url = "http://example.test/\xff\xfe?q=\xc3";
    r.effective_url = "http://example.test/\x80";
    r.headers = {{"X-Bin", "a\xc0\xafz\x01"}, {"X-\xff", "v"}, {"x-\xfe", "w"}};
    r.error = Error::protocol;
    r.error_message = "bad \xe2\x82 answer";
    std::string line = json_record(r);
    Json j = Json::parse(line);  // throws on invalid UTF-8
    REQUIRE(j.is_object());
    CHECK(j["url"] == "http://example.test/\xEF\xBF\xBD\xEF\xBF\xBD?q=\xEF\xBF\xBD");
    CHECK(j["url_effective"] == "http://example.test/\xEF\xBF\xBD");
    CHECK(j["headers"]["x-bin"] == "a\xEF\xBF\xBD\xEF\xBF\xBDz\x01");
    // Both bad names become "x-\uFFFD": one key, not a duplicate.
    CHECK(j["headers"]["x-\xEF\xBF\xBD"] == Json::array({"v", "w"}));
    CHECK(j["headers"].size() == 2);
    CHECK(j["error"]["kind"] == "protocol");
    CHECK(j["error"]["message"] == "bad \xEF\xBF\xBD answer");
    CHECK(line.find("\\u0001") != std::string::npos);
  }

  SUBCASE("body: text when UTF-8, base64 otherwise") {
    Response r = filled_response();
    JsonRecordOptions opts;
    CHECK(!Json::parse(json_record(r, opts)).contains("body"));
    opts.include_body = true;
    r.body = "h\xc3\xa9llo \"world\"\n";
    Json j = Json::parse(json_record(r, opts));
    REQUIRE(j.contains("body"));
    CHECK(keys_of(j).back() == "body_encoding");
    CHECK(j["body"] == r.body);
    CHECK(j["body_encoding"] == "utf-8");

    r.body = std::string("\x89PNG\r\n\x1a\n\0\xff", 10);
    j = Json::parse(json_record(r, opts));
    CHECK(j["body"] == "iVBORw0KGgoA/w==");
    CHECK(j["body_encoding"] == "base64");

    r.body.clear();
    j = Json::parse(json_record(r, opts));
    CHECK(j["body"] == "");
    CHECK(j["body_encoding"] == "utf-8");
  }

  SUBCASE("base64 (RFC 4648 test vectors)") {
    using greenfetch::base64_encode;
    REQUIRE(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string("\xff\xfe\xfd\0", 4)) == "//79AA==");
  }

  SUBCASE("UTF-8 validation and repair") {
    using greenfetch::is_valid_utf8;
    using greenfetch::to_valid_utf8;
    REQUIRE(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ascii"));
    CHECK(is_valid_utf8("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
    CHECK(!is_valid_utf8("\xc0\x80"));                       // overlong
    CHECK(!is_valid_utf8("\xe0\x80\x80"));                   // overlong
    CHECK(!is_valid_utf8("\xed\xa0\x80"));                   // surrogate
    CHECK(!is_valid_utf8("\xf4\x90\x80\x80"));               // above U+10FFFF
    CHECK(!is_valid_utf8("\xe2\x82"));                       // truncated
    CHECK(!is_valid_utf8("\x80"));                           // lone continuation byte
    CHECK(to_valid_utf8("a\xe2\x82z") == "a\xEF\xBF\xBDz");  // one U+FFFD per maximal subpart
    CHECK(to_valid_utf8("\xf0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(to_valid_utf8("ok \xc3\xa9") == "ok \xc3\xa9");
  }
}
