// A body kept for later: in ordered mode, the bodies of URLs that finish behind a slower one
// wait for their turn here. In memory while the run's budget allows, then in an unlinked
// temporary file in $TMPDIR (or /tmp), as sort(1) does: memory stays bounded however large
// the bodies, and nothing is left on disk whatever happens to the process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/engine/unique_fd.hpp"

namespace greenfetch {

// The memory all spools of a run may hold together.
struct SpoolBudget {
  std::size_t limit = 16 * 1024 * 1024;  // documented in the man page (ORDER AND MEMORY)
  std::size_t used = 0;
};

class BodySpool {
 public:
  explicit BodySpool(SpoolBudget& budget) : m_budget(&budget) {}
  ~BodySpool() { clear(); }
  BodySpool(const BodySpool&) = delete;
  BodySpool& operator=(const BodySpool&) = delete;
  // Moves what is kept (its memory stays counted in the same budget).
  BodySpool(BodySpool&& other) noexcept;
  BodySpool& operator=(BodySpool&&) = delete;

  // Keeps data after what is there; false (see error()) when the temporary file failed.
  bool append(std::string_view data);
  // Hands everything kept to `out` in order, in pieces of at most 64 KiB, then clears. Stops
  // and returns false when `out` does (or when reading the file back fails: see error()).
  bool drain(const std::function<bool(std::string_view)>& out);
  // As drain(), but keeps everything: it can be read again (crawl reads a page twice).
  bool each(const std::function<bool(std::string_view)>& out);
  // Hands everything kept to the file descriptor `fd` (the file part with copy_file_range
  // when fd is a regular file, else in pieces); false with errno set when writing failed, or
  // (see error()) when reading the temporary file back failed. Keeps everything.
  bool copy_to(int fd);
  void clear();
  bool empty() const { return size() == 0; }
  uint64_t size() const { return m_memory.size() + m_file_size; }
  bool spilled() const { return m_file.valid(); }
  const std::string& error() const { return m_error; }

 private:
  bool open_file();

  SpoolBudget* m_budget;
  std::string m_memory;  // the first part, counted in the budget
  UniqueFd m_file;       // the rest, once the budget is spent
  uint64_t m_file_size = 0;
  std::string m_error;
};

}  // namespace greenfetch
