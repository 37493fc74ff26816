#include "cli/crawl_cli.hpp"

#include "core/base/ascii.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/command.hpp"
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
      "Output: one line per page (its URL); -j one JSON object per page; -w FORMAT as in "
      "fetch mode.\nExit status: 0 no page failed, 1 some failed, 2 usage error.\n"
      "See greenfetch(1).");
  app.add_option("seeds", config.seeds, "URLs to start from (before those of -i)");
  app.add_option("-i,--input", config.input_files,
                 "Read seed URLs from FILE, one per line ('-' for stdin)")
      ->allow_extra_args(false)
      ->type_name("FILE");
  app.add_option("-c,--concurrency", config.concurrency, "Requests in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--per-host", config.per_host, "Requests to one host at once (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--delay", delay,
                 "Minimum time between two request starts to one host, in seconds")
      ->type_name("SECONDS");
  std::map<std::string, ScopeKind> scopes{{"host", ScopeKind::host},
                                          {"domain", ScopeKind::domain},
                                          {"prefix", ScopeKind::prefix},
                                          {"any", ScopeKind::any}};
  app.add_option("--scope", config.scope.kind,
                 "Follow links to the seeds' host (default), registrable domain, path prefix, "
                 "or anywhere")
      ->transform(CLI::CheckedTransformer(scopes, CLI::ignore_case))
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
                 "Follow links to files only with these extensions (comma-separated; pages: "
                 "html, htm and paths without one, are still followed)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->type_name("EXT,...");
  app.add_option("--reject-ext", config.scope.reject_ext,
                 "Never follow links to files with these extensions (comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->type_name("EXT,...");
  app.add_option("--max-depth", config.max_depth, "Links followed from a seed at most")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 30));
  app.add_option("-z,--duration", duration,
                 "Start no page after this long (30s, 2m, 500ms), then end cleanly")
      ->type_name("DURATION");
  app.add_option("--list-external", config.list_external,
                 "Write each out-of-scope link once to FILE, as URL<TAB>the page linking it")
      ->type_name("FILE");
  app.add_option("--max-pages", config.max_pages,
                 "Stop after fetching this many pages (0: no limit)")
      ->check(CLI::Range(static_cast<uint64_t>(0), static_cast<uint64_t>(1) << 50));
  app.add_flag("--assets", config.assets,
               "Also fetch page assets: images, scripts, stylesheets, <source>");
  app.add_flag("--strip-query", config.strip_query, "Drop the query part of every URL");
  app.add_option("--drop-params", config.drop_params,
                 "Drop query parameters whose name fully matches this RE2 pattern (e.g. "
                 "'utm_.*')")
      ->type_name("REGEX");
  app.add_flag("--no-robots", no_robots, "Do not fetch or obey robots.txt");
  app.add_flag("--sitemaps", config.sitemaps,
               "Also take seeds from the seed hosts' sitemaps: those named by Sitemap: lines in "
               "robots.txt and /sitemap.xml (plain or gzip, sitemap indexes followed)");
  app.add_flag("-j,--json", config.json, "Print one JSON object per page (JSON Lines)");
  app.add_option("-w,--write-out", config.write_out,
                 "Print FORMAT for each page (curl's variables; @FILE reads it from a file)")
      ->type_name("FORMAT");
  app.add_option("-o,--output-dir", config.output_dir,
                 "Mirror pages into DIR/HOST/PATH (index.html for a path ending in '/')")
      ->type_name("DIR");
  app.add_option("--warc", config.warc,
                 "Archive every fetch in this WARC/1.1 file (gzip members; appended to)")
      ->type_name("FILE.warc.gz");
  app.add_option("--state", config.state_dir,
                 "Keep the frontier and seen URLs in DIR/state.sqlite: a killed crawl run again "
                 "with the same command resumes")
      ->type_name("DIR");
  app.add_flag("-s,--silent", config.silent, "No error lines on stderr");
  app.add_flag("--stats", config.stats, "Print a summary line on stderr at the end");
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
    if (config.json && !config.write_out.empty()) {
      throw UsageError("-j and -w cannot be used together");
    }
    if (config.request.head) {
      throw UsageError("crawl: -I/--head fetches no body, so no links: not supported");
    }
  };
  return run_command(app, argc, argv, "greenfetch crawl", configure,
                     [&] { return run_crawl(std::move(config)); });
}

}  // namespace greenfetch::cli
