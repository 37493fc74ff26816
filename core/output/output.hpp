// Buffered output to a file descriptor (stdout). Records are written whole, never split by a
// line on stderr; a closed pipe (EPIPE) is remembered instead of raised, so the run can end
// quietly when a reader such as `head -1` goes away.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace greenfetch {

class Output {
 public:
  explicit Output(int fd = 1, std::size_t buffer_limit = 64 * 1024);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(std::string_view data);
  void flush();
  // Called with the bytes each time before they go to the fd (the progress line steps aside).
  void set_before_write(std::function<void(std::string_view)> hook) {
    m_before_write = std::move(hook);
  }
  // True once a write failed (the reader closed the pipe, the disk is full, ...).
  bool broken() const { return m_broken; }
  int error() const { return m_errno; }

 private:
  int m_fd;
  std::size_t m_limit;
  std::string m_buffer;
  std::function<void(std::string_view)> m_before_write;
  bool m_broken = false;
  int m_errno = 0;
};

// Writes all of data to fd at once, unbuffered, retrying after EINTR. Returns false, with
// errno set, when the fd refuses. (Error lines on stderr ignore the result: there is nowhere
// left to report them.)
bool write_all(int fd, std::string_view data);

}  // namespace greenfetch
