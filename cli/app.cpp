#include "cli/app.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/bench_cli.hpp"
#include "cli/command.hpp"
#include "cli/crawl_cli.hpp"
#include "cli/request_options.hpp"
#include "core/fetch/command.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch::cli {

namespace {

int fetch_main(int argc, char** argv) {
  FetchConfig config;
  CLI::App app{
      "greenfetch: fetch many URLs at once through a green pool of fibers.\n"
      "URLs come from the arguments, from -i FILE, or from stdin.",
      "greenfetch"};
  app.set_version_flag("-V,--version", "greenfetch " GREENFETCH_VERSION);
  app.footer(
      "Modes: greenfetch [get] [OPTIONS] [URL...]  (this one)\n"
      "       greenfetch bench [OPTIONS] URL...      (load-probing: greenfetch bench --help)\n"
      "       greenfetch crawl [OPTIONS] SEED...     (crawling: greenfetch crawl --help)\n"
      "Exit status: 0 all URLs fetched, 1 some failed, 2 usage error.\n"
      "See greenfetch(1) for every option and -w variable.");
  app.add_option("urls", config.urls, "URLs to fetch (before those of -i)");
  // run() turns "--url URL" into a positional URL before parsing (CLI11 would not keep the
  // order of the two); the option is here for --help and a value-less --url.
  std::vector<std::string> unused_url;
  app.add_option("--url", unused_url, "A URL to fetch, as a positional URL (repeatable)")
      ->allow_extra_args(false)
      ->type_name("URL");
  app.add_option("-i,--input", config.input_files,
                 "Read URLs from FILE, one per line ('-' for stdin; blank lines and # comments "
                 "are skipped)")
      ->allow_extra_args(false)
      ->type_name("FILE");
  app.add_option("-c,--concurrency", config.concurrency, "Transfers in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_flag("--unordered", config.unordered,
               "Emit results as transfers finish, not in input order");
  app.add_option("-w,--write-out", config.write_out,
                 "Print FORMAT for each URL instead of its body (curl's variables; @FILE reads "
                 "it from a file)")
      ->type_name("FORMAT");
  app.add_option("--per-host", config.per_host,
                 "Requests to one host at once (0: no limit); others go on meanwhile")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_flag("-j,--jsonl", config.json, "Print one JSON object per URL (JSON Lines)");
  app.add_flag("--body", config.json_body, "With -j: put the body in the record");
  app.add_option("-o,--output-dir", config.output_dir,
                 "Save each body in DIR, in a file named after the URL's path (made unique)")
      ->type_name("DIR");
  app.add_flag("-s,--silent", config.silent, "No progress line and no error lines on stderr");
  app.add_flag("-S,--show-error", config.show_error, "With -s: still write the error lines");
  app.add_flag("--stats", config.stats, "Print a summary line on stderr at the end");
  RequestArgs request_args;
  request_args.dns = &config.dns;
  add_request_options(app, config.request, request_args);

  auto configure = [&] {
    apply_request_options(config.request, request_args);
    if (config.json_body && !config.json) {
      throw UsageError("--body goes with -j/--jsonl");
    }
  };
  return run_command(app, argc, argv, "greenfetch", configure,
                     [&] { return run_fetch(std::move(config)); });
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  if (args.size() > 1 && std::string(args[1]) == "get") {
    args.erase(args.begin() + 1);
  }
  bool is_fetch =
      args.size() < 2 || (std::string(args[1]) != "bench" && std::string(args[1]) != "crawl");
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
    if (args.size() > 1 && std::string(args[1]) == "bench") {
      return bench_main(argc - 1, argv + 1);
    }
    if (args.size() > 1 && std::string(args[1]) == "crawl") {
      return crawl_main(argc - 1, argv + 1);
    }
    return fetch_main(static_cast<int>(args.size()), args.data());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "greenfetch: %s\n", e.what());
    return 1;
  }
}

}  // namespace greenfetch::cli
