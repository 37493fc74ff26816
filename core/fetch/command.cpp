#include "core/fetch/command.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <optional>

#include "core/engine/green_pool.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/signals.hpp"
#include "core/http/client.hpp"
#include "core/http/host_limiter.hpp"
#include "core/input/url_source.hpp"
#include "core/output/json_record.hpp"
#include "core/output/output.hpp"
#include "core/output/progress.hpp"
#include "core/output/save_dir.hpp"
#include "core/output/write_out.hpp"
#include "core/url/normalize.hpp"

namespace greenfetch {

namespace {

// How long in-flight transfers may go on after the first Ctrl-C.
constexpr auto k_interrupt_grace = std::chrono::milliseconds(900);

struct Fetched {
  Response response;
  std::string origin;  // input file of the URL, empty for a command-line argument
};

std::string error_line(const Fetched& f) {
  const Response& r = f.response;
  std::string where;
  if (r.line > 0) {
    where = fmt::format("{}:{}: ", f.origin, r.line);
  }
  return fmt::format("greenfetch: {}{}: {}: {}\n", where, r.url, error_kind(r.error),
                     r.error_message);
}

}  // namespace

int run_fetch(FetchConfig config, int out_fd, int err_fd) {
  ::signal(SIGPIPE, SIG_IGN);
  if (config.urls.empty() && config.input_files.empty()) {
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

  Reactor reactor;
  std::optional<Resolver> resolver;
  std::optional<HttpClient> client;
  HttpClientOptions client_options;
  client_options.max_connections = config.concurrency;
  start_client(resolver, client, config.dns, config.request, client_options, reactor);
  UrlSource source(std::move(config.urls), config.input_files);
  GreenPool pool(config.concurrency, reactor);
  Output out(out_fd);
  RunStats stats;
  Progress progress(stats, err_fd, config.progress && !config.silent && ::isatty(err_fd) != 0,
                    reactor);

  HostLimiter hosts(config.per_host, &pool);
  auto fetch_one = [&client, &hosts](SourceLine&& line) {
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
        if (!config.silent) {
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
  progress.clear();
  if (out.broken()) {
    return 128 + SIGPIPE;
  }
  if (config.stats) {
    write_all(err_fd, "greenfetch: " + Progress::summary(stats) + "\n");
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
