// HttpClient: building the client and fetching, hop by hop, with retries. The rest of the
// class is in client_callbacks.cpp (libcurl's multi socket plumbing), transfer_setup.cpp
// (easy handle options) and client_hops.cpp (targets, resolution, coalescing).
#include "core/http/client.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/base/ascii.hpp"
#include "core/http/curl_error.hpp"
#include "core/http/proxy.hpp"
#include "core/http/retry_policy.hpp"
#include "core/http/target.hpp"
#include "core/http/transfer.hpp"
#include "core/input/url_source.hpp"
#include "core/output/output.hpp"  // write_all
#include "core/url/normalize.hpp"

namespace greenfetch {

void curl_global_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

double micros_to_seconds(curl_off_t us) {
  return static_cast<double>(us) / 1e6;
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

// libcurl's connection cache (CURLMOPT_MAXCONNECTS) is one pool for every host. Sized to the
// concurrency alone, a run that alternates between two hosts at -c 1 closes a connection at
// every switch; so the cache holds max_connections per origin seen, for up to this many
// origins and at most k_extra_cached connections more (a crawl over many hosts must not keep
// thousands of idle sockets).
constexpr std::size_t k_cached_origins = 64;
constexpr std::size_t k_extra_cached = 512;

}  // namespace

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
    m_cache_per_origin = options.max_connections;
  }
  m_multiplex = options.multiplex;
  if (!options.multiplex) {
    curl_multi_setopt(m, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_NOTHING));
  }
  if (options.max_streams > 0) {
    curl_multi_setopt(m, CURLMOPT_MAX_CONCURRENT_STREAMS, static_cast<long>(options.max_streams));
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
  EnvProxies env_proxies;
  if (o.proxy_from_env) {
    // Read once: libcurl would otherwise look at the environment for every transfer.
    env_proxies = proxies_from_env();
    m_env_http_proxy = env_proxies.http;
    m_env_https_proxy = env_proxies.https;
  }
  m_noproxy = o.noproxy;
  if (m_noproxy.empty() && o.proxy_from_env) {
    m_noproxy = env_proxies.noproxy;
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

std::string HttpClient::save_cookies() {
  if (!m_share || m_request_options.cookie_jar.empty() || m_cookies_saved) {
    return {};
  }
  m_cookies_saved = true;
  // Written here rather than by libcurl (CURLOPT_COOKIEJAR), which says nothing when the
  // file cannot be written: a lost cookie jar must be an error.
  CurlEasy reader(curl_easy_init());
  curl_easy_setopt(reader.get(), CURLOPT_SHARE, m_share.get());
  curl_slist* list = nullptr;
  curl_easy_getinfo(reader.get(), CURLINFO_COOKIELIST, &list);
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> owned(list, curl_slist_free_all);
  std::string text = "# Netscape HTTP Cookie File\n# Written by greenfetch.\n\n";
  for (const curl_slist* c = list; c != nullptr; c = c->next) {
    text += c->data;
    text += '\n';
  }
  const std::string& path = m_request_options.cookie_jar;
  bool to_stdout = path == "-";
  int fd = to_stdout ? STDOUT_FILENO
                     : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return "cannot write cookie jar " + path + ": " + std::strerror(errno);
  }
  int err = write_all(fd, text) ? 0 : errno;
  if (!to_stdout && ::close(fd) != 0 && err == 0 && errno != EINTR) {
    err = errno;
  }
  if (err != 0) {
    return "cannot write cookie jar " + (to_stdout ? std::string("to stdout") : path) + ": " +
           std::strerror(err);
  }
  return {};
}

void HttpClient::note_origin(const std::string& scheme, const std::string& host, long port) {
  if (m_cache_per_origin == 0 || m_origins.size() >= k_cached_origins) {
    return;
  }
  std::string origin = scheme;
  origin += "://";
  origin += host;
  origin += ':';
  origin += std::to_string(port);
  if (origin == m_last_origin) {
    return;
  }
  m_last_origin = origin;
  if (m_origins.insert(std::move(origin)).second) {
    std::size_t size =
        std::min(m_cache_per_origin * m_origins.size(), m_cache_per_origin + k_extra_cached);
    curl_multi_setopt(m_multi.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(size));
  }
}

HttpClient::~HttpClient() {
  cancel_all();
  save_cookies();
  m_idle_easy.clear();
  m_multi.reset();  // may call the socket callback: the reactor is still alive
  m_timer.cancel();
}

Response HttpClient::fetch(const Request& request) {
  const RetryOptions& retry = m_request_options.retry;
  Clock::time_point start = Clock::now();
  Response r = fetch_once(request, retry.attempts > 0);
  for (int n = 0; n < retry.attempts && !m_cancelled && should_retry(r); ++n) {
    Clock::duration delay = retry_delay(r, n);
    if (!retry_wait_allowed(retry, delay, Clock::now() - start, m_request_options.max_time)) {
      break;  // a wait too long (a Retry-After of an hour, a date a day ahead): the answer stays
    }
    sleep_for(delay);
    if (m_cancelled) {
      break;
    }
    r = fetch_once(request, n + 1 < retry.attempts);
    r.retries = n + 1;
  }
  return r;
}

bool HttpClient::should_retry(const Response& r) const {
  return greenfetch::should_retry(m_request_options.retry, r);
}

Clock::duration HttpClient::retry_delay(const Response& r, int retry) {
  return greenfetch::retry_delay(m_request_options.retry, r, retry, m_random);
}

Response HttpClient::fetch_once(const Request& request, bool may_retry) {
  const RequestOptions& o = m_request_options;
  Response r;
  r.url = request.url;
  r.line = request.line;
  Transfer t(m_reactor);
  t.request = &request;
  t.options = &o;
  t.dump_headers = o.dump_headers;
  t.may_retry = may_retry;
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
  hop.send_body = request.has_data || o.has_data || o.upload || !o.form.empty();
  if (o.get_query && !request.has_data) {
    // -G: the data goes in the query of a GET (or HEAD with -I).
    if (o.has_data) {
      hop.url = with_query(hop.url, o.data);
    }
    hop.send_body = false;
  } else if (o.upload && !request.has_data) {
    hop.url = with_upload_name(hop.url, o.upload_name);  // -T: as curl, "dir/" gets the name
  }
  hop.method = !request.method.empty()     ? request.method
               : !o.method.empty()         ? o.method
               : o.head                    ? "HEAD"
               : hop.send_body && o.upload ? "PUT"
               : hop.send_body             ? "POST"
                                           : "GET";
  hop.referer = o.referer;

  CurlEasy easy;
  Timings sum;
  std::string first_host;
  std::string first_scheme;
  long first_port = 0;
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
    if (o.connect_timeout.count() > 0) {
      t.connect_deadline = hop_start + o.connect_timeout;
    }
    double dns = 0;
    bool ready = prepare_hop(t, hop, r, dns);
    sum.namelookup += dns;
    if (!ready) {
      break;
    }
    if (n == 0) {
      first_host = hop.host;
      first_port = hop.port;
      first_scheme = hop.scheme;
    } else {
      // Like curl: no credentials nor secret headers for another host, port or scheme after
      // a redirect (a redirect back to the first one gets them again).
      hop.send_secrets =
          o.location_trusted ||
          (iequals(hop.host, first_host) && hop.port == first_port && hop.scheme == first_scheme);
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
    t.writer_failed = false;
    t.paused = false;
    t.hop_status = 0;
    t.hop_location = false;
    t.skip_body = false;
    t.received = 0;
    t.decoder.reset();
    t.decode_failed = false;
    if (request.writer != nullptr) {
      request.writer->restart();
    }
    bool set_up = setup_hop(easy.get(), t, hop);
    t.proxy_set = hop.proxy;
    if (!set_up) {
      break;
    }
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
    if (died_on_reused_connection(t) && !t.cancelled && !m_cancelled) {
      // libcurl gave up on connections that had died while idle (its retry count, kept on
      // the handle from transfer to transfer, ran out): the request never reached a live
      // server, so it is sent again once, on a handle whose count starts from zero.
      renew_easy(t);
      bool again = setup_hop(easy.get(), t, hop);
      t.proxy_set = hop.proxy;
      t.done.reset();
      t.active_index = m_active.size();
      m_active.push_back(&t);
      if (!again || curl_multi_add_handle(m_multi.get(), easy.get()) != CURLM_OK) {
        m_active.pop_back();
      } else {
        t.done.wait();
      }
    }
    t.flush_verbose();

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
    // bench (lean) reads only the status, sizes, times and connections above and below.
    if (!request.lean && curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &s) == CURLE_OK &&
        s != nullptr) {
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
    if (connects > 0) {
      t.connected = true;
    }
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
    r.redirect_url.clear();
    std::string rejected_location;  // a Location value the URL Standard's parser rejects
    curl_header* location = nullptr;
    if (r.http_code >= 300 && r.http_code < 400 &&
        curl_easy_header(e, "Location", 0, CURLH_HEADER, -1, &location) == CURLHE_OK &&
        location != nullptr && location->value[0] != '\0') {
      // The target is the raw value resolved as a browser does (the URL Standard), against
      // the URL that redirected (hop.url names the host even when the hop was coalesced), and
      // written as that URL was: what is fetched next is what is reported, byte for byte.
      const NormalizeOptions* norm = o.redirect_normalize.get();
      ResolvedUrl to = resolve_location(hop.url, location->value, norm);
      if (to.status == UrlParseStatus::ok) {
        r.redirect_url = std::move(to.url);
      } else if (to.status == UrlParseStatus::failure) {
        rejected_location = location->value;
      } else if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s != nullptr) {
        // Another scheme (ftp:, mailto:...): libcurl's reading of it, which the next hop
        // refuses as an unsupported scheme.
        r.redirect_url = t.coalesced && !t.location_absolute ? named_url(hop, s) : s;
      }
    }
    t.resolve.reset();
    if (t.result == CURLE_OK && t.decoder && !t.decoder->finish()) {
      t.result = CURLE_BAD_CONTENT_ENCODING;  // the body ended inside a compressed stream
      t.decode_failed = true;
    }

    if (t.result != CURLE_OK) {
      r.curl_code = t.result;
      if (t.cancelled) {
        r.error = Error::cancelled;
        r.error_message = "interrupted";
      } else if (t.decode_failed) {
        // As curl: 23 for bytes after the end of the stream, 61 for the rest (where curl
        // reports a stream cut short as complete).
        r.error = Error::protocol;
        r.curl_code = t.decoder->failure() == ContentDecoder::Failure::trailing
                          ? CURLE_WRITE_ERROR
                          : CURLE_BAD_CONTENT_ENCODING;
        r.error_message = t.decoder->error();
      } else if (t.writer_failed) {
        r.error = Error::output;
        r.curl_code = CURLE_WRITE_ERROR;
        r.error_message = request.writer->error_message();
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
    if (o.follow_redirects && is_redirect(r.http_code) && !rejected_location.empty()) {
      r.error = Error::invalid_url;
      r.curl_code = CURLE_URL_MALFORMAT;
      r.error_message =
          "malformed URL in Location '" + rejected_location + "': the URL Standard rejects it";
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
      if (o.auto_referer) {
        hop.referer = hop.url;  // -e ';auto': the next hop names this one
      }
      hop.url = r.redirect_url;
      ++r.num_redirects;

      continue;
    }
    if ((o.fail || o.fail_with_body) && r.http_code >= 400) {
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
