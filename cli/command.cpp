#include "cli/command.hpp"

#include <cstdio>

#include "core/input/url_source.hpp"

namespace greenfetch::cli {

int run_command(CLI::App& app, int argc, char** argv, const std::string& prefix,
                const std::function<void()>& configure, const std::function<int()>& run) {
  try {
    try {
      app.parse(argc, argv);
      configure();
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? 0 : k_usage_error;
    }
    return run();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s\n", prefix.c_str(), e.what());
    return k_usage_error;
  }
}

}  // namespace greenfetch::cli
