// What -V/--version prints in every mode: greenfetch's version and those of the libraries it
// runs on, as loaded at run time where the library can tell (libcurl with its TLS library,
// features and protocols; c-ares; libxml2; SQLite) and as built for Boost.
#pragma once

#include <string>

namespace greenfetch::cli {

std::string version_text();

}  // namespace greenfetch::cli
