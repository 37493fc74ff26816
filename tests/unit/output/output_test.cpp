#include "core/output/output.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "core/engine/unique_fd.hpp"

using namespace greenfetch;

TEST_CASE("write_all") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  UniqueFd r(fds[0]);
  UniqueFd w(fds[1]);

  SUBCASE("writes everything and says so") {
    CHECK(write_all(w.get(), "hello\n"));
    char buf[16] = {};
    CHECK(::read(r.get(), buf, sizeof buf) == 6);
    CHECK(std::string(buf) == "hello\n");
  }
  SUBCASE("a refused write is false, with errno") {
    auto old = std::signal(SIGPIPE, SIG_IGN);
    r.reset();  // nobody reads: EPIPE
    errno = 0;
    CHECK_FALSE(write_all(w.get(), "lost"));
    CHECK(errno == EPIPE);
    std::signal(SIGPIPE, old);
  }
}

TEST_CASE("greenfetch::Output") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  UniqueFd r(fds[0]);
  UniqueFd w(fds[1]);

  SUBCASE("a full pipe: try_flush keeps the rest and never blocks") {
    Output out(w.get());
    REQUIRE(out.wait_fd() >= 0);  // its own non-blocking description of the pipe
    std::string big(1 << 20, 'x');
    out.append(big);
    CHECK_FALSE(out.try_flush());  // a pipe holds 64 KiB
    CHECK(out.buffered() > 0);
    CHECK(out.buffered() < big.size());
    CHECK_FALSE(out.broken());
    std::string got(big.size(), '\0');
    std::size_t have = 0;
    for (int i = 0; i < 1000 && have < big.size(); ++i) {
      ssize_t n = ::read(r.get(), got.data() + have, got.size() - have);
      REQUIRE(n > 0);
      have += static_cast<std::size_t>(n);
      out.try_flush();
    }
    CHECK(have == big.size());
    CHECK(out.buffered() == 0);
  }
  SUBCASE("a write error is remembered with its errno") {
    UniqueFd full(::open("/dev/full", O_WRONLY | O_CLOEXEC));
    REQUIRE(full.valid());
    Output out(full.get());
    out.write("x");
    out.flush();
    CHECK(out.broken());
    CHECK(out.error() == ENOSPC);
  }
}
