#include "core/http_client.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace greenfetch {

void curl_global_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One hop of a fetch: the URL fetched and how (redirects make more hops).
struct HttpClient::Hop {
  std::string url;
  std::string host;  // as in the URL (brackets around IPv6)
  long port = 0;
  std::string method;  // "GET", "HEAD", "POST" or a custom one
  bool send_body = false;
};

// One fetch in flight: found again from libcurl through CURLOPT_PRIVATE.
struct HttpClient::Transfer {
  explicit Transfer(Reactor& r) : done(r) {}
  const Request* request = nullptr;
  Response* response = nullptr;
  CURL* easy = nullptr;
  Waiter done;
  CURLcode result = CURLE_OK;
  bool cancelled = false;
  bool too_large = false;
  int64_t max_filesize = 0;
  std::size_t active_index = 0;
  CurlSlist resolve;  // CURLOPT_RESOLVE for this hop; alive until the hop ends
  Clock::time_point deadline = Clock::time_point::max();
  char errbuf[CURL_ERROR_SIZE] = {};
};

namespace {

double micros_to_seconds(curl_off_t us) { return static_cast<double>(us) / 1e6; }

Error error_for_code(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return Error::none;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error::invalid_url;
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

bool is_redirect(long code) {
  return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

std::string http_version_name(long v) {
  switch (v) {
    case CURL_HTTP_VERSION_1_0:
      return "1";
    case CURL_HTTP_VERSION_1_1:
      return "1.1";
    case CURL_HTTP_VERSION_2_0:
      return "2";
    case CURL_HTTP_VERSION_3:
      return "3";
    default:
      return "";
  }
}

// Splits an http(s) URL into host and port with libcurl's URL API (and gives back the URL
// as libcurl normalised it). Returns an error message, or an empty string on success.
std::string parse_target(const std::string& url, std::string& normalized, std::string& host,
                         long& port) {
  CurlUrl u(curl_url());
  if (!u) {
    throw std::bad_alloc();
  }
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_DEFAULT_SCHEME);
  if (rc != CURLUE_OK) {
    return std::string("malformed URL: ") + curl_url_strerror(rc);
  }
  char* part = nullptr;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &part, 0) != CURLUE_OK) {
    return "malformed URL: no scheme";
  }
  CurlString scheme(part);
  if (std::strcmp(scheme.get(), "http") != 0 && std::strcmp(scheme.get(), "https") != 0) {
    return std::string("unsupported scheme '") + scheme.get() + "'";
  }
  if (curl_url_get(u.get(), CURLUPART_HOST, &part, 0) != CURLUE_OK) {
    return "malformed URL: no host";
  }
  host.assign(CurlString(part).get());
  if (curl_url_get(u.get(), CURLUPART_PORT, &part, CURLU_DEFAULT_PORT) != CURLUE_OK) {
    return "malformed URL: no port";
  }
  port = std::strtol(CurlString(part).get(), nullptr, 10);
  if (curl_url_get(u.get(), CURLUPART_URL, &part, 0) != CURLUE_OK) {
    return "malformed URL";
  }
  normalized.assign(CurlString(part).get());
  return {};
}

}  // namespace

// C trampolines: each turns one libcurl callback into one member call (or one append).
int http_client_socket_cb(CURL* /*easy*/, curl_socket_t s, int what, void* userp,
                          void* /*socketp*/) {
  return static_cast<HttpClient*>(userp)->on_socket(s, what);
}

int http_client_timer_cb(CURLM* /*multi*/, long timeout_ms, void* userp) {
  return static_cast<HttpClient*>(userp)->on_timer(timeout_ms);
}

size_t http_client_write_cb(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  std::size_t n = size * nmemb;
  std::string& body = t->response->body;
  int64_t limit = t->max_filesize;
  if (limit > 0 && static_cast<int64_t>(body.size() + n) > limit) {
    t->too_large = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  body.append(ptr, n);
  return n;
}

size_t http_client_header_cb(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  std::size_t n = size * nmemb;
  std::string_view line(ptr, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  auto& headers = t->response->headers;
  if (line.starts_with("HTTP/")) {
    headers.clear();  // a new response (after 100 Continue, or a proxy's CONNECT answer)
  } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
      value.remove_suffix(1);
    }
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return n;
}

HttpClient::HttpClient(Resolver& resolver, RequestOptions request_options,
                       HttpClientOptions options, Reactor& reactor)
    : m_reactor(reactor),
      m_resolver(resolver),
      m_request_options(std::move(request_options)),
      m_timer([this] { on_timer_fired(); }) {
  curl_global_once();
  m_multi.reset(curl_multi_init());
  if (!m_multi) {
    throw std::bad_alloc();
  }
  CURLM* m = m_multi.get();
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, http_client_socket_cb);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, http_client_timer_cb);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
  if (options.max_connections > 0) {
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_connections));
  }
  if (options.max_host_connections > 0) {
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options.max_host_connections));
  }
  for (const std::string& h : m_request_options.headers) {
    m_headers.append(h);
  }
}

HttpClient::~HttpClient() {
  cancel_all();
  m_idle_easy.clear();
  m_multi.reset();  // may call the socket callback: the reactor is still alive
  m_timer.cancel();
}

int HttpClient::on_socket(curl_socket_t s, int what) {
  if (what == CURL_POLL_REMOVE) {
    m_reactor.unwatch(s);
    return 0;
  }
  uint32_t events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
    events |= EPOLLIN;
  }
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
    events |= EPOLLOUT;
  }
  m_reactor.watch(s, events, this);
  return 0;
}

int HttpClient::on_timer(long timeout_ms) {
  // Never call libcurl from here: a 0 timeout means "soon", so it becomes a timer due now.
  if (timeout_ms < 0) {
    m_timer.cancel();
  } else {
    m_timer.arm(m_reactor, Clock::now() + std::chrono::milliseconds(timeout_ms));
  }
  return 0;
}

void HttpClient::on_fd_events(int fd, uint32_t events) {
  int flags = 0;
  if ((events & EPOLLIN) != 0) {
    flags |= CURL_CSELECT_IN;
  }
  if ((events & EPOLLOUT) != 0) {
    flags |= CURL_CSELECT_OUT;
  }
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
    // Let libcurl read or write what it waits for, so it reports the socket's own error.
    flags |= CURL_CSELECT_IN | CURL_CSELECT_OUT | CURL_CSELECT_ERR;
  }
  int running = 0;
  curl_multi_socket_action(m_multi.get(), fd, flags, &running);
  check_multi_info();
}

void HttpClient::on_timer_fired() {
  int running = 0;
  curl_multi_socket_action(m_multi.get(), CURL_SOCKET_TIMEOUT, 0, &running);
  check_multi_info();
}

void HttpClient::check_multi_info() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(m_multi.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) {
      continue;
    }
    // Copy what we need: the message is gone after curl_multi_remove_handle.
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
    curl_multi_remove_handle(m_multi.get(), easy);
    if (t != nullptr) {
      t->result = result;
      Transfer* last = m_active.back();
      m_active[t->active_index] = last;
      last->active_index = t->active_index;
      m_active.pop_back();
      t->done.post();
    }
  }
}

void HttpClient::cancel_all() {
  m_cancelled = true;
  for (Transfer* t : m_active) {
    curl_multi_remove_handle(m_multi.get(), t->easy);
    t->result = CURLE_ABORTED_BY_CALLBACK;
    t->cancelled = true;
    t->done.post();
  }
  m_active.clear();
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
  return e;
}

void HttpClient::release_easy(CurlEasy easy) {
  curl_easy_reset(easy.get());
  m_idle_easy.push_back(std::move(easy));
}

void HttpClient::setup_easy(CURL* e, Transfer& t, const Hop& hop) {
  const RequestOptions& o = m_request_options;
  curl_easy_setopt(e, CURLOPT_URL, hop.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_client_write_cb);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_client_header_cb);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  t.errbuf[0] = '\0';
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // An explicit proxy (empty: none) spares libcurl a look at the environment per transfer.
  curl_easy_setopt(e, CURLOPT_PROXY, o.proxy.c_str());
  if (!t.resolve.empty()) {
    curl_easy_setopt(e, CURLOPT_RESOLVE, t.resolve.get());
  }
  if (!o.user_agent.empty()) {
    curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
  }
  if (o.compressed) {
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  }
  if (!m_headers.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m_headers.get());
  }
  if (hop.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    if (hop.send_body) {
      const std::string& data = t.request->data;
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(data.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, data.c_str());
    }
    bool implied = hop.send_body ? hop.method == "POST" : hop.method == "GET";
    if (!implied) {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, hop.method.c_str());
    }
  }
  if (t.deadline != Clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t.deadline - Clock::now());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(left.count(), 1)));
  }
  if (o.connect_timeout.count() > 0) {
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
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
  if (o.max_filesize > 0) {
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_filesize));
  }
}

Response HttpClient::fetch(const Request& request) {
  const RequestOptions& o = m_request_options;
  Response r;
  r.url = request.url;
  r.line = request.line;
  Transfer t(m_reactor);
  t.request = &request;
  t.response = &r;
  t.max_filesize = o.max_filesize;
  Clock::time_point start = Clock::now();
  if (o.max_time.count() > 0) {
    t.deadline = start + o.max_time;
  }

  Hop hop;
  hop.url = request.url;
  hop.send_body = request.has_data || !request.data.empty();
  hop.method = !o.method.empty() ? o.method : o.head ? "HEAD" : hop.send_body ? "POST" : "GET";

  CurlEasy easy;
  Timings sum;
  for (int n = 0;; ++n) {
    Clock::time_point hop_start = Clock::now();
    if (n > 0) {
      sum.redirect = std::chrono::duration<double>(hop_start - start).count();
    }
    std::string normalized;
    std::string message = parse_target(hop.url, normalized, hop.host, hop.port);
    if (!message.empty()) {
      r.error = Error::invalid_url;
      r.error_message = message;
      r.curl_code = CURLE_URL_MALFORMAT;
      break;
    }
    hop.url = std::move(normalized);
    if (m_cancelled) {
      r.error = Error::cancelled;
      r.error_message = "interrupted";
      r.curl_code = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    double dns = 0;
    t.resolve.reset();
    if (!is_ip_literal(hop.host)) {
      Resolution res = m_resolver.resolve(hop.host);
      dns = res.seconds;
      if (res.error != Error::none) {
        sum.namelookup += dns;
        r.error = res.error;
        r.error_message = res.message;
        r.curl_code = CURLE_COULDNT_RESOLVE_HOST;
        break;
      }
      std::string entry = hop.host + ":" + std::to_string(hop.port) + ":";
      for (std::size_t i = 0; i < res.addresses.size(); ++i) {
        const std::string& a = res.addresses[i];
        entry += i > 0 ? "," : "";
        entry += a.find(':') != std::string::npos ? "[" + a + "]" : a;
      }
      t.resolve.append(entry);
    }
    if (!easy) {
      easy = acquire_easy();
      t.easy = easy.get();
    }
    r.headers.clear();
    r.body.clear();
    t.too_large = false;
    setup_easy(easy.get(), t, hop);
    t.done.reset();
    t.active_index = m_active.size();
    m_active.push_back(&t);
    CURLMcode mc = curl_multi_add_handle(m_multi.get(), easy.get());
    if (mc != CURLM_OK) {
      m_active.pop_back();
      r.error = Error::protocol;
      r.error_message = std::string("cannot start transfer: ") + curl_multi_strerror(mc);
      break;
    }
    t.done.wait();

    CURL* e = easy.get();
    curl_off_t v = 0;
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    r.http_code = code;
    curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &code);
    r.http_version = http_version_name(code);
    // The per-hop phase times are added up over the hops, as curl does with -L.
    sum.namelookup += dns;
    if (curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &v) == CURLE_OK && v > 0) {
      sum.connect += dns + micros_to_seconds(v);
    }
    if (curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &v) == CURLE_OK && v > 0) {
      sum.appconnect += dns + micros_to_seconds(v);
    }
    if (curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &v) == CURLE_OK && v > 0) {
      sum.pretransfer += dns + micros_to_seconds(v);
    }
    if (curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &v) == CURLE_OK && v > 0) {
      sum.starttransfer += dns + micros_to_seconds(v);
    }
    long hsize = 0;
    curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &hsize);
    r.size_header += hsize;
    long rsize = 0;
    curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &rsize);
    r.size_request += rsize;
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &v);
    r.size_download = v;
    curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &v);
    r.size_upload += v;
    char* s = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s != nullptr) {
      r.remote_ip = s;
    }
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &r.remote_port);
    curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &r.local_port);
    s = nullptr;
    r.content_type.clear();
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s != nullptr) {
      r.content_type = s;
    }
    s = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s != nullptr) {
      r.effective_url = s;
    }
    s = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_SCHEME, &s) == CURLE_OK && s != nullptr) {
      r.scheme = s;
    }
    s = nullptr;
    r.redirect_url.clear();
    if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s != nullptr) {
      r.redirect_url = s;
    }
    t.resolve.reset();

    if (t.result != CURLE_OK) {
      r.curl_code = t.result;
      if (t.cancelled) {
        r.error = Error::cancelled;
        r.error_message = "interrupted";
      } else if (t.too_large || t.result == CURLE_FILESIZE_EXCEEDED) {
        r.error = Error::too_large;
        r.curl_code = CURLE_FILESIZE_EXCEEDED;
        r.error_message = "body larger than --max-filesize " + std::to_string(o.max_filesize);
      } else {
        r.error = error_for_code(t.result);
        r.error_message = t.errbuf[0] != '\0' ? t.errbuf : curl_easy_strerror(t.result);
      }
      break;
    }
    if (o.follow_redirects && is_redirect(r.http_code) && !r.redirect_url.empty()) {
      if (n >= o.max_redirects) {
        r.error = Error::too_many_redirects;
        r.curl_code = CURLE_TOO_MANY_REDIRECTS;
        r.error_message = "Maximum (" + std::to_string(o.max_redirects) + ") redirects followed";
        break;
      }
      // What curl does by default: 303 turns into GET (but HEAD stays HEAD), and so does a
      // POST answered with 301 or 302; 307 and 308 repeat the request as it was.
      if ((r.http_code == 303 && hop.method != "HEAD") ||
          ((r.http_code == 301 || r.http_code == 302) && hop.method == "POST")) {
        hop.method = "GET";
        hop.send_body = false;
      }
      hop.url = r.redirect_url;
      ++r.num_redirects;
      continue;
    }
    if (o.fail && r.http_code >= 400) {
      r.error = Error::http;
      r.curl_code = CURLE_HTTP_RETURNED_ERROR;
      r.error_message = "The requested URL returned error: " + std::to_string(r.http_code);
    }
    break;
  }
  if (easy) {
    release_easy(std::move(easy));
  }
  sum.total = std::chrono::duration<double>(Clock::now() - start).count();
  r.time = sum;
  if (r.effective_url.empty()) {
    r.effective_url = hop.url;
  }
  if (sum.total > 0) {
    r.speed_download = static_cast<double>(r.size_download) / sum.total;
  }
  return r;
}

}  // namespace greenfetch
