// `greenfetch crawl`: the command line of crawl mode.
#pragma once

namespace greenfetch::cli {

// argv[0] is "crawl"; returns the exit status (0 every page fetched, 1 some failed, 2 usage).
int crawl_main(int argc, char** argv);

}  // namespace greenfetch::cli
