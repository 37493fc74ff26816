#include "core/dns/sockets.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace greenfetch {

namespace {

// C trampolines: each turns one c-ares socket function into one member call.
ares_socket_t dns_socket_open(int domain, int type, int protocol, void* user) {
  return static_cast<DnsSockets*>(user)->open(domain, type, protocol);
}

int dns_socket_close(ares_socket_t fd, void* user) {
  return static_cast<DnsSockets*>(user)->close(fd);
}

int dns_socket_connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void* /*user*/) {
  return ::connect(fd, addr, len);
}

ares_ssize_t dns_socket_receive(ares_socket_t fd, void* buf, size_t len, int flags, sockaddr* from,
                                ares_socklen_t* from_len, void* user) {
  return static_cast<DnsSockets*>(user)->receive(fd, buf, len, flags, from, from_len);
}

ares_ssize_t dns_socket_send(ares_socket_t fd, const iovec* iov, int count, void* user) {
  return static_cast<DnsSockets*>(user)->send(fd, iov, count);
}

const ares_socket_functions k_functions = {dns_socket_open, dns_socket_close, dns_socket_connect,
                                           dns_socket_receive, dns_socket_send};

}  // namespace

DnsSockets::DnsSockets(int receive_buffer) : m_receive_buffer(receive_buffer) {}

const ares_socket_functions* DnsSockets::functions() {
  return &k_functions;
}

bool DnsSockets::has_buffered(int fd) const {
  auto it = m_udp.find(fd);
  return it != m_udp.end() && it->second.next < it->second.count;
}

// c-ares configures no socket it did not open itself: non-blocking, close-on-exec, the
// receive buffer (a burst of answers must fit) and TCP_NODELAY are ours to set.
ares_socket_t DnsSockets::open(int domain, int type, int protocol) {
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    return ARES_SOCKET_BAD;
  }
  if (type == SOCK_DGRAM) {
    if (m_receive_buffer > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &m_receive_buffer, sizeof m_receive_buffer);
    }
    m_udp[fd] = Udp{};
  } else if (type == SOCK_STREAM) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

int DnsSockets::close(ares_socket_t fd) {
  m_udp.erase(fd);
  std::erase_if(m_queue, [fd](const Queued& q) { return q.fd == fd; });
  return ::close(fd);
}

ares_ssize_t DnsSockets::send(ares_socket_t fd, const iovec* iov, int count) {
  if (!m_udp.contains(fd)) {
    return ::writev(fd, iov, count);
  }
  Queued q{fd, {}};
  for (int i = 0; i < count; ++i) {
    q.data.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  }
  auto n = static_cast<ares_ssize_t>(q.data.size());
  m_queue.push_back(std::move(q));
  return n;  // "sent": it leaves with the next flush(), in this turn of the loop
}

std::vector<int> DnsSockets::flush() {
  std::vector<int> failed;
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  std::size_t i = 0;
  while (i < m_queue.size()) {
    // sendmmsg() sends on one socket: take the run of datagrams queued for this fd.
    int fd = m_queue[i].fd;
    std::size_t end = i;
    while (end < m_queue.size() && m_queue[end].fd == fd) {
      ++end;
    }
    msgs.assign(end - i, mmsghdr{});
    iovs.assign(end - i, iovec{});
    for (std::size_t k = 0; k < end - i; ++k) {
      iovs[k] = {m_queue[i + k].data.data(), m_queue[i + k].data.size()};
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
    }
    std::size_t done = 0;
    while (done < msgs.size()) {
      ++m_send_calls;
      int n = ::sendmmsg(fd, msgs.data() + done, static_cast<unsigned>(msgs.size() - done),
                         MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        m_datagrams_sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) {
        continue;
      }
      // The datagram at `done` failed. EAGAIN (a full send buffer): it is dropped and c-ares
      // sends it again when the query times out. An error of the socket's own (ECONNREFUSED
      // from an ICMP port unreachable): c-ares must hear of it at its next read.
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        if (auto it = m_udp.find(fd); it != m_udp.end()) {
          it->second.error = errno;
          failed.push_back(fd);
        }
      }
      ++done;
    }
    i = end;
  }
  m_queue.clear();
  return failed;
}

// Reads up to k_batch answers. False when there was nothing to read (errno says why).
bool DnsSockets::fill(int fd, Udp& u) {
  if (u.buffer.empty()) {
    u.buffer.resize(k_batch * k_datagram);
    u.batch.resize(k_batch);
  }
  mmsghdr msgs[k_batch] = {};
  iovec iovs[k_batch] = {};
  for (std::size_t k = 0; k < k_batch; ++k) {
    iovs[k] = {u.buffer.data() + k * k_datagram, k_datagram};
    msgs[k].msg_hdr.msg_iov = &iovs[k];
    msgs[k].msg_hdr.msg_iovlen = 1;
    msgs[k].msg_hdr.msg_name = &u.batch[k].from;
    msgs[k].msg_hdr.msg_namelen = sizeof u.batch[k].from;
  }
  ++m_receive_calls;
  int n = ::recvmmsg(fd, msgs, k_batch, MSG_DONTWAIT, nullptr);
  if (n <= 0) {
    return false;
  }
  u.count = static_cast<std::size_t>(n);
  u.next = 0;
  for (std::size_t k = 0; k < u.count; ++k) {
    u.batch[k].length = msgs[k].msg_len;
    u.batch[k].from_len = msgs[k].msg_hdr.msg_namelen;
  }
  // A short batch emptied the socket: c-ares's next read (it reads until "would block")
  // can be told so without asking the kernel. Anything arriving later wakes epoll again.
  u.drained = static_cast<std::size_t>(n) < k_batch;
  return true;
}

ares_ssize_t DnsSockets::receive(ares_socket_t fd, void* buf, std::size_t len, int flags,
                                 sockaddr* from, ares_socklen_t* from_len) {
  auto it = m_udp.find(fd);
  if (it == m_udp.end()) {
    return from != nullptr ? ::recvfrom(fd, buf, len, flags, from, from_len)
                           : ::recv(fd, buf, len, flags);
  }
  Udp& u = it->second;
  if (u.error != 0) {
    errno = std::exchange(u.error, 0);
    return -1;
  }
  if (u.next >= u.count) {
    if (u.drained) {
      u.drained = false;
      errno = EAGAIN;
      return -1;
    }
    if (!fill(fd, u)) {
      return -1;  // errno from recvmmsg(): EAGAIN, or the socket's error
    }
  }
  std::size_t k = u.next++;
  const Received& r = u.batch[k];
  std::size_t n = std::min(len, r.length);
  std::memcpy(buf, u.buffer.data() + k * k_datagram, n);
  if (from != nullptr && from_len != nullptr) {
    socklen_t copy = std::min<socklen_t>(*from_len, r.from_len);
    std::memcpy(from, &r.from, copy);
    *from_len = r.from_len;
  }
  return static_cast<ares_ssize_t>(n);
}

}  // namespace greenfetch
