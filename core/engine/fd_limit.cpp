#include "core/engine/fd_limit.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

namespace greenfetch {

FdLimit raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return {};
  }
  if (lim.rlim_cur != lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim = raised;
    }
  }
  auto value = [](rlim_t v) { return v == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(v); };
  return {value(lim.rlim_cur), value(lim.rlim_max)};
}

std::size_t open_fd_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    return 3;
  }
  std::size_t count = 0;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') {
      ++count;
    }
  }
  ::closedir(dir);
  return count > 0 ? count - 1 : 0;  // the directory's own descriptor is not the run's
}

std::size_t fitting_concurrency(std::size_t wanted, uint64_t limit, std::size_t open,
                                std::size_t per_transfer) {
  uint64_t per = std::max<std::size_t>(per_transfer, 1);
  uint64_t needed = static_cast<uint64_t>(wanted) * per + open + k_fd_reserve;
  if (limit >= needed) {
    return wanted;
  }
  uint64_t spare = limit > open + k_fd_reserve ? limit - open - k_fd_reserve : 0;
  return static_cast<std::size_t>(std::max<uint64_t>(spare / per, 1));
}

std::size_t fit_concurrency(std::size_t wanted, int warn_fd, const std::string& option,
                            std::size_t per_transfer) {
  FdLimit lim = raise_fd_limit();
  if (lim.soft == 0) {
    return wanted;  // the limit is unknown: nothing to fit to
  }
  std::size_t open = open_fd_count();
  std::size_t fitted = fitting_concurrency(wanted, lim.soft, open, per_transfer);
  if (fitted < wanted) {
    std::string line = fmt::format(
        "greenfetch: {} {} needs about {} file descriptors, but the limit (ulimit -n) is {}: "
        "running {} at a time\n",
        option, wanted, wanted * std::max<std::size_t>(per_transfer, 1) + open + k_fd_reserve,
        lim.soft, fitted);
    ssize_t ignored = ::write(warn_fd, line.data(), line.size());
    (void)ignored;
  }
  return fitted;
}

}  // namespace greenfetch
