#include "core/crawl/mirror.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/output/output.hpp"
#include "core/output/save_dir.hpp"

namespace greenfetch {

namespace {

constexpr std::size_t k_max_segment = 200;

std::string safe_segment(std::string_view s) {
  std::string out;
  if (s.empty()) {
    return "_";
  }
  if (s == "." || s == "..") {
    return "_" + std::string(s);
  }
  out.reserve(s.size());
  for (char c : s) {
    if (c == '/') {
      out += "%2F";
    } else if (c == '\0') {
      out += "%00";
    } else {
      out += c;
    }
  }
  if (out.size() > k_max_segment) {
    out.resize(k_max_segment);
  }
  return out;
}

}  // namespace

CrawlMirror::CrawlMirror(const std::string& dir) : m_dir(dir), m_dirfd(open_output_folder(dir)) {}

std::vector<std::string> CrawlMirror::segments(std::string_view url) {
  std::vector<std::string> out;
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return out;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  std::size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  out.push_back(safe_segment(authority));
  std::string_view path;
  std::string_view query;
  bool has_query = false;
  if (auth_end != std::string_view::npos) {
    rest.remove_prefix(auth_end);
    std::size_t q = rest.find('?');
    path = rest.substr(0, q);
    if (q != std::string_view::npos) {
      query = rest.substr(q + 1);
      has_query = true;
    }
  }
  if (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  // Every '/'-separated piece but the last is a folder; the last is the file.
  std::vector<std::string_view> pieces;
  for (;;) {
    std::size_t slash = path.find('/');
    pieces.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
    out.push_back(safe_segment(pieces[i]));
  }
  std::string file(pieces.back().empty() ? std::string_view("index.html") : pieces.back());
  if (has_query) {
    file += '?';
    file += query;
  }
  out.push_back(safe_segment(file));
  return out;
}

std::string CrawlMirror::save(std::string_view url, std::string_view body) {
  return save(url, [body](int fd) { return write_all(fd, body); });
}

std::string CrawlMirror::save(std::string_view url, const std::function<bool(int fd)>& write_body) {
  std::vector<std::string> parts = segments(url);
  if (parts.size() < 2) {
    throw std::runtime_error("cannot map URL to a file: " + std::string(url));
  }
  std::string shown = m_dir;
  UniqueFd dir;
  int at = m_dirfd.get();
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    shown += '/';
    shown += parts[i];
    if (::mkdirat(at, parts[i].c_str(), 0777) != 0 && errno != EEXIST) {
      throw std::runtime_error("cannot create folder '" + shown + "': " + std::strerror(errno));
    }
    UniqueFd next(::openat(at, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      throw std::runtime_error("cannot open folder '" + shown + "': " + std::strerror(errno));
    }
    dir = std::move(next);
    at = dir.get();
  }
  shown += '/';
  shown += parts.back();
  UniqueFd file(::openat(at, parts.back().c_str(),
                         O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (!file.valid()) {
    throw std::runtime_error("cannot create '" + shown + "': " + std::strerror(errno));
  }
  if (!write_body(file.get())) {
    throw std::runtime_error("cannot write '" + shown + "': " + std::strerror(errno));
  }
  return shown;
}

}  // namespace greenfetch
