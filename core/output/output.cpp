#include "core/output/output.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace greenfetch {

Output::Output(int fd, std::size_t buffer_limit) : m_fd(fd), m_write_fd(fd), m_limit(buffer_limit) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return;
  }
  if (S_ISSOCK(st.st_mode)) {
    m_socket = true;
    m_nonblocking = true;
  } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    std::string self = "/proc/self/fd/" + std::to_string(fd);
    m_alias.reset(::open(self.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (m_alias.valid()) {
      m_write_fd = m_alias.get();
      m_nonblocking = true;
    }
  }
}

Output::~Output() {
  flush();
}

void Output::append(std::string_view data) {
  if (!m_broken) {
    if (m_done > 0 && m_done == m_buffer.size()) {
      m_buffer.clear();
      m_done = 0;
    }
    m_buffer.append(data);
  }
}

void Output::write(std::string_view data) {
  append(data);
  if (buffered() >= m_limit) {
    flush();
  }
}

bool Output::write_some() {
  const char* p = m_buffer.data() + m_done;
  std::size_t n = m_buffer.size() - m_done;
  if (m_before_write) {
    m_before_write(std::string_view(p, n));  // the progress line steps aside
  }
  ssize_t w =
      m_socket ? ::send(m_write_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) : ::write(m_write_fd, p, n);
  if (w >= 0) {
    m_done += static_cast<std::size_t>(w);
    return true;
  }
  if (errno == EINTR) {
    return true;
  }
  if (errno != EAGAIN && errno != EWOULDBLOCK) {
    m_broken = true;
    m_errno = errno;
  }
  return false;
}

bool Output::try_flush() {
  while (!m_broken && m_done < m_buffer.size()) {
    if (!write_some()) {
      break;
    }
  }
  if (m_broken || m_done == m_buffer.size()) {
    m_buffer.clear();
    m_done = 0;
    return true;
  }
  return false;
}

void Output::flush() {
  while (!try_flush()) {
    pollfd p{m_write_fd, POLLOUT, 0};
    ::poll(&p, 1, 1000);
  }
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      errno = n == 0 ? EIO : errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace greenfetch
