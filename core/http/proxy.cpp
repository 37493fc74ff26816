#include "core/http/proxy.hpp"

#include <cstdlib>

#include "core/base/ascii.hpp"

namespace greenfetch {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

bool noproxy_matches(const std::string& list, const std::string& host) {
  std::string h = ascii_lowercase(host);
  if (h.size() > 2 && h.front() == '[') {
    h = h.substr(1, h.size() - 2);
  }
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) {
      end = list.size();
    }
    std::string name = ascii_lowercase(list.substr(start, end - start));
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty() && name.front() == '.') {
      name.erase(0, 1);
    }
    if (name == "*") {
      return true;
    }
    if (!name.empty() && (h == name || (h.size() > name.size() && h.ends_with("." + name)))) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

EnvProxies proxies_from_env() {
  EnvProxies p;
  p.http = env("http_proxy");
  p.https = env("https_proxy").empty() ? env("HTTPS_PROXY") : env("https_proxy");
  std::string all = env("all_proxy").empty() ? env("ALL_PROXY") : env("all_proxy");
  if (p.http.empty()) {
    p.http = all;
  }
  if (p.https.empty()) {
    p.https = all;
  }
  p.noproxy = env("no_proxy").empty() ? env("NO_PROXY") : env("no_proxy");
  return p;
}

}  // namespace greenfetch
