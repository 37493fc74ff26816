// Option values of the three modes: --rate N[/s|/m|/h], durations (-z, --warmup: 30s, 2m,
// 500ms), seconds (-m, --connect-timeout, --retry-delay ...), -H and --retry-on. The first
// byte picks the parser, the rest is the value.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "cli/request_options.hpp"
#include "core/http/rate_limiter.hpp"
#include "core/input/url_source.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace greenfetch;
  if (size < 1) {
    return 0;
  }
  std::string value(fuzz::as_text(data + 1, size - 1));
  try {
    switch (data[0] % 5) {
      case 0: {
        double rate = parse_rate(value);
        if (!std::isfinite(rate) || rate < 0) {
          __builtin_trap();
        }
        break;
      }
      case 1:
        if (cli::parse_duration(value, "--duration").count() < 0) {
          __builtin_trap();
        }
        break;
      case 2:
        if (cli::parse_milliseconds(value, "--max-time").count() < 0) {
          __builtin_trap();
        }
        break;
      case 3:
        cli::check_header(value);
        break;
      default: {
        RetryOptions r;
        cli::parse_retry_on(value, r);
        break;
      }
    }
  } catch (const UsageError&) {
    // a value refused with a message is the expected outcome for most inputs
  } catch (const std::invalid_argument&) {
    // parse_rate's refusal (the CLI turns it into a UsageError)
  }
  return 0;
}
