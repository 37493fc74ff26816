// Fetch mode (the default command): fetch every URL of the input through a green pool and
// emit bodies, -w lines or JSON records in input order (or as they finish).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/http/request.hpp"

namespace greenfetch {

struct FetchConfig {
  std::vector<std::string> urls;          // from the command line, fetched first
  std::vector<std::string> input_files;   // -i FILE ("-": stdin), read as streams
  std::vector<std::string> config_files;  // -K FILE: their url entries come after urls
  bool glob = true;                       // expand curl's globs in urls (-g turns it off)
  std::size_t concurrency = 50;           // -c: size of the green pool
  std::size_t per_host = 0;               // --per-host: requests to one host at once; 0: no cap but -c
  bool unordered = false;                 // --unordered: emit as transfers finish
  std::string write_out;                  // -w FORMAT; empty: print bodies
  bool json = false;                      // -j: one JSON object per URL
  bool json_body = false;                 // --body: bodies inside the JSON records
  bool silent = false;                    // -s: no progress line, no error lines
  bool show_error = false;                // -S: error lines even with -s
  bool stats = false;                     // --stats: a closing summary on stderr
  std::vector<std::string> output_files;  // -o FILE: the n-th one for the n-th URL ("-": stdout)
  bool remote_name = false;               // -O: the other URLs' bodies into files named after them
  std::string output_dir;                 // --output-dir DIR: where -O (and a relative -o) write
  bool create_dirs = false;               // --create-dirs: make missing folders
  std::string dump_header;                // -D FILE: every response head there ("-": stdout)
  std::size_t spool_memory = 8 * 1024 * 1024;  // bodies waiting their turn: memory, then a file
  bool progress = true;                        // the live line on stderr, when it is a terminal
  RequestOptions request;
  ResolverOptions dns;
};

// Runs fetch mode; returns the exit status (0 all fetched, 1 some failed, 2 usage error,
// 23 stdout could not be written, as curl's "Failure writing output to destination").
// Throws UsageError for bad configuration detected before any transfer starts.
int run_fetch(FetchConfig config, int out_fd = 1, int err_fd = 2);

}  // namespace greenfetch
