// Option values of the three modes (cli/option_values.cpp, cli/request_options.cpp and
// core/http/rate_limiter.hpp): sizes (--max-filesize 10k), durations (-z 30s), seconds (-m 1.5),
// counts (-c), --rate N[/s|/m|/h], -H and --retry-on. The first byte picks the parser, the rest
// is the value. Any text gives a value in range or a refusal with a message, never a crash, a
// hang or another exception.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cli/option_values.hpp"
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
  constexpr long long k_max_ms = 10'000'000'000LL;
  try {
    switch (data[0] % 7) {
      case 0: {
        double rate = parse_rate(value);
        if (!std::isfinite(rate) || rate < 0) {
          std::abort();
        }
        break;
      }
      case 1: {
        auto ms = cli::parse_duration(value, "--duration").count();
        if (ms < 0 || ms > k_max_ms) {
          std::abort();
        }
        break;
      }
      case 2: {
        auto ms = cli::parse_milliseconds(value, "--max-time").count();
        if (ms < 0 || ms > k_max_ms) {
          std::abort();
        }
        break;
      }
      case 3:
        cli::check_header(value);
        break;
      case 4: {
        RetryOptions r;
        cli::parse_retry_on(value, r);
        break;
      }
      case 5:
        if (cli::parse_size(value, "--max-filesize") > static_cast<uint64_t>(INT64_MAX)) {
          std::abort();
        }
        break;
      default: {
        uint64_t n = cli::parse_count(value, "-c", 1, 100000);
        if (n < 1 || n > 100000) {
          std::abort();
        }
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
