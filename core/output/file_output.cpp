#include "core/output/file_output.hpp"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>

#include "core/output/output.hpp"

namespace greenfetch {

namespace {
constexpr int k_max_suffix = 100000;
constexpr int k_temp_tries = 100;

std::string temp_name_for(const std::string& name, std::minstd_rand& rng) {
  std::size_t slash = name.rfind('/');
  std::string dir = slash == std::string::npos ? "" : name.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  static constexpr char k_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string tag;
  for (int i = 0; i < 6; ++i) {
    tag += k_chars[rng() % (sizeof k_chars - 1)];
  }
  return dir + "." + base.substr(0, 200) + ".gf-" + tag;
}
}  // namespace

FileOutput::FileOutput(int dirfd, std::string name, std::string shown, bool no_clobber)
    : m_dirfd(dirfd),
      m_name(std::move(name)),
      m_shown(std::move(shown)),
      m_no_clobber(no_clobber) {}

FileOutput::~FileOutput() {
  if (!m_done) {
    abandon();
  }
}

bool FileOutput::fail(const std::string& what, int err) {
  m_error = what + " " + m_shown + ": " + std::strerror(err);
  return false;
}

bool FileOutput::open() {
  struct stat st {};
  if (::fstatat(m_dirfd, m_name.c_str(), &st, 0) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      return fail("cannot write", EISDIR);
    }
    m_direct = true;
    m_fd.reset(::openat(m_dirfd, m_name.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    return m_fd.valid() || fail("cannot open", errno);
  }
  std::minstd_rand rng(std::random_device{}());
  for (int i = 0; i < k_temp_tries; ++i) {
    m_temp = temp_name_for(m_name, rng);
    m_fd.reset(::openat(m_dirfd, m_temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (m_fd.valid() || errno != EEXIST) {
      break;
    }
  }
  if (!m_fd.valid()) {
    m_temp.clear();
    return fail("cannot create", errno);
  }
  return true;
}

bool FileOutput::append(std::string_view data) {
  if (!m_error.empty()) {
    return false;
  }
  if (!m_fd.valid() && !open()) {
    return false;
  }
  if (!write_all(m_fd.get(), data)) {
    return fail("cannot write", errno);
  }
  m_written += data.size();
  return true;
}

void FileOutput::restart() {
  m_written = 0;
  if (!m_fd.valid() || !m_error.empty()) {
    return;
  }
  if (!m_direct && (::ftruncate(m_fd.get(), 0) != 0 || ::lseek(m_fd.get(), 0, SEEK_SET) != 0)) {
    fail("cannot truncate", errno);
  }
}

std::string FileOutput::commit() {
  if (!m_error.empty()) {
    throw std::runtime_error(m_error);
  }
  if (!m_fd.valid() && !open()) {
    throw std::runtime_error(m_error);
  }
  m_done = true;
  // close(2) is where NFS, and some full disks, say that the data did not make it.
  int fd = m_fd.release();
  if (::close(fd) != 0 && errno != EINTR) {
    int err = errno;
    abandon();
    fail("cannot write", err);
    throw std::runtime_error(m_error);
  }
  if (m_direct) {
    return m_shown;
  }
  if (!m_no_clobber) {
    if (::renameat(m_dirfd, m_temp.c_str(), m_dirfd, m_name.c_str()) != 0) {
      int err = errno;
      abandon();
      fail("cannot rename the temporary file to", err);
      throw std::runtime_error(m_error);
    }
    m_temp.clear();
    return m_shown;
  }
  std::string name = m_name;
  std::string suffix;
  for (int n = 1; n <= k_max_suffix; ++n) {
    if (::renameat2(m_dirfd, m_temp.c_str(), m_dirfd, name.c_str(), RENAME_NOREPLACE) == 0) {
      m_temp.clear();
      return m_shown + suffix;
    }
    if (errno != EEXIST) {
      break;
    }
    suffix = "." + std::to_string(n);
    name = m_name + suffix;
  }
  int err = errno;
  abandon();
  fail("cannot create", err);
  throw std::runtime_error(m_error);
}

void FileOutput::abandon() {
  m_done = true;
  m_fd.reset();
  if (!m_temp.empty()) {
    ::unlinkat(m_dirfd, m_temp.c_str(), 0);
    m_temp.clear();
  }
}

}  // namespace greenfetch
