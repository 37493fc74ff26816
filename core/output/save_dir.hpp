// -o/--output-dir: each body in its own file named after the URL's path. Names are made safe
// (no '/', no "..": a file is never written outside the folder) and unique (an existing file
// is never overwritten: "name", "name.1", "name.2", ...).
#pragma once

#include <string>
#include <string_view>

#include "core/engine/unique_fd.hpp"

namespace greenfetch {

// Creates the folder if it does not exist and opens it (files are then created relative to
// it); throws UsageError naming it if it cannot. Also the root of crawl's mirror.
UniqueFd open_output_folder(const std::string& dir);

class SaveDir {
 public:
  // Creates the folder if it does not exist; throws UsageError naming it if it cannot.
  explicit SaveDir(const std::string& dir);

  // Writes body to a new file; returns its path (DIR/NAME), or throws std::runtime_error.
  std::string save(const std::string& url, std::string_view body);

  // The file name a URL maps to, before it is made unique.
  static std::string file_name(const std::string& url);

 private:
  std::string m_dir;
  UniqueFd m_dirfd;
};

}  // namespace greenfetch
