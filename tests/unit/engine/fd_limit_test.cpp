#include "core/engine/fd_limit.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "core/engine/unique_fd.hpp"

using namespace greenfetch;

namespace {

// Restores RLIMIT_NOFILE as it was when the test started.
class SavedLimit {
 public:
  SavedLimit() { REQUIRE(::getrlimit(RLIMIT_NOFILE, &m_saved) == 0); }
  ~SavedLimit() { ::setrlimit(RLIMIT_NOFILE, &m_saved); }
  const rlimit& saved() const { return m_saved; }

 private:
  rlimit m_saved{};
};

// The text written to a pipe by f(write_fd).
template <typename F>
std::string captured(F&& f) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
  UniqueFd r(fds[0]);
  UniqueFd w(fds[1]);
  f(w.get());
  char buf[4096];
  ssize_t n = ::read(r.get(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

TEST_CASE("greenfetch::fitting_concurrency") {
  SUBCASE("what fits is kept") {
    CHECK(fitting_concurrency(500, 20000, 5) == 500);
    CHECK(fitting_concurrency(500, 500 + 5 + k_fd_reserve, 5) == 500);
  }
  SUBCASE("what does not fit is lowered to the limit less the reserve and what is open") {
    CHECK(fitting_concurrency(500, 64, 4) == 64 - 4 - k_fd_reserve);
    CHECK(fitting_concurrency(500, 499 + 5 + k_fd_reserve, 5) == 499);
  }
  SUBCASE("transfers that write files count two descriptors each") {
    CHECK(fitting_concurrency(100, 200 + 5 + k_fd_reserve, 5, 2) == 100);
    CHECK(fitting_concurrency(500, 64, 5, 2) == (64 - 5 - k_fd_reserve) / 2);
    CHECK(fitting_concurrency(500, 20, 5, 3) == 1);
  }
  SUBCASE("never below one") {
    CHECK(fitting_concurrency(500, 16, 4) == 1);
    CHECK(fitting_concurrency(1, 0, 100) == 1);
  }
}

TEST_CASE("greenfetch::raise_fd_limit") {
  SavedLimit saved;
  rlim_t hard = saved.saved().rlim_max;
  if (hard == RLIM_INFINITY || hard < 128) {
    return;  // nothing sensible to lower the soft limit to
  }
  SUBCASE("the soft limit is raised to the hard one") {
    rlimit low{64, hard};
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    FdLimit got = raise_fd_limit();
    CHECK(got.soft == hard);
    CHECK(got.hard == hard);
    rlimit now{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &now) == 0);
    CHECK(now.rlim_cur == hard);
  }
  SUBCASE("fit_concurrency keeps -c when the raised limit allows it, silently") {
    rlimit low{64, hard};
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::size_t fitted = 0;
    std::string warning = captured([&](int fd) { fitted = fit_concurrency(60, fd); });
    CHECK(fitted == 60);
    CHECK(warning.empty());
  }
}

TEST_CASE("greenfetch::fit_concurrency") {
  SavedLimit saved;
  std::size_t open = open_fd_count();
  REQUIRE(open >= 3);
  // A hard limit lowered in this process cannot be raised again without privileges, so the
  // hard-limit case runs in a child.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rlimit low{64, 64};
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) {
      ::_exit(10);
    }
    std::size_t fitted = 0;
    std::size_t open_then = 0;
    std::string warning = captured([&](int fd) {
      open_then = open_fd_count();
      fitted = fit_concurrency(500, fd, "-c");
    });
    std::size_t want = 64 - open_then - k_fd_reserve;
    bool ok = fitted == want && warning.find("greenfetch: -c 500 needs about ") == 0 &&
              warning.find("the limit (ulimit -n) is 64: running " + std::to_string(want) +
                           " at a time\n") != std::string::npos;
    ::_exit(ok ? 0 : 11);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("greenfetch::open_fd_count") {
  std::size_t before = open_fd_count();
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  CHECK(open_fd_count() == before + 1);
}
