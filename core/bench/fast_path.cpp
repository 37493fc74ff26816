#include "core/bench/fast_path.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/http/curl_error.hpp"
#include "core/http/proxy.hpp"

namespace greenfetch {

namespace {

constexpr std::size_t k_extra_connections = 512;

int64_t to_us(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

double seconds_since(Clock::time_point start) {
  return static_cast<double>(to_us(Clock::now() - start)) / 1e6;
}

void fail(Response& r, CURLcode code, std::string message) {
  r.curl_code = code;
  r.error = error_for_code(code);
  r.error_message = std::move(message);
}

}  // namespace

std::string fast_path_blocker(const BenchConfig& config) {
  const RequestOptions& o = config.request;
  // A connection here holds 3 descriptors: its socket and the wakeup socket pair libcurl 7.88
  // makes for each multi handle (one multi per connection, see connection.hpp).
  rlimit fds{};
  bool few_fds = getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur != RLIM_INFINITY &&
                 3 * static_cast<rlim_t>(config.concurrency) + 64 > fds.rlim_cur;
  struct Rule {
    bool applies;
    const char* what;
  };
  const Rule rules[] = {
      {config.streams > 1, "--streams (HTTP/2)"},
      {few_fds, "the descriptor limit (3 per connection on the fast path)"},
      {o.http_version == 2, "--http2"},
      {!o.proxy.empty(), "a proxy (-x)"},
      {!o.connect_to.empty(), "--connect-to"},
      {!o.resolve.empty(), "--resolve"},
      {!o.cookies.empty() || !o.cookie_jar.empty(), "cookies (-b, --cookie-jar)"},
      {!o.user.empty() || o.netrc != CURL_NETRC_IGNORED, "authentication (-u, --netrc)"},
      {!o.proxy_user.empty(), "--proxy-user"},
      {!o.form.empty(), "-F"},
      {o.upload, "-T"},
      {o.get_query, "-G"},
      {o.auto_referer, "-e ';auto'"},
      {o.max_recv_speed > 0, "--limit-rate"},
      {o.max_filesize > 0, "--max-filesize"},
      {o.speed_limit != 1, "--speed-limit"},
      {o.fail || o.fail_with_body, "--fail"},
      {o.retry.attempts > 0, "--retry"},
      {o.verbose, "-v"},
      {o.dump_headers, "-D"},
  };
  for (const Rule& r : rules) {
    if (r.applies) {
      return r.what;
    }
  }
  return {};
}

FastPath::FastPath(const BenchConfig& config, Resolver& resolver, std::size_t in_flight,
                   Reactor& reactor)
    : m_config(config),
      m_resolver(resolver),
      m_reactor(reactor),
      m_in_flight(in_flight),
      m_watchdog([this] { on_watchdog(); }) {
  const RequestOptions& o = config.request;
  // -m is kept to 10 ms, as libcurl's timeouts are; --speed-time has whole seconds.
  m_watch_every =
      o.max_time.count() > 0 ? std::chrono::milliseconds(10) : std::chrono::milliseconds(250);
  EnvProxies env;
  if (o.proxy_from_env) {
    env = proxies_from_env();
  }
  std::string noproxy = !o.noproxy.empty() ? o.noproxy : env.noproxy;
  m_wire.resize(config.targets.size());
  m_reason.resize(config.targets.size());
  m_origin_of.resize(config.targets.size(), 0);
  for (std::size_t i = 0; i < config.targets.size(); ++i) {
    WireRequest& w = m_wire[i];
    m_reason[i] = build_wire_request(config.targets[i], o, w);
    if (!m_reason[i].empty()) {
      continue;
    }
    const std::string& proxy = w.tls ? env.https : env.http;
    if (!proxy.empty() && (noproxy.empty() || !noproxy_matches(noproxy, w.host))) {
      m_reason[i] = "a proxy (environment)";
      continue;
    }
    auto same = [&w](const Origin& g) { return g.url == w.origin; };
    auto it = std::find_if(m_origins.begin(), m_origins.end(), same);
    if (it == m_origins.end()) {
      Origin g;
      g.url = w.origin;
      g.host = is_ip_literal(w.host) ? std::string() : w.host;
      g.port = w.port;
      g.tls = w.tls;
      m_origins.push_back(std::move(g));
      it = m_origins.end() - 1;
    }
    m_origin_of[i] = static_cast<std::size_t>(it - m_origins.begin());
  }
}

std::unique_ptr<BenchConnection> FastPath::take(std::size_t origin) {
  auto& idle = m_origins[origin].idle;
  if (!idle.empty()) {
    std::unique_ptr<BenchConnection> c = std::move(idle.back());
    idle.pop_back();
    return c;
  }
  // As HttpClient's cache: up to in_flight connections per origin, and at most 512 more than
  // in_flight in all (so that targets that alternate between origins keep their connections).
  if (m_open >= std::min(m_in_flight * m_origins.size(), m_in_flight + k_extra_connections)) {
    // Every connection allowed is open: close an idle one of another origin and reuse it.
    for (Origin& g : m_origins) {
      if (!g.idle.empty()) {
        std::unique_ptr<BenchConnection> c = std::move(g.idle.back());
        g.idle.pop_back();
        c->close();
        --m_open;
        return c;
      }
    }
  }
  return std::make_unique<BenchConnection>(m_reactor);
}

void FastPath::give_back(std::size_t origin, std::unique_ptr<BenchConnection> c) {
  if (c->is_open()) {
    m_origins[origin].idle.push_back(std::move(c));
  }
}

// Opens c to origin o: the c-ares answer handed to libcurl, which connects (and does TLS).
bool FastPath::connect(BenchConnection& c, Origin& o, Response& r, Clock::time_point deadline) {
  double dns = 0;
  CurlSlist resolve;
  if (!o.host.empty()) {
    Resolution res = m_resolver.resolve(o.host, deadline);
    dns = res.seconds;
    if (res.error != Error::none) {
      r.error = res.error;
      r.error_message = res.message;
      r.curl_code =
          res.error == Error::timeout ? CURLE_OPERATION_TIMEDOUT : CURLE_COULDNT_RESOLVE_HOST;
      return false;
    }
    // "+": expires after CURLOPT_DNS_CACHE_TIMEOUT (as HttpClient::add_resolved does).
    std::string entry = fmt::format("+{}:{}:", o.host, o.port);
    for (std::size_t i = 0; i < res.addresses.size(); ++i) {
      const std::string& a = res.addresses[i];
      entry += i > 0 ? "," : "";
      entry += a.find(':') != std::string::npos ? "[" + a + "]" : a;
    }
    resolve.append(entry);
  }
  ConnectSpec spec;
  spec.url = o.url;
  spec.tls = o.tls;
  spec.resolve = resolve.get();
  spec.options = &m_config.request;
  spec.deadline = deadline;
  std::string message;
  ++m_open;
  IoResult io = c.open(spec, message);
  r.time.namelookup = dns;
  if (io.cancelled) {
    --m_open;
    r.error = Error::cancelled;
    return false;
  }
  if (io.code != CURLE_OK) {
    --m_open;
    fail(r, io.code, message);
    return false;
  }
  ++r.num_connects;
  r.time.connect = dns + c.connect_seconds();
  if (o.tls && c.tls_seconds() > 0) {
    r.time.appconnect = dns + c.tls_seconds();
  }
  return true;
}

std::optional<Response> FastPath::fetch(std::size_t target) {
  const WireRequest& w = m_wire[target];
  const RequestOptions& opts = m_config.request;
  std::size_t origin = m_origin_of[target];
  Response r;
  Clock::time_point start = Clock::now();
  Clock::time_point deadline =
      opts.max_time.count() > 0 ? start + opts.max_time : Clock::time_point::max();
  if (m_cancelled) {
    r.error = Error::cancelled;
    return r;
  }
  std::unique_ptr<BenchConnection> c = take(origin);
  struct Busy {  // cancel_all() reaches the connection while it carries this request
    std::vector<BenchConnection*>& busy;
    BenchConnection* c;
    ~Busy() { busy.erase(std::find(busy.begin(), busy.end(), c)); }
  } busy{m_busy, c.get()};
  m_busy.push_back(c.get());
  if (!m_watchdog.armed()) {
    m_watchdog.arm(m_reactor, start + m_watch_every);
  }
  ResponseParser parser;
  // A kept-alive connection the server closed while idle fails before any byte of the
  // answer: the request is sent once more on a new connection, as libcurl does.
  for (int attempt = 0;; ++attempt) {
    bool fresh = !c->is_open();
    if (fresh && !connect(*c, m_origins[origin], r, deadline)) {
      return r;
    }
    auto lost = [&] { return !fresh && attempt == 0 && parser.received() == 0; };
    IoResult sent = c->send_all(w.bytes, deadline);
    if (sent.cancelled) {
      c->close();
      --m_open;
      r.error = Error::cancelled;
      return r;
    }
    if (sent.code != CURLE_OK) {
      c->close();
      --m_open;
      if (lost()) {
        continue;
      }
      fail(r, sent.code, curl_easy_strerror(sent.code));
      return r;
    }
    parser.start(w.head);
    bool first = true;
    ResponseParser::State state = ResponseParser::State::partial;
    CURLcode error = CURLE_OK;
    std::string message;
    while (state == ResponseParser::State::partial) {
      Clock::time_point until = deadline;
      if (opts.speed_limit > 0 && opts.speed_time.count() > 0) {
        until = std::min(until, Clock::now() + opts.speed_time);  // --speed-time of 1 B/s
      }
      // Plain TCP: nothing can be there right after the request, so wait before reading.
      IoResult got = c->receive(m_buffer.data(), m_buffer.size(), until, first && !w.tls);
      if (got.cancelled) {
        c->close();
        --m_open;
        r.error = Error::cancelled;
        return r;
      }
      if (got.code != CURLE_OK) {
        error = got.code;
        message = got.code == CURLE_OPERATION_TIMEDOUT
                      ? fmt::format(
                            "Operation timed out after {} milliseconds with {} bytes "
                            "received",
                            to_us(Clock::now() - start) / 1000, parser.received())
                      : std::string(curl_easy_strerror(got.code));
        break;
      }
      if (got.bytes == 0) {
        state = parser.finish();
        if (state == ResponseParser::State::partial) {
          error = parser.received() == 0 ? CURLE_GOT_NOTHING : CURLE_PARTIAL_FILE;
          message = parser.received() == 0
                        ? "Empty reply from server"
                        : "the server closed the connection in the middle of the response";
        } else if (state == ResponseParser::State::malformed) {
          error = CURLE_WEIRD_SERVER_REPLY;
          message = "malformed response: " + parser.error();
        }
        c->close();
        --m_open;
        break;
      }
      if (first) {
        r.time.starttransfer = seconds_since(start);
        first = false;
      }
      state = parser.feed(m_buffer.data(), got.bytes);
      if (state == ResponseParser::State::malformed) {
        error = CURLE_WEIRD_SERVER_REPLY;
        message = "malformed response: " + parser.error();
      }
    }
    if (error != CURLE_OK) {
      if (c->is_open()) {
        c->close();
        --m_open;
      }
      if (error != CURLE_OPERATION_TIMEDOUT && lost()) {
        continue;
      }
      fail(r, error, message);
      r.http_code = parser.status();  // a head that came before the cut counts, as in libcurl
      r.size_header = static_cast<int64_t>(parser.header_bytes());
      r.size_download = static_cast<int64_t>(parser.body_bytes());
      r.size_request = static_cast<int64_t>(w.bytes.size());
      return r;
    }
    break;
  }
  bool redirect = parser.has_location() && opts.follow_redirects && parser.status() >= 300 &&
                  parser.status() < 400;
  // An encoded body stays here: bench counts body bytes as they came (CURLINFO_SIZE_DOWNLOAD
  // counts them before decoding too), so libcurl's decoding would only cost CPU.
  if (m_config.path == BenchPath::automatic && redirect) {
    m_reason[target] = "a redirect (to follow)";
    if (!parser.keep_alive() || opts.forbid_reuse) {
      c->close();
      --m_open;
    }
    give_back(origin, std::move(c));
    return std::nullopt;
  }
  r.http_code = parser.status();
  r.http_version = "1.1";
  r.size_header = static_cast<int64_t>(parser.header_bytes());
  r.size_download = static_cast<int64_t>(parser.body_bytes());
  // As libcurl counts them (see BenchThread::record): a body under 64 KiB goes in the
  // request's buffer and in CURLINFO_REQUEST_SIZE, a larger one only in the upload size.
  r.size_upload = static_cast<int64_t>(w.body_size);
  r.size_request =
      static_cast<int64_t>(w.body_size < 65536 ? w.bytes.size() : w.bytes.size() - w.body_size);
  r.time.total = seconds_since(start);
  if (c->is_open() && (!parser.keep_alive() || opts.forbid_reuse)) {
    c->close();  // Connection: close (or --no-keepalive): the next request reconnects
    --m_open;
  }
  give_back(origin, std::move(c));
  return r;
}

void FastPath::on_watchdog() {
  Clock::time_point now = Clock::now();
  for (BenchConnection* c : m_busy) {
    c->expire(now);
  }
  if (!m_busy.empty()) {
    m_watchdog.arm(m_reactor, now + m_watch_every);
  }
}

void FastPath::cancel_all() {
  m_cancelled = true;
  for (BenchConnection* c : m_busy) {
    c->cancel();
  }
}

void FastPath::reset_cancel() {
  m_cancelled = false;
  for (BenchConnection* c : m_busy) {
    c->reset_cancel();
  }
  for (Origin& g : m_origins) {
    for (auto& c : g.idle) {
      c->reset_cancel();
    }
  }
}

}  // namespace greenfetch
