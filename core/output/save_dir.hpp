// -O/--output-dir: each body in its own file named after the URL's path. Names are made safe
// (no '/', no "..": a file is never written outside the folder) and unique (an existing file
// is never overwritten: "name", "name.1", "name.2", ..., as curl's --no-clobber). Each file is
// a FileOutput: it appears under its name only when complete.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/engine/unique_fd.hpp"
#include "core/output/file_output.hpp"

namespace greenfetch {

// Creates the folder if it does not exist and opens it (files are then created relative to
// it); throws UsageError naming it if it cannot. Also the root of crawl's mirror.
UniqueFd open_output_folder(const std::string& dir);
// --create-dirs: creates dir and the folders above it that are missing (mkdir -p); throws
// UsageError naming the one that cannot be made.
void create_dirs(const std::string& dir);

class SaveDir {
 public:
  // Opens the folder ("" or ".": the current one); throws UsageError naming it if it cannot.
  // create: make it (and its parents) when missing (--create-dirs); otherwise it must exist,
  // as with curl's --output-dir.
  SaveDir(const std::string& dir, bool create);

  // The file a URL's body goes to (its name made unique at commit()).
  std::unique_ptr<FileOutput> open(const std::string& url) const;

  // The file name a URL maps to, before it is made unique.
  static std::string file_name(const std::string& url);

 private:
  std::string m_dir;
  UniqueFd m_dirfd;
};

}  // namespace greenfetch
