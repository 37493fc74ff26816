#include "core/dns/sockets.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <string>

#include "core/engine/unique_fd.hpp"

using namespace greenfetch;

namespace {

// A UDP socket bound to a free loopback port: the "server" the batched socket talks to.
struct UdpPeer {
  UniqueFd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)};
  sockaddr_in addr{};
  UdpPeer() {
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  }
  // Reads what arrived (bounded), answering each datagram with "re:" + it.
  int echo_all() {
    int n = 0;
    char buf[512];
    sockaddr_in from{};
    for (int i = 0; i < 1000; ++i) {
      socklen_t len = sizeof from;
      ssize_t got =
          ::recvfrom(fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (got < 0) {
        break;
      }
      std::string reply = "re:" + std::string(buf, static_cast<std::size_t>(got));
      ::sendto(fd.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      ++n;
    }
    return n;
  }
};

ares_ssize_t send_text(DnsSockets& s, int fd, const std::string& a, const std::string& b) {
  iovec iov[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
  return s.send(fd, iov, 2);
}

}  // namespace

TEST_CASE("DnsSockets") {
  DnsSockets sockets(1 << 16);
  const ares_socket_functions* f = DnsSockets::functions();
  UdpPeer peer;
  int fd = f->asocket(AF_INET, SOCK_DGRAM, 0, &sockets);
  REQUIRE(fd >= 0);
  REQUIRE(f->aconnect(fd, reinterpret_cast<sockaddr*>(&peer.addr), sizeof peer.addr, &sockets) ==
          0);

  SUBCASE("datagrams wait for flush() and then leave in one call") {
    for (int i = 0; i < 10; ++i) {
      CHECK(send_text(sockets, fd, "q", std::to_string(i)) == 2);
    }
    CHECK(sockets.has_queued());
    CHECK(peer.echo_all() == 0);  // nothing sent yet
    CHECK(sockets.flush().empty());
    CHECK_FALSE(sockets.has_queued());
    CHECK(sockets.send_calls() == 1);
    CHECK(sockets.datagrams_sent() == 10);
    CHECK(peer.echo_all() == 10);
  }

  SUBCASE("answers are read in batches, each one whole, with its sender") {
    for (int i = 0; i < 5; ++i) {
      send_text(sockets, fd, "q", std::to_string(i));
    }
    sockets.flush();
    REQUIRE(peer.echo_all() == 5);
    for (int i = 0; i < 5; ++i) {
      char buf[64];
      sockaddr_in from{};
      ares_socklen_t len = sizeof from;
      ares_ssize_t n =
          f->arecvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len, &sockets);
      REQUIRE(n > 0);
      CHECK(std::string(buf, static_cast<std::size_t>(n)) == "re:q" + std::to_string(i));
      CHECK(from.sin_port == peer.addr.sin_port);
    }
    CHECK(sockets.receive_calls() == 1);
    // The batch was short, so the socket is known empty: "would block" without a call...
    char buf[64];
    errno = 0;
    CHECK(f->arecvfrom(fd, buf, sizeof buf, 0, nullptr, nullptr, &sockets) == -1);
    CHECK(errno == EAGAIN);
    CHECK(sockets.receive_calls() == 1);
    // ...once: the next read asks the kernel again.
    CHECK(f->arecvfrom(fd, buf, sizeof buf, 0, nullptr, nullptr, &sockets) == -1);
    CHECK(sockets.receive_calls() == 2);
  }

  SUBCASE("a closed port is reported at the next read, not lost with the send") {
    UdpPeer gone;
    int fd2 = f->asocket(AF_INET, SOCK_DGRAM, 0, &sockets);
    REQUIRE(f->aconnect(fd2, reinterpret_cast<sockaddr*>(&gone.addr), sizeof gone.addr, &sockets) ==
            0);
    gone.fd.reset();  // nothing listens there now: ICMP port unreachable
    send_text(sockets, fd2, "q", "1");
    sockets.flush();
    // The ICMP error comes back asynchronously; a second send (or the read) meets it.
    send_text(sockets, fd2, "q", "2");
    std::vector<int> failed = sockets.flush();
    char buf[64];
    errno = 0;
    ares_ssize_t n = f->arecvfrom(fd2, buf, sizeof buf, 0, nullptr, nullptr, &sockets);
    CHECK(n == -1);
    CHECK(errno == ECONNREFUSED);
    CHECK((failed.empty() || failed.front() == fd2));
    f->aclose(fd2, &sockets);
  }

  SUBCASE("closing drops what was queued for the socket") {
    send_text(sockets, fd, "q", "x");
    f->aclose(fd, &sockets);
    fd = -1;
    CHECK_FALSE(sockets.has_queued());
    CHECK(sockets.flush().empty());
  }

  if (fd >= 0) {
    f->aclose(fd, &sockets);
  }
}
