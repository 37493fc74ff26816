#include "core/fetch/command.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <optional>

#include "core/engine/fd_limit.hpp"
#include "core/engine/green_pool.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/signals.hpp"
#include "core/http/client.hpp"
#include "core/http/host_limiter.hpp"
#include "core/input/line_count.hpp"
#include "core/input/url_glob.hpp"
#include "core/input/url_source.hpp"
#include "core/output/json_record.hpp"
#include "core/output/output.hpp"
#include "core/output/progress.hpp"
#include "core/output/save_dir.hpp"
#include "core/output/write_out.hpp"
#include "core/url/normalize.hpp"

namespace greenfetch {

namespace {

// The URLs the command line expands to (globs counted, not expanded); nothing for a bad glob,
// which UrlSource reports when it comes to it.
std::optional<uint64_t> argument_url_count(const FetchConfig& config) {
  if (!config.glob) {
    return config.urls.size();
  }
  uint64_t n = 0;
  try {
    for (const std::string& url : config.urls) {
      n += UrlGlob(url).count();
    }
  } catch (const GlobError&) {
    return std::nullopt;
  }
  return n;
}

// How long in-flight transfers may go on after the first Ctrl-C.
constexpr auto k_interrupt_grace = std::chrono::milliseconds(900);

struct Fetched {
  Response response;
  std::string origin;  // input file of the URL, empty for a command-line argument
};

// text with its control characters written as \xHH, for an error line on a terminal.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::string error_line(const Fetched& f) {
  const Response& r = f.response;
  std::string where;
  if (r.line > 0) {
    where = fmt::format("{}:{}: ", f.origin, r.line);
  }
  return fmt::format("greenfetch: {}{}: {}: {}\n", where, printable(r.url), error_kind(r.error),
                     r.error_message);
}

// The result of an input line that is not a URL: nothing was requested for it.
Response invalid_line(const SourceLine& line) {
  Response r;
  r.url = line.request.url;
  r.line = line.request.line;
  r.error = Error::invalid_url;
  r.error_message = line.invalid;
  r.curl_code = CURLE_URL_MALFORMAT;
  return r;
}

}  // namespace

int run_fetch(FetchConfig config, int out_fd, int err_fd) {
  ::signal(SIGPIPE, SIG_IGN);
  if (config.urls.empty() && config.input_files.empty() && config.config_files.empty()) {
    if (::isatty(STDIN_FILENO) != 0) {
      throw UsageError("no URL given: pass URLs as arguments, -i FILE, or pipe them on stdin");
    }
    config.input_files.emplace_back("-");
  }
  std::optional<WriteOut> write_out;
  if (!config.write_out.empty()) {
    write_out = WriteOut::from_option(config.write_out, err_fd);
  }
  JsonRecordOptions json_options;
  json_options.include_body = config.json_body;
  std::optional<SaveDir> save_dir;
  if (!config.output_dir.empty()) {
    save_dir.emplace(config.output_dir);
  }

  // Every transfer holds a socket: fit -c to the descriptor limit rather than fail connects.
  config.concurrency = fit_concurrency(config.concurrency, err_fd);

  Reactor reactor;
  std::optional<Resolver> resolver;
  std::optional<HttpClient> client;
  HttpClientOptions client_options;
  client_options.max_connections = config.concurrency;
  start_client(resolver, client, config.dns, config.request, client_options, reactor);
  bool live = config.progress && !config.silent && !config.request.verbose &&
              ::isatty(err_fd) != 0;  // -v writes whole lines on stderr: no progress line
  RunStats stats;
  if (live && config.config_files.empty()) {
    // Known at once when every input is a regular file; otherwise once all of it is read.
    std::optional<uint64_t> lines = count_url_lines(config.input_files);
    std::optional<uint64_t> arguments = argument_url_count(config);
    if (lines && arguments) {
      stats.total = *arguments + *lines;
    }
  }
  UrlSource source(std::move(config.urls), config.input_files, config.glob, config.config_files);
  GreenPool pool(config.concurrency, reactor);
  Output out(out_fd);

  HostLimiter hosts(config.per_host, &pool);
  bool verbose = config.request.verbose;
  auto fetch_one = [&client, &hosts, verbose](SourceLine&& line) {
    if (!line.invalid.empty()) {
      Fetched f{invalid_line(line), std::move(line.origin)};
      f.response.urlnum = line.urlnum;
      return f;
    }
    if (verbose) {
      line.request.label = line.origin.empty()
                               ? fmt::format("[{}] ", line.urlnum + 1)
                               : fmt::format("[{}:{}] ", line.origin, line.request.line);
    }
    // Every input URL goes through the URL Standard's parser (core/url/parse.hpp), as links
    // do in crawl mode; libcurl is asked for its serialization. %{url} stays the URL as given
    // (curl's meaning), %{url_effective} names what was fetched.
    std::string as_given = line.request.url;
    const ResolvedUrl target = parse_input_url(as_given);
    if (target.status == UrlParseStatus::failure) {
      Fetched f{Response{}, std::move(line.origin)};
      f.response.url = std::move(as_given);
      f.response.line = line.request.line;
      f.response.urlnum = line.urlnum;
      f.response.error = Error::invalid_url;
      f.response.error_message = "malformed URL: the URL Standard rejects it";
      f.response.curl_code = CURLE_URL_MALFORMAT;
      return f;
    }
    if (target.status == UrlParseStatus::ok) {
      line.request.url = target.url;
    }
    HostLimiter::Slot slot = hosts.acquire(line.request.url);
    Fetched f{client->fetch(line.request), std::move(line.origin)};
    f.response.url = std::move(as_given);
    f.response.urlnum = line.urlnum;
    return f;
  };
  GreenPool::ImapOptions imap_options;
  imap_options.ordered = !config.unordered;
  auto results = pool.imap(fetch_one, source, imap_options);
  Progress progress(
      err_fd, live,
      [&] {
        stats.waiting = hosts.waiting();
        stats.in_flight =
            results.in_flight() - std::min<uint64_t>(stats.waiting, results.in_flight());
        stats.waiting_host = stats.waiting > 0 ? hosts.busiest_waiting_host() : std::string();
        return Progress::fetch_fields(stats);
      },
      out_fd, reactor);
  out.set_before_write([&progress](std::string_view data) { progress.before_output(data); });
  struct UnhookOutput {  // out outlives progress: its last flush must not call back
    Output& out;
    ~UnhookOutput() { out.set_before_write({}); }
  } unhook_output{out};

  // Ctrl-C: no new transfers; those in flight get a moment to finish, then are cancelled.
  Timer cancel_timer([&client] { client->cancel_all(); });
  InterruptWatch interrupt(
      [&] {
        results.stop();
        cancel_timer.arm(reactor, Clock::now() + k_interrupt_grace);
      },
      reactor);

  int status = 0;
  uint64_t cancelled = 0;
  try {
    while (std::optional<Fetched> f = results.next()) {
      Response& r = f->response;
      ++stats.done;
      stats.bytes += static_cast<uint64_t>(r.size_download);
      if (results.input_done()) {
        stats.total = results.pulled();
      }
      if (r.ok() && save_dir) {
        try {
          r.filename_effective = save_dir->save(r.url, r.body);
        } catch (const std::runtime_error& e) {
          r.error = Error::output;
          r.error_message = e.what();
        }
      }
      if (r.error == Error::cancelled) {
        ++cancelled;
        ++stats.failed;
        continue;  // one summary line below instead of a line per transfer
      }
      if (!r.ok()) {
        ++stats.failed;
        if (!config.silent || config.show_error) {
          progress.clear();
          write_all(err_fd, error_line(*f));
        }
      }
      if (config.json) {
        std::string line = json_record(r, json_options);
        line += '\n';
        out.write(line);
      } else if (write_out) {
        out.write(write_out->render(r));
      } else if (config.request.head) {
        out.write(r.header_text);  // like curl -I: the headers are what was asked for
      } else if (!save_dir) {
        out.write(r.body);
      }
      if (out.broken()) {
        // The reader went away (`| head -1`): stop quietly, as a killed pipeline stage would.
        results.stop();
        client->cancel_all();
        break;
      }
      if (!results.ready()) {
        out.flush();
      }
    }
  } catch (const std::runtime_error& e) {
    // The input failed mid-stream: the results so far are out; report it like bad usage.
    out.flush();
    progress.clear();
    write_all(err_fd, fmt::format("greenfetch: {}\n", e.what()));
    status = 2;
  }
  out.flush();
  if (out.broken()) {
    progress.clear();
    return 128 + SIGPIPE;
  }
  if (config.stats && !progress.live()) {
    progress.clear();
    write_all(err_fd, "greenfetch: " + Progress::summary(stats) + "\n");
  } else {
    progress.finish("greenfetch: " + Progress::summary(stats));  // on a terminal by default
  }
  if (interrupt.interrupted()) {
    if (!config.silent) {
      write_all(err_fd,
                fmt::format("greenfetch: interrupted; {} transfers cancelled\n", cancelled));
    }
    return interrupt.exit_status();
  }
  if (status != 0) {
    return status;
  }
  return stats.failed > 0 ? 1 : 0;
}

}  // namespace greenfetch
