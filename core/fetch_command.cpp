#include "core/fetch_command.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <optional>

#include "core/green_pool.hpp"
#include "core/http_client.hpp"
#include "core/json_record.hpp"
#include "core/output.hpp"
#include "core/reactor.hpp"
#include "core/url_source.hpp"
#include "core/write_out.hpp"

namespace greenfetch {

namespace {

struct Fetched {
  Response response;
  std::string origin;  // input file of the URL, empty for a command-line argument
};

void write_line(int fd, const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n <= 0) {
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

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
    try {
      write_out = WriteOut::parse(config.write_out);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    for (const std::string& name : write_out->unknown_variables()) {
      write_line(err_fd, fmt::format("greenfetch: warning: unknown --write-out variable: '{}'\n",
                                     name));
    }
  }
  JsonRecordOptions json_options;
  json_options.include_body = config.json_body;

  Reactor reactor;
  std::optional<Resolver> resolver;
  try {
    resolver.emplace(config.dns, reactor);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  HttpClientOptions client_options;
  client_options.max_connections = config.concurrency;
  HttpClient client(*resolver, config.request, client_options, reactor);
  UrlSource source(std::move(config.urls), config.input_files);
  GreenPool pool(config.concurrency, reactor);
  Output out(out_fd);

  auto fetch_one = [&client](SourceLine&& line) {
    return Fetched{client.fetch(line.request), std::move(line.origin)};
  };
  GreenPool::ImapOptions imap_options;
  imap_options.ordered = !config.unordered;
  auto results = pool.imap(fetch_one, source, imap_options);

  std::size_t failures = 0;
  int status = 0;
  try {
    while (std::optional<Fetched> f = results.next()) {
      const Response& r = f->response;
      if (!r.ok()) {
        ++failures;
        if (!config.silent) {
          write_line(err_fd, error_line(*f));
        }
      }
      if (config.json) {
        std::string line = json_record(r, json_options);
        line += '\n';
        out.write(line);
      } else if (write_out) {
        out.write(write_out->render(r));
      } else {
        out.write(r.body);
      }
      if (out.broken()) {
        // The reader went away (`| head -1`): stop quietly, as a killed pipeline stage would.
        results.stop();
        client.cancel_all();
        break;
      }
      if (!results.ready()) {
        out.flush();
      }
    }
  } catch (const std::runtime_error& e) {
    // An input that fails mid-stream: the results so far are out; report it like bad usage.
    out.flush();
    write_line(err_fd, fmt::format("greenfetch: {}\n", e.what()));
    status = 2;
  }
  out.flush();
  if (out.broken()) {
    results.stop();
    client.cancel_all();
    return 128 + SIGPIPE;
  }
  if (status != 0) {
    return status;
  }
  return failures > 0 ? 1 : 0;
}

}  // namespace greenfetch
