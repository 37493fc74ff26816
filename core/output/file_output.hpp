// One body into one file (-o FILE, -O, --output-dir). A regular file appears under its final
// name only when complete: it is written under a temporary name beside it (".NAME.gf-XXXXXX")
// and renamed at the end; a failed or cut transfer leaves nothing behind (and an existing
// file of that name untouched). A FIFO, a device (/dev/null) or another file that is not
// regular is written directly. The file is created at the first byte, as curl does, or empty
// at commit(): with --fail, a failed URL leaves no file.
#pragma once

#include <fcntl.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/engine/unique_fd.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"

namespace greenfetch {

class FileOutput final : public BodyWriter {
 public:
  // `name` is relative to dirfd (AT_FDCWD: to the current folder); `shown` is what messages
  // and %{filename_effective} call it. no_clobber: an existing file is never replaced, the
  // body goes to "name.1", "name.2", ... instead (curl's --no-clobber); otherwise it is.
  FileOutput(int dirfd, std::string name, std::string shown, bool no_clobber);
  ~FileOutput() override;
  FileOutput(const FileOutput&) = delete;
  FileOutput& operator=(const FileOutput&) = delete;

  // False when the file cannot be created or written (see error()).
  bool append(std::string_view data);
  // Drops what was written (a retry starts over).
  void restart() override;
  // BodyWriter: the body of a transfer.
  Result write(const Response& /*so_far*/, std::string_view chunk) override {
    return append(chunk) ? Result::written : Result::failed;
  }
  std::string error_message() const override { return m_error; }
  // The body is complete: the file gets its final name, which is returned (as `shown`, with
  // the suffix no_clobber added). Throws std::runtime_error naming the file.
  std::string commit();
  // The body is not wanted: removes the temporary file.
  void abandon();
  const std::string& error() const { return m_error; }
  uint64_t written() const { return m_written; }

 private:
  bool open();
  bool fail(const std::string& what, int err);

  int m_dirfd;
  std::string m_name;
  std::string m_shown;
  bool m_no_clobber;
  UniqueFd m_fd;
  bool m_direct = false;  // not a regular file: written in place
  std::string m_temp;     // the temporary name (relative to m_dirfd), empty when none
  uint64_t m_written = 0;
  bool m_done = false;
  std::string m_error;
};

}  // namespace greenfetch
