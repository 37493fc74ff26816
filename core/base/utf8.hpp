// UTF-8 repair: bytes as the Encoding Standard's UTF-8 decoder reads them.
#pragma once

#include <string>
#include <string_view>

namespace greenfetch {

// `s` with every ill-formed UTF-8 sequence replaced by U+FFFD (EF BF BD), where the Encoding
// Standard's decoder would put one; a BOM is kept. Valid input comes back unchanged.
std::string utf8_repair(std::string_view s);

}  // namespace greenfetch
