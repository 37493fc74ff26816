// What a libcurl result code means to the user: one value of the error enum.
#pragma once

#include <curl/curl.h>

#include "core/base/error.hpp"

namespace greenfetch {

// The Error for a transfer that ended with `code` (Error::none for CURLE_OK, Error::protocol
// for any code without a kind of its own).
Error error_for_code(CURLcode code);

}  // namespace greenfetch
