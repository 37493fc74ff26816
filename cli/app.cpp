#include "cli/app.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
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
  config.request.compressed = false;  // as curl: bodies as sent, unless --compressed
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
  app.add_flag("-j,--json", config.json, "Print one JSON object per URL (JSON Lines)");
  app.add_flag("--body", config.json_body, "With -j: put the body in the record");
  app.add_option("-o,--output", config.output_files,
                 "Write the body to FILE instead of stdout; repeat it, one per URL in order "
                 "('-': stdout)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app.add_flag("-O,--remote-name", config.remote_name,
               "Save each body in a file named after its URL (in the current folder or "
               "--output-dir; an existing file is kept: NAME.1, NAME.2, ...)");
  app.add_option("--output-dir", config.output_dir,
                 "Folder for -O and relative -o files (alone: -O for every URL)")
      ->type_name("DIR");
  app.add_flag("--create-dirs", config.create_dirs,
               "Create the folders of -o, -D and --output-dir when missing");
  app.add_option("-D,--dump-header", config.dump_header,
                 "Write every response head to FILE ('-': stdout, before each body)")
      ->type_name("FILE");
  app.add_flag("-s,--silent", config.silent, "No progress line and no error lines on stderr");
  app.add_flag("--stats", config.stats, "Print a summary line on stderr at the end");
  RequestArgs request_args;
  request_args.dns = &config.dns;
  add_request_options(app, config.request, request_args);

  auto configure = [&] {
    apply_request_options(config.request, request_args);
    if (config.json_body && !config.json) {
      throw UsageError("--body goes with -j/--json");
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
