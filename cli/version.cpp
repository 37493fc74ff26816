#include "cli/version.hpp"

#include <ares.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <libxml/globals.h>  // xmlParserVersion: the version loaded at run time
#include <sqlite3.h>

#include <boost/version.hpp>

#include <cstdlib>

namespace greenfetch::cli {

namespace {

// libxml2 reports itself at run time as "20914" for 2.9.14.
std::string libxml2_version() {
  int v = std::atoi(xmlParserVersion);
  return fmt::format("{}.{}.{}", v / 10000, v / 100 % 100, v % 100);
}

}  // namespace

std::string version_text() {
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  std::string with;
  auto add = [&with](const char* name, const char* version) {
    if (version != nullptr && *version != '\0') {
      with += with.empty() ? "" : ", ";
      with += name;
      with += version;
    }
  };
  add("", curl->ssl_version);
  add("zlib/", curl->libz_version);
  add("brotli/", curl->brotli_version);
  add("zstd/", curl->zstd_ver_num != 0 ? curl->zstd_version : nullptr);
  add("nghttp2/", curl->nghttp2_version);
  add("libidn2/", curl->libidn);
  std::string features;
  if (curl->feature_names != nullptr) {
    for (const char* const* f = curl->feature_names; *f != nullptr; ++f) {
      features += features.empty() ? *f : std::string(" ") + *f;
    }
  }
  std::string protocols;
  for (const char* const* p = curl->protocols; *p != nullptr; ++p) {
    protocols += protocols.empty() ? *p : std::string(" ") + *p;
  }
  return fmt::format(
      "greenfetch {}\n"
      "libcurl {} ({})\n"
      "  features: {}\n"
      "  protocols: {}\n"
      "c-ares {}\n"
      "Boost {}.{}.{}\n"
      "libxml2 {}\n"
      "SQLite {}",
      GREENFETCH_VERSION, curl->version, with, features, protocols, ares_version(nullptr),
      BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100, libxml2_version(),
      sqlite3_libversion());
}

}  // namespace greenfetch::cli
