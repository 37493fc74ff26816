// Where an output file ended when the crawl state was last committed, and cutting off what a
// killed process wrote after that.
//
// `crawl --state` writes a page's record (stdout, --warc) and then marks the page done in the
// same SQLite commit that stores each output's mark. A kill -9 between the write and the
// commit leaves records whose pages are not done, so the next run fetches them again; cutting
// each output back to its mark first keeps every page in the file exactly once. Only regular
// files have marks (a pipe or a terminal cannot be cut), and a mark applies only to the file
// it was taken from (same device and inode): output sent to another file is left alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace greenfetch {

struct OutputMark {
  std::uint64_t device = 0;  // st_dev of the file
  std::uint64_t inode = 0;   // st_ino of the file
  std::uint64_t end = 0;     // its size when the mark was taken
};

// The mark of an open fd: nullopt unless it is a regular file. Throws std::runtime_error
// naming `what` when fstat fails.
std::optional<OutputMark> mark_output(int fd, const std::string& what);

// Cuts the file open as fd back to mark.end when it is the marked file and longer than that;
// a fd not opened for appending is also moved back to the new end. Returns the bytes cut (0
// when nothing was). Throws std::runtime_error naming `what` when the file cannot be cut.
std::uint64_t cut_to_mark(int fd, const OutputMark& mark, const std::string& what);

// The same for a file named by path (not open yet); a missing file has nothing to cut.
std::uint64_t cut_to_mark(const std::string& path, const OutputMark& mark);

}  // namespace greenfetch
