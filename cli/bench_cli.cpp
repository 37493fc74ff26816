#include "cli/bench_cli.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.hpp"
#include "cli/option_values.hpp"
#include "cli/request_options.hpp"
#include "core/bench/bench.hpp"
#include "core/bench/html_report.hpp"
#include "core/bench/results_file.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch::cli {

namespace {

std::string read_all(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UsageError("cannot open target file '" + path + "'");
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    throw UsageError("cannot write '" + path + "'");
  }
}

// `greenfetch bench report FILE...`: the report of one or more results files, merged.
int report_main(int argc, char** argv) {
  std::vector<std::string> paths;
  bool json = false;
  std::string fail_on;
  std::string html;
  CLI::App app{"greenfetch bench report: the report of results files (--results), merged.",
               "greenfetch bench report"};
  app.footer(
      "Several files merge exactly: histograms added, counters summed, intervals aligned by "
      "wall clock.\nExit status as bench's.\nSee greenfetch(1).");
  app.add_option("files", paths, "Results files written by bench --results")->required();
  app.add_flag("-j,--json", json, "Print the merged summary as one JSON document");
  app.add_option("--fail-on", fail_on, "Thresholds, as bench's --fail-on")->type_name("EXPR");
  app.add_option("--html", html,
                 "Also write a self-contained HTML page with charts (inline SVG) to FILE")
      ->type_name("FILE");
  std::vector<Threshold> thresholds;
  auto configure = [&] {
    if (!fail_on.empty()) {
      thresholds = parse_thresholds(fail_on);
    }
  };
  auto run = [&] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const std::string& p : paths) {
      std::ifstream in(p, std::ios::binary);
      if (!in) {
        throw UsageError("cannot open results file '" + p + "'");
      }
      files.emplace_back(p, std::string(std::istreambuf_iterator<char>(in), {}));
    }
    BenchResult result = merge_results(files);
    check_thresholds(result, thresholds);
    if (!html.empty()) {
      std::string title = "greenfetch bench report: " + paths.front();
      if (paths.size() > 1) {
        title += fmt::format(" and {} more", paths.size() - 1);
      }
      write_file(html, bench_html(result, title));
    }
    std::string out = json ? bench_json(result) + "\n" : bench_text(result);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return result.exit_status();
  };
  return run_command(app, argc, argv, "greenfetch bench report", configure, run);
}

}  // namespace

int bench_main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "report") {
    return report_main(argc - 1, argv + 1);
  }
  BenchConfig config;
  std::vector<std::string> urls;
  std::string target_file;
  std::string duration;
  std::string warmup;
  std::string fail_on;
  std::string results;
  std::string segment;
  std::string start_at;
  std::optional<std::chrono::system_clock::time_point> start_time;
  bool json = false;
  bool no_keepalive = false;
  CLI::App app{"greenfetch bench: load-probe URLs and report throughput and honest latency.",
               "greenfetch bench"};
  app.footer(
      "Examples:\n"
      "  greenfetch bench -n 10000 -c 100 http://127.0.0.1:8080/    closed model, like wrk\n"
      "  greenfetch bench --rate 2000 -z 30s http://127.0.0.1:8080/  open model, fixed rate\n"
      "  greenfetch bench --http2 --streams 10 -j https://host/      JSON summary\n"
      "  greenfetch bench report a.hdr b.hdr                        merge results files\n"
      "\n"
      "Without --rate the load is a closed model (as fast as -c allows, like wrk); with\n"
      "--rate requests start on a fixed schedule and latency counts from when each should\n"
      "have started (coordinated omission corrected).\n"
      "Exit status: 0 done; 1 a --fail-on threshold failed or no request succeeded;\n"
      "2 usage error; 130 (143) stopped by SIGINT (SIGTERM), after printing the report of\n"
      "what completed (a second signal exits at once).\nSee greenfetch(1).");
  app.add_option("urls", urls, "URLs to load, taken in turn")->type_name("URL");
  app.add_option("-i,--input", target_file,
                 "Read targets from FILE, in vegeta's format ('METHOD URL' lines)")
      ->type_name("FILE");
  app.add_option("-n,--requests", config.requests, "Requests to count (default 200)")
      ->type_name("N")
      ->check(count_in(1, static_cast<uint64_t>(1) << 40));
  app.add_option("-z,--duration", duration, "Run this long instead of -n: 30s, 2m, 500ms")
      ->type_name("DURATION");
  app.add_option("--warmup", warmup, "Run this long first, not counted")->type_name("DURATION");
  app.add_option("-c,--concurrency", config.concurrency,
                 "Connections in every protocol (default 50)")
      ->type_name("N")
      ->check(count_in(1, 100000));
  app.add_option("-t,--threads", config.threads,
                 "Reactors, each with its own pool and connections (default 1)")
      ->type_name("N")
      ->check(count_in(1, 256));
  app.add_option("--rate", config.rate,
                 "Open model: start R requests per second, on a fixed schedule")
      ->type_name("R")
      ->check(CLI::PositiveNumber);
  app.add_flag("--no-keepalive", no_keepalive, "Open a new connection for every request");
  std::map<std::string, BenchPath> paths{
      {"auto", BenchPath::automatic}, {"fast", BenchPath::fast}, {"libcurl", BenchPath::libcurl}};
  app.add_option("--path", config.path,
                 "Fast path where it can (auto), only (fast), or none (libcurl)")
      ->type_name("auto|fast|libcurl")
      ->transform(CLI::CheckedTransformer(paths, CLI::ignore_case).description(""));
  app.add_option("--streams", config.streams,
                 "Requests in flight per connection (HTTP/2, as h2load -m)")
      ->type_name("N")
      ->check(count_in(1, 1000));
  app.add_flag("-j,--json-summary", json, "Print the summary as one JSON document");
  app.add_option("--fail-on", fail_on,
                 "Exit 1 if one holds: p99>200ms,errors>1%,rps<1000,dropped>0")
      ->type_name("EXPR");
  app.add_option("--results", results,
                 "Write the run's record (HdrHistogram log) for 'bench report'")
      ->type_name("FILE");
  app.add_option("--segment", segment, "Run share I of N of -n, -c and --rate (N machines)")
      ->type_name("I/N");
  app.add_option("--start-at", start_at, "Start at this UTC time (2026-12-03T14:00:00Z or @UNIX)")
      ->type_name("TIME");
  RequestArgs request_args;
  request_args.dns = &config.dns;
  add_request_options(app, config.request, request_args, /*with_rate=*/false);
  auto configure = [&] {
    apply_request_options(config.request, request_args);
    if (!duration.empty()) {
      config.duration = parse_duration(duration, "--duration");
    }
    if (!warmup.empty()) {
      config.warmup = parse_duration(warmup, "--warmup");
    }
    config.request.forbid_reuse = no_keepalive;
    if (!fail_on.empty()) {
      config.fail_on = parse_thresholds(fail_on);
    }
    if (!results.empty() && !std::ofstream(results, std::ios::app)) {
      throw UsageError("--results: cannot write '" + results + "'");
    }
    for (const std::string& u : urls) {
      BenchTarget t;
      t.url = u;
      config.targets.push_back(std::move(t));
    }
    if (!target_file.empty()) {
      std::vector<BenchTarget> more = parse_targets(read_all(target_file), target_file);
      config.targets.insert(config.targets.end(), more.begin(), more.end());
    }
    if (config.targets.empty()) {
      throw UsageError("bench: no target: give URLs or -i FILE");
    }
    if (!segment.empty()) {
      config.segment = parse_segment(segment);
      apply_segment(config, config.segment);
    }
    if (!start_at.empty()) {
      start_time = parse_start_at(start_at);
    }
  };
  auto run = [&] {
    config.live = !json && ::isatty(STDERR_FILENO) != 0;
    config.intervals = !results.empty();
    if (start_time) {
      std::this_thread::sleep_until(*start_time);  // Ctrl-C meanwhile ends the process (130)
    }
    BenchResult result = run_bench(config);
    std::string out = json ? bench_json(result) + "\n" : bench_text(result);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (!results.empty()) {
      write_file(results, results_log(result, config));
    }
    return result.exit_status();
  };
  return run_command(app, argc, argv, "greenfetch bench", configure, run);
}

}  // namespace greenfetch::cli
