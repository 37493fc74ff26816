#include "core/http/poll_shortcut.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "core/dns/resolver.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/unique_fd.hpp"
#include "core/http/client.hpp"
#include "tests/unit/fixtures.hpp"

using namespace greenfetch;

namespace {

struct Quiet final : FdHandler {
  void on_fd_events(int /*fd*/, uint32_t /*events*/) override {}
};

// An HTTP/1.1 server that answers each connection's first request with a keep-alive response
// and then closes the connection anyway: the client's next request on it meets a dead socket.
// Serves at most `connections` connections, for at most 10 s, and stops when destroyed.
class ClosingServer {
 public:
  explicit ClosingServer(int connections) {
    m_listen.reset(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_listen.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(m_listen.get(), 16);
    socklen_t len = sizeof a;
    ::getsockname(m_listen.get(), reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
    m_thread = std::thread([this, connections] { serve(connections); });
  }
  ~ClosingServer() {
    m_stop = true;
    m_thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/"; }
  int served() const { return m_served; }

 private:
  void serve(int connections) {
    int accepted = 0;
    for (int wait = 0; wait < 100 && accepted < connections && !m_stop; ++wait) {
      pollfd p{m_listen.get(), POLLIN, 0};
      timespec tenth{0, 100'000'000};
      if (::ppoll(&p, 1, &tenth, nullptr) <= 0) {  // ppoll: not the shortcut under test
        continue;
      }
      ++accepted;
      UniqueFd c(::accept(m_listen.get(), nullptr, nullptr));
      std::string request;
      char buf[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c.get(), buf, sizeof buf);
        if (n <= 0) {
          break;
        }
        request.append(buf, static_cast<std::size_t>(n));
      }
      if (request.empty()) {
        continue;  // a client's probe
      }
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      [[maybe_unused]] ssize_t w = ::write(c.get(), reply.data(), reply.size());
      ++m_served;
    }  // closed after one answer, though the answer promised to keep it open
  }

  UniqueFd m_listen;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_served{0};
  std::thread m_thread;
};

int real_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  timespec zero{};
  return ::ppoll(&p, 1, &zero, nullptr);
}

}  // namespace

TEST_CASE("poll shortcut") {
  Reactor reactor;
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  UniqueFd mine(sv[0]);
  UniqueFd theirs(sv[1]);
  Quiet handler;

  SUBCASE("a watched quiet socket is answered without a system call") {
    reactor.watch(mine.get(), EPOLLIN, &handler);
    pollfd p{mine.get(), POLLIN | POLLPRI, 0};
    uint64_t before = poll_shortcut_count();
    // Registered after the last epoll_wait: not vouched for yet.
    CHECK(::poll(&p, 1, 0) == 0);
    CHECK(poll_shortcut_count() == before);
    reactor.run_once(false);
    CHECK(::poll(&p, 1, 0) == 0);
    CHECK(poll_shortcut_count() == before + 1);
    reactor.unwatch(mine.get());
  }

  SUBCASE("data the last turn reported is never hidden") {
    reactor.watch(mine.get(), EPOLLIN, &handler);
    REQUIRE(::write(theirs.get(), "x", 1) == 1);
    reactor.run_once(false);  // reported; the handler leaves it unread
    pollfd p{mine.get(), POLLIN, 0};
    reactor.run_once(false);  // reported again (level-triggered)
    // After the turn the handler has had it; the loop vouches again only from the next
    // epoll_wait on, which reports it again: the socket is readable for a real poll().
    CHECK(real_readable(mine.get()) == 1);
    reactor.unwatch(mine.get());
    // Not watched: the system answers, and sees the byte.
    CHECK(::poll(&p, 1, 0) == 1);
    CHECK((p.revents & POLLIN) != 0);
  }

  SUBCASE("other questions go to the system") {
    reactor.watch(mine.get(), EPOLLIN, &handler);
    reactor.run_once(false);
    uint64_t before = poll_shortcut_count();
    pollfd out{mine.get(), POLLOUT, 0};
    CHECK(::poll(&out, 1, 0) == 1);  // writable: asked the kernel
    pollfd two[2] = {{mine.get(), POLLIN, 0}, {theirs.get(), POLLIN, 0}};
    CHECK(::poll(two, 2, 0) == 0);
    pollfd waiting{mine.get(), POLLIN, 0};
    CHECK(::poll(&waiting, 1, 1) == 0);  // a timeout: a real wait
    set_poll_shortcut(false);
    CHECK(::poll(&waiting, 1, 0) == 0);
    set_poll_shortcut(true);
    CHECK(poll_shortcut_count() == before);
    reactor.unwatch(mine.get());
  }

  SUBCASE("a forgotten fd is not vouched for") {
    reactor.watch(mine.get(), EPOLLIN, &handler);
    reactor.run_once(false);
    CHECK(reactor.knows_quiet(mine.get()));
    reactor.unwatch(mine.get(), /*keep_registered=*/true);
    CHECK(reactor.knows_quiet(mine.get()));  // still in epoll for EPOLLIN
    reactor.forget(mine.get());
    CHECK_FALSE(reactor.knows_quiet(mine.get()));
  }
}

TEST_CASE("poll shortcut with libcurl") {
  Reactor reactor;
  Resolver resolver({}, reactor);

  SUBCASE("libcurl's polls on a kept-alive connection are answered") {
    test::HttpFixture http;
    HttpClient client(resolver, {}, {}, reactor);
    REQUIRE(client.fetch(http.url("/text/first")).ok());
    uint64_t before = poll_shortcut_count();
    long port = 0;
    for (int i = 0; i < 20; ++i) {
      Response r = client.fetch(http.url("/text/again"));
      REQUIRE(r.ok());
      CHECK((port == 0 || r.local_port == port));  // one connection throughout
      port = r.local_port;
    }
    // Two per reuse (alive? answered yet?), unless a turn could not vouch for the socket.
    CHECK(poll_shortcut_count() - before >= 20);
  }

  SUBCASE("a connection the server closed after answering is replaced, not an error") {
    ClosingServer server(6);
    HttpClient client(resolver, {}, {}, reactor);
    for (int i = 0; i < 3; ++i) {
      Response r = client.fetch(server.url());
      CHECK(r.error == Error::none);
      CHECK(r.body == "ok");
    }
    CHECK(server.served() == 3);
  }
}
