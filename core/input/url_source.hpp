// The URLs of a run as a lazily read stream: command-line arguments first, then each input
// file (or stdin) line by line. Blank lines and '#' comments are skipped, and so is a UTF-8
// byte-order mark at the start of a file. A line holding a control character (a NUL byte, a
// CR inside the line, ...) is handed on marked invalid, so that it fails as invalid_url
// naming its file and line instead of being cut short and fetched. A pipe is read only when
// the reactor says it is readable, so a slow producer never blocks the other transfers.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/unique_fd.hpp"
#include "core/http/request.hpp"
#include "core/input/url_glob.hpp"

namespace greenfetch {

// A bad command line or unreadable input: exit status 2, the message names the culprit.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one line of an input file holds.
struct InputLine {
  enum class Kind { skip, url, invalid };
  Kind kind = Kind::skip;  // skip: blank or a '#' comment
  std::string_view url;    // the URL, trimmed (url and invalid)
  std::string error;       // invalid: why the line is not a URL
};

// Classifies one line (without its '\n'): blanks and tabs at either end and a CR before the
// end are trimmed; any other byte below 0x20, or 0x7f, makes the line invalid.
InputLine parse_input_line(std::string_view line);

// Reads lines from one file descriptor.
class LineReader {
 public:
  // name is used in messages ("-" for stdin). The reader owns fd unless it is stdin.
  LineReader(int fd, std::string name);
  LineReader(LineReader&& o) noexcept;
  LineReader& operator=(LineReader&&) = delete;
  LineReader(const LineReader&) = delete;
  ~LineReader();

  // The next line without its end-of-line (nor, for the first line, a UTF-8 byte-order mark),
  // or nullopt at end of input. Throws std::runtime_error (naming the input) on a read error.
  std::optional<std::string> next_line();
  uint64_t line_number() const { return m_line; }
  const std::string& name() const { return m_name; }

 private:
  bool fill();
  std::string take_line(std::string line);  // counts it; drops a BOM from line 1

  int m_fd;
  bool m_owned;
  bool m_pollable;
  bool m_eof = false;
  std::string m_name;
  std::string m_buffer;
  std::size_t m_pos = 0;
  uint64_t m_line = 0;
};

struct SourceLine {
  Request request;
  std::string origin;   // "-", a file name, or empty for a command-line argument
  uint64_t urlnum = 0;  // 0-based index of the URL in the run
  std::string invalid;  // non-empty: why the line is not a URL; nothing is to be fetched for it
};

class UrlSource {
 public:
  // Opens every file now, so a missing one is a UsageError before anything is fetched.
  // glob: expand curl's URL globs ({a,b}, [1-10]) in the command-line URLs (not in the
  // lines of files); a bad glob is a UsageError naming the URL.
  // config_files: -K files, whose "url = ..." entries stream after the URL arguments (and
  // are globbed like them); their other entries are options, read by the command line.
  UrlSource(std::vector<std::string> urls, const std::vector<std::string>& files, bool glob = false,
            const std::vector<std::string>& config_files = {});
  std::optional<SourceLine> next();

 private:
  // The next "url" entry of the -K files, globbed as arguments are; false at their end.
  bool next_config_url(SourceLine& s);

  std::vector<std::string> m_urls;
  std::size_t m_next_url = 0;
  bool m_glob = false;
  std::optional<UrlGlob> m_expanding;  // the glob being expanded (an argument or a -K url)
  std::string m_expanding_origin;      // its -K file, or empty for an argument
  uint64_t m_expanding_line = 0;
  std::vector<LineReader> m_configs;  // -K files, read before the -i ones
  std::size_t m_next_config = 0;
  std::vector<LineReader> m_readers;
  std::size_t m_next_reader = 0;
  uint64_t m_count = 0;
};

}  // namespace greenfetch
