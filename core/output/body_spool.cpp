#include "core/output/body_spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "core/output/output.hpp"

namespace greenfetch {

namespace {
constexpr std::size_t k_piece = 64 * 1024;

std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}
}  // namespace

bool BodySpool::open_file() {
  std::string dir = temp_dir();
  m_file.reset(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!m_file.valid()) {
    // A file system without O_TMPFILE: a named file, unlinked at once.
    std::string name = dir + "/greenfetch-spool-XXXXXX";
    std::vector<char> buf(name.begin(), name.end());
    buf.push_back('\0');
    m_file.reset(::mkostemp(buf.data(), O_CLOEXEC));
    if (m_file.valid()) {
      ::unlink(buf.data());
    }
  }
  if (!m_file.valid()) {
    m_error = "cannot create a temporary file in " + dir + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool BodySpool::append(std::string_view data) {
  if (!m_file.valid()) {
    std::size_t room = m_budget->limit - std::min(m_budget->used, m_budget->limit);
    std::size_t take = std::min(room, data.size());
    m_memory.append(data.substr(0, take));
    m_budget->used += take;
    data.remove_prefix(take);
    if (data.empty()) {
      return true;
    }
    if (!open_file()) {
      return false;
    }
  }
  if (!write_all(m_file.get(), data)) {
    m_error = "cannot write a temporary file: " + std::string(std::strerror(errno));
    return false;
  }
  m_file_size += data.size();
  return true;
}

BodySpool::BodySpool(BodySpool&& other) noexcept
    : m_budget(other.m_budget),
      m_memory(std::move(other.m_memory)),
      m_file(std::move(other.m_file)),
      m_file_size(std::exchange(other.m_file_size, 0)),
      m_error(std::move(other.m_error)) {
  other.m_memory.clear();
}

bool BodySpool::drain(const std::function<bool(std::string_view)>& out) {
  bool ok = each(out);
  clear();
  return ok;
}

bool BodySpool::copy_to(int fd) {
  for (std::size_t at = 0; at < m_memory.size();) {
    std::size_t n = std::min(k_piece, m_memory.size() - at);
    if (!write_all(fd, std::string_view(m_memory).substr(at, n))) {
      return false;
    }
    at += n;
  }
  loff_t from = 0;
  while (m_file.valid() && static_cast<uint64_t>(from) < m_file_size) {
    // In the kernel, without a copy through user space (or the page cache of both, at worst).
    ssize_t n =
        ::copy_file_range(m_file.get(), &from, fd, nullptr,
                          static_cast<std::size_t>(m_file_size - static_cast<uint64_t>(from)), 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS ||
                  errno == EBADF)) {
      break;  // not two regular files (or an old kernel): the pieces below
    }
    if (n < 0) {
      return false;  // the destination refused (ENOSPC, EFBIG, EIO): errno says why
    }
    if (n == 0) {
      m_error = "cannot read a temporary file back: it is shorter than written";
      errno = EIO;
      return false;
    }
    from += n;
  }
  if (m_file.valid() && static_cast<uint64_t>(from) < m_file_size) {
    std::string piece(k_piece, '\0');
    for (uint64_t at = static_cast<uint64_t>(from); at < m_file_size;) {
      ssize_t n = ::pread(m_file.get(), piece.data(), piece.size(), static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        m_error = "cannot read a temporary file back: " +
                  std::string(n == 0 ? "it is shorter than written" : std::strerror(errno));
        errno = EIO;
        return false;
      }
      at += static_cast<uint64_t>(n);
      if (!write_all(fd, std::string_view(piece.data(), static_cast<std::size_t>(n)))) {
        return false;
      }
    }
  }
  return true;
}

bool BodySpool::each(const std::function<bool(std::string_view)>& out) {
  bool ok = true;
  for (std::size_t at = 0; ok && at < m_memory.size(); at += k_piece) {
    ok = out(std::string_view(m_memory).substr(at, k_piece));
  }
  if (ok && m_file.valid()) {
    std::string piece(k_piece, '\0');
    for (uint64_t at = 0; ok && at < m_file_size;) {
      ssize_t n = ::pread(m_file.get(), piece.data(), piece.size(), static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        m_error = "cannot read a temporary file back: " +
                  std::string(n == 0 ? "it is shorter than written" : std::strerror(errno));
        ok = false;
        break;
      }
      at += static_cast<uint64_t>(n);
      ok = out(std::string_view(piece.data(), static_cast<std::size_t>(n)));
    }
  }
  return ok;
}

void BodySpool::clear() {
  m_budget->used -= std::min(m_budget->used, m_memory.size());
  m_memory.clear();
  m_memory.shrink_to_fit();
  m_file.reset();
  m_file_size = 0;
}

}  // namespace greenfetch
