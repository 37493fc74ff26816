// `greenfetch bench`: the command line of bench mode.
#pragma once

namespace greenfetch::cli {

// argv[0] is "bench"; returns the exit status.
int bench_main(int argc, char** argv);

}  // namespace greenfetch::cli
