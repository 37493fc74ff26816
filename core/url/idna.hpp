// The URL Standard's "domain to ASCII" (beStrict = false): UTS #46 processing with the
// Standard's flags, done by ICU.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace greenfetch {

// domain: a percent-decoded host as valid UTF-8. Returns the ASCII form (lower-case, IDN labels
// as "xn--" punycode), or std::nullopt when UTS #46 rejects the name or maps it to nothing.
// Forbidden domain code points are NOT checked here (the host parser does it afterwards).
std::optional<std::string> domain_to_ascii(std::string_view domain);

}  // namespace greenfetch
