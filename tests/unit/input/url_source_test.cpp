#include "core/input/url_source.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.hpp"

using namespace greenfetch;
using greenfetch::test::TempDir;

namespace {

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<SourceLine> read_all(UrlSource& source) {
  std::vector<SourceLine> lines;
  while (std::optional<SourceLine> l = source.next()) {
    lines.push_back(std::move(*l));
  }
  return lines;
}

}  // namespace

TEST_CASE("greenfetch::parse_input_line") {
  SUBCASE("blank lines and comments are skipped") {
    CHECK(parse_input_line("").kind == InputLine::Kind::skip);
    CHECK(parse_input_line(" \t\r").kind == InputLine::Kind::skip);
    CHECK(parse_input_line("  # a comment").kind == InputLine::Kind::skip);
  }
  SUBCASE("a URL is trimmed of blanks and of the CR of a CRLF ending") {
    InputLine l = parse_input_line(" \thttp://a.test/x \r");
    CHECK(l.kind == InputLine::Kind::url);
    CHECK(l.url == "http://a.test/x");
    CHECK(l.error.empty());
  }
  SUBCASE("a NUL byte makes the line invalid, whole") {
    using namespace std::string_literals;
    std::string line = "http://a.test/x\0/y"s;
    InputLine l = parse_input_line(line);
    CHECK(l.kind == InputLine::Kind::invalid);
    CHECK(l.url == line);
    CHECK(l.error == "control character 0x00 in the URL");
  }
  SUBCASE("so do other control characters, and DEL") {
    CHECK(parse_input_line("http://a.test/\x01").kind == InputLine::Kind::invalid);
    CHECK(parse_input_line("http://a.test/a\tb").kind == InputLine::Kind::invalid);
    CHECK(parse_input_line("http://a.test/a\rb").kind == InputLine::Kind::invalid);
    CHECK(parse_input_line("http://a.test/\x1b[31m").error == "control character 0x1b in the URL");
    CHECK(parse_input_line("http://a.test/\x7f").kind == InputLine::Kind::invalid);
  }
  SUBCASE("bytes of UTF-8 are not control characters") {
    CHECK(parse_input_line("http://a.test/\xc3\xa9t\xc3\xa9").kind == InputLine::Kind::url);
  }
}

TEST_CASE("greenfetch::UrlSource") {
  TempDir dir("url_source");
  SUBCASE("a UTF-8 byte-order mark at the start of a file is skipped") {
    std::string path = write_file(dir, "bom.txt", "\xEF\xBB\xBFhttp://a.test/1\nhttp://a.test/2\n");
    UrlSource source({}, {path});
    std::vector<SourceLine> lines = read_all(source);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].request.url == "http://a.test/1");
    CHECK(lines[0].request.line == 1);
    CHECK(lines[0].invalid.empty());
    CHECK(lines[1].request.url == "http://a.test/2");
  }
  SUBCASE("a BOM alone on line 1 leaves a blank line; one further on is kept") {
    std::string path = write_file(dir, "bom2.txt", "\xEF\xBB\xBF\nhttp://a.test/\xEF\xBB\xBF\n");
    UrlSource source({}, {path});
    std::vector<SourceLine> lines = read_all(source);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].request.url == "http://a.test/\xEF\xBB\xBF");
    CHECK(lines[0].request.line == 2);
  }
  SUBCASE("each file's first line may carry its own BOM") {
    std::string a = write_file(dir, "a.txt", "\xEF\xBB\xBFhttp://a.test/a");
    std::string b = write_file(dir, "b.txt", "\xEF\xBB\xBFhttp://a.test/b\n");
    UrlSource source({}, {a, b});
    std::vector<SourceLine> lines = read_all(source);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].request.url == "http://a.test/a");
    CHECK(lines[1].request.url == "http://a.test/b");
    CHECK(lines[1].origin == b);
  }
  SUBCASE("a line with a NUL byte is handed on whole, marked invalid, with its line") {
    using namespace std::string_literals;
    std::string path =
        write_file(dir, "nul.txt", "http://a.test/1\nhttp://a.test/x\0/y\nhttp://a.test/3\n"s);
    UrlSource source({"http://arg.test/"}, {path});
    std::vector<SourceLine> lines = read_all(source);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].invalid.empty());
    CHECK(lines[1].invalid.empty());
    CHECK(lines[2].request.url == "http://a.test/x\0/y"s);
    CHECK(lines[2].request.line == 2);
    CHECK(lines[2].origin == path);
    CHECK(lines[2].invalid == "control character 0x00 in the URL");
    CHECK(lines[2].urlnum == 2);
    CHECK(lines[3].invalid.empty());
    CHECK(lines[3].request.line == 3);
  }
}
