#include "cli/command.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/input/url_source.hpp"

using namespace greenfetch;
using namespace greenfetch::cli;

namespace {

// Runs run_command over these arguments with an app that has one option, --n.
struct Outcome {
  int status = -1;
  bool configured = false;
  bool ran = false;
  int n = 0;
};

Outcome run_with(std::vector<std::string> args, bool configure_fails = false,
                 bool run_fails = false) {
  Outcome o;
  CLI::App app{"test"};
  app.add_option("--n", o.n);
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  o.status = run_command(
      app, static_cast<int>(argv.size()), argv.data(), "test",
      [&] {
        o.configured = true;
        if (configure_fails) {
          throw UsageError("bad combination");
        }
      },
      [&] {
        o.ran = true;
        if (run_fails) {
          throw UsageError("cannot open input");
        }
        return o.n;
      });
  return o;
}

}  // namespace

TEST_CASE("cli::run_command") {
  SUBCASE("parse, configure, run: the run's result is the exit status") {
    Outcome o = run_with({"--n", "7"});
    CHECK(o.configured);
    CHECK(o.ran);
    CHECK(o.status == 7);
  }
  SUBCASE("an unknown option is a usage error; nothing is configured or run") {
    Outcome o = run_with({"--nope"});
    CHECK(o.status == k_usage_error);
    CHECK_FALSE(o.configured);
    CHECK_FALSE(o.ran);
  }
  SUBCASE("--help exits 0 without running") {
    Outcome o = run_with({"--help"});
    CHECK(o.status == 0);
    CHECK_FALSE(o.ran);
  }
  SUBCASE("a UsageError while configuring or running is exit 2") {
    Outcome bad = run_with({}, /*configure_fails=*/true);
    CHECK(bad.status == k_usage_error);
    CHECK_FALSE(bad.ran);
    CHECK(run_with({}, false, /*run_fails=*/true).status == k_usage_error);
  }
}
