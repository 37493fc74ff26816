#include "cli/crawl_cli.hpp"

#include <cstdio>

namespace greenfetch::cli {

int crawl_main(int /*argc*/, char** /*argv*/) {
  std::fprintf(stderr, "greenfetch crawl: not implemented yet\n");
  return 2;
}

}  // namespace greenfetch::cli
