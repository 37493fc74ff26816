#include "core/crawl/mirror.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/output/output.hpp"
#include "core/output/save_dir.hpp"

namespace greenfetch {

namespace {

// Longest file or folder name written; a longer one is shortened with a hash.
constexpr std::size_t k_max_segment = 200;
// What a shortened name keeps of the encoded name before its hash.
constexpr std::size_t k_kept_prefix = 180;

constexpr char k_hex[] = "0123456789ABCDEF";

// The bytes a name keeps as they are: letters, digits and "-._,=" (and '+' outside the
// authority, where it separates the port); '-' not first (an option to every command).
// Everything else, '%' and '@' included, is written %XX.
bool keeps(char c, bool first, bool authority) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case '.':
    case '_':
    case ',':
    case '=':
      return true;
    case '-':
      return !first;
    case '+':
      return !authority;
    default:
      return false;
  }
}

void encode_into(std::string& out, std::string_view s, bool authority) {
  for (char c : s) {
    if (keeps(c, out.empty(), authority)) {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += k_hex[b >> 4];
      out += k_hex[b & 0xF];
    }
  }
}

// A device name of Windows (CON, NUL, COM1, ...), with or without an extension.
bool windows_device(std::string_view name) {
  std::string_view stem = name.substr(0, name.find('.'));
  std::string up;
  for (char c : stem) {
    up += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  if (up == "CON" || up == "PRN" || up == "AUX" || up == "NUL") {
    return true;
  }
  return up.size() == 4 && (up.starts_with("COM") || up.starts_with("LPT")) && up[3] >= '1' &&
         up[3] <= '9';
}

std::string escaped_byte(char c) {
  auto b = static_cast<unsigned char>(c);
  return {'%', k_hex[b >> 4], k_hex[b & 0xF]};
}

// The last touches on an encoded name: a device name gets its first byte escaped, a name
// ending in '.' (".", "..", "x.") its last dot, an empty name is "%-", and a name longer than
// k_max_segment keeps k_kept_prefix bytes (no %XX cut) and then "%-" and 16 hex digits of the
// SHA-256 of the whole name. "%-" never comes out of encode_into, so none of these can equal
// the name of another URL.
std::string finish_name(std::string name) {
  if (name.empty()) {
    return "%-";
  }
  if (windows_device(name)) {
    name = escaped_byte(name.front()) + name.substr(1);
  }
  if (name.back() == '.') {
    name.pop_back();
    name += "%2E";
  }
  if (name.size() > k_max_segment) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_size = 0;
    if (EVP_Digest(name.data(), name.size(), md, &md_size, EVP_sha256(), nullptr) != 1) {
      throw std::bad_alloc();
    }
    std::size_t keep = k_kept_prefix;
    for (std::size_t i = keep >= 2 ? keep - 2 : 0; i < keep; ++i) {
      if (name[i] == '%') {
        keep = i;  // a %XX escape is kept whole or not at all
      }
    }
    name.resize(keep);
    name += "%-";
    for (unsigned int i = 0; i < 8; ++i) {
      name += k_hex[md[i] >> 4];
      name += k_hex[md[i] & 0xF];
    }
  }
  return name;
}

std::string safe_segment(std::string_view s) {
  std::string out;
  encode_into(out, s, false);
  return finish_name(std::move(out));
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
  // HOST or HOST+PORT (':' is no character for a Windows name); '+' in a host is %2B.
  std::string_view host = authority;
  std::string_view port;
  if (std::size_t colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  std::string top;
  encode_into(top, host, true);
  if (!port.empty()) {
    top += '+';
    encode_into(top, port, true);
  }
  out.push_back(finish_name(std::move(top)));
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
  // FILE, or FILE@QUERY: '@' is %40 in every other place, so "a?x=1" and a file "a@x=1"
  // ("a%40x=1") never meet.
  std::string file;
  encode_into(file, pieces.back().empty() ? std::string_view("index.html") : pieces.back(), false);
  if (has_query) {
    file += '@';
    encode_into(file, query, false);
  }
  out.push_back(finish_name(std::move(file)));
  return out;
}

std::string CrawlMirror::relative_path(std::string_view url) {
  std::string out;
  for (const std::string& s : segments(url)) {
    out += out.empty() ? "" : "/";
    out += s;
  }
  return out;
}

std::string CrawlMirror::save(std::string_view url, std::string_view body) {
  return save(url, [body](int fd) { return write_all(fd, body); });
}

UniqueFd CrawlMirror::open_folder(const std::vector<std::string>& parts, std::string& shown,
                                  bool create) const {
  if (parts.size() < 2) {
    throw std::runtime_error("cannot map URL to a file: " + shown);
  }
  shown = m_dir;
  UniqueFd dir(::fcntl(m_dirfd.get(), F_DUPFD_CLOEXEC, 0));
  if (!dir.valid()) {
    throw std::runtime_error("cannot open folder '" + shown + "': " + std::strerror(errno));
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    shown += '/';
    shown += parts[i];
    if (create && ::mkdirat(dir.get(), parts[i].c_str(), 0777) != 0 && errno != EEXIST) {
      throw std::runtime_error("cannot create folder '" + shown + "': " + std::strerror(errno));
    }
    UniqueFd next(
        ::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      throw std::runtime_error("cannot open folder '" + shown + "': " + std::strerror(errno));
    }
    dir = std::move(next);
  }
  shown += '/';
  shown += parts.back();
  return dir;
}

std::string CrawlMirror::save(std::string_view url, const std::function<bool(int fd)>& write_body) {
  std::vector<std::string> parts = segments(url);
  std::string shown(url);
  UniqueFd dir = open_folder(parts, shown, true);
  UniqueFd file(::openat(dir.get(), parts.back().c_str(),
                         O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (!file.valid()) {
    throw std::runtime_error("cannot create '" + shown + "': " + std::strerror(errno));
  }
  if (!write_body(file.get())) {
    throw std::runtime_error("cannot write '" + shown + "': " + std::strerror(errno));
  }
  return shown;
}

bool CrawlMirror::load(std::string_view url, std::string& body) const {
  body.clear();
  std::vector<std::string> parts = segments(url);
  std::string shown(url);
  UniqueFd dir;
  try {
    dir = open_folder(parts, shown, false);
  } catch (const std::runtime_error&) {
    return false;
  }
  UniqueFd file(::openat(dir.get(), parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!file.valid()) {
    return false;
  }
  char buf[65536];
  for (;;) {
    ssize_t got = ::read(file.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return false;
    }
    if (got == 0) {
      return true;
    }
    body.append(buf, static_cast<std::size_t>(got));
  }
}

void CrawlMirror::replace(std::string_view url, std::string_view body) {
  std::vector<std::string> parts = segments(url);
  std::string shown(url);
  UniqueFd dir = open_folder(parts, shown, false);
  // "%-" never comes out of segments(), so the temporary name is no page's.
  std::string tmp = parts.back() + "%-tmp";
  UniqueFd file(::openat(dir.get(), tmp.c_str(),
                         O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (!file.valid()) {
    throw std::runtime_error("cannot create '" + shown + "%-tmp': " + std::strerror(errno));
  }
  if (!write_all(file.get(), body)) {
    int err = errno;
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    throw std::runtime_error("cannot write '" + shown + "%-tmp': " + std::strerror(err));
  }
  file.reset();
  if (::renameat(dir.get(), tmp.c_str(), dir.get(), parts.back().c_str()) != 0) {
    int err = errno;
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    throw std::runtime_error("cannot replace '" + shown + "': " + std::strerror(err));
  }
}

}  // namespace greenfetch
