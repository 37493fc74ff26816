#include "core/http/curl_error.hpp"

#include <doctest/doctest.h>

namespace greenfetch {

TEST_CASE("greenfetch::error_for_code") {
  CHECK(error_for_code(CURLE_OK) == Error::none);
  CHECK(error_for_code(CURLE_URL_MALFORMAT) == Error::invalid_url);
  CHECK(error_for_code(CURLE_UNSUPPORTED_PROTOCOL) == Error::protocol);  // the reply
  CHECK(error_for_code(CURLE_COULDNT_RESOLVE_HOST) == Error::dns);
  CHECK(error_for_code(CURLE_COULDNT_CONNECT) == Error::connect);
  CHECK(error_for_code(CURLE_OPERATION_TIMEDOUT) == Error::timeout);
  CHECK(error_for_code(CURLE_PEER_FAILED_VERIFICATION) == Error::tls);
  CHECK(error_for_code(CURLE_SSL_CONNECT_ERROR) == Error::tls);
  CHECK(error_for_code(CURLE_RECV_ERROR) == Error::reset);
  CHECK(error_for_code(CURLE_GOT_NOTHING) == Error::reset);
  CHECK(error_for_code(CURLE_FILESIZE_EXCEEDED) == Error::too_large);
  CHECK(error_for_code(CURLE_TOO_MANY_REDIRECTS) == Error::too_many_redirects);
  CHECK(error_for_code(CURLE_ABORTED_BY_CALLBACK) == Error::cancelled);
  CHECK(error_for_code(CURLE_WEIRD_SERVER_REPLY) == Error::protocol);
}

}  // namespace greenfetch
