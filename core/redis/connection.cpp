#include "core/redis/connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <sys/epoll.h>

#include <charconv>

#include "core/engine/waiter.hpp"

namespace greenfetch {

std::optional<RedisAddress> parse_redis_url(std::string_view url) {
  constexpr std::string_view k_scheme = "redis://";
  if (url.substr(0, k_scheme.size()) != k_scheme) {
    return std::nullopt;
  }
  url.remove_prefix(k_scheme.size());
  RedisAddress a;
  std::string_view authority = url.substr(0, url.find('/'));
  std::string_view path =
      authority.size() < url.size() ? url.substr(authority.size() + 1) : std::string_view{};
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:PORT
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return std::nullopt;
      }
      port = rest.substr(1);
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (ec != std::errc() || end != port.data() + port.size() || a.port < 1 || a.port > 65535) {
      return std::nullopt;
    }
  }
  if (host.empty()) {
    return std::nullopt;
  }
  a.host = std::string(host);
  if (!path.empty()) {
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), a.db);
    if (ec != std::errc() || end != path.data() + path.size() || a.db < 0) {
      return std::nullopt;
    }
  }
  return a;
}

RedisScript::RedisScript(std::string text) : body(std::move(text)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  constexpr std::string_view k_hex = "0123456789abcdef";
  for (unsigned char c : digest) {
    sha1 += k_hex[c >> 4];
    sha1 += k_hex[c & 15];
  }
}

void RedisAsyncFree::operator()(redisAsyncContext* c) const {
  redisAsyncFree(c);
}

// One command waiting for its reply; its batch is posted when the last reply of it came.
struct RedisConnection::Batch {
  explicit Batch(Reactor& r) : waiter(r) {}
  Waiter waiter;
  std::size_t remaining = 0;
};

struct RedisConnection::Pending {
  RedisConnection* conn = nullptr;
  Batch* batch = nullptr;
  std::optional<RedisReply> reply;
  bool done = false;
};

class RedisConnection::Events final : public FdHandler {
 public:
  explicit Events(RedisConnection& c) : m_conn(c) {}
  void on_fd_events(int /*fd*/, uint32_t events) override {
    // Either call may end with hiredis freeing the context (cleanup then clears m_ctx).
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 && m_conn.m_ctx &&
        (m_conn.m_interest & EPOLLIN) != 0) {
      redisAsyncHandleRead(m_conn.m_ctx.get());
    }
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0 && m_conn.m_ctx &&
        (m_conn.m_interest & EPOLLOUT) != 0) {
      redisAsyncHandleWrite(m_conn.m_ctx.get());
    }
  }

 private:
  RedisConnection& m_conn;
};

namespace {

RedisReply copy_reply(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) {
        out.elements.push_back(copy_reply(r->element[i]));
      }
      break;
    default:
      break;  // nil
  }
  return out;
}

}  // namespace

RedisConnection::RedisConnection(Reactor& reactor, RedisAddress address)
    : m_reactor(reactor),
      m_address(std::move(address)),
      m_events(std::make_unique<Events>(*this)) {}

RedisConnection::~RedisConnection() {
  disconnect();
}

void RedisConnection::disconnect() {
  m_ctx.reset();  // pending commands get a NULL reply; cleanup() unwatches the fd
}

// Trampolines: hiredis's hooks and callbacks call one member each.
void RedisConnection::add_read(void* data) {
  static_cast<RedisConnection*>(data)->set_interest(EPOLLIN, 0);
}
void RedisConnection::del_read(void* data) {
  static_cast<RedisConnection*>(data)->set_interest(0, EPOLLIN);
}
void RedisConnection::add_write(void* data) {
  static_cast<RedisConnection*>(data)->set_interest(EPOLLOUT, 0);
}
void RedisConnection::del_write(void* data) {
  static_cast<RedisConnection*>(data)->set_interest(0, EPOLLOUT);
}
void RedisConnection::cleanup(void* data) {
  static_cast<RedisConnection*>(data)->on_cleanup();
}
void RedisConnection::reply_trampoline(redisAsyncContext* /*c*/, void* reply, void* privdata) {
  auto* p = static_cast<Pending*>(privdata);
  p->conn->on_reply(reply, p);
}

void RedisConnection::set_interest(uint32_t add, uint32_t remove) {
  uint32_t next = (m_interest | add) & ~remove;
  if (next == m_interest || m_fd < 0) {
    m_interest = next;
    return;
  }
  m_interest = next;
  if (m_interest == 0) {
    m_reactor.unwatch(m_fd, true);
  } else {
    m_reactor.watch(m_fd, m_interest, m_events.get());
  }
}

void RedisConnection::on_cleanup() {
  // The context is being freed (by hiredis after an error, or by disconnect()): its fd closes.
  if (m_fd >= 0) {
    m_reactor.unwatch(m_fd);
    m_reactor.forget(m_fd);
  }
  m_fd = -1;
  m_interest = 0;
  if (m_ctx && m_ctx->err != 0) {
    m_error = m_ctx->errstr;
  }
  (void)m_ctx.release();  // hiredis frees it right after this hook (or disconnect() does)
}

void RedisConnection::on_reply(void* reply, Pending* p) {
  if (reply != nullptr) {
    p->reply = copy_reply(static_cast<redisReply*>(reply));
  } else if (m_error.empty()) {
    m_error = "connection lost";
  }
  p->done = true;
  if (--p->batch->remaining == 0) {
    p->batch->waiter.post();  // only queues the waiting fiber: it runs after this callback
  }
}

bool RedisConnection::ensure_connected() {
  if (m_ctx) {
    return true;
  }
  redisAsyncContext* c = redisAsyncConnect(m_address.host.c_str(), m_address.port);
  if (c == nullptr) {
    m_error = "out of memory";
    return false;
  }
  if (c->err != 0) {
    m_error = c->errstr;
    redisAsyncFree(c);
    return false;
  }
  m_error.clear();
  m_ctx.reset(c);
  m_fd = c->c.fd;
  c->ev.data = this;
  c->ev.addRead = &RedisConnection::add_read;
  c->ev.delRead = &RedisConnection::del_read;
  c->ev.addWrite = &RedisConnection::add_write;
  c->ev.delWrite = &RedisConnection::del_write;
  c->ev.cleanup = &RedisConnection::cleanup;
  // The non-blocking connect is under way: its end shows as writable. Commands sent meanwhile
  // wait in hiredis's buffer.
  set_interest(EPOLLOUT, 0);
  if (m_address.db != 0) {
    // First on the connection, before any command of a caller; its reply is not awaited.
    std::string db = std::to_string(m_address.db);
    const char* argv[] = {"SELECT", db.c_str()};
    std::size_t lens[] = {6, db.size()};
    redisAsyncCommandArgv(c, nullptr, nullptr, 2, argv, lens);
  }
  return true;
}

bool RedisConnection::send(const Command& args, Pending* p) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAsyncCommandArgv(m_ctx.get(), &RedisConnection::reply_trampoline, p,
                               static_cast<int>(args.size()), argv.data(), lens.data()) == REDIS_OK;
}

std::optional<std::vector<RedisReply>> RedisConnection::pipeline(const std::vector<Command>& cmds,
                                                                 Clock::duration timeout) {
  if (!ensure_connected()) {
    return std::nullopt;
  }
  Batch batch(m_reactor);
  std::vector<Pending> pending(cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    pending[i].conn = this;
    pending[i].batch = &batch;
    ++batch.remaining;
    if (!m_ctx || !send(cmds[i], &pending[i])) {
      --batch.remaining;
      pending[i].done = true;
      m_error = "cannot send the command";
    }
  }
  if (batch.remaining > 0 && !batch.waiter.wait(timeout)) {
    m_error = "no answer in time";
    disconnect();  // every reply still awaited is called back now, with none
  }
  std::vector<RedisReply> out;
  out.reserve(cmds.size());
  for (Pending& p : pending) {
    if (!p.reply) {
      return std::nullopt;
    }
    out.push_back(std::move(*p.reply));
  }
  return out;
}

std::optional<RedisReply> RedisConnection::command(const Command& args, Clock::duration timeout) {
  std::optional<std::vector<RedisReply>> r = pipeline({args}, timeout);
  if (!r) {
    return std::nullopt;
  }
  return std::move(r->front());
}

std::optional<RedisReply> RedisConnection::eval(const RedisScript& script,
                                                const std::vector<std::string>& keys,
                                                const std::vector<std::string>& args,
                                                Clock::duration timeout) {
  Command cmd{"EVALSHA", script.sha1, std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  std::optional<RedisReply> r = command(cmd, timeout);
  if (r && r->is_error() && r->str.rfind("NOSCRIPT", 0) == 0) {
    cmd[0] = "EVAL";
    cmd[1] = script.body;
    r = command(cmd, timeout);
  }
  return r;
}

}  // namespace greenfetch
