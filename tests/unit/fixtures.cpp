#include "tests/unit/fixtures.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#ifndef GREENFETCH_TESTS_DIR
#error "GREENFETCH_TESTS_DIR must point at the tests directory"
#endif

namespace greenfetch::test {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto k_start_timeout = 10s;
constexpr auto k_stop_grace = 3s;
constexpr int k_start_attempts = 5;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("test fixture: " + what);
}

[[noreturn]] void fail_errno(const std::string& what) {
  fail(what + ": " + std::strerror(errno));
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// An executable from the environment variable `env` if set, else `name` found in PATH, else
// `fallback`.
std::string find_program(const char* env, const std::string& name, const std::string& fallback) {
  if (const char* value = std::getenv(env); value != nullptr && *value != '\0') {
    return value;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) {
      end = dirs.size();
    }
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && dir.front() == '/') {
      std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    start = end + 1;
  }
  return fallback;
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    fail_errno("pipe2");
  }
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  return a;
}

int bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    fail_errno("getsockname");
  }
  return ntohs(a.sin_port);
}

// A port on 127.0.0.1 free for both UDP and TCP right now.
int free_udp_tcp_port() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = loopback(0);
    if (!udp.valid() || ::bind(udp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      continue;
    }
    int port = bound_port(udp.get());
    UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in b = loopback(port);
    if (tcp.valid() && ::bind(tcp.get(), reinterpret_cast<sockaddr*>(&b), sizeof b) == 0) {
      return port;
    }
  }
  fail("no free UDP+TCP port on 127.0.0.1");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void sleep_for(std::chrono::milliseconds d) {
  std::this_thread::sleep_for(d);
}

// --- DNS messages ------------------------------------------------------------------------------

std::string build_query(std::string_view name, int qtype, uint16_t id) {
  std::string q;
  auto put16 = [&q](unsigned v) {
    q.push_back(static_cast<char>((v >> 8) & 0xff));
    q.push_back(static_cast<char>(v & 0xff));
  };
  put16(id);
  put16(0x0100);  // standard query, recursion desired
  put16(1);
  put16(0);
  put16(0);
  put16(0);
  while (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) {
      end = name.size();
    }
    std::size_t len = end - start;
    if (len == 0 || len > 63) {
      throw std::invalid_argument("bad DNS name: " + std::string(name));
    }
    q.push_back(static_cast<char>(len));
    q.append(name.substr(start, len));
    start = end + 1;
  }
  q.push_back('\0');
  put16(static_cast<unsigned>(qtype));
  put16(1);  // class IN
  return q;
}

unsigned get16(const std::string& m, std::size_t pos) {
  return (static_cast<unsigned char>(m[pos]) << 8) | static_cast<unsigned char>(m[pos + 1]);
}

// The position after the (possibly compressed) name at pos, or npos if malformed.
std::size_t skip_name(const std::string& m, std::size_t pos) {
  for (int labels = 0; labels < 128 && pos < m.size(); ++labels) {
    auto len = static_cast<unsigned char>(m[pos]);
    if (len == 0) {
      return pos + 1;
    }
    if ((len & 0xc0) == 0xc0) {
      return pos + 2;
    }
    pos += 1 + len;
  }
  return std::string::npos;
}

std::optional<DnsAnswer> parse_response(const std::string& m, uint16_t id) {
  if (m.size() < 12 || get16(m, 0) != id || (get16(m, 2) & 0x8000) == 0) {
    return std::nullopt;
  }
  DnsAnswer answer;
  answer.rcode = static_cast<int>(get16(m, 2) & 0x000f);
  unsigned questions = get16(m, 4);
  unsigned answers = get16(m, 6);
  std::size_t pos = 12;
  for (unsigned i = 0; i < questions; ++i) {
    pos = skip_name(m, pos);
    if (pos == std::string::npos) {
      return std::nullopt;
    }
    pos += 4;
  }
  for (unsigned i = 0; i < answers; ++i) {
    pos = skip_name(m, pos);
    if (pos == std::string::npos || pos + 10 > m.size()) {
      return std::nullopt;
    }
    unsigned type = get16(m, pos);
    unsigned length = get16(m, pos + 8);
    pos += 10;
    if (pos + length > m.size()) {
      return std::nullopt;
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (type == k_dns_type_a && length == 4) {
      ::inet_ntop(AF_INET, m.data() + pos, text, sizeof text);
      answer.addresses.emplace_back(text);
    } else if (type == k_dns_type_aaaa && length == 16) {
      ::inet_ntop(AF_INET6, m.data() + pos, text, sizeof text);
      answer.addresses.emplace_back(text);
    }
    pos += length;
  }
  return answer;
}

uint16_t next_query_id() {
  static std::atomic<uint32_t> counter{static_cast<uint32_t>(::getpid()) * 7919u};
  return static_cast<uint16_t>(counter.fetch_add(1) & 0xffff);
}

}  // namespace

// --- ChildProcess ------------------------------------------------------------------------------

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd,
                                 int stderr_fd, bool die_with_parent) {
  if (argv.empty()) {
    throw std::invalid_argument("ChildProcess::spawn: empty argv");
  }
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe
  // calls.
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  UniqueFd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!dev_null.valid()) {
    fail_errno("open /dev/null");
  }
  int in = stdin_fd >= 0 ? stdin_fd : dev_null.get();
  Pipe exec_error = make_pipe();  // CLOEXEC: EOF on a successful exec, else the child's errno
  int error_fd = exec_error.write.get();
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  int close_limit = max_fd > 0 && max_fd < 65536 ? static_cast<int>(max_fd) : 65536;
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) {
    fail_errno("fork");
  }
  if (pid == 0) {
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) {
        ::_exit(127);
      }
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    if (::dup2(in, 0) < 0 || (stdout_fd >= 0 && ::dup2(stdout_fd, 1) < 0) ||
        (stderr_fd >= 0 && ::dup2(stderr_fd, 2) < 0)) {
      int e = errno;
      (void)!::write(error_fd, &e, sizeof e);
      ::_exit(127);
    }
    // Close every other fd but the exec-error pipe (CLOEXEC, it closes on exec).
    if ((error_fd > 3 && ::close_range(3, static_cast<unsigned>(error_fd) - 1, 0) != 0) ||
        ::close_range(static_cast<unsigned>(error_fd) + 1, ~0u, 0) != 0) {
      for (int fd = 3; fd < close_limit; ++fd) {
        if (fd != error_fd) {
          ::close(fd);
        }
      }
    }
    ::execv(args[0], args.data());
    int e = errno;
    (void)!::write(error_fd, &e, sizeof e);
    ::_exit(127);
  }

  ChildProcess child(pid);
  exec_error.write.reset();
  int child_errno = 0;
  ssize_t n = -1;
  for (int i = 0; i < 100; ++i) {
    n = ::read(exec_error.read.get(), &child_errno, sizeof child_errno);
    if (n >= 0 || errno != EINTR) {
      break;
    }
  }
  if (n > 0) {
    child.stop();
    fail("cannot run " + argv[0] + ": " + std::strerror(child_errno));
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : m_pid(std::exchange(other.m_pid, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    stop();
    m_pid = std::exchange(other.m_pid, -1);
  }
  return *this;
}

bool ChildProcess::running() {
  if (m_pid <= 0) {
    return false;
  }
  int status = 0;
  pid_t r = ::waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid || (r < 0 && errno == ECHILD)) {
    m_pid = -1;
    return false;
  }
  return true;
}

void ChildProcess::stop() noexcept {
  if (m_pid <= 0) {
    return;
  }
  ::kill(m_pid, SIGTERM);
  Clock::time_point deadline = Clock::now() + k_stop_grace;
  for (int i = 0; i < 10000 && Clock::now() < deadline; ++i) {
    if (!running()) {
      return;
    }
    std::this_thread::sleep_for(2ms);
  }
  ::kill(m_pid, SIGKILL);
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (::waitpid(m_pid, &status, 0) >= 0 || errno != EINTR) {
      break;
    }
  }
  m_pid = -1;
}

// --- HttpFixture -------------------------------------------------------------------------------

HttpFixture::HttpFixture() {
  // GREENFETCH_PYTHON, else the system's /usr/bin/python3 (starts fastest: PATH may hold a
  // pyenv shim), else python3 from PATH. -I -S: the server needs only the standard library.
  std::string python = "/usr/bin/python3";
  if (std::getenv("GREENFETCH_PYTHON") != nullptr || ::access(python.c_str(), X_OK) != 0) {
    python = find_program("GREENFETCH_PYTHON", "python3", python);
  }
  std::string script = GREENFETCH_TESTS_DIR "/fixture/http_server.py";
  Pipe in = make_pipe();
  Pipe out = make_pipe();
  m_child = ChildProcess::spawn({python, "-I", "-S", script, "--port", "0", "--bind", "127.0.0.1"},
                                in.read.get(), out.write.get());
  in.read.reset();
  out.write.reset();
  m_stdin = std::move(in.write);

  std::string line;
  Clock::time_point deadline = Clock::now() + k_start_timeout;
  for (int i = 0; i < 10000 && line.find('\n') == std::string::npos; ++i) {
    pollfd p{out.read.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      fail("http_server.py printed no port within 10 s (got \"" + line + "\")");
    }
    char buf[256];
    ssize_t n = ::read(out.read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      fail("http_server.py exited before printing its port (" + script + ")");
    }
    line.append(buf, static_cast<std::size_t>(n));
    if (line.size() > 4096) {
      break;
    }
  }
  if (line.rfind("PORT ", 0) != 0) {
    fail("http_server.py said \"" + line + "\" instead of PORT n");
  }
  m_port = std::atoi(line.c_str() + 5);
  if (m_port <= 0 || m_port > 65535) {
    fail("bad port line from http_server.py: " + line);
  }
}

HttpFixture::~HttpFixture() {
  m_stdin.reset();  // EOF: the server exits by itself
  m_child.stop();
}

std::string HttpFixture::base() const {
  return "http://127.0.0.1:" + std::to_string(m_port);
}

std::string HttpFixture::url(std::string_view path) const {
  std::string u = base();
  if (path.empty() || path.front() != '/') {
    u += '/';
  }
  u += path;
  return u;
}

// --- DnsFixture --------------------------------------------------------------------------------

DnsFixture::DnsFixture(const std::map<std::string, std::string>& records) {
  std::string tmp = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t == '/') {
    tmp = t;
  }
  std::string pattern = tmp + "/greenfetch-dns-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    fail_errno("mkdtemp " + pattern);
  }
  m_dir = pattern;
  std::string log;
  try {
    for (int attempt = 0; attempt < k_start_attempts; ++attempt) {
      if (try_start(records, log)) {
        return;
      }
      if (log.find("in use") == std::string::npos) {
        break;  // not a port race: retrying will not help
      }
    }
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
  fail("dnsmasq did not start: " + log);
}

bool DnsFixture::try_start(const std::map<std::string, std::string>& records, std::string& log) {
  // GREENFETCH_DNSMASQ, else /usr/sbin/dnsmasq (often not in a user's PATH), else PATH.
  std::string dnsmasq = "/usr/sbin/dnsmasq";
  if (std::getenv("GREENFETCH_DNSMASQ") != nullptr || ::access(dnsmasq.c_str(), X_OK) != 0) {
    dnsmasq = find_program("GREENFETCH_DNSMASQ", "dnsmasq", dnsmasq);
  }
  if (::access(dnsmasq.c_str(), X_OK) != 0) {
    fail("dnsmasq not found (Debian package dnsmasq-base): " + dnsmasq);
  }
  m_port = free_udp_tcp_port();
  std::string conf_path = m_dir + "/dnsmasq.conf";
  std::string log_path = m_dir + "/dnsmasq.log";
  {
    std::ofstream conf(conf_path, std::ios::trunc);
    conf << "port=" << m_port << "\n"
         << "listen-address=127.0.0.1\n"
         << "bind-interfaces\n"
         << "no-resolv\n"
         << "no-hosts\n"
         << "no-daemon\n"
         << "local=/test/\n"
         << "local-ttl=60\n"
         << "log-facility=-\n";
    for (const auto& [name, ips] : records) {
      std::size_t start = 0;
      while (start <= ips.size()) {
        std::size_t end = ips.find(',', start);
        if (end == std::string::npos) {
          end = ips.size();
        }
        if (end > start) {
          conf << "host-record=" << name << "," << ips.substr(start, end - start) << "\n";
        }
        start = end + 1;
      }
    }
    if (!conf) {
      fail("cannot write " + conf_path);
    }
  }
  UniqueFd log_fd(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log_fd.valid()) {
    fail_errno("open " + log_path);
  }
  m_child = ChildProcess::spawn({dnsmasq, "--keep-in-foreground", "--conf-file=" + conf_path}, -1,
                                log_fd.get(), log_fd.get(), true);
  log_fd.reset();

  std::string probe = records.empty() ? "ready.test" : records.begin()->first;
  Clock::time_point deadline = Clock::now() + k_start_timeout;
  for (int i = 0; i < 10000 && Clock::now() < deadline; ++i) {
    if (!m_child.running()) {
      break;
    }
    if (dns_query(m_port, probe, k_dns_type_a, 100ms)) {
      return true;
    }
    sleep_for(10ms);
  }
  m_child.stop();
  log = read_file(log_path);
  if (log.empty()) {
    log = "no answer within 10 s";
  }
  return false;
}

DnsFixture::DnsFixture(DnsFixture&& other) noexcept
    : m_child(std::move(other.m_child)),
      m_dir(std::exchange(other.m_dir, {})),
      m_port(other.m_port) {}

DnsFixture& DnsFixture::operator=(DnsFixture&& other) noexcept {
  if (this != &other) {
    cleanup();
    m_child = std::move(other.m_child);
    m_dir = std::exchange(other.m_dir, {});
    m_port = other.m_port;
  }
  return *this;
}

DnsFixture::~DnsFixture() {
  cleanup();
}

void DnsFixture::cleanup() noexcept {
  m_child.stop();
  if (!m_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
    m_dir.clear();
  }
}

std::string DnsFixture::server() const {
  return "127.0.0.1:" + std::to_string(m_port);
}

// --- BlackholeDns ------------------------------------------------------------------------------

BlackholeDns::BlackholeDns() : m_socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  if (!m_socket.valid()) {
    fail_errno("socket");
  }
  sockaddr_in a = loopback(0);
  if (::bind(m_socket.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    fail_errno("bind 127.0.0.1:0");
  }
  m_port = bound_port(m_socket.get());
}

std::string BlackholeDns::server() const {
  return "127.0.0.1:" + std::to_string(m_port);
}

// --- dns_query ---------------------------------------------------------------------------------

std::optional<DnsAnswer> dns_query(int port, std::string_view name, int qtype,
                                   std::chrono::milliseconds timeout) {
  uint16_t id = next_query_id();
  std::string packet = build_query(name, qtype, id);
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(port);
  if (!s.valid() || ::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::send(s.get(), packet.data(), packet.size(), 0) < 0) {
    return std::nullopt;
  }
  Clock::time_point deadline = Clock::now() + timeout;
  for (int i = 0; i < 100; ++i) {  // stray datagrams with another id are skipped
    pollfd p{s.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      return std::nullopt;
    }
    std::string buf(65535, '\0');
    ssize_t n = ::recv(s.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      return std::nullopt;  // e.g. ECONNREFUSED: nothing listens there
    }
    buf.resize(static_cast<std::size_t>(n));
    if (std::optional<DnsAnswer> answer = parse_response(buf, id)) {
      return answer;
    }
  }
  return std::nullopt;
}

}  // namespace greenfetch::test
