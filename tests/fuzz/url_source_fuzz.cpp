// The URL-list reader (-i FILE, stdin): the input is the file. Every line that comes out is a
// URL without control characters or is marked invalid with a reason; line numbers only grow.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/input/url_source.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  std::string_view text = fuzz::as_text(data, size);
  // Every line on its own, as the reader classifies it.
  std::string_view rest = text;
  while (!rest.empty()) {
    std::string_view line = fuzz::first_line(rest, rest);
    InputLine in = parse_input_line(line);
    if (in.kind == InputLine::Kind::url) {
      for (char c : in.url) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          __builtin_trap();
        }
      }
    }
    if ((in.kind == InputLine::Kind::invalid) == in.error.empty()) {
      __builtin_trap();
    }
  }
  // The whole file through UrlSource (a memfd is a regular file: read without the reactor).
  int fd = ::memfd_create("url_source_fuzz", MFD_CLOEXEC);
  if (fd < 0) {
    return 0;
  }
  if (size > 0 && ::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    UrlSource source({}, {path});
    uint64_t last_line = 0;
    while (std::optional<SourceLine> l = source.next()) {
      if (l->request.line <= last_line || l->request.url.empty()) {
        __builtin_trap();
      }
      last_line = l->request.line;
    }
  } catch (const std::runtime_error&) {
    // an unreadable input is reported, not a crash
  }
  ::close(fd);
  return 0;
}
