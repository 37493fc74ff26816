#include "core/input/url_glob.hpp"

#include <fmt/format.h>

namespace greenfetch {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

[[noreturn]] void fail(std::string_view what, std::size_t at) {
  throw GlobError(fmt::format("bad URL glob at position {}: {}", at + 1, what));
}

// "[" at i opens an IPv6 literal ("[::1]", "[fe80::1%25eth0]") rather than a range.
bool ipv6_literal(std::string_view p, std::size_t i) {
  std::size_t end = p.find(']', i);
  if (end == std::string_view::npos) {
    return false;
  }
  std::string_view inside = p.substr(i + 1, end - i - 1);
  if (inside.find(':') == std::string_view::npos) {
    return false;
  }
  for (char c : inside) {
    bool ok = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
              c == '.' || c == '%' || is_letter(c);
    if (!ok) {
      return false;
    }
  }
  return true;
}

// Reads a non-negative decimal number of at most 18 digits at p[i]; advances i.
int64_t read_number(std::string_view p, std::size_t& i, int& digits) {
  int64_t v = 0;
  digits = 0;
  while (i < p.size() && is_digit(p[i])) {
    if (++digits > 18) {
      fail("number too large", i);
    }
    v = v * 10 + (p[i] - '0');
    ++i;
  }
  return v;
}

}  // namespace

UrlGlob::UrlGlob(std::string_view p) {
  std::string literal;
  std::size_t i = 0;
  std::size_t patterns = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size() &&
        std::string_view("[]{}").find(p[i + 1]) != std::string_view::npos) {
      literal += p[i + 1];
      i += 2;
    } else if (c == '{' || (c == '[' && !ipv6_literal(p, i))) {
      add_literal(std::move(literal));
      literal.clear();
      if (++patterns > k_max_patterns) {
        fail("too many patterns", i);
      }
      if (c == '{') {
        parse_set(p, i);
      } else {
        parse_range(p, i);
      }
      Piece& last = m_pieces.back();
      if (m_count > k_max_urls / last.size) {
        fail(fmt::format("expands to more than {} URLs", k_max_urls), i - 1);
      }
      m_count *= last.size;
    } else if (c == '[') {  // an IPv6 literal, as it is
      std::size_t end = p.find(']', i);
      literal.append(p.substr(i, end - i + 1));
      i = end + 1;
    } else {
      literal += c;
      ++i;
    }
  }
  add_literal(std::move(literal));
}

void UrlGlob::add_literal(std::string text) {
  if (!text.empty()) {
    Piece piece;
    piece.text = std::move(text);
    m_pieces.push_back(std::move(piece));
  }
}

// "{a,b,,c}" at p[i] == '{'; elements may be empty; "\," "\}" are literal.
void UrlGlob::parse_set(std::string_view p, std::size_t& i) {
  std::size_t open = i++;
  Piece piece;
  piece.kind = Piece::Kind::set;
  std::string element;
  for (;;) {
    if (i >= p.size()) {
      fail("unmatched brace", open);
    }
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      element += p[i + 1];
      i += 2;
    } else if (c == ',' || c == '}') {
      piece.elements.push_back(std::move(element));
      element.clear();
      ++i;
      if (c == '}') {
        break;
      }
    } else if (c == '{' || c == '[') {
      fail("nested pattern", i);
    } else {
      element += c;
      ++i;
    }
  }
  piece.size = piece.elements.size();
  m_pieces.push_back(std::move(piece));
}

// "[1-100]", "[001-100:10]", "[a-z]", "[A-Z:2]" at p[i] == '['.
void UrlGlob::parse_range(std::string_view p, std::size_t& i) {
  std::size_t open = i++;
  Piece piece;
  int64_t last = 0;
  if (i < p.size() && is_letter(p[i])) {
    piece.kind = Piece::Kind::letter;
    piece.first = static_cast<unsigned char>(p[i]);
    if (i + 2 >= p.size() || p[i + 1] != '-' || !is_letter(p[i + 2])) {
      fail("bad letter range", i);
    }
    last = static_cast<unsigned char>(p[i + 2]);
    bool same_case = (piece.first >= 'a') == (last >= 'a');
    if (!same_case) {
      fail("letter range mixes cases", i);
    }
    i += 3;
  } else if (i < p.size() && is_digit(p[i])) {
    piece.kind = Piece::Kind::number;
    bool padded = p[i] == '0';
    int digits = 0;
    piece.first = read_number(p, i, digits);
    piece.width = padded ? digits : 0;
    if (i >= p.size() || p[i] != '-') {
      fail("bad range (expected '-')", i);
    }
    ++i;
    if (i >= p.size() || !is_digit(p[i])) {
      fail("bad range end", i);
    }
    last = read_number(p, i, digits);
  } else {
    fail("bad range", i);
  }
  if (i < p.size() && p[i] == ':') {
    ++i;
    int digits = 0;
    if (i >= p.size() || !is_digit(p[i])) {
      fail("bad range step", i);
    }
    piece.step = read_number(p, i, digits);
    if (piece.step == 0) {
      fail("range step is zero", i - 1);
    }
  }
  if (i >= p.size() || p[i] != ']') {
    fail("unmatched bracket", open);
  }
  ++i;
  if (last < piece.first) {
    fail("range goes backwards", open);
  }
  piece.size = static_cast<uint64_t>((last - piece.first) / piece.step) + 1;
  m_pieces.push_back(std::move(piece));
}

void UrlGlob::append_value(const Piece& piece, std::string& out) const {
  switch (piece.kind) {
    case Piece::Kind::literal:
      out += piece.text;
      break;
    case Piece::Kind::set:
      out += piece.elements[piece.index];
      break;
    case Piece::Kind::letter:
      out += static_cast<char>(piece.first + static_cast<int64_t>(piece.index) * piece.step);
      break;
    case Piece::Kind::number:
      fmt::format_to(std::back_inserter(out), "{:0{}}",
                     piece.first + static_cast<int64_t>(piece.index) * piece.step, piece.width);
      break;
  }
}

bool UrlGlob::next(std::string& out) {
  if (m_given == m_count) {
    return false;
  }
  if (m_given > 0) {
    // The odometer: the last pattern turns fastest.
    for (std::size_t k = m_pieces.size(); k-- > 0;) {
      Piece& piece = m_pieces[k];
      if (piece.kind == Piece::Kind::literal) {
        continue;
      }
      if (++piece.index < piece.size) {
        break;
      }
      piece.index = 0;
    }
  }
  ++m_given;
  out.clear();
  for (const Piece& piece : m_pieces) {
    append_value(piece, out);
  }
  return true;
}

}  // namespace greenfetch
