#include "cli/request_options.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

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

}  // namespace

std::chrono::milliseconds parse_milliseconds(const std::string& text, const std::string& option) {
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(seconds) || seconds < 0 ||
      seconds > 1e7) {
    throw UsageError(option + ": '" + text + "' is not a number of seconds");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
}

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& option) {
  std::size_t digits = text.find_first_not_of("0123456789.");
  std::string number = text.substr(0, digits);
  std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  double scale = unit.empty() || unit == "s" ? 1.0
                 : unit == "ms"              ? 0.001
                 : unit == "m"               ? 60.0
                 : unit == "h"               ? 3600.0
                                             : -1.0;
  if (scale < 0 || number.empty()) {
    throw UsageError(option + ": '" + text + "' is not a duration (like 30s, 2m, 500ms)");
  }
  std::chrono::milliseconds ms = parse_milliseconds(number, option);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(ms.count() * scale)));
}

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
                 "Extra header 'Name: value' (repeatable; 'Name:' removes a default header, "
                 "'Name;' sends it empty)")
      ->allow_extra_args(false)
      ->type_name("HEADER");
  app.add_option("-d,--data", a.data,
                 "Send DATA as a POST body (repeatable, joined with '&'; @FILE reads a file "
                 "without its newlines, @- stdin)")
      ->allow_extra_args(false)
      ->type_name("DATA");
  app.add_option("--data-binary", a.data_binary,
                 "Send DATA as a POST body as is (@FILE reads a file byte for byte)")
      ->allow_extra_args(false)
      ->type_name("DATA");
  app.add_option("-A,--user-agent", o.user_agent, "User-Agent header")
      ->capture_default_str()
      ->type_name("STRING");
  app.add_flag("-I,--head", o.head, "Send HEAD requests (fetch mode prints the headers)");
  app.add_option("-u,--user", o.user,
                 "Credentials USER:PASSWORD (not sent to another host after a redirect)")
      ->type_name("USER:PASSWORD");
  app.add_option("-b,--cookie", o.cookies,
                 "Send cookies: 'name=value; ...', or read a cookie FILE (repeatable); the "
                 "run shares one cookie jar")
      ->allow_extra_args(false)
      ->type_name("DATA|FILE");
  app.add_option("--cookie-jar", o.cookie_jar, "Write the run's cookies to FILE at the end")
      ->type_name("FILE");
  app.add_flag("-L,--location")
      ->description("Follow redirects (the default; accepted for curl habits)");
  app.add_flag("--no-location{false}", o.follow_redirects, "Do not follow redirects");
  app.add_option("--max-redirs", o.max_redirects, "Most redirects followed per URL")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_flag("--compressed{true},--raw{false}", o.compressed,
               "Ask for compressed bodies (gzip, deflate, br, zstd) and decode them (fetch "
               "mode, as curl: only with --compressed; crawl and bench: the default). --raw: "
               "neither ask nor decode");
  app.add_flag("--http1.1{11}", o.http_version, "Use HTTP/1.1 only");
  app.add_flag("--http2{2}", o.http_version,
               "Use HTTP/2 also for http:// (upgrade); over TLS it is the default, by ALPN");
  app.add_flag("-k,--insecure", o.insecure, "Do not verify TLS certificates");
  app.add_option("--cacert", o.cacert, "CA certificates to verify peers with")->type_name("FILE");
  app.add_option("--capath", o.capath, "Folder of CA certificates")->type_name("DIR");
  app.add_option("-E,--cert", o.cert, "Client certificate (PEM)")->type_name("FILE");
  app.add_option("--key", o.key, "Private key of the client certificate")->type_name("FILE");
  app.add_option("-x,--proxy", o.proxy,
                 "Use this proxy (default: http_proxy, https_proxy, ALL_PROXY from the "
                 "environment)")
      ->type_name("URL");
  app.add_option("--noproxy", o.noproxy,
                 "Hosts to reach without a proxy, comma-separated ('*': all; default: NO_PROXY)")
      ->type_name("LIST");
  seconds("-m,--max-time", o.max_time,
          "Most SECONDS one URL may take, redirects included (default: no limit)");
  seconds("--connect-timeout", o.connect_timeout, "Most SECONDS a connection may take to open");
  app.add_option("--max-filesize", o.max_filesize,
                 "Fail a URL whose body is larger than BYTES (default: no limit)")
      ->type_name("BYTES")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--resolve", o.resolve,
                 "Use ADDR for HOST:PORT instead of asking DNS (curl's syntax, repeatable)")
      ->allow_extra_args(false)
      ->type_name("HOST:PORT:ADDR[,ADDR]");
  app.add_option("--connect-to", o.connect_to,
                 "Connect to HOST2:PORT2 for requests to HOST1:PORT1 (curl's syntax)")
      ->allow_extra_args(false)
      ->type_name("HOST1:PORT1:HOST2:PORT2");
  app.add_flag("--no-coalesce{false}", o.coalesce,
               "Open connections per host name, as curl does; by default http:// names that "
               "resolve to the same single address share connections");
  app.add_flag("-4{4},--ipv4{4}", o.ip_resolve, "Resolve names to IPv4 addresses only");
  app.add_flag("-6{6},--ipv6{6}", o.ip_resolve, "Resolve names to IPv6 addresses only");
  app.add_flag("-f,--fail", o.fail,
               "Count HTTP status 400 and above as a failure; its body is not written");
  app.add_flag("--fail-with-body", o.fail_with_body,
               "As --fail, but the body of the failed URL is still written");
  app.add_option("--retry", o.retry.attempts,
                 "Retry a failed URL up to N times (see --retry-on), with exponential backoff "
                 "and full jitter; Retry-After is honoured")
      ->type_name("N")
      ->check(CLI::Range(0, 1000));
  app.add_option("--retry-on", a.retry_on,
                 "What to retry, comma-separated: connect, reset, timeout, dns, 429, 5xx or a "
                 "status code (default: connect,reset,timeout,429,5xx)")
      ->type_name("LIST");
  seconds("--retry-delay", o.retry.delay, "First backoff, doubled per retry (default 1)");
  seconds("--retry-max-time", o.retry.max_time, "No retry starts after SECONDS (default: none)");
  if (with_rate) {
    app.add_option("--rate", a.rate,
                   "Start at most N requests per second, minute or hour in all: N[/s|/m|/h]")
        ->type_name("N[/s|/m|/h]");
  }
  app.add_option("--dns-servers", a.dns->servers,
                 "DNS servers to use instead of the system's: ADDR[:PORT][,...]")
      ->type_name("LIST");
  seconds("--dns-timeout", a.dns->timeout,
          "Seconds before a DNS server is asked again (default 2; doubled per try)");
}

void apply_request_options(RequestOptions& o, RequestArgs& a) {
  for (const std::string& h : o.headers) {
    if (h.find(':') == std::string::npos && h.find(';') == std::string::npos) {
      throw UsageError("--header '" + h + "' is not of the form 'Name: value'");
    }
  }
  if (!a.data.empty() || !a.data_binary.empty()) {
    o.has_data = true;
    std::string body;
    for (const std::string& d : a.data) {
      std::string part = d;
      if (!d.empty() && d.front() == '@') {
        part = read_file(d.substr(1), "--data");
        // Like curl -d @file: carriage returns and newlines are stripped.
        std::erase_if(part, [](char c) { return c == '\r' || c == '\n'; });
      }
      body += body.empty() ? part : "&" + part;
    }
    for (const std::string& d : a.data_binary) {
      std::string part =
          !d.empty() && d.front() == '@' ? read_file(d.substr(1), "--data-binary") : d;
      body += body.empty() ? part : "&" + part;
    }
    o.data = std::move(body);
  }
  if (!a.rate.empty()) {
    try {
      o.rate = parse_rate(a.rate);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  if (!a.retry_on.empty()) {
    RetryOptions& r = o.retry;
    r.on_connect = r.on_reset = r.on_timeout = r.on_dns = r.on_429 = r.on_5xx = false;
    std::size_t start = 0;
    while (start <= a.retry_on.size()) {
      std::size_t end = a.retry_on.find(',', start);
      end = end == std::string::npos ? a.retry_on.size() : end;
      std::string item = a.retry_on.substr(start, end - start);
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
  if (o.ip_resolve == 4) {
    a.dns->family = AF_INET;
  } else if (o.ip_resolve == 6) {
    a.dns->family = AF_INET6;
  }
}

}  // namespace greenfetch::cli
