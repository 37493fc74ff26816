#include "core/http/proxy.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>

#include <optional>
#include <string>

namespace greenfetch {

namespace {

// Sets (or unsets) an environment variable for one scope, and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : m_name(name) {
    if (const char* old = ::getenv(name)) {
      m_old = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (m_old) {
      ::setenv(m_name, m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* m_name;
  std::optional<std::string> m_old;
};

}  // namespace

TEST_CASE("greenfetch::noproxy_matches") {
  CHECK(noproxy_matches("*", "anything.test"));
  CHECK(noproxy_matches("a.test", "a.test"));
  CHECK(noproxy_matches("a.test", "www.A.TEST"));
  CHECK(noproxy_matches(" other.test , .a.test", "b.a.test"));
  CHECK(noproxy_matches("::1", "[::1]"));
  CHECK_FALSE(noproxy_matches("a.test", "ba.test"));
  CHECK_FALSE(noproxy_matches("www.a.test", "a.test"));
  CHECK_FALSE(noproxy_matches("", "a.test"));
  CHECK_FALSE(noproxy_matches(",,", "a.test"));
}

TEST_CASE("greenfetch::proxies_from_env") {
  ScopedEnv a("http_proxy", nullptr);
  ScopedEnv b("https_proxy", nullptr);
  ScopedEnv c("HTTPS_PROXY", nullptr);
  ScopedEnv d("all_proxy", nullptr);
  ScopedEnv e("ALL_PROXY", nullptr);
  ScopedEnv f("no_proxy", nullptr);
  ScopedEnv g("NO_PROXY", nullptr);

  SUBCASE("nothing set") {
    EnvProxies p = proxies_from_env();
    CHECK(p.http.empty());
    CHECK(p.https.empty());
    CHECK(p.noproxy.empty());
  }
  SUBCASE("all_proxy stands in for what is unset; HTTP_PROXY in upper case is not read") {
    ScopedEnv upper("HTTP_PROXY", "http://127.0.0.1:1");
    ScopedEnv all("ALL_PROXY", "socks5h://127.0.0.1:2");
    ScopedEnv https("HTTPS_PROXY", "http://127.0.0.1:3");
    ScopedEnv no("NO_PROXY", "a.test");
    EnvProxies p = proxies_from_env();
    CHECK(p.http == "socks5h://127.0.0.1:2");
    CHECK(p.https == "http://127.0.0.1:3");
    CHECK(p.noproxy == "a.test");
  }
  SUBCASE("lower case wins over upper case") {
    ScopedEnv lower("https_proxy", "http://127.0.0.1:4");
    ScopedEnv upper("HTTPS_PROXY", "http://127.0.0.1:5");
    ScopedEnv no_lower("no_proxy", "b.test");
    ScopedEnv no_upper("NO_PROXY", "c.test");
    EnvProxies p = proxies_from_env();
    CHECK(p.https == "http://127.0.0.1:4");
    CHECK(p.noproxy == "b.test");
  }
}

}  // namespace greenfetch
