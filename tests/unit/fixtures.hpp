// Loopback servers for the unit tests: the HTTP fixture (tests/fixture/http_server.py, see its
// docstring for the endpoints), dnsmasq as a real DNS server, and a DNS server that never
// answers. Every wait is bounded; children are stopped and reaped by the destructors.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/engine/unique_fd.hpp"

namespace greenfetch::test {

// A child process: the destructor (or stop()) sends SIGTERM, waits up to 3 s, then sends
// SIGKILL, and always reaps it. Move-only.
class ChildProcess {
 public:
  ChildProcess() = default;
  // Runs argv[0] (an absolute path) with argv, the fixture's environment and the given fds as
  // stdin/stdout/stderr (-1: /dev/null for stdin, inherited for stdout and stderr). Every other
  // fd is closed in the child, its signal mask is cleared and SIGPIPE/SIGTERM/SIGINT are reset
  // to their defaults. die_with_parent: the child gets SIGKILL when the calling thread exits
  // (PR_SET_PDEATHSIG). Throws std::runtime_error if the program cannot be started.
  static ChildProcess spawn(const std::vector<std::string>& argv, int stdin_fd = -1,
                            int stdout_fd = -1, int stderr_fd = -1, bool die_with_parent = false);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  pid_t pid() const { return m_pid; }
  // False once the child has exited (it is reaped then).
  bool running();
  void stop() noexcept;

 private:
  explicit ChildProcess(pid_t pid) : m_pid(pid) {}
  pid_t m_pid = -1;
};

// tests/fixture/http_server.py on 127.0.0.1:PORT (any free port), started by the constructor
// (which waits up to 10 s for its "PORT n" line and throws std::runtime_error otherwise) and
// stopped by the destructor. Its stdin is a pipe held open by this object, so the server also
// exits when the test process dies. Move-only.
class HttpFixture {
 public:
  HttpFixture();
  HttpFixture(HttpFixture&&) noexcept = default;
  HttpFixture& operator=(HttpFixture&&) noexcept = default;
  HttpFixture(const HttpFixture&) = delete;
  HttpFixture& operator=(const HttpFixture&) = delete;
  ~HttpFixture();

  int port() const { return m_port; }
  // "http://127.0.0.1:PORT"
  std::string base() const;
  // base() + path, e.g. url("/delay/100") -> "http://127.0.0.1:PORT/delay/100"
  std::string url(std::string_view path) const;

 private:
  ChildProcess m_child;
  UniqueFd m_stdin;
  int m_port = 0;
};

// dnsmasq serving `records` (name -> IP; "IPv4", "IPv6" or several joined with ',') on
// 127.0.0.1:PORT over UDP and TCP, from a config in a fresh mkdtemp directory. Only the exact
// names resolve (host-record=, TTL 60); other names under .test are NXDOMAIN, a name with no
// address of the asked type is NODATA. The constructor waits (up to 10 s) until dnsmasq
// answers and throws std::runtime_error (with dnsmasq's log) if it does not. The destructor
// stops dnsmasq and removes the directory. Move-only.
class DnsFixture {
 public:
  explicit DnsFixture(const std::map<std::string, std::string>& records);
  // DnsFixture dns({{"a.test", "127.0.0.1"}}): one record would be ambiguous with the map alone.
  explicit DnsFixture(std::initializer_list<std::pair<const std::string, std::string>> records)
      : DnsFixture(std::map<std::string, std::string>(records)) {}
  DnsFixture(DnsFixture&& other) noexcept;
  DnsFixture& operator=(DnsFixture&& other) noexcept;
  DnsFixture(const DnsFixture&) = delete;
  DnsFixture& operator=(const DnsFixture&) = delete;
  ~DnsFixture();

  int port() const { return m_port; }
  // "127.0.0.1:PORT", for ResolverOptions::servers
  std::string server() const;
  // The temp directory holding dnsmasq.conf and dnsmasq.log.
  const std::string& dir() const { return m_dir; }

 private:
  bool try_start(const std::map<std::string, std::string>& records, std::string& log);
  void cleanup() noexcept;

  ChildProcess m_child;
  std::string m_dir;
  int m_port = 0;
};

// A UDP socket bound to 127.0.0.1:PORT that is never read: queries sent there get no answer
// (and no ICMP port unreachable either). Move-only.
class BlackholeDns {
 public:
  BlackholeDns();

  int port() const { return m_port; }
  // "127.0.0.1:PORT"
  std::string server() const;
  // Closes the socket: queries to the port then meet an ICMP port unreachable.
  void stop() { m_socket.reset(); }

 private:
  UniqueFd m_socket;
  int m_port = 0;
};

inline constexpr int k_dns_type_a = 1;
inline constexpr int k_dns_type_aaaa = 28;

struct DnsAnswer {
  int rcode = -1;                      // 0 NOERROR, 3 NXDOMAIN, ...
  std::vector<std::string> addresses;  // the A/AAAA records, numeric
};

// Sends one hand-built query (recursion desired) for name to 127.0.0.1:port over UDP and
// parses the answer; std::nullopt if none arrives within timeout.
std::optional<DnsAnswer> dns_query(int port, std::string_view name, int qtype = k_dns_type_a,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(1));

}  // namespace greenfetch::test
