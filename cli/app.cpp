#include "cli/app.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/bench_cli.hpp"
#include "cli/command.hpp"
#include "cli/completions.hpp"
#include "cli/crawl_cli.hpp"
#include "cli/option_values.hpp"
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
  app.add_option("-i,--input", config.input_files,
                 "Read URLs from FILE, one a line ('-': stdin; # comments skipped)")
      ->allow_extra_args(false)
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
  app.add_flag("-j,--json", config.json, "Print one JSON object per URL (JSON Lines)");
  app.add_flag("--body", config.json_body, "With -j: put the body in the record");
  app.add_option("-o,--output-dir", config.output_dir,
                 "Save each body in DIR, named after the URL's path (made unique)")
      ->type_name("DIR");
  app.add_flag("-s,--silent", config.silent, "No progress, summary or error lines on stderr");
  app.add_flag("--stats", config.stats,
               "Print the summary line also when stderr is not a terminal");
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

}  // namespace

int run(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  if (args.size() > 1 && std::string(args[1]) == "get") {
    args.erase(args.begin() + 1);
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
    return fetch_main(static_cast<int>(args.size()), args.data());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "greenfetch: %s\n", e.what());
    return 1;
  }
}

}  // namespace greenfetch::cli
