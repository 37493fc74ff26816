// curl's config-file syntax (-K FILE), one entry per line: "--opt value", "-o value",
// "opt = value", "opt: value", "opt value", a value in double quotes with backslash escapes,
// '#' comment lines. Written here because no Debian package reads curl's config syntax.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace greenfetch {

// A line that is not a valid entry (an unterminated quote).
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ConfigEntry {
  std::string option;                // as on a command line: "--silent", "-o"
  std::optional<std::string> value;  // none for a flag
};

// One line of a config file: nullopt for a blank or comment line; throws ConfigError. A name
// without dashes is a long option ("url" -> "--url"); "opt=value" and "opt:value" split at the
// '=' or ':'; an unquoted value ends at the first blank.
std::optional<ConfigEntry> parse_config_line(std::string_view line);

}  // namespace greenfetch
