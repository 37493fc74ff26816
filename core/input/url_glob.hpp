// curl's URL globbing: "{a,b}" sets, "[1-100]", "[001-100:10]" and "[a-z]" ranges in a
// command-line URL, expanded as a stream (an odometer over the patterns, the last one turning
// fastest, as in curl): a glob of ten million URLs never sits in memory. Written here because
// no Debian package parses curl's glob syntax.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace greenfetch {

// A pattern that is not a valid glob; what() names the 1-based position in the URL.
class GlobError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class UrlGlob {
 public:
  // Most URLs one glob may expand to (a typo like [1-99999999999] is an error, not a run
  // that never ends) and most patterns in one URL.
  static constexpr uint64_t k_max_urls = 1'000'000'000;
  static constexpr std::size_t k_max_patterns = 100;

  // Parses pattern; throws GlobError. "\[", "\]", "\{", "\}" are the characters themselves;
  // an IPv6 literal in brackets ("[::1]") is not a range.
  explicit UrlGlob(std::string_view pattern);

  // How many URLs the glob expands to (1 for a URL without patterns).
  uint64_t count() const { return m_count; }
  // Writes the next URL into out; false when all were given.
  bool next(std::string& out);

 private:
  struct Piece {
    enum class Kind { literal, set, number, letter } kind = Kind::literal;
    std::string text;                   // literal
    std::vector<std::string> elements;  // set
    int64_t first = 0;                  // number or letter range: first value
    int64_t step = 1;
    uint64_t size = 1;   // values in the range or set
    int width = 0;       // number: zero-padded to this many digits
    uint64_t index = 0;  // the odometer's current position in this piece
  };

  void parse_set(std::string_view p, std::size_t& i);
  void parse_range(std::string_view p, std::size_t& i);
  void add_literal(std::string text);
  void append_value(const Piece& piece, std::string& out) const;

  std::vector<Piece> m_pieces;
  uint64_t m_count = 1;
  uint64_t m_given = 0;
};

}  // namespace greenfetch
