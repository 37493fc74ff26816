// Written here from the URL Standard's text (https://url.spec.whatwg.org/#host-parsing):
// Debian 12 packages no WHATWG URL parser (no ada, no other), and libcurl's URL API follows
// RFC 3986, not the Standard, for hosts (it keeps "%41", refuses "0xc0.0250.01" forms it does
// not know, accepts "256.256.256.256" as a name).
#include "core/url/host.hpp"

#include "core/base/ascii.hpp"
#include "core/base/utf8.hpp"
#include "core/url/idna.hpp"

#include <array>
#include <vector>

namespace greenfetch {

namespace {

// Any value above this is "too large" for every check that follows; saturating keeps the
// arithmetic in range however long the digit string is.
constexpr std::uint64_t k_saturated = std::uint64_t{1} << 40;

// The Standard's "IPv4 number parser": decimal, octal with a leading 0, hex with 0x; an empty
// number after the prefix is 0.
std::optional<std::uint64_t> parse_ipv4_number(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (const char c : s) {
    int digit = -1;
    if (radix == 16) {
      digit = hex_value(c);
    } else if (is_ascii_digit(static_cast<unsigned char>(c))) {
      digit = c - '0';
      if (digit >= radix) {
        digit = -1;
      }
    }
    if (digit < 0) {
      return std::nullopt;
    }
    value = value * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(digit);
    if (value > k_saturated) {
      value = k_saturated;
    }
  }
  return value;
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t dot = s.find('.');
    parts.push_back(s.substr(0, dot));
    if (dot == std::string_view::npos) {
      return parts;
    }
    s.remove_prefix(dot + 1);
  }
}

// The forbidden domain code points that can appear in ASCII: the forbidden host code points
// (NUL, tab, LF, CR, space, # / : < > ? @ [ \ ] ^ |), every other C0 control, '%' and DEL.
bool is_forbidden_domain_byte(unsigned char c) {
  if (c <= 0x20 || c == 0x7F) {
    return true;
  }
  switch (c) {
    case '#':
    case '%':
    case '/':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
      return true;
    default:
      return false;
  }
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The Standard's IPv6 parser (input without the brackets) into eight 16-bit pieces.
std::optional<std::array<std::uint16_t, 8>> parse_ipv6(std::string_view in) {
  std::array<std::uint16_t, 8> address{};
  int piece = 0;
  int compress = -1;
  std::size_t p = 0;
  const auto at = [&](std::size_t i) -> int {
    return i < in.size() ? static_cast<unsigned char>(in[i]) : -1;
  };
  if (at(p) == ':') {
    if (at(p + 1) != ':') {
      return std::nullopt;
    }
    p += 2;
    ++piece;
    compress = piece;
  }
  while (at(p) != -1) {
    if (piece == 8) {
      return std::nullopt;
    }
    if (at(p) == ':') {
      if (compress != -1) {
        return std::nullopt;
      }
      ++p;
      ++piece;
      compress = piece;
      continue;
    }
    unsigned value = 0;
    int length = 0;
    while (length < 4 && at(p) != -1 && hex_value(static_cast<char>(at(p))) >= 0) {
      value = value * 16 + static_cast<unsigned>(hex_value(static_cast<char>(at(p))));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      // An IPv4 address in the last 32 bits.
      if (length == 0) {
        return std::nullopt;
      }
      p -= static_cast<std::size_t>(length);
      if (piece > 6) {
        return std::nullopt;
      }
      int numbers_seen = 0;
      while (at(p) != -1) {
        int ipv4_piece = -1;
        if (numbers_seen > 0) {
          if (at(p) == '.' && numbers_seen < 4) {
            ++p;
          } else {
            return std::nullopt;
          }
        }
        if (at(p) == -1 || !is_ascii_digit(static_cast<unsigned char>(at(p)))) {
          return std::nullopt;
        }
        while (at(p) != -1 && is_ascii_digit(static_cast<unsigned char>(at(p)))) {
          const int digit = at(p) - '0';
          if (ipv4_piece == -1) {
            ipv4_piece = digit;
          } else if (ipv4_piece == 0) {
            return std::nullopt;  // no leading zeros
          } else {
            ipv4_piece = ipv4_piece * 10 + digit;
          }
          if (ipv4_piece > 255) {
            return std::nullopt;
          }
          ++p;
        }
        address[piece] = static_cast<std::uint16_t>(address[piece] * 0x100 + ipv4_piece);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) {
          ++piece;
        }
      }
      if (numbers_seen != 4) {
        return std::nullopt;
      }
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (at(p) == -1) {
        return std::nullopt;
      }
    } else if (at(p) != -1) {
      return std::nullopt;
    }
    address[piece] = static_cast<std::uint16_t>(value);
    ++piece;
  }
  if (compress != -1) {
    int swaps = piece - compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(address[piece], address[compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return std::nullopt;
  }
  return address;
}

// The Standard's IPv6 serializer: lower-case hex without leading zeros, the first longest run
// of two or more zero pieces written "::", embedded IPv4 written as hex like the rest.
std::string serialize_ipv6(const std::array<std::uint16_t, 8>& address) {
  int best_start = -1;
  int best_length = 1;
  for (int i = 0; i < 8;) {
    if (address[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && address[j] == 0) {
      ++j;
    }
    if (j - i > best_length) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  constexpr char k_hex[] = "0123456789abcdef";
  std::string out = "[";
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += i == 0 ? "::" : ":";
      i += best_length - 1;
      continue;
    }
    const unsigned v = address[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = (v >> shift) & 0xF;
      if (nibble != 0 || started || shift == 0) {
        out += k_hex[nibble];
        started = true;
      }
    }
    if (i != 7) {
      out += ':';
    }
  }
  out += ']';
  return out;
}

}  // namespace

bool ends_in_number(std::string_view domain) {
  std::vector<std::string_view> parts = split_dots(domain);
  if (parts.back().empty()) {
    if (parts.size() == 1) {
      return false;
    }
    parts.pop_back();
  }
  const std::string_view last = parts.back();
  if (!last.empty()) {
    bool digits = true;
    for (const char c : last) {
      digits = digits && is_ascii_digit(static_cast<unsigned char>(c));
    }
    if (digits) {
      return true;
    }
  }
  return parse_ipv4_number(last).has_value();
}

std::optional<std::uint32_t> parse_ipv4(std::string_view domain) {
  std::vector<std::string_view> parts = split_dots(domain);
  if (parts.back().empty() && parts.size() > 1) {
    parts.pop_back();
  }
  if (parts.size() > 4) {
    return std::nullopt;
  }
  std::vector<std::uint64_t> numbers;
  for (const std::string_view part : parts) {
    const std::optional<std::uint64_t> n = parse_ipv4_number(part);
    if (!n) {
      return std::nullopt;
    }
    numbers.push_back(*n);
  }
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) {
      return std::nullopt;
    }
  }
  // The last number fills the bytes the others leave: up to 2^32 alone, 2^8 after three.
  const std::uint64_t limit = std::uint64_t{1} << (8 * (5 - numbers.size()));
  if (numbers.back() >= limit) {
    return std::nullopt;
  }
  std::uint64_t address = numbers.back();
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    address += numbers[i] << (8 * (3 - i));
  }
  return static_cast<std::uint32_t>(address);
}

std::optional<std::string> parse_host(std::string_view input) {
  if (!input.empty() && input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') {
      return std::nullopt;
    }
    const std::optional<std::array<std::uint16_t, 8>> address =
        parse_ipv6(input.substr(1, input.size() - 2));
    if (!address) {
      return std::nullopt;
    }
    return serialize_ipv6(*address);
  }
  const std::string domain = utf8_repair(percent_decode(input));
  std::optional<std::string> ascii = domain_to_ascii(domain);
  if (!ascii || ascii->empty()) {
    return std::nullopt;
  }
  for (const char c : *ascii) {
    if (is_forbidden_domain_byte(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  if (ends_in_number(*ascii)) {
    const std::optional<std::uint32_t> v4 = parse_ipv4(*ascii);
    if (!v4) {
      return std::nullopt;
    }
    return std::to_string(*v4 >> 24) + '.' + std::to_string((*v4 >> 16) & 0xFF) + '.' +
           std::to_string((*v4 >> 8) & 0xFF) + '.' + std::to_string(*v4 & 0xFF);
  }
  return ascii;
}

}  // namespace greenfetch
