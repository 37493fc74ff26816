#include "core/output/write_out.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/engine/unique_fd.hpp"
#include "core/input/url_source.hpp"

namespace {

using greenfetch::Error;
using greenfetch::Response;
using greenfetch::WriteOut;

// A response with a distinct value in every field -w can show.
Response filled_response() {
  Response r;
  r.url = "http://example.test/start?q=1";
  r.line = 7;
  r.urlnum = 3;
  r.effective_url = "https://example.test/end";
  r.scheme = "HTTPS";
  r.http_code = 201;
  r.http_version = "2";
  r.remote_ip = "192.0.2.7";
  r.remote_port = 443;
  r.local_ip = "10.0.0.2";
  r.local_port = 51234;
  r.method = "POST";
  r.referer = "https://ref.test/";
  r.num_connects = 2;
  r.ssl_verify_result = 19;
  r.content_type = "text/html; charset=utf-8";
  r.redirect_url = "https://example.test/next";
  r.num_redirects = 2;
  r.retries = 1;
  r.size_download = 12345;
  r.size_header = 321;
  r.size_request = 111;
  r.size_upload = 2000;
  r.speed_download = 24690.9;
  r.time.namelookup = 0.001234;
  r.time.connect = 0.002345;
  r.time.appconnect = 0.003456;
  r.time.pretransfer = 0.004567;
  r.time.starttransfer = 0.012345;
  r.time.redirect = 0.25;
  r.time.total = 0.5;
  r.headers = {{"Content-Type", "text/html; charset=utf-8"},
               {"X-Multi", "one"},
               {"Set-Cookie", "  a=1 \t"},
               {"x-multi", "two"},
               {"Server", "gf-test"}};
  r.body = "hello";
  r.filename_effective = "/tmp/out/end.html";
  r.error = Error::http;
  r.error_message = "The requested URL returned error: 404";
  r.curl_code = 22;
  return r;
}

std::string render(std::string_view format, const Response& r) {
  return WriteOut::parse(format).render(r);
}

// A file in the temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(std::string_view content)
      : m_path(std::filesystem::temp_directory_path() / unique_name()) {
    std::ofstream out(m_path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return m_path.string(); }

 private:
  static std::string unique_name() {
    static int count = 0;
    return "greenfetch_write_out_" + std::to_string(::getpid()) + "_" + std::to_string(count++);
  }

  std::filesystem::path m_path;
};

}  // namespace

TEST_CASE("WriteOut") {
  const Response r = filled_response();

  SUBCASE("every variable, from a filled response") {
    REQUIRE(render("%{http_code}", r) == "201");
    CHECK(render("%{response_code}", r) == "201");
    CHECK(render("%{content_type}", r) == "text/html; charset=utf-8");
    CHECK(render("%{errormsg}", r) == "The requested URL returned error: 404");
    CHECK(render("%{exitcode}", r) == "22");
    CHECK(render("%{filename_effective}", r) == "/tmp/out/end.html");
    CHECK(render("%{ftp_entry_path}", r).empty());
    CHECK(render("%{certs}", r).empty());
    CHECK(render("%{num_certs}", r) == "0");
    CHECK(render("%{http_connect}", r) == "000");
    CHECK(render("%{http_version}", r) == "2");
    CHECK(render("%{local_ip}", r) == "10.0.0.2");
    CHECK(render("%{local_port}", r) == "51234");
    CHECK(render("%{method}", r) == "POST");
    CHECK(render("%{num_connects}", r) == "2");
    CHECK(render("%{num_headers}", r) == "5");
    CHECK(render("%{num_redirects}", r) == "2");
    CHECK(render("%{proxy_ssl_verify_result}", r) == "0");
    CHECK(render("%{redirect_url}", r) == "https://example.test/next");
    CHECK(render("%{referer}", r) == "https://ref.test/");
    CHECK(render("%{remote_ip}", r) == "192.0.2.7");
    CHECK(render("%{remote_port}", r) == "443");
    CHECK(render("%{scheme}", r) == "HTTPS");
    CHECK(render("%{size_download}", r) == "12345");
    CHECK(render("%{size_header}", r) == "321");
    CHECK(render("%{size_request}", r) == "111");
    CHECK(render("%{size_upload}", r) == "2000");
    CHECK(render("%{speed_download}", r) == "24690");
    CHECK(render("%{speed_upload}", r) == "4000");  // 2000 bytes in 0.5 s
    CHECK(render("%{ssl_verify_result}", r) == "19");
    CHECK(render("%{time_namelookup}", r) == "0.001234");
    CHECK(render("%{time_connect}", r) == "0.002345");
    CHECK(render("%{time_appconnect}", r) == "0.003456");
    CHECK(render("%{time_pretransfer}", r) == "0.004567");
    CHECK(render("%{time_starttransfer}", r) == "0.012345");
    CHECK(render("%{time_redirect}", r) == "0.250000");
    CHECK(render("%{time_total}", r) == "0.500000");
    CHECK(render("%{url}", r) == "http://example.test/start?q=1");
    CHECK(render("%{url_effective}", r) == "https://example.test/end");
    CHECK(render("%{urlnum}", r) == "3");
  }

  SUBCASE("an empty response prints what curl prints for a failed transfer") {
    Response empty;
    REQUIRE(render("%{http_code}", empty) == "000");
    CHECK(render("%{response_code}", empty) == "000");
    CHECK(render("%{http_version}", empty) == "0");
    CHECK(render("%{time_total} %{time_appconnect}", empty) == "0.000000 0.000000");
    CHECK(render("%{speed_download} %{speed_upload}", empty) == "0 0");
    CHECK(render("[%{errormsg}][%{content_type}][%{scheme}][%{remote_ip}]", empty) == "[][][][]");
    CHECK(render("%{num_headers}", empty) == "0");
    Response r404;
    r404.http_code = 44;
    CHECK(render("%{http_code}", r404) == "044");
  }

  SUBCASE("variables inside text, in any case") {
    REQUIRE(render("code=%{http_code} total=%{time_total}\n", r) == "code=201 total=0.500000\n");
    CHECK(render("%{HTTP_CODE}/%{Url_Effective}", r) == "201/https://example.test/end");
    CHECK(render("%{http_code}}", r) == "201}");
    CHECK(render("", r).empty());
    CHECK(render("plain text", r) == "plain text");
  }

  SUBCASE("escapes and percent signs") {
    REQUIRE(render("a\\nb\\tc\\rd", r) == "a\nb\tc\rd");
    CHECK(render("100%%", r) == "100%");
    CHECK(render("%%{http_code}", r) == "%{http_code}");
    // curl 7.88 has no backslash escape: "\x" stays "\x", "\\" stays "\\".
    CHECK(render("d\\\\e", r) == "d\\\\e");
    CHECK(render("\\\\n", r) == "\\\\n");
    CHECK(render("\\\\\\n", r) == "\\\\\n");
    CHECK(render("a\\xb", r) == "a\\xb");
    CHECK(render("a\\%{http_code}", r) == "a\\%{http_code}");
    CHECK(render("a\\", r) == "a\\");
    // '%' not followed by '{' or "header{": both characters as they are.
    CHECK(render("a%b", r) == "a%b");
    CHECK(render("a%", r) == "a%");
    CHECK(render("a%\\n", r) == "a%\\n");
    CHECK(render("%Header{x-multi}", r) == "%Header{x-multi}");
    CHECK(render("%output{file}", r) == "%output{file}");
  }

  SUBCASE("unterminated braces are printed, the rest is still interpreted") {
    REQUIRE(render("a%{http_code", r) == "a%{http_code");
    CHECK(render("%{abc\\nx", r) == "%{abc\nx");
    CHECK(render("%header{abc\\nx", r) == "%header{abc\nx");
    CHECK(render("a%{", r) == "a%{");
    CHECK(WriteOut::parse("a%{http_code").unknown_variables().empty());
  }

  SUBCASE("unknown variables print nothing and are listed once each") {
    WriteOut w =
        WriteOut::parse("a%{foo}%{foo}%{BAR}%{}%{ http_code}%{stdout}%{stderr}%{onerror}b");
    REQUIRE(w.render(r) == "ab");
    CHECK(w.unknown_variables() ==
          std::vector<std::string>{"foo", "BAR", "", " http_code", "stdout", "stderr", "onerror"});
    CHECK(WriteOut::parse("%{http_code}%header{nope}").unknown_variables().empty());
  }

  SUBCASE("header lookup") {
    REQUIRE(render("%header{content-type}", r) == "text/html; charset=utf-8");
    CHECK(render("%header{CONTENT-TYPE}", r) == "text/html; charset=utf-8");
    CHECK(render("%header{x-multi}", r) == "one");     // the first one, as curl
    CHECK(render("%header{set-cookie}", r) == "a=1");  // trimmed
    CHECK(render("[%header{nope}]", r) == "[]");
    CHECK(render("[%header{}]", r) == "[]");
    CHECK(render("[%header{ server }]", r) == "[]");  // the name is not trimmed
    CHECK(render("%header{server}/%header{Server}", r) == "gf-test/gf-test");
  }

  SUBCASE("header_json") {
    std::string out = render("%{header_json}", r);
    REQUIRE(out ==
            "{\"content-type\":[\"text/html; charset=utf-8\"],\n"
            "\"x-multi\":[\"one\",\"two\"],\n"
            "\"set-cookie\":[\"a=1\"],\n"
            "\"server\":[\"gf-test\"]\n"
            "}");
    nlohmann::json j = nlohmann::json::parse(out);
    CHECK(j["x-multi"] == nlohmann::json::array({"one", "two"}));
    CHECK(render("%{header_json}", Response{}) == "{\n}");
  }

  SUBCASE("json has curl 7.88's keys, in its order, with its types") {
    std::string out = render("%{json}", r);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(out);
    REQUIRE(j.is_object());
    std::vector<std::string> keys;
    for (const auto& item : j.items()) {
      keys.push_back(item.key());
    }
    const std::vector<std::string> expected = {
        "certs",
        "content_type",
        "errormsg",
        "exitcode",
        "filename_effective",
        "ftp_entry_path",
        "http_code",
        "http_connect",
        "http_version",
        "local_ip",
        "local_port",
        "method",
        "num_certs",
        "num_connects",
        "num_headers",
        "num_redirects",
        "proxy_ssl_verify_result",
        "redirect_url",
        "referer",
        "remote_ip",
        "remote_port",
        "response_code",
        "scheme",
        "size_download",
        "size_header",
        "size_request",
        "size_upload",
        "speed_download",
        "speed_upload",
        "ssl_verify_result",
        "time_appconnect",
        "time_connect",
        "time_namelookup",
        "time_pretransfer",
        "time_redirect",
        "time_starttransfer",
        "time_total",
        "url",
        "url_effective",
        "urlnum",
        "curl_version",
    };
    CHECK(keys == expected);
    CHECK(j["certs"] == "");
    CHECK(j["content_type"] == "text/html; charset=utf-8");
    CHECK(j["errormsg"] == "The requested URL returned error: 404");
    CHECK(j["exitcode"] == 22);
    CHECK(j["filename_effective"] == "/tmp/out/end.html");
    CHECK(j["ftp_entry_path"].is_null());
    CHECK(j["http_code"] == 201);
    CHECK(j["http_connect"] == 0);
    CHECK(j["http_version"] == "2");
    CHECK(j["local_ip"] == "10.0.0.2");
    CHECK(j["local_port"] == 51234);
    CHECK(j["method"] == "POST");
    CHECK(j["num_certs"] == 0);
    CHECK(j["num_connects"] == 2);
    CHECK(j["num_headers"] == 5);
    CHECK(j["num_redirects"] == 2);
    CHECK(j["proxy_ssl_verify_result"] == 0);
    CHECK(j["redirect_url"] == "https://example.test/next");
    CHECK(j["referer"] == "https://ref.test/");
    CHECK(j["remote_ip"] == "192.0.2.7");
    CHECK(j["remote_port"] == 443);
    CHECK(j["response_code"] == 201);
    CHECK(j["scheme"] == "HTTPS");
    CHECK(j["size_download"] == 12345);
    CHECK(j["size_header"] == 321);
    CHECK(j["size_request"] == 111);
    CHECK(j["size_upload"] == 2000);
    CHECK(j["speed_download"] == 24690);
    CHECK(j["speed_upload"] == 4000);
    CHECK(j["ssl_verify_result"] == 19);
    CHECK(j["time_namelookup"] == doctest::Approx(0.001234));
    CHECK(j["time_total"] == doctest::Approx(0.5));
    CHECK(j["url"] == "http://example.test/start?q=1");
    CHECK(j["url_effective"] == "https://example.test/end");
    CHECK(j["urlnum"] == 3);
    CHECK(j["curl_version"].get<std::string>().starts_with("greenfetch/" GREENFETCH_VERSION));
    // Numbers as curl writes them: times with six decimals, speeds whole.
    CHECK(out.find("\"time_total\":0.500000,") != std::string::npos);
    CHECK(out.find("\"time_appconnect\":0.003456,") != std::string::npos);
    CHECK(out.find("\"speed_download\":24690,") != std::string::npos);
    CHECK(out.back() == '}');
  }

  SUBCASE("json of a failed transfer: nulls where curl has them") {
    Response failed;
    failed.url = "http://127.0.0.1:1/";
    failed.effective_url = failed.url;
    failed.error = Error::connect;
    failed.error_message = "Failed to connect";
    failed.curl_code = 7;
    nlohmann::json j = nlohmann::json::parse(render("%{json}", failed));
    REQUIRE(j.is_object());
    CHECK(j["errormsg"] == "Failed to connect");
    CHECK(j["exitcode"] == 7);
    CHECK(j["http_code"] == 0);
    CHECK(j["http_version"] == "0");
    CHECK(j["content_type"].is_null());
    CHECK(j["scheme"].is_null());
    CHECK(j["redirect_url"].is_null());
    CHECK(j["referer"].is_null());
    CHECK(j["filename_effective"].is_null());
    CHECK(j["method"].is_null());
    CHECK(j["remote_ip"] == "");
    CHECK(j["local_ip"] == "");
    nlohmann::json ok = nlohmann::json::parse(render("%{json}", Response{}));
    CHECK(ok["errormsg"].is_null());
  }

  SUBCASE("json and header_json stay valid JSON whatever the bytes") {
    Response bad = r;
    bad.url = std::string("http://x.test/\xff\xfe\"\\\x01");
    bad.error_message = "tab\there \x7f \xc3\xa9 \xe2\x82";
    bad.headers = {{"X-Bad\xC0", std::string("v\x01\x1f\xed\xa0\x80 \xf0\x9f\x98\x80")},
                   {"x-ok", "\"quoted\""}};
    nlohmann::json j = nlohmann::json::parse(render("%{json}", bad));
    REQUIRE(j.is_object());
    CHECK(j["url"] == "http://x.test/\xEF\xBF\xBD\xEF\xBF\xBD\"\\\x01");
    nlohmann::json h = nlohmann::json::parse(render("%{header_json}", bad));
    REQUIRE(h.is_object());
    CHECK(h["x-bad\xEF\xBF\xBD"][0] ==
          "v\x01\x1f\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xf0\x9f\x98\x80");
    CHECK(h["x-ok"][0] == "\"quoted\"");
    CHECK(render("%{header_json}", bad).find("\\u0001\\u001f") != std::string::npos);
    // Text variables are the bytes as they are, as curl prints them.
    CHECK(render("%{url}", bad) == bad.url);
  }

  SUBCASE("format from a file, as curl reads it") {
    TempFile file("a %{http_code}\nb\r\nc\\n\n");
    REQUIRE(render("@" + file.path(), r) == "a 201bc\n");
    {
      constexpr char k_lines[] = "a\rb\n\nc\r\r\nd\0e\nf";
      TempFile cut(std::string_view(k_lines, sizeof k_lines - 1));
      CHECK(render("@" + cut.path(), r) == "acdf");
    }
    TempFile unknown("%{nope}");
    CHECK(WriteOut::parse("@" + unknown.path()).unknown_variables() ==
          std::vector<std::string>{"nope"});
    CHECK(render(" @" + file.path(), r) == " @" + file.path());  // '@' only at the start
  }

  SUBCASE("format from stdin") {
    TempFile file("%{urlnum}:%{http_code}\n");
    REQUIRE(std::freopen(file.path().c_str(), "rb", stdin) != nullptr);
    std::string out = render("@-", r);
    std::freopen("/dev/null", "rb", stdin);
    CHECK(out == "3:201");
  }

  SUBCASE("an unreadable file is an error naming it") {
    try {
      WriteOut::parse("@/nonexistent/greenfetch/format.txt");
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("/nonexistent/greenfetch/format.txt") != std::string::npos);
    }
    CHECK_THROWS_AS(WriteOut::parse("@/"), std::invalid_argument);  // a directory
    CHECK_THROWS_AS(WriteOut::parse("@"), std::invalid_argument);
  }

  SUBCASE("render_to appends, render is repeatable") {
    WriteOut w = WriteOut::parse("%{http_code} %header{server}\\n");
    std::string out = "> ";
    w.render_to(out, r);
    REQUIRE(out == "> 201 gf-test\n");
    CHECK(w.render(r) == w.render(r));
  }
}

TEST_CASE("WriteOut::from_option") {
  using greenfetch::UniqueFd;
  using greenfetch::UsageError;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  UniqueFd r(fds[0]);
  UniqueFd w(fds[1]);
  SUBCASE("an unknown variable is a warning naming it, and prints nothing") {
    WriteOut out = WriteOut::from_option("%{http_code}%{nope}\\n", w.get());
    w.reset();
    char buf[256] = {};
    ssize_t n = ::read(r.get(), buf, sizeof buf - 1);
    CHECK(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) ==
          "greenfetch: warning: unknown --write-out variable: 'nope'\n");
    Response resp;
    resp.http_code = 204;
    CHECK(out.render(resp) == "204\n");
  }
  SUBCASE("a format file that cannot be read is a usage error naming it") {
    CHECK_THROWS_WITH_AS(WriteOut::from_option("@/nonexistent/fmt", w.get()),
                         doctest::Contains("/nonexistent/fmt"), UsageError);
  }
}
