// The file descriptor budget of a run (RLIMIT_NOFILE). Every transfer in flight holds a socket,
// so `-c 500` under a soft limit of 64 (`ulimit -n 64`, a common default is 1024) would make
// most connects fail with EMFILE. Each mode calls fit_concurrency() at its start: it raises the
// soft limit to the hard limit, and when even that is too small for the requested concurrency,
// lowers the concurrency to what fits, with one warning naming the limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace greenfetch {

// Descriptors a run needs besides the transfers' sockets: the reactor's epoll, timerfd and
// signalfd, c-ares's sockets, a file being written by -o, the crawl state (SQLite's database,
// WAL, shared memory and lock) and WARC, libcurl's internals, with room to spare.
inline constexpr std::size_t k_fd_reserve = 32;

struct FdLimit {
  uint64_t soft = 0;  // the limit in force (after raise_fd_limit())
  uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (no-op when already there; a failure leaves
// the limit as it was). Returns the limits in force afterwards.
FdLimit raise_fd_limit();

// Descriptors open in this process now (counted in /proc/self/fd; 3 when that is unreadable).
std::size_t open_fd_count();

// The concurrency that fits `limit` descriptors when `open` are already in use and each
// transfer needs `per_transfer` (its socket, plus the file it writes with -o or --output-dir,
// plus crawl's page spool): `wanted` when it fits, else
// (limit - open - k_fd_reserve) / per_transfer (at least 1).
std::size_t fitting_concurrency(std::size_t wanted, uint64_t limit, std::size_t open,
                                std::size_t per_transfer = 1);

// For a mode's start: raise_fd_limit(), then fitting_concurrency() for the descriptors open now.
// When the concurrency has to be lowered, writes one line to warn_fd ("greenfetch: -c 500
// needs about 532 file descriptors, but the limit (ulimit -n) is 64: running 29 at a time").
// `option` names the option in that line ("-c").
std::size_t fit_concurrency(std::size_t wanted, int warn_fd, const std::string& option = "-c",
                            std::size_t per_transfer = 1);

}  // namespace greenfetch
