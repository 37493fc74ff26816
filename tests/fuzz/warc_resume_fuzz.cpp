// The WARC reader used when a crawl resumes (crawl --warc FILE on an existing file): the input
// is the file found on disk. WarcWriter's constructor inflates it member by member, cuts off a
// truncated tail and reads the first record's WARC-Record-ID; anything else must be refused
// with an exception, never a crash. After it opens, one record is appended to check the file
// is usable.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/crawl/warc_writer.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

// One file per process, in the temporary directory, rewritten for each input.
const std::string& warc_path() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/greenfetch_fuzz_" +
           std::to_string(::getpid()) + ".warc.gz";
  }();
  return path;
}

struct Cleanup {
  ~Cleanup() { ::unlink(warc_path().c_str()); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The path first, so that it is destroyed after the cleanup that uses it.
  static const std::string& path_first = warc_path();
  static Cleanup cleanup;
  (void)path_first;
  const std::string& path = warc_path();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return 0;
  }
  bool written = size == 0 || ::write(fd, data, size) == static_cast<ssize_t>(size);
  ::close(fd);
  if (!written) {
    return 0;
  }
  try {
    greenfetch::WarcWriter w(path, "greenfetch-fuzz");
    if (w.warcinfo_id().empty() || w.size() > size + (1U << 16)) {
      __builtin_trap();
    }
    greenfetch::WarcExchange x;
    x.target_uri = "http://a.test/";
    x.response_head = "HTTP/1.1 200 OK\r\n\r\n";
    x.response_body = "ok";
    x.date = std::chrono::system_clock::time_point{};
    w.write(x);
  } catch (const std::runtime_error&) {
    // a file that is not a WARC we can append to is refused with a message naming it
  }
  return 0;
}
