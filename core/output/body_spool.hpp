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

  // Keeps data after what is there; false (see error()) when the temporary file failed.
  bool append(std::string_view data);
  // Hands everything kept to `out` in order, in pieces of at most 64 KiB, then clears. Stops
  // and returns false when `out` does (or when reading the file back fails: see error()).
  bool drain(const std::function<bool(std::string_view)>& out);
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
