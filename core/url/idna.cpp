// Why ICU and not libidn2 (which libcurl uses): libidn2 applies IDNA2008's rules on top of
// UTS #46, so it refuses names the URL Standard accepts (symbols such as U+2603, which UTS #46
// keeps valid), checks hyphens and DNS lengths, which the Standard turns off
// (CheckHyphens = false, VerifyDnsLength = false). ICU's UTS #46 implementation takes the
// Standard's flags one by one.
#include "core/url/idna.hpp"

#include "core/base/ascii.hpp"

#include <unicode/uidna.h>

#include <cstdint>
#include <memory>

namespace greenfetch {

namespace {

struct IdnaCloser {
  void operator()(UIDNA* idna) const { uidna_close(idna); }
};

// The Standard's flags: CheckBidi and CheckJoiners on, Transitional_Processing off,
// UseSTD3ASCIIRules off (so '_' or ' ' pass here and the host parser's forbidden code points
// decide), CheckHyphens and VerifyDnsLength off (their errors are masked below).
const UIDNA* uts46() {
  static const std::unique_ptr<UIDNA, IdnaCloser> k_idna = [] {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA* idna =
        uidna_openUTS46(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII |
                            UIDNA_NONTRANSITIONAL_TO_UNICODE,
                        &status);
    if (U_FAILURE(status)) {
      idna = nullptr;
    }
    return std::unique_ptr<UIDNA, IdnaCloser>(idna);
  }();
  return k_idna.get();
}

// Errors UTS #46 reports that the Standard's flags turn off: VerifyDnsLength (empty labels,
// label and name lengths) and CheckHyphens.
constexpr std::uint32_t k_ignored_errors =
    UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG |
    UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;

// The Standard allows skipping UTS #46 for an ASCII name none of whose labels starts with
// "xn--": the result is then the name in ASCII lower case.
bool needs_uts46(std::string_view domain) {
  for (const char c : domain) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return true;
    }
  }
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) {
      dot = domain.size();
    }
    const std::string_view label = domain.substr(start, dot - start);
    if (label.size() >= 4 && iequals(label.substr(0, 4), "xn--")) {
      return true;
    }
    start = dot + 1;
  }
  return false;
}

}  // namespace

std::optional<std::string> domain_to_ascii(std::string_view domain) {
  if (!needs_uts46(domain)) {
    std::string out = ascii_lowercase(domain);
    if (out.empty()) {
      return std::nullopt;
    }
    return out;
  }
  const UIDNA* idna = uts46();
  if (idna == nullptr) {
    return std::nullopt;
  }
  std::string out(domain.size() * 4 + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const int32_t length =
        uidna_nameToASCII_UTF8(idna, domain.data(), static_cast<int32_t>(domain.size()), out.data(),
                               static_cast<int32_t>(out.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR && attempt == 0) {
      out.resize(static_cast<std::size_t>(length) + 1);
      continue;
    }
    if (U_FAILURE(status) || (info.errors & ~k_ignored_errors) != 0 || length <= 0) {
      return std::nullopt;
    }
    out.resize(static_cast<std::size_t>(length));
    return out;
  }
  return std::nullopt;
}

}  // namespace greenfetch
