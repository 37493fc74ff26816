// -w FORMAT: the input is the format, parsed once and rendered for a full and an empty result.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/output/write_out.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

greenfetch::Response sample_response() {
  greenfetch::Response r;
  r.url = "http://a.test/x?q=1";
  r.effective_url = "http://b.test/y";
  r.scheme = "HTTP";
  r.http_code = 200;
  r.http_version = "1.1";
  r.remote_ip = "127.0.0.1";
  r.remote_port = 8080;
  r.method = "GET";
  r.content_type = "text/html; charset=\xff\xfe";
  r.num_redirects = 1;
  r.size_download = 1234;
  r.time.total = 0.25;
  r.headers = {{"Content-Type", "text/html"}, {"X-Odd", " \x01\x7f\xc3(  "}, {"x-odd", "2"}};
  r.body = "<html></html>";
  r.error = greenfetch::Error::reset;
  r.error_message = "reset \"quoted\" \\ \n";
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view format = greenfetch::fuzz::as_text(data, size);
  // "@FILE" reads a file: not what is fuzzed here (the format language is).
  if (!format.empty() && format.front() == '@') {
    format.remove_prefix(1);
  }
  try {
    greenfetch::WriteOut w = greenfetch::WriteOut::parse(format);
    static const greenfetch::Response full = sample_response();
    std::string out = w.render(full);
    w.render_to(out, greenfetch::Response{});
  } catch (const std::invalid_argument&) {
    // a format it refuses is fine; a crash is not
  }
  return 0;
}
