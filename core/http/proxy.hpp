// Which proxy a request goes through: curl's proxy environment variables and its NO_PROXY
// rule.
#pragma once

#include <string>

namespace greenfetch {

// curl's NO_PROXY rule: "*" matches every host; otherwise a host matches a name in the
// list when it is that name or ends with "." and that name (a leading dot is ignored).
bool noproxy_matches(const std::string& list, const std::string& host);

// The proxies the environment names, as curl reads them: http_proxy (lower case only),
// https_proxy or HTTPS_PROXY, all_proxy or ALL_PROXY for either when it is unset, and
// no_proxy or NO_PROXY. Empty strings for unset variables.
struct EnvProxies {
  std::string http;
  std::string https;
  std::string noproxy;
};
EnvProxies proxies_from_env();

}  // namespace greenfetch
