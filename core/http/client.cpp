#include "core/http/client.hpp"

#include <sys/epoll.h>

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <mutex>

#include "core/base/ascii.hpp"
#include "core/input/url_source.hpp"

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
  std::string scheme;     // "http" or "https"
  std::string proxy;      // the proxy for this hop, empty for none
  bool same_host = true;  // still the first URL's host: credentials may be sent
  // Sharing connections by address (http:// only, see can_coalesce): the one address the
  // name resolved to ("[v6]" in brackets), the URL libcurl is given with that address in
  // place of the name, and the Host header that carries the name. address is empty when the
  // hop is not coalesced.
  std::string address;
  std::string connect_url;
  std::string host_header;
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
  int64_t received = 0;            // body bytes of this hop so far
  bool sink_refused = false;       // the BodySink asked to stop
  std::string proxy_set;           // CURLOPT_PROXY now set on the easy handle
  bool custom_method_set = false;  // CURLOPT_CUSTOMREQUEST now set on the easy handle
  bool headers_set = false;        // CURLOPT_HTTPHEADER is the request's own list
  bool keep_headers = true;        // lean requests keep them only when a retry may read them
  bool raw_headers = false;        // keep the raw header text too (-I)
  bool verbose_set = false;        // CURLOPT_VERBOSE is on for capture_heads
  std::size_t active_index = 0;
  CurlSlist resolve;  // CURLOPT_RESOLVE for this hop; alive until the hop ends
  // A coalesced hop's Host header, put in front of the request's headers (its `next`).
  curl_slist host_node{};
  bool coalesced = false;          // this hop's URL has the address in place of the name
  bool location_absolute = false;  // a coalesced hop's Location named its own scheme or host
  Clock::time_point deadline = Clock::time_point::max();
  char errbuf[CURL_ERROR_SIZE] = {};
};

namespace {

double micros_to_seconds(curl_off_t us) {
  return static_cast<double>(us) / 1e6;
}

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

// The common case without libcurl's URL API: "http(s)://" + a plain host name or IPv4
// address + an optional port + printable ASCII. A CURLU round trip costs ~16k instructions
// per URL (an eighth of fetch mode's CPU); anything less plain (user info, IPv6, percent
// signs, spaces, upper-case schemes, ...) returns false and goes through CURLU.
bool parse_plain_target(const std::string& url, std::string& scheme, std::string& host,
                        long& port) {
  std::size_t start = 0;
  if (url.starts_with("http://")) {
    scheme = "http";
    start = 7;
    port = 80;
  } else if (url.starts_with("https://")) {
    scheme = "https";
    start = 8;
    port = 443;
  } else {
    return false;
  }
  std::size_t end = url.find_first_of("/?#", start);
  if (end == std::string::npos) {
    end = url.size();
  }
  std::size_t colon = url.find(':', start);
  std::size_t host_end = colon < end ? colon : end;
  if (host_end == start || host_end - start > 253) {
    return false;
  }
  for (std::size_t i = start; i < host_end; ++i) {
    char c = url[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) {
      return false;  // upper case, '_', '@', '[', '%': let CURLU decide
    }
  }
  if (colon < end) {
    if (end - colon < 2 || end - colon > 6) {
      return false;
    }
    long p = 0;
    for (std::size_t i = colon + 1; i < end; ++i) {
      if (url[i] < '0' || url[i] > '9') {
        return false;
      }
      p = p * 10 + (url[i] - '0');
    }
    if (p == 0 || p > 65535) {
      return false;
    }
    port = p;
  }
  for (std::size_t i = end; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f || c == '\\') {
      return false;
    }
  }
  host.assign(url, start, host_end - start);
  return true;
}

// Splits an http(s) URL into host and port with libcurl's URL API (and gives back the URL
// as libcurl normalised it). Returns an error message, or an empty string on success.
std::string parse_target(const std::string& url, std::string& normalized, std::string& scheme_out,
                         std::string& host, long& port, long default_port = 0) {
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
  scheme_out.assign(scheme.get());
  if (default_port == 0 && scheme_out != "http" && scheme_out != "https") {
    return "unsupported scheme '" + scheme_out + "'";
  }
  if (curl_url_get(u.get(), CURLUPART_HOST, &part, 0) != CURLUE_OK) {
    return "malformed URL: no host";
  }
  host.assign(CurlString(part).get());
  if (curl_url_get(u.get(), CURLUPART_PORT, &part, default_port != 0 ? 0 : CURLU_DEFAULT_PORT) ==
      CURLUE_OK) {
    port = std::strtol(CurlString(part).get(), nullptr, 10);
  } else if (default_port != 0) {
    port = default_port;
  } else {
    return "malformed URL: no port";
  }
  if (curl_url_get(u.get(), CURLUPART_URL, &part, 0) != CURLUE_OK) {
    return "malformed URL";
  }
  normalized.assign(CurlString(part).get());
  return {};
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// curl's NO_PROXY rule: "*" matches every host; otherwise a host matches a name in the
// list when it is that name or ends with "." and that name (a leading dot is ignored).
bool noproxy_matches(const std::string& list, const std::string& host) {
  std::string h = ascii_lowercase(host);
  if (h.size() > 2 && h.front() == '[') {
    h = h.substr(1, h.size() - 2);
  }
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) {
      end = list.size();
    }
    std::string name = ascii_lowercase(list.substr(start, end - start));
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty() && name.front() == '.') {
      name.erase(0, 1);
    }
    if (name == "*") {
      return true;
    }
    if (!name.empty() && (h == name || (h.size() > name.size() && h.ends_with("." + name)))) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

// Whether a Location value names its own authority ("scheme:..." or "//host..."), so that
// libcurl's resolution of it owes nothing to the address a coalesced hop connected to.
bool names_authority(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  if (v.starts_with("//")) {
    return true;
  }
  // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c == ':') {
      return i > 0;
    }
    if (!(is_ascii_alpha(c) ||
          (i > 0 && (is_ascii_digit(c) || c == '+' || c == '-' || c == '.')))) {
      return false;
    }
  }
  return false;
}

// A hop's name is plain enough to move from the URL to a Host header as is.
bool plain_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '.' || c == '-' || c == '_';
  });
}

// A header line of the user's about Host: "Host: value", "Host:" (drop it) or "Host;" (send
// it empty), in curl's -H syntax.
bool is_host_header(std::string_view h) {
  return h.size() >= 5 && iequals(h.substr(0, 4), "Host") && (h[4] == ':' || h[4] == ';');
}

bool has_host_header(const curl_slist* list) {
  for (; list != nullptr; list = list->next) {
    if (is_host_header(list->data)) {
      return true;
    }
  }
  return false;
}

}  // namespace

// C trampolines: each turns one libcurl callback into one member call (or one append).
int http_client_socket_cb(CURL* /*easy*/, curl_socket_t s, int what, void* userp,
                          void* /*socketp*/) {
  return static_cast<HttpClient*>(userp)->on_socket(s, what);
}

int http_client_close_cb(void* clientp, curl_socket_t item) {
  return static_cast<HttpClient*>(clientp)->on_close_socket(item);
}

int http_client_timer_cb(CURLM* /*multi*/, long timeout_ms, void* userp) {
  return static_cast<HttpClient*>(userp)->on_timer(timeout_ms);
}

size_t http_client_write_cb(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  std::size_t n = size * nmemb;
  int64_t limit = t->max_filesize;
  t->received += static_cast<int64_t>(n);
  if (limit > 0 && t->received > limit) {
    t->too_large = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  if (const BodySink* sink = t->request->on_body) {
    if (!(*sink)(*t->response, std::string_view(ptr, n))) {
      t->sink_refused = true;
      return 0;
    }
    return n;
  }
  t->response->body.append(ptr, n);
  return n;
}

// Only with Request::capture_heads: collects the request head libcurl sends.
int http_client_debug_cb(CURL* /*easy*/, curl_infotype type, char* data, size_t size,
                         void* userdata) {
  if (type == CURLINFO_HEADER_OUT) {
    auto* t = static_cast<HttpClient::Transfer*>(userdata);
    t->response->request_head.assign(data, size);
  }
  return 0;
}

size_t http_client_header_cb(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  std::size_t n = size * nmemb;
  if (t->coalesced && n > 9 && strncasecmp(ptr, "Location:", 9) == 0) {
    t->location_absolute = names_authority(std::string_view(ptr + 9, n - 9));
  }
  if (t->request->lean && !t->keep_headers) {
    return n;
  }
  std::string_view line(ptr, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  auto& headers = t->response->headers;
  if (t->raw_headers) {
    std::string& text = t->response->header_text;
    if (line.starts_with("HTTP/")) {
      text.clear();
    }
    text.append(ptr, n);
  }
  if (line.starts_with("HTTP/")) {
    headers.clear();  // a new response (after 100 Continue, or a proxy's CONNECT answer)
    headers.reserve(16);
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
      m_timer([this] { on_timer_fired(); }),
      m_rate(m_request_options.rate),
      m_random(std::random_device{}()) {
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
  const RequestOptions& o = m_request_options;
  for (const std::string& h : o.headers) {
    m_headers.append(h);
  }
  for (const std::string& entry : o.resolve) {
    // HOST:PORT:ADDR[,ADDR]: the key is the part before the second colon.
    std::size_t first = entry.find(':');
    std::size_t second = first == std::string::npos ? first : entry.find(':', first + 1);
    if (second == std::string::npos) {
      throw std::invalid_argument("--resolve '" + entry + "' is not HOST:PORT:ADDRESS");
    }
    m_user_resolve.emplace_back(ascii_lowercase(entry.substr(0, second)), entry);
  }
  for (const std::string& entry : o.connect_to) {
    // HOST1:PORT1:HOST2:PORT2, where a host may be [IPv6] and any part may be empty.
    std::vector<std::string> parts;
    std::size_t i = 0;
    std::string cur;
    while (i <= entry.size()) {
      if (i < entry.size() && entry[i] == '[') {
        std::size_t close = entry.find(']', i);
        if (close == std::string::npos) {
          break;
        }
        cur += entry.substr(i, close - i + 1);
        i = close + 1;
        continue;
      }
      if (i == entry.size() || entry[i] == ':') {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += entry[i];
      }
      ++i;
    }
    if (parts.size() != 4) {
      throw std::invalid_argument("--connect-to '" + entry + "' is not HOST1:PORT1:HOST2:PORT2");
    }
    ConnectTo rule{ascii_lowercase(parts[0]), std::strtol(parts[1].c_str(), nullptr, 10), parts[2],
                   std::strtol(parts[3].c_str(), nullptr, 10)};
    m_connect_rules.push_back(rule);
    m_connect_to.append(entry);
  }
  if (o.proxy_from_env) {
    // Read once: libcurl would otherwise look at the environment for every transfer.
    m_env_http_proxy = env("http_proxy");
    m_env_https_proxy = env("https_proxy").empty() ? env("HTTPS_PROXY") : env("https_proxy");
    std::string all = env("all_proxy").empty() ? env("ALL_PROXY") : env("all_proxy");
    if (m_env_http_proxy.empty()) {
      m_env_http_proxy = all;
    }
    if (m_env_https_proxy.empty()) {
      m_env_https_proxy = all;
    }
  }
  m_noproxy = o.noproxy;
  if (m_noproxy.empty() && o.proxy_from_env) {
    m_noproxy = env("no_proxy").empty() ? env("NO_PROXY") : env("no_proxy");
  }
  if (!o.cookies.empty() || !o.cookie_jar.empty()) {
    // One cookie jar for the whole run, shared by every easy handle (one thread: no locks).
    m_share = {curl_share_init(), [](CURLSH* sh) { curl_share_cleanup(sh); }};
    curl_share_setopt(m_share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    CurlEasy loader(curl_easy_init());
    curl_easy_setopt(loader.get(), CURLOPT_SHARE, m_share.get());
    bool files = false;
    for (const std::string& c : o.cookies) {
      if (c.find('=') == std::string::npos) {  // like curl -b: no '=' means a file
        curl_easy_setopt(loader.get(), CURLOPT_COOKIEFILE, c.c_str());
        files = true;
      }
    }
    if (files) {
      curl_easy_setopt(loader.get(), CURLOPT_COOKIELIST, "RELOAD");
    }
  }
}

void HttpClient::save_cookies() {
  if (!m_share || m_request_options.cookie_jar.empty()) {
    return;
  }
  CurlEasy writer(curl_easy_init());
  curl_easy_setopt(writer.get(), CURLOPT_SHARE, m_share.get());
  curl_easy_setopt(writer.get(), CURLOPT_COOKIEJAR, m_request_options.cookie_jar.c_str());
  curl_easy_setopt(writer.get(), CURLOPT_COOKIELIST, "FLUSH");
}

std::string HttpClient::proxy_for(const std::string& scheme, const std::string& host) const {
  const std::string& p = !m_request_options.proxy.empty() ? m_request_options.proxy
                         : scheme == "https"              ? m_env_https_proxy
                                                          : m_env_http_proxy;
  if (p.empty() || (!m_noproxy.empty() && noproxy_matches(m_noproxy, host))) {
    return {};
  }
  return p;
}

HttpClient::~HttpClient() {
  cancel_all();
  save_cookies();
  m_idle_easy.clear();
  m_multi.reset();  // may call the socket callback: the reactor is still alive
  m_timer.cancel();
}

int HttpClient::on_socket(curl_socket_t s, int what) {
  if (what == CURL_POLL_REMOVE) {
    // Kept in epoll for now: an idle keep-alive connection is usually wanted again at once.
    m_reactor.unwatch(s, /*keep_registered=*/true);
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

int HttpClient::on_close_socket(curl_socket_t s) {
  m_reactor.forget(s);
  return ::close(s);
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
  setup_static(e.get());
  return e;
}

void HttpClient::release_easy(CurlEasy easy, const Transfer& t) {
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
  if (t.verbose_set) {
    curl_easy_setopt(e, CURLOPT_VERBOSE, 0L);
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
  if (!o.user_agent.empty()) {
    curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
  }
  if (o.compressed) {
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  }
  if (!m_headers.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m_headers.get());
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
  if (o.forbid_reuse) {
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
}

// What may differ from one hop to the next: every option here is set on every hop.
void HttpClient::setup_hop(CURL* e, Transfer& t, const Hop& hop) {
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
  curl_easy_setopt(e, CURLOPT_PIPEWAIT,
                   hop.scheme == "https" && m_request_options.http_version != 11 ? 1L : 0L);
  if (t.request->capture_heads) {
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, http_client_debug_cb);
    curl_easy_setopt(e, CURLOPT_DEBUGDATA, &t);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    t.verbose_set = true;
  }
  const curl_slist* headers = t.request->header_list;
  if (t.coalesced) {
    // libcurl only reads the list: a node of ours in front of the shared one.
    t.host_node.data = const_cast<char*>(hop.host_header.c_str());
    t.host_node.next = const_cast<curl_slist*>(headers != nullptr ? headers : m_headers.get());
    headers = &t.host_node;
  }
  if (headers != nullptr) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    t.headers_set = true;
  } else if (t.headers_set) {
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m_headers.get());  // the previous hop's is stale
    t.headers_set = false;
  }
  if (!o.user.empty()) {
    curl_easy_setopt(e, CURLOPT_USERPWD, hop.same_host ? o.user.c_str() : nullptr);
  }
  if (hop.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (hop.send_body) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    const std::string& data = t.request->has_data ? t.request->data : o.data;
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(data.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, data.c_str());
  } else {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);  // also undoes a previous POST or HEAD
  }
  bool implied = hop.method == (hop.send_body ? "POST" : "GET") || hop.method == "HEAD";
  if (!implied || t.custom_method_set) {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, implied ? nullptr : hop.method.c_str());
    t.custom_method_set = !implied;
  }
  if (t.deadline != Clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t.deadline - Clock::now());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(left.count(), 1)));
  }
}

Response HttpClient::fetch(const Request& request) {
  const RetryOptions& retry = m_request_options.retry;
  Clock::time_point start = Clock::now();
  Response r = fetch_once(request);
  for (int n = 0; n < retry.attempts && !m_cancelled && should_retry(r); ++n) {
    Clock::duration delay = retry_delay(r, n);
    if (retry.max_time.count() > 0 && Clock::now() + delay - start > retry.max_time) {
      break;
    }
    sleep_for(delay);
    if (m_cancelled) {
      break;
    }
    r = fetch_once(request);
    r.retries = n + 1;
  }
  return r;
}

bool HttpClient::should_retry(const Response& r) const {
  const RetryOptions& o = m_request_options.retry;
  switch (r.error) {
    case Error::connect:
      return o.on_connect;
    case Error::reset:
      return o.on_reset;
    case Error::timeout:
      return o.on_timeout;
    case Error::dns:
    case Error::dns_timeout:
      return o.on_dns;
    case Error::none:
    case Error::http:
      break;
    default:
      return false;
  }
  long code = r.http_code;
  if ((code == 429 && o.on_429) || (code >= 500 && code <= 599 && o.on_5xx)) {
    return true;
  }
  return std::find(o.statuses.begin(), o.statuses.end(), code) != o.statuses.end();
}

Clock::duration HttpClient::retry_delay(const Response& r, int retry) {
  const RetryOptions& o = m_request_options.retry;
  // Retry-After (seconds or an HTTP date) is what the server asked for: honour it.
  for (const auto& [name, value] : r.headers) {
    if (strcasecmp(name.c_str(), "Retry-After") != 0) {
      continue;
    }
    char* end = nullptr;
    long seconds = std::strtol(value.c_str(), &end, 10);
    if (end != value.c_str() && *end == '\0' && seconds >= 0) {
      return std::chrono::seconds(seconds);
    }
    time_t when = curl_getdate(value.c_str(), nullptr);
    if (when != -1) {
      return std::chrono::seconds(std::max<time_t>(0, when - std::time(nullptr)));
    }
  }
  // Exponential backoff with full jitter: uniform in [0, min(max_delay, delay * 2^retry)].
  double cap = static_cast<double>(o.delay.count()) * std::ldexp(1.0, std::min(retry, 30));
  cap = std::min(cap, static_cast<double>(o.max_delay.count()));
  std::uniform_real_distribution<double> jitter(0.0, cap);
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(jitter(m_random)));
}

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
  Resolution res = m_resolver.resolve(host);
  dns_seconds += res.seconds;
  if (res.error != Error::none) {
    r.error = res.error;
    r.error_message = res.message;
    r.curl_code = CURLE_COULDNT_RESOLVE_HOST;
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
      hop.host_header += ":" + std::to_string(hop.port);
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

Response HttpClient::fetch_once(const Request& request) {
  const RequestOptions& o = m_request_options;
  Response r;
  r.url = request.url;
  r.line = request.line;
  Transfer t(m_reactor);
  t.request = &request;
  t.response = &r;
  t.max_filesize = o.max_filesize;
  t.keep_headers = !request.lean || o.retry.attempts > 0;
  t.raw_headers = o.head || request.capture_heads;
  Clock::time_point start = Clock::now();
  if (o.max_time.count() > 0) {
    t.deadline = start + o.max_time;
  }

  Hop hop;
  hop.url = request.url;
  hop.send_body = request.has_data || o.has_data;
  hop.method = !request.method.empty() ? request.method
               : !o.method.empty()     ? o.method
               : o.head                ? "HEAD"
               : hop.send_body         ? "POST"
                                       : "GET";

  CurlEasy easy;
  Timings sum;
  std::string first_host;
  for (int n = 0;; ++n) {
    Clock::time_point hop_start = Clock::now();
    if (n > 0) {
      sum.redirect = std::chrono::duration<double>(hop_start - start).count();
    }
    if (m_cancelled) {
      r.error = Error::cancelled;
      r.error_message = "interrupted";
      r.curl_code = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    double dns = 0;
    bool ready = prepare_hop(t, hop, r, dns);
    sum.namelookup += dns;
    if (!ready) {
      break;
    }
    if (n == 0) {
      first_host = hop.host;
    } else if (!iequals(hop.host, first_host)) {
      hop.same_host = false;  // like curl: no credentials for another host after a redirect
    }
    if (!easy) {
      easy = acquire_easy();
      t.easy = easy.get();
    }
    r.headers.clear();
    r.body.clear();
    t.too_large = false;
    t.location_absolute = false;
    t.sink_refused = false;
    t.received = 0;
    setup_hop(easy.get(), t, hop);
    t.proxy_set = hop.proxy;
    m_rate.acquire();
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
    if (request.lean) {
      // bench reads only the status, sizes, times and connections above and below.
      long lean_connects = 0;
      curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &lean_connects);
      r.num_connects += lean_connects;
    } else if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s != nullptr) {
      r.remote_ip = s;
    }
    curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &r.remote_port);
    curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &r.local_port);
    s = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_LOCAL_IP, &s) == CURLE_OK && s != nullptr) {
      r.local_ip = s;
    }
    long connects = 0;
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
    r.num_connects += connects;
    curl_easy_getinfo(e, CURLINFO_SSL_VERIFYRESULT, &r.ssl_verify_result);
    r.method = hop.method;
    s = nullptr;
    r.content_type.clear();
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s != nullptr) {
      r.content_type = s;
    }
    s = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s != nullptr) {
      r.effective_url = t.coalesced ? named_url(hop, s) : s;
    }
    s = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_SCHEME, &s) == CURLE_OK && s != nullptr) {
      r.scheme = s;
    }
    s = nullptr;
    r.redirect_url.clear();
    if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s != nullptr) {
      // A relative Location was resolved against the address: give it back the name.
      r.redirect_url = t.coalesced && !t.location_absolute ? named_url(hop, s) : s;
    }
    t.resolve.reset();

    if (t.result != CURLE_OK) {
      r.curl_code = t.result;
      if (t.cancelled) {
        r.error = Error::cancelled;
        r.error_message = "interrupted";
      } else if (t.sink_refused) {
        r.error = Error::output;
        r.error_message = "the body's consumer stopped the transfer";
      } else if (t.too_large || t.result == CURLE_FILESIZE_EXCEEDED) {
        r.error = Error::too_large;
        r.curl_code = CURLE_FILESIZE_EXCEEDED;
        r.error_message = "body larger than --max-filesize " + std::to_string(o.max_filesize);
      } else {
        r.error = error_for_code(t.result);
        r.error_message = t.errbuf[0] != '\0' ? t.errbuf : curl_easy_strerror(t.result);
        if (t.coalesced) {
          name_the_host(r.error_message, hop);
        }
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
    release_easy(std::move(easy), t);
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

void start_client(std::optional<Resolver>& resolver, std::optional<HttpClient>& client,
                  const ResolverOptions& dns, const RequestOptions& request,
                  const HttpClientOptions& options, Reactor& reactor) {
  try {
    resolver.emplace(dns, reactor);
    client.emplace(*resolver, request, options, reactor);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

}  // namespace greenfetch
