#include "cli/crawl_cli.hpp"

#include "core/base/ascii.hpp"

#include <CLI/CLI.hpp>

#include <cctype>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/option_values.hpp"
#include "cli/request_options.hpp"
#include "core/crawl/crawler.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch::cli {

int crawl_main(int argc, char** argv) {
  CrawlConfig config;
  std::string delay;
  std::string duration;
  bool no_robots = false;
  CLI::App app{
      "greenfetch crawl: fetch every page of a site, following links from HTML.\n"
      "Seeds come from the arguments, from -i FILE, or from stdin.",
      "greenfetch crawl"};
  app.footer(
      "Examples:\n"
      "  greenfetch crawl https://example.org/                    every page of the host\n"
      "  greenfetch crawl --max-depth 2 -j https://example.org/   JSON Lines, two links deep\n"
      "  greenfetch crawl --warc site.warc.gz --state st https://example.org/   resumable\n"
      "\n"
      "Output: the URL of each page that answered 2xx (other answers on stderr);\n"
      "-j one JSON object per page; -w FORMAT as in fetch mode.\n"
      "Exit status: 0 no page failed, 1 some failed, 2 usage error.\n"
      "See greenfetch(1).");
  app.add_option("seeds", config.seeds, "URLs to start from (before those of -i)")
      ->type_name("SEED");
  app.add_option("-i,--input", config.input_files,
                 "Read seed URLs from FILE, one per line ('-' for stdin)")
      ->allow_extra_args(false)
      ->type_name("FILE");
  app.add_option("-c,--concurrency", config.concurrency, "Requests in flight at once")
      ->capture_default_str()
      ->type_name("N")
      ->check(count_in(1, 100000));
  app.add_option("--per-host", config.per_host, "Requests to one host at once, 0: no limit")
      ->capture_default_str()
      ->type_name("N")
      ->check(count_in(0, 100000));
  app.add_option("--delay", delay,
                 "Minimum time between two request starts to one host, in seconds")
      ->type_name("SECONDS");
  std::map<std::string, ScopeKind> scopes{{"host", ScopeKind::host},
                                          {"domain", ScopeKind::domain},
                                          {"prefix", ScopeKind::prefix},
                                          {"any", ScopeKind::any}};
  app.add_option("--scope", config.scope.kind,
                 "Follow links to the seeds' host (default), domain, path...")
      ->transform(CLI::Validator(
          // Not CLI::CheckedTransformer: its message lists the map ({any->3,...}).
          [scopes](std::string& value) -> std::string {
            std::string word = value;
            for (char& c : word) {
              c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            auto it = scopes.find(word);
            if (it == scopes.end()) {
              return "'" + value + "' is not host, domain, prefix or any";
            }
            value = std::to_string(static_cast<int>(it->second));
            return {};
          },
          ""))
      ->type_name("host|domain|prefix|any");
  app.add_option("--include", config.scope.include,
                 "Follow only URLs matching one of these RE2 patterns (repeatable)")
      ->allow_extra_args(false)
      ->type_name("REGEX");
  app.add_option("--exclude", config.scope.exclude,
                 "Never follow URLs matching this RE2 pattern (repeatable)")
      ->allow_extra_args(false)
      ->type_name("REGEX");
  app.add_option("--accept-ext", config.scope.accept_ext,
                 "Follow file links only with these extensions (pages always)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->type_name("EXT,...");
  app.add_option("--reject-ext", config.scope.reject_ext,
                 "Never follow links to files with these extensions")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->type_name("EXT,...");
  app.add_option("--max-depth", config.max_depth, "Links followed from a seed at most")
      ->capture_default_str()
      ->type_name("N")
      ->check(count_in(0, 1 << 30));
  app.add_option("-z,--duration", duration,
                 "Start no page after this long (30s, 2m, 500ms), then end cleanly")
      ->type_name("DURATION");
  app.add_option("--list-external", config.list_external,
                 "Write each out-of-scope link once to FILE, as URL<TAB>page")
      ->type_name("FILE");
  app.add_option("--max-pages", config.max_pages, "Stop after fetching N pages (default: no limit)")
      ->type_name("N")
      ->check(count_in(0, static_cast<uint64_t>(1) << 50));
  app.add_flag("--assets", config.assets,
               "Also fetch page assets: images, scripts, stylesheets, <source>");
  app.add_flag("--strip-query", config.strip_query, "Drop the query part of every URL");
  app.add_option("--drop-params", config.drop_params,
                 "Drop query parameters whose name matches (e.g. 'utm_.*')")
      ->type_name("REGEX");
  app.add_flag("--no-robots", no_robots, "Do not fetch or obey robots.txt");
  app.add_flag("--sitemaps", config.sitemaps, "Also take seeds from the seed hosts' sitemaps");
  app.add_flag("-j,--jsonl", config.json, "Print one JSON object per page (JSON Lines)");
  app.add_flag("--links", config.links,
               "With -j, list each page's links and their scope in its record");
  app.add_option("-w,--write-out", config.write_out,
                 "Print FORMAT for each page (curl's variables; @FILE reads it)")
      ->type_name("FORMAT");
  app.add_option("-o,--output-dir", config.output_dir,
                 "Mirror pages into DIR/HOST/PATH (index.html for '/')")
      ->type_name("DIR");
  app.add_flag("--convert-links", config.convert_links,
               "With -o: saved pages' links lead to the mirror's files (wget's -k)");
  app.add_option("--warc", config.warc,
                 "Archive every fetch in WARC/1.1 FILE (.warc.gz; appended to)")
      ->type_name("FILE");
  app.add_option("--state", config.state_dir,
                 "Keep the crawl's state in DIR: the same command run again resumes")
      ->type_name("DIR");
  // A crawl shared by many workers through Redis (core/crawl/frontier_redis.hpp).
  std::string lease;
  app.add_option("--frontier", config.frontier,
                 "Share the crawl with other workers in Redis (redis://HOST:PORT)")
      ->type_name("URL");
  app.add_option("--crawl-id", config.crawl_id, "Name of the shared crawl (with --frontier)")
      ->type_name("NAME");
  app.add_option("--worker-id", config.worker_id,
                 "This worker's name in --status (default: HOSTNAME:PID)")
      ->type_name("NAME");
  app.add_option("--lease", lease, "A dead worker's URLs are fetched by others after this (60s)")
      ->type_name("DURATION");
  app.add_flag("--status", config.status,
               "With --frontier: print the crawl's figures, fetch nothing");
  app.add_flag("-s,--silent", config.silent, "No progress, summary or error lines on stderr");
  app.add_flag("--stats", config.stats,
               "Print the summary line also when stderr is not a terminal");
  RequestArgs request_args;
  request_args.dns = &config.dns;
  add_request_options(app, config.request, request_args);
  auto configure = [&] {
    apply_request_options(config.request, request_args);
    if (!delay.empty()) {
      config.delay = parse_milliseconds(delay, "--delay");
    }
    config.robots = !no_robots;
    if (!duration.empty()) {
      config.run_for = parse_duration(duration, "--duration");
    }
    for (std::vector<std::string>* list : {&config.scope.accept_ext, &config.scope.reject_ext}) {
      for (std::string& ext : *list) {
        ext = ascii_lowercase(trim(ext, " ."));
        if (ext.empty()) {
          throw UsageError("--accept-ext/--reject-ext: empty extension");
        }
      }
    }
    if (config.links && !config.json) {
      throw UsageError("--links adds to the -j records: use it with -j");
    }
    if (!lease.empty()) {
      config.lease = parse_duration(lease, "--lease");
      if (config.lease.count() <= 0) {
        throw UsageError("--lease must be longer than 0");
      }
    }
    if (config.status && config.frontier.empty()) {
      throw UsageError("--status needs --frontier URL --crawl-id NAME");
    }
    if (config.convert_links && config.output_dir.empty()) {
      throw UsageError("--convert-links rewrites the -o mirror's pages: use it with -o DIR");
    }
    if (config.json && !config.write_out.empty()) {
      throw UsageError("-j and -w cannot be used together");
    }
    if (config.request.head) {
      throw UsageError("crawl: -I/--head fetches no body, so no links: not supported");
    }
  };
  return run_command(app, argc, argv, "greenfetch crawl", configure, [&] {
    return config.status ? crawl_status(config) : run_crawl(std::move(config));
  });
}

}  // namespace greenfetch::cli
