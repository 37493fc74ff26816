#include "cli/option_values.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/input/url_source.hpp"

namespace greenfetch::cli {

namespace {

// std::strtod accepts more than a plain decimal ("inf", "0x1p3", " 1", "1e3"): only digits
// with at most one '.' are let through to it.
bool plain_decimal(const std::string& s) {
  if (s.empty() || s == ".") {
    return false;
  }
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots <= 1;
}

}  // namespace

uint64_t parse_size(const std::string& text, const std::string& option) {
  auto bad = [&] {
    return UsageError(fmt::format(
        "{}: '{}' is not a size (bytes, or with a suffix: 500, 10k, 5M, 1G, 2T)", option, text));
  };
  std::string number = text;
  double scale = 1;
  if (!number.empty()) {
    switch (number.back()) {
      case 'k':
      case 'K':
        scale = 1024.0;
        break;
      case 'm':
      case 'M':
        scale = 1024.0 * 1024;
        break;
      case 'g':
      case 'G':
        scale = 1024.0 * 1024 * 1024;
        break;
      case 't':
      case 'T':
        scale = 1024.0 * 1024 * 1024 * 1024;
        break;
      default:
        break;
    }
    if (scale > 1) {
      number.pop_back();
    }
  }
  if (!plain_decimal(number)) {
    throw bad();
  }
  double bytes = std::floor(std::strtod(number.c_str(), nullptr) * scale);
  // 2^63 as a double; anything at or above it does not fit curl's curl_off_t.
  if (!std::isfinite(bytes) || bytes >= 9223372036854775808.0) {
    throw UsageError(fmt::format("{}: '{}' is too large (at most 8E bytes)", option, text));
  }
  return static_cast<uint64_t>(bytes);
}

std::chrono::milliseconds parse_milliseconds(const std::string& text, const std::string& option) {
  double seconds = plain_decimal(text) ? std::strtod(text.c_str(), nullptr) : -1;
  if (seconds < 0 || seconds > 1e7) {
    throw UsageError(fmt::format(
        "{}: '{}' is not a number of seconds (like 30 or 1.5, at most 10000000)", option, text));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option) {
  std::size_t digits = text.find_first_not_of("0123456789.");
  std::string number = text.substr(0, digits);
  std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  double scale = unit.empty() || unit == "s" ? 1.0
                 : unit == "ms"              ? 0.001
                 : unit == "m"               ? 60.0
                 : unit == "h"               ? 3600.0
                                             : -1.0;
  double seconds = plain_decimal(number) ? std::strtod(number.c_str(), nullptr) * scale : -1;
  if (scale < 0 || seconds < 0 || seconds > 1e7) {
    throw UsageError(fmt::format(
        "{}: '{}' is not a duration (like 30s, 2m, 1h, 500ms or plain seconds)", option, text));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

uint64_t parse_count(const std::string& text, const std::string& option, uint64_t min,
                     uint64_t max) {
  uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 20;
  for (char c : text) {
    if (!ok || c < '0' || c > '9') {
      ok = false;
      break;
    }
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      ok = false;
      break;
    }
    value = value * 10 + digit;
  }
  if (!ok || value < min || value > max) {
    throw UsageError(
        fmt::format("{}: '{}' is not a whole number from {} to {}", option, text, min, max));
  }
  return value;
}

CLI::Validator count_in(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& value) -> std::string {
        try {
          parse_count(value, "", min, max);
        } catch (const UsageError&) {
          return fmt::format("'{}' is not a whole number from {} to {}", value, min, max);
        }
        return {};
      },
      "");
}

}  // namespace greenfetch::cli
