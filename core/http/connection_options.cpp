#include "core/http/connection_options.hpp"

namespace greenfetch {

void set_connection_options(CURL* e, const RequestOptions& o) {
  if (!o.cacert.empty()) {
    curl_easy_setopt(e, CURLOPT_CAINFO, o.cacert.c_str());
  }
  if (!o.capath.empty()) {
    curl_easy_setopt(e, CURLOPT_CAPATH, o.capath.c_str());
  }
  if (!o.cert.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, o.cert.c_str());
  }
  if (!o.key.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLKEY, o.key.c_str());
  }
  if (o.insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (o.ip_resolve == 4) {
    curl_easy_setopt(e, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
  } else if (o.ip_resolve == 6) {
    curl_easy_setopt(e, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V6);
  }
}

}  // namespace greenfetch
