#include "core/input/config_file.hpp"

namespace greenfetch {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The value after its opening quote: backslash escapes \t \n \r \v, and \X is X.
std::string quoted_value(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      return out;  // what follows the closing quote is ignored, as curl does
    }
    if (c == '\\' && i + 1 < s.size()) {
      char e = s[++i];
      out += e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 'v' ? '\v' : e;
      continue;
    }
    out += c;
  }
  throw ConfigError("unterminated quoted value");
}

}  // namespace

std::optional<ConfigEntry> parse_config_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && is_blank(line[i])) {
    ++i;
  }
  if (i == line.size() || line[i] == '#') {
    return std::nullopt;
  }
  std::size_t start = i;
  bool dashed = line[i] == '-';
  while (i < line.size() && !is_blank(line[i]) && line[i] != '=' && line[i] != ':') {
    ++i;
  }
  ConfigEntry entry;
  entry.option = dashed ? std::string(line.substr(start, i - start))
                        : "--" + std::string(line.substr(start, i - start));
  while (i < line.size() && is_blank(line[i])) {
    ++i;
  }
  if (i < line.size() && (line[i] == '=' || line[i] == ':')) {
    ++i;
    while (i < line.size() && is_blank(line[i])) {
      ++i;
    }
  }
  if (i == line.size()) {
    return entry;
  }
  if (line[i] == '"') {
    entry.value = quoted_value(line.substr(i + 1));
    return entry;
  }
  std::size_t end = i;
  while (end < line.size() && !is_blank(line[end])) {
    ++end;
  }
  entry.value = std::string(line.substr(i, end - i));
  return entry;
}

}  // namespace greenfetch
