#include "core/output/output.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace greenfetch {

Output::Output(int fd, std::size_t buffer_limit) : m_fd(fd), m_limit(buffer_limit) {}

Output::~Output() {
  flush();
}

void Output::write(std::string_view data) {
  if (m_broken) {
    return;
  }
  m_buffer.append(data);
  if (m_buffer.size() >= m_limit) {
    flush();
  }
}

void Output::flush() {
  if (m_before_write && !m_broken && !m_buffer.empty()) {
    m_before_write(m_buffer);
  }
  std::size_t done = 0;
  while (!m_broken && done < m_buffer.size()) {
    ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN) {
      pollfd p{m_fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
    } else if (errno != EINTR) {
      m_broken = true;
      m_errno = errno;
    }
  }
  m_buffer.clear();
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
