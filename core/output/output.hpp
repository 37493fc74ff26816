// Buffered output to a file descriptor (stdout). Records are written whole, never split by a
// line on stderr; a failed write (a closed pipe, a full disk) is remembered instead of raised,
// so the run can end quietly when a reader such as `head -1` goes away, or report it.
//
// A pipe, FIFO or terminal can also be written without blocking (try_flush), for streaming
// bodies with backpressure: the fd is opened again through /proc/self/fd with O_NONBLOCK, a
// file description of our own, so the flags of the one shared with the shell never change
// (a socket is written with MSG_DONTWAIT instead). A regular file never blocks.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/engine/unique_fd.hpp"

namespace greenfetch {

class Output {
 public:
  explicit Output(int fd = 1, std::size_t buffer_limit = 64 * 1024);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // Appends data; flushes (waiting for a slow reader) once the buffer is over its limit.
  void write(std::string_view data);
  // Writes the whole buffer, waiting for the reader when it is slow.
  void flush();
  // Called with the bytes each time before they go to the fd (the progress line steps aside).
  void set_before_write(std::function<void(std::string_view)> hook) {
    m_before_write = std::move(hook);
  }
  // Appends data without writing anything.
  void append(std::string_view data);
  // Writes what the fd takes now; true when the buffer is empty.
  bool try_flush();
  std::size_t buffered() const { return m_buffer.size() - m_done; }
  // The fd to wait on (EPOLLOUT) when try_flush left data, or -1 when writes never wait.
  int wait_fd() const { return m_nonblocking ? m_write_fd : -1; }

  // True once a write failed (the reader closed the pipe, the disk is full, ...).
  bool broken() const { return m_broken; }
  int error() const { return m_errno; }

 private:
  // One write(2) or send(2) of what is buffered: false when it would block or failed.
  bool write_some();

  int m_fd;
  int m_write_fd;         // m_fd, or m_alias
  UniqueFd m_alias;       // our own non-blocking file description of a pipe or terminal
  bool m_socket = false;  // written with send(MSG_DONTWAIT)
  bool m_nonblocking = false;
  std::size_t m_limit;
  std::string m_buffer;
  std::function<void(std::string_view)> m_before_write;
  std::size_t m_done = 0;  // bytes of m_buffer already written
  bool m_broken = false;
  int m_errno = 0;
};

// Writes all of data to fd at once, unbuffered, retrying after EINTR. Returns false, with
// errno set, when the fd refuses. (Error lines on stderr ignore the result: there is nowhere
// left to report them.)
bool write_all(int fd, std::string_view data);

}  // namespace greenfetch
