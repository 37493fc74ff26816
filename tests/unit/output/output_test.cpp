#include "core/output/output.hpp"

#include <doctest/doctest.h>
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
