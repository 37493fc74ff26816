#include "cli/app.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/bench_cli.hpp"
#include "cli/command.hpp"
#include "cli/completions.hpp"
#include "cli/crawl_cli.hpp"
#include "cli/option_values.hpp"
#include "cli/request_options.hpp"
#include "core/fetch/command.hpp"
#include "core/input/config_file.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch::cli {

namespace {

int fetch_main(int argc, char** argv, std::vector<std::string> config_files = {}) {
  FetchConfig config;
  config.config_files = std::move(config_files);
  config.request.compressed = false;  // as curl: bodies as sent, unless --compressed
  CLI::App app{
      "greenfetch: fetch many URLs at once through a green pool of fibers.\n"
      "URLs come from the arguments, from -i FILE, or from stdin.",
      "greenfetch"};
  app.footer(
      "Examples:\n"
      "  greenfetch -i urls.txt -w '%{http_code} %{url}\\n'   status and URL of each\n"
      "  greenfetch -j -c 200 < urls.txt > results.jsonl     JSON Lines, 200 at once\n"
      "  greenfetch --per-host 4 --retry 3 -i urls.txt       gentle on each host\n"
      "\n"
      "Modes: greenfetch [get] [OPTIONS] [URL...]  (this one)\n"
      "       greenfetch bench [OPTIONS] URL...      (load-probing: greenfetch help bench)\n"
      "       greenfetch crawl [OPTIONS] SEED...     (crawling: greenfetch help crawl)\n"
      "Exit status: 0 all URLs fetched, 1 some failed, 2 usage error.\n"
      "See greenfetch(1) for every option and -w variable.");
  app.add_option("urls", config.urls, "URLs to fetch (before those of -i)")->type_name("URL");
  // run() turns "--url URL" into a positional URL before parsing (CLI11 would not keep the
  // order of the two); the option is here for --help and a value-less --url.
  std::vector<std::string> unused_url;
  app.add_option("--url", unused_url, "A URL to fetch, as a positional URL (repeatable)")
      ->allow_extra_args(false)
      ->type_name("URL");
  app.add_option("-i,--input", config.input_files,
                 "Read URLs from FILE, one a line ('-': stdin; # comments skipped)")
      ->allow_extra_args(false)
      ->type_name("FILE");
  bool globoff = false;
  app.add_flag("-g,--globoff", globoff,
               "No URL globbing: [] and {} in URL arguments are taken as they are");
  std::string unused_config;
  app.add_option("-K,--config", unused_config,
                 "Read options from FILE (curl's config syntax; url lines stream)")
      ->type_name("FILE");
  app.add_option("-c,--concurrency", config.concurrency, "Transfers in flight at once")
      ->capture_default_str()
      ->type_name("N")
      ->check(count_in(1, 100000));
  app.add_flag("--unordered", config.unordered,
               "Emit results as transfers finish, not in input order");
  app.add_option("-w,--write-out", config.write_out,
                 "Print FORMAT for each URL, not its body (curl's; @FILE reads it)")
      ->type_name("FORMAT");
  app.add_option("--per-host", config.per_host,
                 "Requests to one host at once (default: no limit but -c)")
      ->type_name("N")
      ->check(count_in(0, 100000));
  app.add_flag("-j,--jsonl", config.json, "Print one JSON object per URL (JSON Lines)");
  app.add_flag("--body", config.json_body, "With -j: put the body in the record");
  app.add_option("-o,--output", config.output_files,
                 "Write the body to FILE; one -o per URL, in order ('-': stdout)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app.add_flag("-O,--remote-name", config.remote_name,
               "Save each body under its URL's name (kept files: NAME.1, ...)");
  app.add_option("--output-dir", config.output_dir,
                 "Folder for -O and relative -o files (alone: -O for every URL)")
      ->type_name("DIR");
  app.add_flag("--create-dirs", config.create_dirs,
               "Create the folders of -o, -D and --output-dir when missing");
  app.add_option("-D,--dump-header", config.dump_header,
                 "Write every response head to FILE ('-': stdout, before each body)")
      ->type_name("FILE");
  app.add_flag("-s,--silent", config.silent, "No progress, summary or error lines on stderr");
  app.add_flag("-S,--show-error", config.show_error, "With -s: still write the error lines");
  app.add_flag("--stats", config.stats,
               "Print the summary line also when stderr is not a terminal");
  RequestArgs request_args;
  request_args.dns = &config.dns;
  add_request_options(app, config.request, request_args);

  auto configure = [&] {
    config.glob = !globoff;
    apply_request_options(config.request, request_args);
    if (config.json_body && !config.json) {
      throw UsageError("--body goes with -j/--jsonl");
    }
  };
  return run_command(app, argc, argv, "greenfetch", configure,
                     [&] { return run_fetch(std::move(config)); });
}

// greenfetch help [MODE]: MODE's --help.
int help_main(const std::vector<char*>& args) {
  std::string mode = args.size() > 2 ? args[2] : "get";
  if (mode == "-h" || mode == "--help") {
    mode = "get";
  }
  std::string help = "--help";
  std::vector<char*> argv{args[0], mode.data(), help.data()};
  if (mode == "bench") {
    return bench_main(2, argv.data() + 1);
  }
  if (mode == "crawl") {
    return crawl_main(2, argv.data() + 1);
  }
  if (mode == "get" || mode == "fetch") {
    std::vector<char*> fetch_argv{args[0], help.data()};
    return fetch_main(2, fetch_argv.data());
  }
  std::fprintf(stderr, "greenfetch: help: no mode '%s' (modes: get, bench, crawl)\n", mode.c_str());
  return k_usage_error;
}

// greenfetch --completions SHELL (hidden; the build runs it): a completion script made from
// the option tables of the three modes.
int completions_main(const std::vector<char*>& args) {
  std::string shell = args.size() > 2 ? args[2] : "";
  std::vector<ModeOptions> modes;
  set_option_table_sink([&modes](const CLI::App& app) { modes.push_back(mode_options(app)); });
  std::string help = "--help";
  std::vector<char*> argv{args[0], help.data()};
  fetch_main(2, argv.data());
  bench_main(2, argv.data());
  crawl_main(2, argv.data());
  set_option_table_sink({});
  std::string script;
  try {
    script = completion_script(shell, modes);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "greenfetch: --completions: %s\n", e.what());
    return k_usage_error;
  }
  std::fwrite(script.data(), 1, script.size(), stdout);
  return 0;
}

// -K FILE: the file's options take its place on the command line (stored in `storage`,
// which must outlive the parse); its url entries are left for UrlSource to stream. Throws
// UsageError naming the file and line.
void expand_config_file(const std::string& path, std::vector<char*>& out,
                        std::deque<std::string>& storage) {
  if (path == "-") {
    throw UsageError("-K -: a config file on stdin is not supported (give a file)");
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw UsageError("cannot open config file '" + path + "': " + std::strerror(errno));
  }
  LineReader reader(fd, path);
  while (std::optional<std::string> line = reader.next_line()) {
    std::optional<ConfigEntry> entry;
    try {
      entry = parse_config_line(*line);
    } catch (const ConfigError& e) {
      throw UsageError(path + ":" + std::to_string(reader.line_number()) + ": " + e.what());
    }
    if (!entry || entry->option == "--url") {
      continue;
    }
    if (entry->option == "-K" || entry->option == "--config") {
      throw UsageError(path + ":" + std::to_string(reader.line_number()) +
                       ": -K inside a config file is not supported");
    }
    out.push_back(storage.emplace_back(entry->option).data());
    if (entry->value) {
      out.push_back(storage.emplace_back(*entry->value).data());
    }
  }
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  if (args.size() > 1 && std::string(args[1]) == "get") {
    args.erase(args.begin() + 1);
  }
  bool is_fetch =
      args.size() < 2 || (std::string(args[1]) != "bench" && std::string(args[1]) != "crawl");
  std::vector<std::string> config_files;
  std::deque<std::string> config_args;
  if (is_fetch) {
    try {
      std::vector<char*> expanded;
      for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        std::string file;
        if ((a == "-K" || a == "--config") && i + 1 < args.size()) {
          file = args[++i];
        } else if (a.starts_with("--config=")) {
          file = a.substr(9);
        } else if (a.starts_with("-K") && a.size() > 2) {
          file = a.substr(2);
        } else {
          expanded.push_back(args[i]);
          if (a == "--") {
            expanded.insert(expanded.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                            args.end());
            break;
          }
          continue;
        }
        expand_config_file(file, expanded, config_args);
        config_files.push_back(file);
      }
      args = std::move(expanded);
    } catch (const UsageError& e) {
      std::fprintf(stderr, "greenfetch: %s\n", e.what());
      return k_usage_error;
    }
  }
  // curl's --url URL is a URL in its place among the positional ones.
  for (std::size_t i = 1; is_fetch && i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--") {
      break;
    }
    if (a == "--url" && i + 1 < args.size()) {
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (a.starts_with("--url=")) {
      args[i] += 6;
    }
  }
  try {
    if (args.size() > 1 && std::string(args[1]) == "help") {
      return help_main(args);
    }
    if (args.size() > 1 && std::string(args[1]) == "--completions") {
      return completions_main(args);
    }
    if (args.size() > 1 && std::string(args[1]) == "bench") {
      return bench_main(argc - 1, argv + 1);
    }
    if (args.size() > 1 && std::string(args[1]) == "crawl") {
      return crawl_main(argc - 1, argv + 1);
    }
    return fetch_main(static_cast<int>(args.size()), args.data(), std::move(config_files));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "greenfetch: %s\n", e.what());
    return 1;
  }
}

}  // namespace greenfetch::cli
