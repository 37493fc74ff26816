#include "core/http/curl_error.hpp"

namespace greenfetch {

Error error_for_code(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return Error::none;
    case CURLE_URL_MALFORMAT:
      return Error::invalid_url;
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Every URL's scheme is checked before libcurl sees it (target.cpp), so here it is the
      // server's reply: an HTTP/0.9 answer, a status line of no HTTP version libcurl knows.
      return Error::protocol;
    case CURLE_COULDNT_RESOLVE_HOST:
      return Error::dns;
    case CURLE_COULDNT_CONNECT:
      return Error::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return Error::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
      return Error::tls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2_STREAM:
      return Error::reset;
    case CURLE_FILESIZE_EXCEEDED:
      return Error::too_large;
    case CURLE_TOO_MANY_REDIRECTS:
      return Error::too_many_redirects;
    case CURLE_ABORTED_BY_CALLBACK:
      return Error::cancelled;
    default:
      return Error::protocol;
  }
}

}  // namespace greenfetch
