#include "core/bench/wire_request.hpp"

#include <strings.h>

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "core/base/ascii.hpp"
#include "core/http/curl_handles.hpp"

namespace greenfetch {

namespace {

// libcurl 7.88 sends "Expect: 100-continue" and waits for it above this body size
// (EXPECT_100_THRESHOLD in lib/http.c): such requests stay on the full path.
constexpr std::size_t k_expect_threshold = 1024 * 1024;

std::string url_part(CURLU* u, CURLUPart part) {
  char* p = nullptr;
  if (curl_url_get(u, part, &p, 0) != CURLUE_OK || p == nullptr) {
    return {};
  }
  CurlString owned(p);
  return std::string(p);
}

struct Header {
  std::string name;
  std::string line;  // "Name: value"; empty: removed
};

// "Name: value" replaces a default of that name, "Name:" removes it, "Name;" sends it empty.
void apply_header(std::vector<Header>& headers, const std::string& h) {
  std::size_t colon = h.find(':');
  std::size_t semi = h.find(';');
  std::string name;
  std::string line;
  if (colon != std::string::npos && (semi == std::string::npos || colon < semi)) {
    name = h.substr(0, colon);
    std::size_t v = h.find_first_not_of(" \t", colon + 1);
    line = v == std::string::npos ? std::string() : h;
  } else if (semi != std::string::npos &&
             h.find_first_not_of(" \t", semi + 1) == std::string::npos) {
    name = h.substr(0, semi);
    line = name + ":";
  } else {
    return;  // libcurl ignores a line that is neither
  }
  for (Header& d : headers) {
    if (strcasecmp(d.name.c_str(), name.c_str()) == 0) {
      d.line = line;
      return;
    }
  }
  headers.push_back({name, line});  // an empty line is not sent, and keeps a default away
}

}  // namespace

std::string build_wire_request(const BenchTarget& target, const RequestOptions& o,
                               WireRequest& out) {
  CurlUrl u(curl_url());
  if (!u) {
    throw std::bad_alloc();
  }
  if (curl_url_set(u.get(), CURLUPART_URL, target.url.c_str(), 0) != CURLUE_OK) {
    return "a URL libcurl must parse";  // the full path reports it as libcurl does
  }
  std::string scheme = ascii_lowercase(url_part(u.get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return scheme + "://";
  }
  if (!url_part(u.get(), CURLUPART_USER).empty()) {
    return "credentials in the URL";
  }
  out.url = target.url;
  out.tls = scheme == "https";
  if (out.tls && o.http_version != 11) {
    return "HTTP/2 by ALPN over TLS (--http1.1 keeps the fast path)";
  }
  std::string host = url_part(u.get(), CURLUPART_HOST);
  char* port = nullptr;
  curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  CurlString owned_port(port);
  out.port = port != nullptr ? std::stol(port) : (out.tls ? 443 : 80);
  bool default_port = out.port == (out.tls ? 443 : 80);
  out.host = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  out.origin = fmt::format("{}://{}:{}", scheme, ascii_lowercase(host), out.port);

  bool has_body = target.has_body || o.has_data;
  const std::string& body = target.has_body ? target.body : o.data;
  if (has_body && body.size() >= k_expect_threshold) {
    return "a body of 1 MiB or more (libcurl sends Expect: 100-continue)";
  }
  std::string method = !target.method.empty() ? target.method
                       : !o.method.empty()    ? o.method
                       : o.head               ? "HEAD"
                       : has_body             ? "POST"
                                              : "GET";
  out.head = method == "HEAD";
  std::string path = url_part(u.get(), CURLUPART_PATH);
  std::string query = url_part(u.get(), CURLUPART_QUERY);
  if (path.empty()) {
    path = "/";
  }
  if (!query.empty()) {
    path += "?" + query;
  }
  std::vector<Header> headers;
  headers.push_back(
      {"Host", "Host: " + (default_port ? host : fmt::format("{}:{}", host, out.port))});
  if (!o.user_agent.empty()) {
    headers.push_back({"User-Agent", "User-Agent: " + o.user_agent});
  }
  if (!o.referer.empty()) {
    headers.push_back({"Referer", "Referer: " + o.referer});
  }
  headers.push_back({"Accept", "Accept: */*"});
  if (o.compressed) {
    // What libcurl offers with CURLOPT_ACCEPT_ENCODING "" (Debian 12's build).
    headers.push_back({"Accept-Encoding", "Accept-Encoding: deflate, gzip, br, zstd"});
  }
  bool sends_body = has_body && !out.head;
  std::size_t defaults = headers.size();
  if (sends_body) {
    headers.push_back({"Content-Length", fmt::format("Content-Length: {}", body.size())});
    headers.push_back({"Content-Type", "Content-Type: application/x-www-form-urlencoded"});
  }
  // Custom headers go after the defaults and before the body's (as libcurl orders them).
  std::vector<Header> custom(headers.begin(), headers.begin() + static_cast<long>(defaults));
  std::vector<Header> tail(headers.begin() + static_cast<long>(defaults), headers.end());
  for (const std::string& h : o.headers) {
    apply_header(custom, h);
  }
  for (const std::string& h : target.headers) {
    apply_header(custom, h);
  }
  for (Header& t : tail) {
    bool replaced = false;
    for (Header& c : custom) {
      if (strcasecmp(c.name.c_str(), t.name.c_str()) == 0) {
        replaced = true;
      }
    }
    if (!replaced) {
      custom.push_back(std::move(t));
    }
  }
  out.bytes = method + " " + path + " HTTP/1.1\r\n";
  for (const Header& h : custom) {
    if (!h.line.empty()) {
      out.bytes += h.line + "\r\n";
    }
  }
  out.bytes += "\r\n";
  out.body_size = 0;
  if (sends_body) {
    out.bytes += body;
    out.body_size = body.size();
  }
  return {};
}

}  // namespace greenfetch
