#include "core/input/line_count.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/engine/unique_fd.hpp"

namespace greenfetch {

namespace {

std::optional<uint64_t> count_fd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  uint64_t count = 0;
  char first = 0;  // the line's first character that is not blank (0: none yet)
  auto finish_line = [&] {
    if (first != 0 && first != '#') {
      ++count;
    }
    first = 0;
  };
  char buf[65536];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return std::nullopt;
    }
    if (n == 0) {
      break;
    }
    offset += n;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        finish_line();
      } else if (first == 0 && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r') {
        first = buf[i];
      }
    }
  }
  finish_line();
  return count;
}

}  // namespace

std::optional<uint64_t> count_url_lines(const std::vector<std::string>& files) {
  uint64_t total = 0;
  for (const std::string& path : files) {
    std::optional<uint64_t> n;
    if (path == "-") {
      n = count_fd(STDIN_FILENO);
    } else {
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) {
        return std::nullopt;
      }
      n = count_fd(fd.get());
    }
    if (!n) {
      return std::nullopt;
    }
    total += *n;
  }
  return total;
}

}  // namespace greenfetch
