#include "cli/command.hpp"

#include <cstdio>
#include <memory>

#include "cli/help_formatter.hpp"
#include "cli/version.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch::cli {

namespace {

std::function<void(const CLI::App&)>& table_sink() {
  static std::function<void(const CLI::App&)> sink;
  return sink;
}

// "greenfetch crawl" -> "greenfetch crawl --help": where the reader finds the options.
std::string see_help(const std::string& prefix) {
  return "(see " + prefix + " --help)";
}

// One line for a CLI11 parse error, in greenfetch's words.
std::string parse_error_line(const CLI::App& app, const CLI::ParseError& e,
                             const std::string& prefix) {
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    for (const std::string& arg : app.remaining()) {
      if (arg.size() > 1 && arg.front() == '-') {
        std::string name = arg.substr(0, arg.find('='));
        return "greenfetch: unknown option " + name + " " + see_help(prefix);
      }
    }
    std::string extra = app.remaining().empty() ? std::string() : app.remaining().front();
    return "greenfetch: unexpected argument '" + extra + "' " + see_help(prefix);
  }
  std::string what = e.what();
  // CLI11's ArgumentMismatch for a missing value: "--concurrency: 1 required UINT missing".
  std::size_t colon = what.find(": ");
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr && colon != std::string::npos &&
      what.find(" required ") != std::string::npos) {
    return "greenfetch: " + what.substr(0, colon) + " needs a value " + see_help(prefix);
  }
  return "greenfetch: " + what + " " + see_help(prefix);
}

}  // namespace

void set_option_table_sink(std::function<void(const CLI::App&)> sink) {
  table_sink() = std::move(sink);
}

int run_command(CLI::App& app, int argc, char** argv, const std::string& prefix,
                const std::function<void()>& configure, const std::function<int()>& run) {
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.set_version_flag(
      "-V,--version", [] { return version_text(); },
      "Print the versions of greenfetch and its libraries, then exit");
  if (table_sink()) {
    table_sink()(app);
    return 0;
  }
  try {
    try {
      app.parse(argc, argv);
      configure();
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) {
        return app.exit(e);  // --help, --version: printed on stdout
      }
      std::fprintf(stderr, "%s\n", parse_error_line(app, e, prefix).c_str());
      return k_usage_error;
    }
    return run();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s\n", prefix.c_str(), e.what());
    return k_usage_error;
  }
}

}  // namespace greenfetch::cli
