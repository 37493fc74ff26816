#include "core/http/connection_options.hpp"

#include <doctest/doctest.h>

#include "core/http/curl_handles.hpp"

using namespace greenfetch;

TEST_CASE("greenfetch::set_connection_options") {
  // libcurl offers no getter for these options; what is checked here is that every option
  // is accepted on a fresh handle. Their effect is tested end to end (test_tls: --cacert,
  // --capath, -E/--key, -k; test_tls: -4/-6).
  CurlEasy easy(curl_easy_init());
  REQUIRE(easy);
  SUBCASE("defaults set nothing") {
    set_connection_options(easy.get(), RequestOptions{});
  }
  SUBCASE("every option") {
    RequestOptions o;
    o.cacert = "/nonexistent/ca.pem";
    o.capath = "/nonexistent";
    o.cert = "/nonexistent/client.pem";
    o.key = "/nonexistent/client.key";
    o.insecure = true;
    o.ip_resolve = 6;
    set_connection_options(easy.get(), o);
  }
}
