// c-ares socket functions that batch UDP datagrams. c-ares 1.18 makes one system call per
// DNS datagram it sends or receives, and each send on its own wakes a resting DNS server
// again; a run over thousands of names spends most of its DNS time there. Here sends are
// queued and go out together with one sendmmsg() per reactor turn (flush(), called by the
// Resolver before the loop waits), and receives take up to k_batch answers per recvmmsg().
// TCP sockets (c-ares falls back to TCP for truncated answers) pass straight through.
// No packaged library offers this for c-ares; it is the socket half of ares_socket_functions.
#pragma once

#include <ares.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace greenfetch {

class DnsSockets {
 public:
  static constexpr std::size_t k_batch = 32;       // datagrams per recvmmsg()
  static constexpr std::size_t k_datagram = 4097;  // c-ares 1.18 reads EDNS answers to 4096

  explicit DnsSockets(int receive_buffer = 0);
  DnsSockets(const DnsSockets&) = delete;
  DnsSockets& operator=(const DnsSockets&) = delete;

  // The table to hand to ares_set_socket_functions() with `this` as its user data.
  static const ares_socket_functions* functions();

  // Sends every queued datagram. Returns the UDP fds whose send failed with an error the
  // socket reported (ICMP port unreachable): c-ares learns of it at its next read there.
  std::vector<int> flush();
  bool has_queued() const { return !m_queue.empty(); }
  // Answers already read from fd that c-ares has not taken yet.
  bool has_buffered(int fd) const;

  // Counters for tests.
  std::size_t send_calls() const { return m_send_calls; }
  std::size_t receive_calls() const { return m_receive_calls; }
  std::size_t datagrams_sent() const { return m_datagrams_sent; }

  // The socket functions (public for the C trampolines; not for other callers).
  ares_socket_t open(int domain, int type, int protocol);
  int close(ares_socket_t fd);
  ares_ssize_t receive(ares_socket_t fd, void* buf, std::size_t len, int flags, sockaddr* from,
                       ares_socklen_t* from_len);
  ares_ssize_t send(ares_socket_t fd, const iovec* iov, int count);

 private:
  // The k-th answer of a batch: its bytes are at Udp::buffer + k * k_datagram.
  struct Received {
    std::size_t length = 0;
    sockaddr_storage from{};
    socklen_t from_len = 0;
  };
  struct Udp {
    std::vector<char> buffer;     // k_batch * k_datagram, read into by recvmmsg()
    std::vector<Received> batch;  // k_batch slots
    std::size_t count = 0;        // answers in the last batch
    std::size_t next = 0;         // the next one c-ares takes
    bool drained = false;  // the last read found the socket empty: the next empty read is EAGAIN
    int error = 0;         // a send error to report at the next read
  };
  struct Queued {
    int fd = -1;
    std::string data;
  };

  bool fill(int fd, Udp& u);

  int m_receive_buffer = 0;
  std::unordered_map<int, Udp> m_udp;
  std::vector<Queued> m_queue;
  std::size_t m_send_calls = 0;
  std::size_t m_receive_calls = 0;
  std::size_t m_datagrams_sent = 0;
};

}  // namespace greenfetch
