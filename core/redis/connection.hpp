// One connection to a Redis server spoken asynchronously on the reactor: hiredis's async API
// (redisAsyncContext) with this file's own adapter from its event hooks (addRead, delRead,
// addWrite, delWrite, cleanup) to reactor registrations. No thread.
//
// A caller (a fiber, or the main stack, which then runs the reactor meanwhile) sends commands
// and waits for their replies on a Waiter; hiredis's reply callback only copies the reply and
// posts the waiter, so the caller is resumed by the reactor, never from inside hiredis.
// Commands of several callers, and those of one pipeline() call, go out together on the one
// connection (pipelined). A lost connection fails every command waiting (nullopt, error());
// the next command connects again. Scripts run with EVALSHA, and with EVAL when the server does
// not know the script (NOSCRIPT: after a restart).
//
// HOST is resolved by hiredis with getaddrinfo() when connecting: give an IP address (or a
// name in /etc/hosts) to keep the reactor from waiting on DNS.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/reactor.hpp"
#include "core/engine/timer.hpp"

struct redisAsyncContext;

namespace greenfetch {

// redis://HOST:PORT[/DB]
struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
};
// Parses redis://HOST[:PORT][/DB]; nullopt if it is not one.
std::optional<RedisAddress> parse_redis_url(std::string_view url);

// A reply, copied out of hiredis's redisReply (which hiredis frees when the callback returns).
struct RedisReply {
  enum class Type : uint8_t { nil, integer, string, status, error, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;  // string, status, error
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::error; }
};

// A Lua script and its SHA-1 (for EVALSHA).
struct RedisScript {
  explicit RedisScript(std::string body);
  std::string body;
  std::string sha1;  // hex
};

// Frees a context hiredis has not freed itself.
struct RedisAsyncFree {
  void operator()(redisAsyncContext* c) const;
};
using RedisAsyncHandle = std::unique_ptr<redisAsyncContext, RedisAsyncFree>;

class RedisConnection {
 public:
  RedisConnection(Reactor& reactor, RedisAddress address);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  using Command = std::vector<std::string>;

  // Sends the command and waits for its reply (or `timeout`: the connection is then dropped).
  // nullopt when the connection failed or was lost; error() says why.
  std::optional<RedisReply> command(const Command& args,
                                    Clock::duration timeout = std::chrono::seconds(10));
  // Sends all commands at once and waits for all replies, in order.
  std::optional<std::vector<RedisReply>> pipeline(
      const std::vector<Command>& commands, Clock::duration timeout = std::chrono::seconds(10));
  // EVALSHA, then EVAL if the server answers NOSCRIPT.
  std::optional<RedisReply> eval(const RedisScript& script, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args,
                                 Clock::duration timeout = std::chrono::seconds(10));

  // Drops the connection (commands waiting fail); the next command connects again.
  void disconnect();
  bool connected() const { return m_ctx != nullptr; }
  const std::string& error() const { return m_error; }
  const RedisAddress& address() const { return m_address; }

 private:
  struct Pending;
  struct Batch;
  class Events;  // the reactor side: FdHandler for the context's fd

  bool ensure_connected();
  bool send(const Command& args, Pending* p);
  void on_reply(void* reply, Pending* p);
  void on_cleanup();
  void set_interest(uint32_t add, uint32_t remove);

  static void reply_trampoline(redisAsyncContext* c, void* reply, void* privdata);
  static void add_read(void* data);
  static void del_read(void* data);
  static void add_write(void* data);
  static void del_write(void* data);
  static void cleanup(void* data);

  Reactor& m_reactor;
  RedisAddress m_address;
  // The context, owned here until hiredis frees it itself (its cleanup hook says so): after a
  // lost connection hiredis frees it from inside its read or write handler.
  RedisAsyncHandle m_ctx;
  std::unique_ptr<Events> m_events;
  int m_fd = -1;
  uint32_t m_interest = 0;  // EPOLLIN / EPOLLOUT asked for by hiredis
  std::string m_error;
};

}  // namespace greenfetch
