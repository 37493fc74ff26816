// A hop's target, made ready for libcurl: its URL parsed, every name resolved by c-ares
// (the host, its --connect-to target, a proxy), and http:// connections shared by address
// (coalescing), with the names given back in what libcurl reports.
#include <cstring>

#include "core/base/ascii.hpp"
#include "core/http/target.hpp"
#include "core/http/transfer.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch {

bool HttpClient::add_resolved(Transfer& t, const std::string& host, long port, Response& r,
                              double& dns_seconds, Hop* coalesce) {
  if (!m_user_resolve.empty()) {
    std::string key = ascii_lowercase(host) + ":" + std::to_string(port);
    for (const auto& [k, entry] : m_user_resolve) {
      if (k == key) {
        t.resolve.append(entry);  // --resolve: the user's addresses, no lookup
        return true;
      }
    }
  }
  if (is_ip_literal(host)) {
    return true;
  }
  // As curl: -m bounds the whole URL and --connect-timeout resolving and connecting.
  Resolution res = m_resolver.resolve(host, std::min(t.deadline, t.connect_deadline));
  dns_seconds += res.seconds;
  if (res.error != Error::none) {
    r.error = res.error;
    r.error_message = res.message;
    r.curl_code =
        res.error == Error::timeout ? CURLE_OPERATION_TIMEDOUT : CURLE_COULDNT_RESOLVE_HOST;
    return false;
  }
  if (coalesce != nullptr && res.addresses.size() == 1) {
    const std::string& a = res.addresses.front();
    coalesce->address = a.find(':') != std::string::npos ? "[" + a + "]" : a;
    return true;  // the URL will carry the address: libcurl needs no entry
  }
  // "+": the entry expires after CURLOPT_DNS_CACHE_TIMEOUT instead of staying forever.
  // libcurl walks its whole host cache to prune it on every transfer, so permanent entries
  // (one per name) make a run of N names cost O(N^2); the cache that counts is the
  // Resolver's, by TTL, and each transfer loads its entry again anyway.
  std::string entry = "+" + host + ":" + std::to_string(port) + ":";
  for (std::size_t i = 0; i < res.addresses.size(); ++i) {
    const std::string& a = res.addresses[i];
    entry += i > 0 ? "," : "";
    entry += a.find(':') != std::string::npos ? "[" + a + "]" : a;
  }
  t.resolve.append(entry);
  return true;
}

// Parses the hop's URL and resolves, with c-ares, every name libcurl would otherwise resolve
// itself: the host (or its --connect-to target), or the proxy's host.
bool HttpClient::prepare_hop(Transfer& t, Hop& hop, Response& r, double& dns_seconds) {
  // The same URL again (bench, retries): reuse the last parse instead of a CURLU round trip.
  if (hop.url == m_parsed.url && !m_parsed.url.empty()) {
    hop.url = m_parsed.normalized;
    hop.scheme = m_parsed.scheme;
    hop.host = m_parsed.host;
    hop.port = m_parsed.port;
  } else if (parse_plain_target(hop.url, hop.scheme, hop.host, hop.port)) {
    // libcurl parses the URL again itself; a plain URL needs no normalising here.
  } else {
    std::string normalized;
    std::string message = parse_target(hop.url, normalized, hop.scheme, hop.host, hop.port);
    if (!message.empty()) {
      r.error = Error::invalid_url;
      r.error_message = message;
      r.curl_code = CURLE_URL_MALFORMAT;
      return false;
    }
    m_parsed = {hop.url, normalized, hop.scheme, hop.host, hop.port};
    hop.url = std::move(normalized);
  }
  note_origin(hop.scheme, hop.host, hop.port);
  t.resolve.reset();
  t.coalesced = false;
  hop.address.clear();
  hop.proxy = proxy_for(hop.scheme, hop.host);
  bool resolve_target = true;
  if (!hop.proxy.empty()) {
    std::string proxy_url = hop.proxy;
    std::string pscheme;
    std::string phost;
    long pport = 0;
    std::string ignored;
    std::string message = parse_target(proxy_url, ignored, pscheme, phost, pport, 1080);
    if (!message.empty()) {
      r.error = Error::invalid_url;
      r.error_message = "proxy '" + hop.proxy + "': " + message;
      return false;
    }
    // HTTP proxies and socks5h/socks4a resolve the target themselves; socks4/5 need us to.
    resolve_target = pscheme == "socks4" || pscheme == "socks5";
    if (!add_resolved(t, phost, pport, r, dns_seconds)) {
      return false;
    }
  }
  if (!resolve_target) {
    return true;
  }
  std::string host = hop.host;
  long port = hop.port;
  std::string lhost = ascii_lowercase(host);
  bool redirected = false;
  for (const ConnectTo& rule : m_connect_rules) {
    if ((rule.from_host.empty() || rule.from_host == lhost) &&
        (rule.from_port == 0 || rule.from_port == port)) {
      host = rule.to_host.empty() ? host : rule.to_host;
      port = rule.to_port == 0 ? port : rule.to_port;
      redirected = true;
      break;
    }
  }
  Hop* coalesce = !redirected && can_coalesce(t, hop) ? &hop : nullptr;
  if (!add_resolved(t, host, port, r, dns_seconds, coalesce)) {
    return false;
  }
  if (!hop.address.empty()) {
    // "http://" + name + rest, where rest is "", ":port", "/path"...: the name gives way to
    // the address, the port stays as written, and the name travels in the Host header (with
    // the port when it is not 80, as libcurl writes it).
    hop.connect_url = "http://" + hop.address;
    hop.connect_url.append(hop.url, 7 + hop.host.size());
    hop.host_header = "Host: " + hop.host;
    if (hop.port != 80) {
      // Two appends, not ":" + to_string(): GCC 12 warns (-Wrestrict, a false positive) about
      // the temporary once this function is inlined here.
      hop.host_header += ':';
      hop.host_header += std::to_string(hop.port);
    }
    t.coalesced = true;
  }
  return true;
}

// Connection coalescing for http:// (RFC 9110, 4.3.2 and 7.2: an "http" origin is reached
// at the address its name resolves to, and the Host header names the origin). libcurl reuses
// a connection only for the same host name, so a run over many names on one server (virtual
// hosts, a CDN's subdomains) would open a connection per name. When a name resolves to a
// single address, the hop instead gives libcurl the URL with that address and the name in a
// Host header; libcurl then shares connections by address, and its cookie engine matches
// cookies by the Host header's name. Never over TLS (the certificate and SNI are per name),
// through a proxy, with --connect-to, --resolve, a Host header of the user's, or --http2.
bool HttpClient::can_coalesce(const Transfer& t, const Hop& hop) const {
  const RequestOptions& o = m_request_options;
  // The headers this request sends: its own list (bench targets) or the -H ones.
  const curl_slist* headers =
      t.request->header_list != nullptr ? t.request->header_list : m_headers.get();
  if (!o.coalesce || hop.scheme != "http" || !hop.proxy.empty() || o.http_version == 2 ||
      has_host_header(headers) || !plain_host_name(hop.host)) {
    return false;
  }
  // The URL must be exactly "http://" + host + (":" port)? + ("/" | "?" | "#" | end): no
  // user info, no other spelling of the host.
  std::string_view url = hop.url;
  if (!url.starts_with("http://") || url.substr(7, hop.host.size()) != hop.host) {
    return false;
  }
  std::size_t after = 7 + hop.host.size();
  return after == url.size() || std::strchr(":/?#", url[after]) != nullptr;
}

// libcurl's messages name the host it was given ("Failed to connect to ADDR port ..."): for
// a coalesced hop that is the address, where curl would name the host.
void HttpClient::name_the_host(std::string& message, const Hop& hop) {
  std::string addr = hop.address;
  if (addr.front() == '[') {
    addr = addr.substr(1, addr.size() - 2);
  }
  std::string needle = " " + addr + " ";
  if (std::size_t at = message.find(needle); at != std::string::npos) {
    message.replace(at + 1, addr.size(), hop.host);
  }
}

// A URL libcurl reports for a coalesced hop, with the address given back its name.
std::string HttpClient::named_url(const Hop& hop, std::string url) {
  std::string prefix = "http://" + hop.address;
  if (url.starts_with(prefix) &&
      (url.size() == prefix.size() || std::strchr(":/?#", url[prefix.size()]) != nullptr)) {
    url.replace(7, hop.address.size(), hop.host);
  }
  return url;
}

}  // namespace greenfetch
