// The command line: turns arguments into a configuration and calls core/.
#pragma once

namespace greenfetch::cli {

// Runs greenfetch with these arguments; returns the process exit status.
int run(int argc, char** argv);

}  // namespace greenfetch::cli
