#include "core/input/url_source.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/base/ascii.hpp"
#include "core/engine/reactor.hpp"
#include "core/engine/waiter.hpp"
#include "core/input/config_file.hpp"

namespace greenfetch {

namespace {

constexpr std::size_t k_read_size = std::size_t{64} * 1024;
constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

// Posts a waiter when its fd becomes readable.
class ReadableWatch final : public FdHandler {
 public:
  explicit ReadableWatch(Waiter& w) : m_waiter(w) {}
  void on_fd_events(int /*fd*/, uint32_t /*events*/) override { m_waiter.post(); }

 private:
  Waiter& m_waiter;
};

void wait_readable(int fd) {
  Reactor& reactor = Reactor::current();
  Waiter w(reactor);
  ReadableWatch watch(w);
  reactor.watch(fd, EPOLLIN, &watch);
  w.wait();
  reactor.unwatch(fd);
}

}  // namespace

InputLine parse_input_line(std::string_view line) {
  InputLine out;
  std::string_view text = trim_line(line);
  if (text.empty() || text.front() == '#') {
    return out;
  }
  out.url = text;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out.kind = InputLine::Kind::invalid;
      out.error = fmt::format("control character 0x{:02x} in the URL", byte);
      return out;
    }
  }
  out.kind = InputLine::Kind::url;
  return out;
}

LineReader::LineReader(int fd, std::string name)
    : m_fd(fd),
      m_owned(fd != STDIN_FILENO),
      m_pollable(Reactor::pollable(fd)),
      m_name(std::move(name)) {}

LineReader::LineReader(LineReader&& o) noexcept
    : m_fd(std::exchange(o.m_fd, -1)),
      m_owned(o.m_owned),
      m_pollable(o.m_pollable),
      m_eof(o.m_eof),
      m_name(std::move(o.m_name)),
      m_buffer(std::move(o.m_buffer)),
      m_pos(o.m_pos),
      m_line(o.m_line) {}

LineReader::~LineReader() {
  if (m_owned && m_fd >= 0) {
    ::close(m_fd);
  }
}

bool LineReader::fill() {
  if (m_eof) {
    return false;
  }
  if (m_pos > 0) {
    m_buffer.erase(0, m_pos);
    m_pos = 0;
  }
  if (m_pollable) {
    wait_readable(m_fd);
  }
  std::size_t old = m_buffer.size();
  m_buffer.resize(old + k_read_size);
  ssize_t n = 0;
  do {
    n = ::read(m_fd, m_buffer.data() + old, k_read_size);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    m_buffer.resize(old);
    throw std::runtime_error("cannot read " + m_name + ": " + std::strerror(errno));
  }
  m_buffer.resize(old + static_cast<std::size_t>(n));
  if (n == 0) {
    m_eof = true;
  }
  return n > 0;
}

std::string LineReader::take_line(std::string line) {
  if (++m_line == 1 && line.starts_with(k_utf8_bom)) {
    line.erase(0, k_utf8_bom.size());
  }
  return line;
}

std::optional<std::string> LineReader::next_line() {
  for (;;) {
    std::size_t nl = m_buffer.find('\n', m_pos);
    if (nl != std::string::npos) {
      std::string line = m_buffer.substr(m_pos, nl - m_pos);
      m_pos = nl + 1;
      return take_line(std::move(line));
    }
    if (!fill()) {
      if (m_pos < m_buffer.size()) {  // a last line without '\n'
        std::string line = m_buffer.substr(m_pos);
        m_pos = m_buffer.size();
        return take_line(std::move(line));
      }
      return std::nullopt;
    }
  }
}

UrlSource::UrlSource(std::vector<std::string> urls, const std::vector<std::string>& files,
                     bool glob, const std::vector<std::string>& config_files)
    : m_urls(std::move(urls)), m_glob(glob) {
  for (const std::string& f : config_files) {
    int fd = f == "-" ? STDIN_FILENO : ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw UsageError("cannot open config file '" + f + "': " + std::strerror(errno));
    }
    m_configs.emplace_back(fd, f);
  }
  for (const std::string& u : m_urls) {
    if (glob) {
      try {
        UrlGlob check(u);  // parsed again when its turn comes; only the patterns are kept
      } catch (const GlobError& e) {
        throw UsageError("'" + u + "': " + e.what() + " (-g turns globbing off)");
      }
    }
  }
  for (const std::string& f : files) {
    if (f == "-") {
      m_readers.emplace_back(STDIN_FILENO, "-");
      continue;
    }
    int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw UsageError("cannot open input file '" + f + "': " + std::strerror(errno));
    }
    m_readers.emplace_back(fd, f);
  }
}

bool UrlSource::next_config_url(SourceLine& s) {
  while (m_next_config < m_configs.size()) {
    LineReader& r = m_configs[m_next_config];
    while (std::optional<std::string> line = r.next_line()) {
      std::optional<ConfigEntry> entry;
      try {
        entry = parse_config_line(*line);
      } catch (const ConfigError& e) {
        throw std::runtime_error(r.name() + ":" + std::to_string(r.line_number()) + ": " +
                                 e.what());
      }
      if (!entry || entry->option != "--url" || !entry->value) {
        continue;
      }
      if (m_glob && entry->value->find_first_of("[{") != std::string::npos) {
        try {
          m_expanding.emplace(*entry->value);
          m_expanding_origin = r.name();
          m_expanding_line = r.line_number();
        } catch (const GlobError& e) {
          throw std::runtime_error(r.name() + ":" + std::to_string(r.line_number()) + ": " +
                                   e.what());
        }
        if (m_expanding->next(s.request.url)) {
          s.urlnum = m_count++;
          s.request.line = r.line_number();
          s.origin = r.name();
          return true;
        }
        continue;
      }
      s.request.url = std::move(*entry->value);
      s.request.line = r.line_number();
      s.origin = r.name();
      s.urlnum = m_count++;
      return true;
    }
    ++m_next_config;
  }
  return false;
}

std::optional<SourceLine> UrlSource::next() {
  for (;;) {
    if (m_expanding) {
      SourceLine s;
      if (m_expanding->next(s.request.url)) {
        s.urlnum = m_count++;
        s.request.line = m_expanding_line;
        s.origin = m_expanding_origin;
        return s;
      }
      m_expanding.reset();
    }
    if (m_next_url >= m_urls.size()) {
      SourceLine s;
      if (next_config_url(s)) {
        return s;
      }
      break;
    }
    std::string& url = m_urls[m_next_url++];
    if (m_glob && url.find_first_of("[{") != std::string::npos) {
      m_expanding.emplace(url);
      m_expanding_origin.clear();
      m_expanding_line = 0;
      std::string().swap(url);
      continue;
    }
    SourceLine s;
    s.request.url = std::move(url);
    s.urlnum = m_count++;
    return s;
  }
  while (m_next_reader < m_readers.size()) {
    LineReader& r = m_readers[m_next_reader];
    while (std::optional<std::string> line = r.next_line()) {
      InputLine in = parse_input_line(*line);
      if (in.kind == InputLine::Kind::skip) {
        continue;
      }
      SourceLine s;
      s.request.url.assign(in.url);
      s.invalid = std::move(in.error);
      s.request.line = r.line_number();
      s.origin = r.name();
      s.urlnum = m_count++;
      return s;
    }
    ++m_next_reader;
  }
  return std::nullopt;
}

}  // namespace greenfetch
