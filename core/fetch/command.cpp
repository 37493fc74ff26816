#include "core/fetch/command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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
#include "core/output/file_output.hpp"
#include "core/output/json_record.hpp"
#include "core/output/ordered_bodies.hpp"
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

// Exit status when stdout cannot be written (not a closed pipe): curl's, for the same case.
constexpr int k_exit_write_error = 23;

// The body of a URL that only -w or -j is printed for: counted by libcurl, never kept.
class DiscardBody final : public BodyWriter {
 public:
  Result write(const Response& /*so_far*/, std::string_view /*chunk*/) override {
    return Result::written;
  }
};

struct Fetched {
  Response response;
  std::string origin;  // input file of the URL, empty for a command-line argument
  std::unique_ptr<OrderedBodies::Writer> to_stdout;  // the body goes to stdout
  std::unique_ptr<FileOutput> to_file;               // or to a file
};

// The input lines with their sequence number (the order results are emitted in).
struct NumberedSource {
  UrlSource& source;
  uint64_t next_seq = 0;
  std::optional<std::pair<SourceLine, uint64_t>> next() {
    std::optional<SourceLine> line = source.next();
    if (!line) {
      return std::nullopt;
    }
    return std::make_pair(std::move(*line), next_seq++);
  }
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
  // Where bodies go: -o FILE for the URL of the same rank, -O (or --output-dir alone) a file
  // named after the URL, else stdout, where -w, -j and -I print instead of the body.
  std::optional<SaveDir> save_dir;
  if (config.remote_name || !config.output_dir.empty()) {
    save_dir.emplace(config.output_dir, config.create_dirs);
  }
  bool body_on_stdout = !config.json && write_out == std::nullopt && !config.request.head;
  bool dump_to_stdout = config.dump_header == "-";
  config.request.dump_headers = !config.dump_header.empty();
  UniqueFd dump_file;
  if (!config.dump_header.empty() && !dump_to_stdout) {
    if (config.create_dirs && config.dump_header.find('/') != std::string::npos) {
      create_dirs(config.dump_header.substr(0, config.dump_header.rfind('/')));
    }
    dump_file.reset(
        ::open(config.dump_header.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
    if (!dump_file.valid()) {
      throw UsageError("-D: cannot open '" + config.dump_header + "': " + std::strerror(errno));
    }
  }
  for (const std::string& f : config.output_files) {
    if (config.create_dirs && f != "-" && f.find('/') != std::string::npos) {
      std::string dir = f.substr(0, f.rfind('/'));
      if (!config.output_dir.empty() && dir[0] != '/') {
        dir = config.output_dir + "/" + dir;
      }
      create_dirs(dir);
    }
  }

  // Every transfer holds a socket, and one writing a file (-o, -O) a second descriptor: fit -c
  // to the descriptor limit rather than fail connects or file creations.
  bool writes_files =
      config.remote_name || !config.output_dir.empty() || !config.output_files.empty();
  config.concurrency = fit_concurrency(config.concurrency, err_fd, "-c", writes_files ? 2 : 1);

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

  SpoolBudget budget;
  budget.limit = config.spool_memory;
  OrderedBodies bodies(
      out, reactor, !config.unordered, budget,
      [&client](const Request& request) { client->resume(request); }, dump_to_stdout);
  DiscardBody discard;

  HostLimiter hosts(config.per_host, &pool);
  // The file a URL's body goes to, or nullptr for stdout.
  auto file_for = [&](const std::string& url, uint64_t seq) -> std::unique_ptr<FileOutput> {
    if (seq < config.output_files.size()) {
      const std::string& name = config.output_files[seq];
      if (name == "-") {
        return nullptr;
      }
      bool relative = !config.output_dir.empty() && name[0] != '/';
      std::string path = relative ? config.output_dir + "/" + name : name;
      return std::make_unique<FileOutput>(AT_FDCWD, path, path, /*no_clobber=*/false);
    }
    return save_dir ? save_dir->open(url) : nullptr;
  };
  bool verbose = config.request.verbose;
  auto fetch_one = [&](std::pair<SourceLine, uint64_t>&& numbered) {
    SourceLine& line = numbered.first;
    uint64_t seq = numbered.second;
    Fetched f;
    if (!line.invalid.empty()) {
      f.response = invalid_line(line);
      f.origin = std::move(line.origin);
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
      f.origin = std::move(line.origin);
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
    f.to_file = file_for(line.request.url, seq);
    if (f.to_file) {
      line.request.writer = f.to_file.get();
    } else if (body_on_stdout || dump_to_stdout) {
      f.to_stdout = bodies.open(seq, line.request);
      line.request.writer = f.to_stdout.get();
    } else if (!config.json_body) {
      line.request.writer = &discard;  // -w, -j, -I: the body is not wanted
    }
    HostLimiter::Slot slot = hosts.acquire(line.request.url);
    f.response = client->fetch(line.request);
    if (f.to_stdout) {
      f.to_stdout->done();
    }
    f.origin = std::move(line.origin);
    f.response.url = std::move(as_given);
    f.response.urlnum = line.urlnum;
    return f;
  };
  NumberedSource numbered{source};
  GreenPool::ImapOptions imap_options;
  imap_options.ordered = !config.unordered;
  auto results = pool.imap(fetch_one, numbered, imap_options);
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
      bool keep_body = r.ok() || (r.error == Error::http && config.request.fail_with_body);
      if (f->to_file && keep_body) {
        try {
          r.filename_effective = f->to_file->commit();
        } catch (const std::runtime_error& e) {
          r.error = Error::output;
          r.error_message = e.what();
        }
      } else if (f->to_file) {
        f->to_file->abandon();  // nothing under the final name for a failed URL
      }
      if (dump_file.valid() && !write_all(dump_file.get(), r.header_dump) && r.ok()) {
        r.error = Error::output;
        r.error_message = "cannot write " + config.dump_header + ": " + std::strerror(errno);
      }
      if (dump_to_stdout && !f->to_stdout) {
        out.write(r.header_dump);  // -D - with the body in a file: the heads alone
      }
      if (f->to_stdout) {
        std::string lost;
        if (!bodies.finish(*f->to_stdout, r, lost) && r.ok()) {
          r.error = Error::output;
          r.error_message = lost;
        }
        out.try_flush();  // a refused write is this URL's failure, not a later one's
      }
      if (out.broken() && out.error() != EPIPE && r.error != Error::output) {
        r.error = Error::output;
        r.error_message = std::string("cannot write to stdout: ") + std::strerror(out.error());
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
  if (std::string jar_error = client->save_cookies(); !jar_error.empty()) {
    write_all(err_fd, "greenfetch: " + jar_error + "\n");
    status = status != 0 ? status : 1;
  }
  if (out.broken() && out.error() == EPIPE) {
    return 128 + SIGPIPE;
  }
  if (out.broken()) {
    write_all(err_fd,
              fmt::format("greenfetch: cannot write to stdout: {}\n", std::strerror(out.error())));
    return k_exit_write_error;
  }
  if (bodies.lost_after_report() > 0) {
    // --unordered reported these URLs before their queued bodies were written; the temporary
    // file then failed, so the output is short of them: say so and fail the run.
    write_all(err_fd, fmt::format("greenfetch: output: {} bodies queued for stdout were lost "
                                  "(their temporary file could not be read back)\n",
                                  bodies.lost_after_report()));
    status = status != 0 ? status : 1;
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
