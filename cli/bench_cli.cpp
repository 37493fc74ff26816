#include "cli/bench_cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/request_options.hpp"
#include "core/bench/bench.hpp"
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
}  // namespace

int bench_main(int argc, char** argv) {
  BenchConfig config;
  std::vector<std::string> urls;
  std::string target_file;
  std::string duration;
  std::string warmup;
  bool json = false;
  bool no_keepalive = false;
  CLI::App app{"greenfetch bench: load-probe URLs and report throughput and honest latency.",
               "greenfetch bench"};
  app.footer(
      "Without --rate the load is a closed model (as fast as -c allows, like wrk); with --rate "
      "requests start on a fixed schedule and latency counts from when each should have "
      "started (coordinated omission corrected).\nSee greenfetch(1).");
  app.add_option("urls", urls, "URLs to load, taken in turn");
  app.add_option("-i,--input", target_file,
                 "Read targets from FILE: 'METHOD URL' lines, each followed by 'Name: value' "
                 "headers and an optional '@BODYFILE', blank-line separated (vegeta's format)")
      ->type_name("FILE");
  app.add_option("-n,--requests", config.requests, "Requests to count (default 200)")
      ->check(CLI::Range(static_cast<uint64_t>(1), static_cast<uint64_t>(1) << 40));
  app.add_option("-z,--duration", duration, "Run this long instead of -n: 30s, 2m, 500ms")
      ->type_name("DURATION");
  app.add_option("--warmup", warmup, "Run this long first, not counted")->type_name("DURATION");
  app.add_option("-c,--concurrency", config.concurrency, "Requests in flight (default 50)")
      ->check(CLI::Range(1, 100000));
  app.add_option("-t,--threads", config.threads,
                 "Reactors, each with its own pool and connections (default 1)")
      ->check(CLI::Range(1, 256));
  app.add_option("--rate", config.rate,
                 "Open model: start R requests per second in total, on a fixed schedule")
      ->type_name("R")
      ->check(CLI::PositiveNumber);
  app.add_flag("--no-keepalive", no_keepalive, "Open a new connection for every request");
  app.add_option("--streams", config.streams,
                 "With --http2: requests multiplexed per connection (as h2load -m)")
      ->check(CLI::Range(1, 1000));
  app.add_flag("-j,--json-summary", json, "Print the summary as one JSON document");
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
  };
  auto run = [&] {
    config.live = !json && ::isatty(STDERR_FILENO) != 0;
    BenchResult result = run_bench(config);
    std::string out = json ? bench_json(result) + "\n" : bench_text(result);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  };
  return run_command(app, argc, argv, "greenfetch bench", configure, run);
}

}  // namespace greenfetch::cli
