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

void create_dirs(const std::string& dir) {
  for (std::size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
    std::string part = dir.substr(0, at);
    if (!part.empty() && ::mkdir(part.c_str(), 0777) != 0 && errno != EEXIST) {
      throw UsageError("cannot create folder '" + part + "': " + std::strerror(errno));
    }
    if (at == std::string::npos) {
      break;
    }
  }
}

SaveDir::SaveDir(const std::string& dir, bool create)
    : m_dir(dir.empty() ? std::string(".") : dir) {
  if (create) {
    create_dirs(m_dir);
  }
  m_dirfd.reset(::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m_dirfd.valid()) {
    throw UsageError("cannot open output folder '" + m_dir + "': " + std::strerror(errno) +
                     (errno == ENOENT ? " (--create-dirs makes it)" : ""));
  }
}

std::unique_ptr<FileOutput> SaveDir::open(const std::string& url) const {
  std::string name = file_name(url);
  std::string shown = m_dir == "." ? name : m_dir + "/" + name;
  return std::make_unique<FileOutput>(m_dirfd.get(), name, shown, /*no_clobber=*/true);
}

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

}  // namespace greenfetch
