#include "core/output/save_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/http/curl_handles.hpp"
#include "core/input/url_source.hpp"
#include "core/output/output.hpp"

namespace greenfetch {

namespace {
constexpr std::size_t k_max_name = 200;
constexpr int k_max_suffix = 100000;
}  // namespace

UniqueFd open_output_folder(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    throw UsageError("cannot create output folder '" + dir + "': " + std::strerror(errno));
  }
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    throw UsageError("cannot open output folder '" + dir + "': " + std::strerror(errno));
  }
  return fd;
}

SaveDir::SaveDir(const std::string& dir) : m_dir(dir), m_dirfd(open_output_folder(dir)) {}

std::string SaveDir::file_name(const std::string& url) {
  std::string path;
  CurlUrl u(curl_url());
  if (u && curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_DEFAULT_SCHEME) == CURLUE_OK) {
    char* part = nullptr;
    // The decoded path: "%2e%2e" must not sneak a ".." past the checks below.
    if (curl_url_get(u.get(), CURLUPART_PATH, &part, CURLU_URLDECODE) == CURLUE_OK) {
      path = CurlString(part).get();
    }
  }
  std::string name =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  for (char& c : name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = '_';
    }
  }
  if (name.size() > k_max_name) {
    name.resize(k_max_name);
  }
  if (name.empty() || name == "." || name == "..") {
    name = "index.html";
  }
  return name;
}

std::string SaveDir::save(const std::string& url, std::string_view body) {
  std::string base = file_name(url);
  std::string name = base;
  int fd = -1;
  for (int n = 1; n <= k_max_suffix; ++n) {
    fd = ::openat(m_dirfd.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) {
      break;
    }
    name = base + "." + std::to_string(n);
  }
  if (fd < 0) {
    throw std::runtime_error("cannot create " + m_dir + "/" + name + ": " + std::strerror(errno));
  }
  UniqueFd file(fd);
  if (!write_all(file.get(), body)) {
    throw std::runtime_error("cannot write " + m_dir + "/" + name + ": " + std::strerror(errno));
  }
  return m_dir + "/" + name;
}

}  // namespace greenfetch
