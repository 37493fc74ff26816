#include "cli/request_options.hpp"

#include <fcntl.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/http/curl_handles.hpp"
#include "core/http/rate_limiter.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch::cli {

namespace {

// Reads a whole file ("-": stdin) for -d @FILE; throws UsageError naming it.
std::string read_file(const std::string& path, const std::string& option) {
  int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw UsageError(option + ": cannot open '" + path + "': " + std::strerror(errno));
  }
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int err = errno;
      if (fd != STDIN_FILENO) {
        ::close(fd);
      }
      throw UsageError(option + ": cannot read '" + path + "': " + std::strerror(err));
    }
    if (n == 0) {
      break;
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  if (fd != STDIN_FILENO) {
    ::close(fd);
  }
  return data;
}

// curl_easy_escape, with '+' for a space as curl's --data-urlencode writes it.
std::string urlencode(const std::string& s) {
  CurlString escaped(curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size())));
  if (!escaped) {
    throw std::bad_alloc();
  }
  std::string out;
  for (const char* c = escaped.get(); *c != '\0'; ++c) {
    if (c[0] == '%' && c[1] == '2' && c[2] == '0') {
      out += '+';
      c += 2;
    } else {
      out += *c;
    }
  }
  return out;
}

// One --data-urlencode value in curl's forms: "content", "=content", "name=content",
// "@file", "name@file".
std::string urlencoded_piece(const std::string& v) {
  std::size_t eq = v.find('=');
  std::size_t at = v.find('@');
  if (at != std::string::npos && (eq == std::string::npos || at < eq)) {
    std::string name = v.substr(0, at);
    std::string content = urlencode(read_file(v.substr(at + 1), "--data-urlencode"));
    return name.empty() ? content : name + "=" + content;
  }
  if (eq == std::string::npos) {
    return urlencode(v);
  }
  std::string name = v.substr(0, eq);
  std::string content = urlencode(v.substr(eq + 1));
  return name.empty() ? content : name + "=" + content;
}

// The body of -d, --data-binary, --data-raw, --data-urlencode and --json, joined as curl
// 7.88 does: with '&', except that a --json piece is appended as it is.
std::string join_data(const std::vector<std::pair<RequestArgs::DataKind, std::string>>& pieces) {
  using Kind = RequestArgs::DataKind;
  std::string body;
  bool first = true;
  for (const auto& [kind, d] : pieces) {
    bool from_file = !d.empty() && d.front() == '@';
    std::string part;
    switch (kind) {
      case Kind::data:
        part = from_file ? read_file(d.substr(1), "--data") : d;
        if (from_file) {
          // Like curl -d @file: carriage returns and newlines are stripped.
          std::erase_if(part, [](char c) { return c == '\r' || c == '\n'; });
        }
        break;
      case Kind::binary:
        part = from_file ? read_file(d.substr(1), "--data-binary") : d;
        break;
      case Kind::raw:
        part = d;
        break;
      case Kind::urlencode:
        part = urlencoded_piece(d);
        break;
      case Kind::json:
        part = from_file ? read_file(d.substr(1), "--json") : d;
        break;
    }
    if (!first && kind != Kind::json) {
      body += '&';
    }
    body += part;
    first = false;
  }
  return body;
}

// -F NAME=VALUE, NAME=@FILE, NAME=<FILE, each with optional ;type=T and ;filename=F.
FormPart parse_form(const std::string& v) {
  std::size_t eq = v.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError("-F '" + v + "' is not of the form NAME=VALUE, NAME=@FILE or NAME=<FILE");
  }
  FormPart p;
  p.name = v.substr(0, eq);
  std::string rest = v.substr(eq + 1);
  if (!rest.empty() && (rest.front() == '@' || rest.front() == '<')) {
    p.file = rest.front() == '@';
    p.file_contents = rest.front() == '<';
    rest.erase(0, 1);
  }
  // Parameters after the value: ";type=..." and ";filename=..." (curl's most used ones).
  for (;;) {
    std::size_t semi = rest.rfind(';');
    if (semi == std::string::npos) {
      break;
    }
    std::string param = rest.substr(semi + 1);
    if (param.starts_with("type=")) {
      p.type = param.substr(5);
    } else if (param.starts_with("filename=")) {
      p.filename = param.substr(9);
    } else {
      break;
    }
    rest.erase(semi);
  }
  p.value = rest;
  if ((p.file || p.file_contents) && ::access(p.value.c_str(), R_OK) != 0) {
    throw UsageError("-F " + p.name + ": cannot read '" + p.value + "': " + std::strerror(errno));
  }
  return p;
}

// -u USER without a password: asks for it on the terminal as curl does ("Enter host
// password for user 'USER':", no echo). Without a terminal the password is empty, which is
// what curl sends when its terminal read finds nothing.
std::string ask_password(const std::string& user) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return {};
  }
  std::string prompt = "Enter host password for user '" + user + "':";
  (void)!::write(fd, prompt.data(), prompt.size());
  termios saved{};
  bool restore = ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string password;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r' && password.size() < 4096) {
    password += c;
  }
  if (restore) {
    ::tcsetattr(fd, TCSAFLUSH, &saved);
  }
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return password;
}

// -H @FILE: the file's lines as headers (blank lines skipped).
void add_header_file(std::vector<std::string>& out, const std::string& path) {
  std::string text = read_file(path, "--header");
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end;
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.pop_back();
    }
    if (!line.empty()) {
      out.push_back(std::move(line));
    }
    start = end + 1;
  }
}

bool has_header(const std::vector<std::string>& headers, const std::string& name) {
  for (const std::string& h : headers) {
    if (h.size() > name.size() && strncasecmp(h.c_str(), name.c_str(), name.size()) == 0 &&
        (h[name.size()] == ':' || h[name.size()] == ';')) {
      return true;
    }
  }
  return false;
}

}  // namespace

void add_request_options(CLI::App& app, RequestOptions& o, RequestArgs& a, bool with_rate) {
  auto seconds = [&app](const std::string& name, std::chrono::milliseconds& target,
                        const std::string& help) {
    app.add_option(
           name,
           [&target, name](const CLI::results_t& r) {
             std::string flag = name.substr(name.rfind(',') + 1);
             target = parse_milliseconds(r.front(), flag);
             return true;
           },
           help)
        ->type_name("SECONDS");
  };
  app.add_option("-X,--request", o.method, "Request method (default GET, or POST with -d)")
      ->type_name("METHOD");
  app.add_option("-H,--header", o.headers,
                 "Extra header 'Name: value' ('Name:' removes one; repeatable)")
      ->allow_extra_args(false)
      ->type_name("HEADER");
  using Kind = RequestArgs::DataKind;
  // Every body option adds to one list in command-line order (as curl joins them).
  auto data_option = [&app, &a](const std::string& name, Kind kind, const std::string& help) {
    app.add_option(
           name,
           [&a, kind](const CLI::results_t& r) {
             for (const std::string& v : r) {
               a.data.emplace_back(kind, v);
             }
             return true;
           },
           help)
        ->trigger_on_parse()
        ->allow_extra_args(false)
        ->type_name("DATA");
  };
  data_option("-d,--data", Kind::data,
              "POST DATA (repeatable, joined with '&'; @FILE, @- stdin)");
  data_option("--data-binary", Kind::binary,
              "Send DATA as a POST body as is (@FILE reads a file byte for byte)");
  data_option("--data-raw", Kind::raw, "Like -d, but a leading @ is data, not a file");
  data_option("--data-urlencode", Kind::urlencode,
              "POST DATA percent-encoded: CONTENT, NAME=CONTENT, NAME@FILE");
  data_option("--json", Kind::json,
              "POST DATA as JSON, with JSON Content-Type and Accept (@FILE)");
  app.add_flag("-G,--get", o.get_query, "Put the -d data in the URL's query and send a GET");
  app.add_option(
         "-F,--form",
         [&a](const CLI::results_t& r) {
           a.forms.insert(a.forms.end(), r.begin(), r.end());
           return true;
         },
         "Multipart POST part: NAME=VALUE, NAME=@FILE or NAME=<FILE")
      ->trigger_on_parse()
      ->allow_extra_args(false)
      ->type_name("NAME=CONTENT");
  app.add_option("-T,--upload-file", a.upload_file,
                 "PUT FILE to each URL (a URL ending in / gets the file's name)")
      ->type_name("FILE");
  app.add_option("-e,--referer", o.referer,
                 "Send a Referer header (';auto': the previous URL on a redirect)")
      ->type_name("URL");
  app.add_option("--limit-rate", a.limit_rate,
                 "Cap each transfer at SPEED bytes per second (10k, 5M, 1G)")
      ->type_name("SPEED");
  app.add_option("--proxy-user", o.proxy_user, "Credentials for the proxy")
      ->type_name("USER:PASSWORD");
  app.add_flag("--netrc", a.netrc, "Take credentials from ~/.netrc (as curl: required)");
  app.add_option("--netrc-file", o.netrc_file, "Take credentials from this netrc FILE")
      ->type_name("FILE");
  app.add_flag("-v,--verbose", o.verbose,
               "libcurl's verbose lines on stderr, after [FILE:LINE] or [N]");
  app.add_option("-A,--user-agent", o.user_agent, "User-Agent header")
      ->capture_default_str()
      ->type_name("STRING");
  app.add_flag("-I,--head", o.head, "Send HEAD requests (fetch mode prints the headers)");
  app.add_option("-u,--user", o.user,
                 "Credentials (after a redirect: same host, port, scheme only)")
      ->type_name("USER:PASSWORD");
  app.add_flag("--location-trusted", o.location_trusted,
               "Send -u and -H Authorization/Cookie to every redirect's host");
  app.add_option("-b,--cookie", o.cookies,
                 "Send cookies 'name=value; ...' or those of FILE (repeatable)")
      ->allow_extra_args(false)
      ->type_name("DATA|FILE");
  app.add_option("--cookie-jar", o.cookie_jar, "Write the run's cookies to FILE at the end")
      ->type_name("FILE");
  app.add_flag("-L,--location")
      ->description("Follow redirects (the default; accepted for curl habits)");
  app.add_flag("--no-location{false}", o.follow_redirects, "Do not follow redirects");
  app.add_option("--max-redirs", o.max_redirects, "Most redirects followed per URL")
      ->capture_default_str()
      ->check(count_in(0, 1000));
  app.add_flag("--compressed{true},--raw{false}", o.compressed,
               "Ask for compressed bodies and decode them (--raw: neither)");  app.add_flag("--http1.1{11}", o.http_version, "Use HTTP/1.1 only");
  app.add_flag("--http2{2}", o.http_version,
               "Use HTTP/2 also for http:// (over TLS it is the default)");
  app.add_flag("-k,--insecure", o.insecure, "Do not verify TLS certificates");
  app.add_option("--cacert", o.cacert, "CA certificates to verify peers with")->type_name("FILE");
  app.add_option("--capath", o.capath, "Folder of CA certificates")->type_name("DIR");
  app.add_option("-E,--cert", o.cert, "Client certificate (PEM)")->type_name("FILE");
  app.add_option("--key", o.key, "Private key of the client certificate")->type_name("FILE");
  app.add_option("-x,--proxy", o.proxy,
                 "Use this proxy (default: http_proxy, https_proxy, ALL_PROXY)")
      ->type_name("URL");
  app.add_option("--noproxy", o.noproxy,
                 "Hosts reached without a proxy ('*': all; default: NO_PROXY)")
      ->type_name("LIST");
  seconds("-m,--max-time", o.max_time, "Most time one URL may take, DNS included (default: none)");
  seconds("--connect-timeout", o.connect_timeout, "Most time resolve + connect may take, per hop");
  app.add_option(
         "-Y,--speed-limit",
         [&o, &a](const CLI::results_t& r) {
           char* end = nullptr;
           long long bytes = std::strtoll(r.front().c_str(), &end, 10);
           if (r.front().empty() || *end != '\0' || bytes < 0) {
             throw UsageError("--speed-limit: '" + r.front() + "' is not a number of bytes");
           }
           o.speed_limit = bytes;
           a.speed_limit_given = true;
           return true;
         },
         "Slower than BYTES/s for --speed-time: a timeout (default 1)")
      ->type_name("BYTES");
  app.add_option(
         "-y,--speed-time",
         [&o, &a](const CLI::results_t& r) {
           o.speed_time = parse_milliseconds(r.front(), "--speed-time");
           a.speed_time_given = true;
           return true;
         },
         "Time below --speed-limit allowed (default 900; -Y alone: 30)")
      ->type_name("SECONDS");
  app.add_option(
         "--max-filesize",
         [&o](const CLI::results_t& r) {
           o.max_filesize =
               static_cast<decltype(o.max_filesize)>(parse_size(r.front(), "--max-filesize"));
           return true;
         },
         "Fail a body larger than SIZE: 500, 10k, 5M, 1G (default: no limit)")
      ->type_name("SIZE");
  app.add_option("--resolve", o.resolve,
                 "Use ADDR for HOST:PORT, not DNS (curl's syntax, repeatable)")
      ->allow_extra_args(false)
      ->type_name("HOST:PORT:ADDR[,ADDR]");
  app.add_option("--connect-to", o.connect_to, "Connect there for HOST1:PORT1 (curl's syntax)")
      ->allow_extra_args(false)
      ->type_name("HOST1:PORT1:HOST2:PORT2");
  app.add_flag("--no-coalesce{false}", o.coalesce,
               "Connections per host name, as curl (default: per address, http://)");
  app.add_flag("-4{4},--ipv4{4}", o.ip_resolve, "Resolve names to IPv4 addresses only");
  app.add_flag("-6{6},--ipv6{6}", o.ip_resolve, "Resolve names to IPv6 addresses only");
  app.add_flag("-f,--fail", o.fail,
               "Count a status >= 400 as a failure; its body is not written");
  app.add_flag("--fail-with-body", o.fail_with_body,
               "As --fail, but the body of the failed URL is still written");
  app.add_option("--retry", o.retry.attempts,
                 "Retry a failed URL up to N times, with backoff (default 0)")
      ->type_name("N")
      ->check(count_in(0, 1000));
  app.add_option("--retry-on", a.retry_on,
                 "Of connect,reset,timeout,dns,429,5xx,CODE (default: all but dns)")
      ->type_name("LIST");
  seconds("--retry-delay", o.retry.delay, "First backoff, doubled per retry (default 1)");
  seconds("--retry-max-time", o.retry.max_time,
          "No retry starts after this time (default: no limit)");
  if (with_rate) {
    app.add_option("--rate", a.rate, "Start at most N requests per second, minute or hour in all")
        ->type_name("N[/s|/m|/h]");
  }
  app.add_option("--dns-servers", a.dns->servers,
                 "DNS servers ADDR[:PORT],... instead of the system's")
      ->type_name("LIST");
  seconds("--dns-timeout", a.dns->timeout,
          "Most SECONDS one lookup may take, every try included (default 6)");
}

void check_header(const std::string& header) {
  if (header.find(':') == std::string::npos && header.find(';') == std::string::npos) {
    throw UsageError("--header '" + header + "' is not of the form 'Name: value'");
  }
}

void parse_retry_on(const std::string& text, RetryOptions& r) {
  r.on_connect = r.on_reset = r.on_timeout = r.on_dns = r.on_429 = r.on_5xx = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    end = end == std::string::npos ? text.size() : end;
    std::string item = text.substr(start, end - start);
    char* num_end = nullptr;
    long code = std::strtol(item.c_str(), &num_end, 10);
    if (item == "connect") {
      r.on_connect = true;
    } else if (item == "reset") {
      r.on_reset = true;
    } else if (item == "timeout") {
      r.on_timeout = true;
    } else if (item == "dns") {
      r.on_dns = true;
    } else if (item == "429") {
      r.on_429 = true;
    } else if (item == "5xx") {
      r.on_5xx = true;
    } else if (!item.empty() && *num_end == '\0' && code >= 100 && code <= 999) {
      r.statuses.push_back(code);
    } else {
      throw UsageError("--retry-on: '" + item + "' is not connect, reset, timeout, dns, " +
                       "429, 5xx or a status code");
    }
    start = end + 1;
  }
}

void apply_request_options(RequestOptions& o, RequestArgs& a) {
  if (a.speed_limit_given && !a.speed_time_given) {
    o.speed_time = std::chrono::seconds(30);  // curl's --speed-time default
  }
  std::vector<std::string> headers;
  for (std::string& h : o.headers) {
    if (h.starts_with("@")) {
      add_header_file(headers, h.substr(1));
    } else {
      headers.push_back(std::move(h));
    }
  }
  o.headers = std::move(headers);
  for (const std::string& h : o.headers) {
    check_header(h);
  }
  if (!a.data.empty()) {
    o.has_data = true;
    o.data = join_data(a.data);
    bool json = std::any_of(a.data.begin(), a.data.end(),
                            [](const auto& p) { return p.first == RequestArgs::DataKind::json; });
    if (json && !has_header(o.headers, "Content-Type")) {
      o.headers.emplace_back("Content-Type: application/json");
    }
    if (json && !has_header(o.headers, "Accept")) {
      o.headers.emplace_back("Accept: application/json");
    }
  }
  for (const std::string& f : a.forms) {
    o.form.push_back(parse_form(f));
  }
  int bodies = (o.has_data && !o.get_query ? 1 : 0) + (o.form.empty() ? 0 : 1) +
               (a.upload_file.empty() ? 0 : 1);
  if (bodies > 1) {
    throw UsageError("-d/--json, -F and -T each make the request body: use one of them");
  }
  if (!a.upload_file.empty()) {
    o.upload = true;
    o.upload_data = read_file(a.upload_file, "--upload-file");
    std::size_t slash = a.upload_file.rfind('/');
    o.upload_name = slash == std::string::npos ? a.upload_file : a.upload_file.substr(slash + 1);
  }
  if (std::size_t at = o.referer.find(";auto"); at != std::string::npos) {
    o.auto_referer = true;
    o.referer.erase(at);
  }
  if (!a.limit_rate.empty()) {
    o.max_recv_speed =
        static_cast<decltype(o.max_recv_speed)>(parse_size(a.limit_rate, "--limit-rate"));
  }
  if (a.netrc || !o.netrc_file.empty()) {
    o.netrc = CURL_NETRC_REQUIRED;
  }
  if (!o.user.empty() && o.user.find(':') == std::string::npos && o.user.front() != ';') {
    o.user += ":" + ask_password(o.user);
  }
  if (!a.rate.empty()) {
    try {
      o.rate = parse_rate(a.rate);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  if (!a.retry_on.empty()) {
    parse_retry_on(a.retry_on, o.retry);
  }
  if (o.ip_resolve == 4) {
    a.dns->family = AF_INET;
  } else if (o.ip_resolve == 6) {
    a.dns->family = AF_INET6;
  }
}

}  // namespace greenfetch::cli
