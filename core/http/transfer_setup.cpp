// Setting up libcurl easy handles for HttpClient's transfers: the options every transfer
// shares (once per handle), the ones of each hop, the proxy a hop goes through, and the pool
// of idle handles.
#include <algorithm>

#include "core/http/connection_options.hpp"
#include "core/http/proxy.hpp"
#include "core/http/secret_headers.hpp"
#include "core/http/transfer.hpp"

namespace greenfetch {

std::string HttpClient::proxy_for(const std::string& scheme, const std::string& host) const {
  const std::string& p = !m_request_options.proxy.empty() ? m_request_options.proxy
                         : scheme == "https"              ? m_env_https_proxy
                                                          : m_env_http_proxy;
  if (p.empty() || (!m_noproxy.empty() && noproxy_matches(m_noproxy, host))) {
    return {};
  }
  return p;
}

CurlEasy HttpClient::acquire_easy() {
  if (!m_idle_easy.empty()) {
    CurlEasy e = std::move(m_idle_easy.back());
    m_idle_easy.pop_back();
    return e;
  }
  CurlEasy e(curl_easy_init());
  if (!e) {
    throw std::bad_alloc();
  }
  setup_static(e.get());
  return e;
}

// libcurl 7.88 sends a request again on a new connection when a kept-alive one turns out
// dead before any answer, at most five times per easy handle: the count (state.retrycount)
// is only zeroed by curl_easy_reset or when it runs out, never when a transfer succeeds. A
// handle reused from URL to URL would carry it over, and against a server that closes idle
// connections every sixth such retry would fail the URL ("Connection died, tried 5 times").
// Hence a handle is renewed after a transfer that opened a connection (libcurl's retries
// open one; connections that die idle are then the rule), and a transfer that died on reused
// connections only is sent once more, on a renewed handle.
bool HttpClient::died_on_reused_connection(const Transfer& t) const {
  if (t.result != CURLE_SEND_ERROR && t.result != CURLE_RECV_ERROR) {
    return false;
  }
  long connects = 0;
  long header_bytes = 0;
  curl_easy_getinfo(t.easy, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(t.easy, CURLINFO_HEADER_SIZE, &header_bytes);
  // No new connection: every try went to an idle one; no byte: the server answered none.
  return connects == 0 && header_bytes == 0 && t.received == 0;
}

void HttpClient::renew_easy(Transfer& t) {
  if (m_share) {
    // libcurl 7.88 keeps setup_static's CURLOPT_COOKIEFILE "" in a list that
    // curl_easy_reset forgets without freeing (LeakSanitizer): clear it first (NULL frees the
    // list; the shared cookie store is kept, and setup_static attaches it again).
    curl_easy_setopt(t.easy, CURLOPT_COOKIEFILE, nullptr);
  }
  curl_easy_reset(t.easy);
  setup_static(t.easy);
  t.proxy_set.clear();
  t.custom_method_set = false;
  t.headers_set = false;
  t.verbose_set = false;
  t.connected = false;
}

void HttpClient::release_easy(CurlEasy easy, Transfer& t) {
  if (t.connected && !m_request_options.forbid_reuse) {
    renew_easy(t);
    m_idle_easy.push_back(std::move(easy));
    return;
  }
  // Put back what setup_hop changed away from setup_static's values.
  CURL* e = easy.get();
  if (!t.proxy_set.empty()) {
    curl_easy_setopt(e, CURLOPT_PROXY, "");
  }
  if (t.custom_method_set) {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
  }
  if (t.headers_set) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m_headers.empty() ? nullptr : m_headers.get());
  }
  if (t.verbose_set && !m_request_options.verbose) {
    curl_easy_setopt(e, CURLOPT_VERBOSE, 0L);
  }
  if (t.referer_set) {
    const std::string& ref = m_request_options.referer;
    curl_easy_setopt(e, CURLOPT_REFERER, ref.empty() ? nullptr : ref.c_str());
  }
  if (t.mime) {
    curl_easy_setopt(e, CURLOPT_MIMEPOST, nullptr);  // the transfer's mime is freed with it
  }
  m_idle_easy.push_back(std::move(easy));
}

// Options that are the same for every transfer: set once per easy handle, which is then
// reused without curl_easy_reset (that would free and copy them all again per request).
void HttpClient::setup_static(CURL* e) {
  const RequestOptions& o = m_request_options;
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_client_write_cb);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_client_header_cb);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  // Tells the reactor a socket it may still have in epoll (see on_socket) is gone.
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, http_client_close_cb);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // hops set their own; "" never reads the environment
  // Long enough for any transfer queued inside libcurl to still find its entry (else libcurl
  // would resolve by itself, on a thread), short enough to keep its cache bounded.
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 30L);  // see add_resolved
  if (!m_connect_to.empty()) {
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, m_connect_to.get());
  }
  if (m_share) {
    curl_easy_setopt(e, CURLOPT_SHARE, m_share.get());
    // "" turns the cookie engine on (Set-Cookie is stored) without reading a file.
    curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
    for (const std::string& c : o.cookies) {
      if (c.find('=') != std::string::npos) {
        curl_easy_setopt(e, CURLOPT_COOKIE, c.c_str());
      }
    }
  }
  if (o.http_version == 11) {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  } else if (o.http_version == 2) {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_0);
  }
  set_connection_options(e, o);  // TLS trust, client certificate, -k, -4/-6
  if (!o.user_agent.empty()) {
    curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
  }
  if (o.compressed) {
    // Accept-Encoding with every coding libcurl knows (Debian's: deflate, gzip, br, zstd),
    // decoded by ContentDecoder, not by libcurl: it would not tell a stream cut short.
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  }
  if (!m_headers.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m_headers.get());
  }
  if (o.speed_limit > 0 && o.speed_time.count() > 0) {
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(o.speed_limit));
    long seconds = static_cast<long>((o.speed_time.count() + 999) / 1000);  // libcurl: whole
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, std::max(seconds, 1L));
  }
  if (o.max_filesize > 0) {
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_filesize));
  }
  if (o.forbid_reuse) {
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  if (!o.referer.empty()) {
    curl_easy_setopt(e, CURLOPT_REFERER, o.referer.c_str());
  }
  if (o.max_recv_speed > 0) {
    // curl's --limit-rate caps both directions of each transfer.
    curl_easy_setopt(e, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(o.max_recv_speed));
    curl_easy_setopt(e, CURLOPT_MAX_SEND_SPEED_LARGE, static_cast<curl_off_t>(o.max_recv_speed));
  }
  if (!o.proxy_user.empty()) {
    curl_easy_setopt(e, CURLOPT_PROXYUSERPWD, o.proxy_user.c_str());
  }
  if (o.netrc != CURL_NETRC_IGNORED) {
    curl_easy_setopt(e, CURLOPT_NETRC, o.netrc);
    if (!o.netrc_file.empty()) {
      curl_easy_setopt(e, CURLOPT_NETRC_FILE, o.netrc_file.c_str());
    }
  }
  if (o.upload) {
    curl_easy_setopt(e, CURLOPT_READFUNCTION, http_client_read_cb);
  }
  if (o.verbose) {
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, http_client_debug_cb);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  }
}

// -F: the multipart body of one hop, through libcurl's mime API. False (and r's error) when
// libcurl refuses a part.
bool HttpClient::build_form(CURL* e, Transfer& t) {
  t.mime.reset(curl_mime_init(e));
  if (!t.mime) {
    throw std::bad_alloc();
  }
  for (const FormPart& p : m_request_options.form) {
    curl_mimepart* part = curl_mime_addpart(t.mime.get());
    if (part == nullptr) {
      throw std::bad_alloc();
    }
    curl_mime_name(part, p.name.c_str());
    CURLcode rc = CURLE_OK;
    if (p.file || p.file_contents) {
      rc = curl_mime_filedata(part, p.value.c_str());
      if (rc == CURLE_OK && p.file_contents) {
        curl_mime_filename(part, nullptr);  // <file: the contents, not a file upload
      }
    } else {
      rc = curl_mime_data(part, p.value.data(), p.value.size());
    }
    if (rc == CURLE_OK && !p.filename.empty()) {
      rc = curl_mime_filename(part, p.filename.c_str());
    }
    if (rc == CURLE_OK && !p.type.empty()) {
      rc = curl_mime_type(part, p.type.c_str());
    }
    if (rc != CURLE_OK) {
      Response& r = *t.response;
      r.error = Error::invalid_url;
      r.curl_code = rc;
      r.error_message = "-F " + p.name + ": " + curl_easy_strerror(rc);
      return false;
    }
  }
  curl_easy_setopt(e, CURLOPT_MIMEPOST, t.mime.get());
  return true;
}

// What may differ from one hop to the next: every option here is set on every hop.
bool HttpClient::setup_hop(CURL* e, Transfer& t, const Hop& hop) {
  const RequestOptions& o = m_request_options;
  curl_easy_setopt(e, CURLOPT_URL, t.coalesced ? hop.connect_url.c_str() : hop.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  t.errbuf[0] = '\0';
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
  // An explicit proxy (empty: none) spares libcurl a look at the environment per transfer.
  if (hop.proxy != t.proxy_set) {
    curl_easy_setopt(e, CURLOPT_PROXY, hop.proxy.c_str());
  }
  curl_easy_setopt(e, CURLOPT_RESOLVE, t.resolve.empty() ? nullptr : t.resolve.get());
  // Over TLS, wait for ALPN to tell whether a connection can multiplex (HTTP/2) rather than
  // open one per transfer. Never for http://: it would hold every transfer to a host until
  // the first response arrives.
  curl_easy_setopt(
      e, CURLOPT_PIPEWAIT,
      m_multiplex && hop.scheme == "https" && m_request_options.http_version != 11 ? 1L : 0L);
  if (o.auto_referer) {
    // Our hops follow redirects, not libcurl (whose CURLOPT_AUTOREFERER works only with its
    // own following): each hop names the one before.
    curl_easy_setopt(e, CURLOPT_REFERER, hop.referer.empty() ? nullptr : hop.referer.c_str());
    t.referer_set = true;
  }
  t.verbose = o.verbose;
  if (t.request->capture_heads || o.verbose) {
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, http_client_debug_cb);
    curl_easy_setopt(e, CURLOPT_DEBUGDATA, &t);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    t.verbose_set = true;
  }
  const curl_slist* headers = t.request->header_list;
  bool no_headers = false;  // the list would be empty: only secrets were given
  if (!hop.send_secrets) {
    const curl_slist* full = headers != nullptr ? headers : m_headers.get();
    if (has_secret_header(full)) {
      t.safe_headers = without_secret_headers(full);
      headers = t.safe_headers.get();
      no_headers = headers == nullptr;
    }
  }
  if (t.coalesced) {
    // libcurl only reads the list: a node of ours in front of the shared one.
    t.host_node.data = const_cast<char*>(hop.host_header.c_str());
    t.host_node.next =
        const_cast<curl_slist*>(headers != nullptr || no_headers ? headers : m_headers.get());
    headers = &t.host_node;
  }
  if (headers != nullptr || no_headers) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    t.headers_set = true;
  } else if (t.headers_set) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m_headers.get());  // the previous hop's is stale
    t.headers_set = false;
  }
  if (!o.user.empty()) {
    curl_easy_setopt(e, CURLOPT_USERPWD, hop.send_secrets ? o.user.c_str() : nullptr);
  }
  if (hop.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (hop.send_body && o.upload && !t.request->has_data) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    t.upload = &o.upload_data;
    t.upload_offset = 0;
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(o.upload_data.size()));
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  } else if (hop.send_body && !o.form.empty() && !t.request->has_data) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    if (!build_form(e, t)) {
      return false;
    }
  } else if (hop.send_body) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    const std::string& data = t.request->has_data ? t.request->data : o.data;
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(data.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, data.c_str());
  } else {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);  // also undoes a previous POST or HEAD
  }
  const char* natural = !hop.send_body ? "GET" : o.upload && !t.request->has_data ? "PUT" : "POST";
  bool implied = hop.method == natural || hop.method == "HEAD";
  if (!implied || t.custom_method_set) {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, implied ? nullptr : hop.method.c_str());
    t.custom_method_set = !implied;
  }
  if (t.connect_deadline != Clock::time_point::max()) {
    // What the lookups left of --connect-timeout.
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.connect_deadline - Clock::now());
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max<int64_t>(left.count(), 1)));
  }
  if (t.deadline != Clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t.deadline - Clock::now());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(left.count(), 1)));
  }
  return true;
}

}  // namespace greenfetch
