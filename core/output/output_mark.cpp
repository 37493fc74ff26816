#include "core/output/output_mark.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/engine/unique_fd.hpp"

namespace greenfetch {

namespace {

[[noreturn]] void fail(const std::string& what, const char* doing) {
  throw std::runtime_error(what + ": " + doing + ": " + std::strerror(errno));
}

bool is_marked_file(const struct stat& st, const OutputMark& mark) {
  return S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_dev) == mark.device &&
         static_cast<std::uint64_t>(st.st_ino) == mark.inode;
}

}  // namespace

std::optional<OutputMark> mark_output(int fd, const std::string& what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    fail(what, "cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  return OutputMark{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                    static_cast<std::uint64_t>(st.st_size)};
}

std::uint64_t cut_to_mark(int fd, const OutputMark& mark, const std::string& what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    fail(what, "cannot stat");
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (!is_marked_file(st, mark) || size <= mark.end) {
    return 0;
  }
  auto end = static_cast<off_t>(mark.end);
  if (::ftruncate(fd, end) != 0) {
    fail(what, "cannot cut back to the last saved state");
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_APPEND) == 0 && ::lseek(fd, 0, SEEK_CUR) > end &&
      ::lseek(fd, end, SEEK_SET) < 0) {
    fail(what, "cannot seek");
  }
  return size - mark.end;
}

std::uint64_t cut_to_mark(const std::string& path, const OutputMark& mark) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return 0;
    }
    fail(path, "cannot open");
  }
  return cut_to_mark(fd.get(), mark, path);
}

}  // namespace greenfetch
