#include "core/base/error.hpp"

namespace greenfetch {

std::string_view error_kind(Error e) {
  switch (e) {
    case Error::none:
      return "none";
    case Error::invalid_url:
      return "invalid_url";
    case Error::dns:
      return "dns";
    case Error::dns_timeout:
      return "dns_timeout";
    case Error::connect:
      return "connect";
    case Error::tls:
      return "tls";
    case Error::timeout:
      return "timeout";
    case Error::reset:
      return "reset";
    case Error::http:
      return "http";
    case Error::too_large:
      return "too_large";
    case Error::too_many_redirects:
      return "too_many_redirects";
    case Error::protocol:
      return "protocol";
    case Error::cancelled:
      return "cancelled";
    case Error::output:
      return "output";
  }
  return "unknown";
}

}  // namespace greenfetch
