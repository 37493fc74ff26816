#include "core/http/secret_headers.hpp"

#include <string>

#include "core/base/ascii.hpp"

namespace greenfetch {

bool is_secret_header(std::string_view header) {
  std::size_t end = header.find_first_of(":;");
  if (end == std::string_view::npos) {
    return false;
  }
  std::string_view name = header.substr(0, end);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
    name.remove_suffix(1);
  }
  return iequals(name, "Authorization") || iequals(name, "Cookie");
}

bool has_secret_header(const curl_slist* headers) {
  for (const curl_slist* h = headers; h != nullptr; h = h->next) {
    if (h->data != nullptr && is_secret_header(h->data)) {
      return true;
    }
  }
  return false;
}

CurlSlist without_secret_headers(const curl_slist* headers) {
  CurlSlist kept;
  for (const curl_slist* h = headers; h != nullptr; h = h->next) {
    if (h->data != nullptr && !is_secret_header(h->data)) {
      kept.append(h->data);
    }
  }
  return kept;
}

}  // namespace greenfetch
