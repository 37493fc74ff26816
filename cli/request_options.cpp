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
  app.add_option("-d,--data", a.data, "POST DATA (repeatable, joined with '&'; @FILE, @- stdin)")
      ->allow_extra_args(false)
      ->type_name("DATA");
  app.add_option("--data-binary", a.data_binary,
                 "POST DATA as is (@FILE reads a file byte for byte)")
      ->allow_extra_args(false)
      ->type_name("DATA");
  app.add_option("-A,--user-agent", o.user_agent, "User-Agent header")
      ->capture_default_str()
      ->type_name("STRING");
  app.add_flag("-I,--head", o.head, "Send HEAD requests (fetch mode prints the headers)");
  app.add_option("-u,--user", o.user, "Credentials (never sent to another host after a redirect)")
      ->type_name("USER:PASSWORD");
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
               "Ask for compressed bodies and decode them (default); --raw: not");
  app.add_flag("--http1.1{11}", o.http_version, "Use HTTP/1.1 only");
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
  seconds("-m,--max-time", o.max_time, "Most time one URL may take (default: no limit)");
  seconds("--connect-timeout", o.connect_timeout, "Most time a connection may take to open");
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
  app.add_flag("--fail", o.fail, "Count HTTP status 400 and above as a failure");
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
          "Before a DNS server is asked again (default 2, doubled per try)");
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
  for (const std::string& h : o.headers) {
    check_header(h);
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
    parse_retry_on(a.retry_on, o.retry);
  }
  if (o.ip_resolve == 4) {
    a.dns->family = AF_INET;
  } else if (o.ip_resolve == 6) {
    a.dns->family = AF_INET6;
  }
}

}  // namespace greenfetch::cli
