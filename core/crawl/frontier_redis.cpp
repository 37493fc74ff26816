#include "core/crawl/frontier_redis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/engine/waiter.hpp"
#include "core/input/url_source.hpp"

namespace greenfetch {

namespace {

// Send what add() and done() gathered at least this often.
constexpr auto k_sync_interval = std::chrono::milliseconds(100);
// An idle worker asks for work this often at first, then less often, up to the maximum.
constexpr auto k_idle_pause_min = std::chrono::milliseconds(20);
constexpr auto k_idle_pause_max = std::chrono::milliseconds(1000);
// robots.txt records are kept this long (RFC 9309 2.4: at most 24 hours).
constexpr int k_robots_ttl_seconds = 24 * 3600;
// Hosts taken in one sync at most, and URLs leased with a host at most.
constexpr std::size_t k_max_hosts_per_sync = 50;
constexpr std::size_t k_max_urls_per_lease = 100;

// ARGV: prefix worker lease_ms max_hosts urls_per_host n_add n_done n_release n_renew, then
// the adds (items), dones ("HOST\turl\tkind"), releases ("HOST\tdelay_ms") and renewals (HOST).
// Returns {taken = {HOST, {items}, ...}, ready hosts, leases, ms until the first ready host is
// due (-1: none), lost hosts, ms until the first lease ends (-1: none)}.
const RedisScript& sync_script() {
  static const RedisScript s(R"lua(
local p, worker = ARGV[1], ARGV[2]
local lease, max_hosts, per = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local na, nd, nr, nw = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local i = 10
local function give_back(h, delay)
  for _, item in ipairs(redis.call('HVALS', p .. 't:' .. h)) do
    redis.call('LPUSH', p .. 'q:' .. h, item)
  end
  redis.call('DEL', p .. 't:' .. h)
  redis.call('HDEL', p .. 'owner', h)
  redis.call('ZREM', p .. 'leases', h)
  if redis.call('LLEN', p .. 'q:' .. h) > 0 then
    redis.call('ZADD', p .. 'ready', now + delay, h)
  end
end
for _ = 1, na do
  local item = ARGV[i]
  i = i + 1
  local url = string.match(item, '^%d+\t([^\t]*)')
  if url and redis.call('SADD', p .. 'seen', url) == 1 then
    local h = string.match(url, '^([^:/]+://[^/?#]*)')
    redis.call('RPUSH', p .. 'q:' .. h, item)
    redis.call('SADD', p .. 'hosts', h)
    if redis.call('HEXISTS', p .. 'owner', h) == 0 then
      redis.call('ZADD', p .. 'ready', 'NX', now, h)
    end
  end
end
for _ = 1, nd do
  local h, url, kind = string.match(ARGV[i], '^([^\t]*)\t([^\t]*)\t(%a+)$')
  i = i + 1
  if h and redis.call('HDEL', p .. 't:' .. h, url) == 1 then
    redis.call('HINCRBY', p .. 'stats', kind, 1)
    redis.call('HINCRBY', p .. 'wstats', worker .. '\t' .. kind, 1)
    redis.call('HINCRBY', p .. 'hstats', h .. '\t' .. kind, 1)
  end
end
for _ = 1, nr do
  local h, delay = string.match(ARGV[i], '^(.*)\t(%d+)$')
  i = i + 1
  if h and redis.call('HGET', p .. 'owner', h) == worker then
    give_back(h, tonumber(delay))
  end
end
local lost = {}
for _ = 1, nw do
  local h = ARGV[i]
  i = i + 1
  if redis.call('HGET', p .. 'owner', h) == worker then
    redis.call('ZADD', p .. 'leases', now + lease, h)
  else
    table.insert(lost, h)
  end
end
for _, h in ipairs(redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', now, 'LIMIT', 0, 100)) do
  give_back(h, 0)
end
redis.call('HSET', p .. 'workers', worker, now)
local taken = {}
if max_hosts > 0 then
  local due = redis.call('ZRANGEBYSCORE', p .. 'ready', '-inf', now, 'LIMIT', 0, max_hosts)
  for _, h in ipairs(due) do
    redis.call('ZREM', p .. 'ready', h)
    local items = redis.call('LPOP', p .. 'q:' .. h, per)
    if items then
      for _, item in ipairs(items) do
        redis.call('HSET', p .. 't:' .. h, string.match(item, '^%d+\t([^\t]*)'), item)
      end
      redis.call('ZADD', p .. 'leases', now + lease, h)
      redis.call('HSET', p .. 'owner', h, worker)
      table.insert(taken, h)
      table.insert(taken, items)
    end
  end
end
local next_ready, next_lease = -1, -1
local first = redis.call('ZRANGE', p .. 'ready', 0, 0, 'WITHSCORES')
if #first > 0 then next_ready = math.max(0, tonumber(first[2]) - now) end
first = redis.call('ZRANGE', p .. 'leases', 0, 0, 'WITHSCORES')
if #first > 0 then next_lease = math.max(0, tonumber(first[2]) - now) end
return {taken, redis.call('ZCARD', p .. 'ready'), redis.call('ZCARD', p .. 'leases'), next_ready,
        lost, next_lease}
)lua");
  return s;
}

// KEYS[1] settings; ARGV[1] this worker's settings. Stores them if there are none; returns
// those stored.
const RedisScript& settings_script() {
  static const RedisScript s(R"lua(
local cur = redis.call('GET', KEYS[1])
if cur then return cur end
if ARGV[1] == '' then return false end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
)lua");
  return s;
}

std::string encode_item(const CrawlItem& item) {
  return fmt::format("{}\t{}\t{}", item.depth, item.url, item.referrer ? *item.referrer : "");
}

std::optional<CrawlItem> decode_item(const std::string& s) {
  std::size_t a = s.find('\t');
  std::size_t b = a == std::string::npos ? a : s.find('\t', a + 1);
  if (b == std::string::npos) {
    return std::nullopt;
  }
  CrawlItem item;
  item.depth = static_cast<uint32_t>(std::strtoul(s.c_str(), nullptr, 10));
  item.url = s.substr(a + 1, b - a - 1);
  if (b + 1 < s.size()) {
    item.referrer = std::make_shared<const std::string>(s.substr(b + 1));
  }
  return item;
}

const char* outcome_name(PageOutcome o) {
  switch (o) {
    case PageOutcome::fetched:
      return "done";
    case PageOutcome::failed:
      return "failed";
    case PageOutcome::skipped:
      return "skipped";
  }
  return "done";
}

// The settings part and the seeds of a stored settings text ("seed URL" lines come last).
std::pair<std::string, std::vector<std::string>> split_settings(const std::string& text) {
  std::size_t at = text.find("seed ");
  while (at != std::string::npos && at != 0 && text[at - 1] != '\n') {
    at = text.find("seed ", at + 1);
  }
  std::string head = text.substr(0, at == std::string::npos ? text.size() : at);
  std::vector<std::string> seeds;
  for (std::size_t pos = at; pos != std::string::npos && pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? end : end - pos);
    if (line.rfind("seed ", 0) == 0) {
      seeds.push_back(line.substr(5));
    }
    pos = end == std::string::npos ? end : end + 1;
  }
  return {head, seeds};
}

// The first line in which two settings texts differ, as "HERE (here) / THERE (the crawl's)".
std::string first_difference(const std::string& mine, const std::string& theirs) {
  std::size_t a = 0;
  std::size_t b = 0;
  for (;;) {
    std::size_t ea = mine.find('\n', a);
    std::size_t eb = theirs.find('\n', b);
    std::string la = a < mine.size() ? mine.substr(a, ea - a) : "(nothing)";
    std::string lb = b < theirs.size() ? theirs.substr(b, eb - b) : "(nothing)";
    if (la != lb) {
      return fmt::format("'{}' here, '{}' in the crawl", la, lb);
    }
    if (ea == std::string::npos || eb == std::string::npos) {
      return "?";
    }
    a = ea + 1;
    b = eb + 1;
  }
}

}  // namespace

RedisFrontierStore::RedisFrontierStore(CrawlFrontier& local, Reactor& reactor,
                                       RedisFrontierOptions options)
    : m_local(local),
      m_conn(reactor, options.address),
      m_options(std::move(options)),
      m_prefix("gf:" + m_options.crawl_id + ":") {
  m_next_sync = Clock::now();
}

RedisReply RedisFrontierStore::eval_retrying(const RedisScript& script,
                                             const std::vector<std::string>& args) {
  Clock::time_point since = Clock::now();
  Clock::duration pause = std::chrono::milliseconds(50);
  for (;;) {
    std::optional<RedisReply> r = m_conn.eval(script, {}, args);
    if (r && r->is_error()) {
      throw std::runtime_error(fmt::format("{}: {}", m_options.url, r->str));
    }
    if (r) {
      return std::move(*r);
    }
    if (Clock::now() - since > m_options.outage_limit) {
      throw std::runtime_error(fmt::format(
          "{}: unreachable for {} s: {}", m_options.url,
          std::chrono::duration_cast<std::chrono::seconds>(m_options.outage_limit).count(),
          m_conn.error()));
    }
    sleep_for(pause);
    pause = std::min<Clock::duration>(pause * 2, std::chrono::seconds(1));
  }
}

void RedisFrontierStore::open_crawl(const std::string& settings, std::vector<std::string>& seeds) {
  std::string mine = settings;
  for (const std::string& s : seeds) {
    mine += "seed " + s + "\n";
  }
  std::optional<RedisReply> r;
  for (int attempt = 0; attempt < 20 && !r; ++attempt) {
    r = m_conn.eval(settings_script(), {key("settings")}, {seeds.empty() ? "" : mine});
    if (!r) {
      sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (!r) {
    throw UsageError(
        fmt::format("--frontier {}: cannot reach Redis: {}", m_options.url, m_conn.error()));
  }
  if (r->is_error()) {
    throw UsageError(fmt::format("--frontier {}: {}", m_options.url, r->str));
  }
  if (r->type == RedisReply::Type::nil) {
    throw UsageError(
        fmt::format("--crawl-id {}: no such crawl on {} yet: the first worker needs "
                    "seed URLs",
                    m_options.crawl_id, m_options.url));
  }
  auto [head, stored_seeds] = split_settings(r->str);
  const std::string& compare = seeds.empty() ? settings : mine;
  const std::string& theirs = seeds.empty() ? head : r->str;
  if (compare != theirs) {
    throw UsageError(fmt::format(
        "--crawl-id {}: this worker's settings differ from the crawl's (stored by its first "
        "worker): {}; start it with the same options, or use another --crawl-id",
        m_options.crawl_id, first_difference(compare, theirs)));
  }
  if (seeds.empty()) {
    seeds = std::move(stored_seeds);
  }
}

bool RedisFrontierStore::add(CrawlItem item) {
  if (m_adds.empty() && m_dones.empty()) {
    Clock::time_point soon = Clock::now() + k_sync_interval;
    m_next_sync = m_next_sync ? std::min(*m_next_sync, soon) : soon;
  }
  m_adds.push_back(encode_item(item));
  return true;  // whether it is new is known to Redis only
}

bool RedisFrontierStore::add_fetched(const std::string& url, uint32_t /*depth*/) {
  static const RedisScript s("return redis.call('SADD', ARGV[1], ARGV[2])");
  return eval_retrying(s, {key("seen"), url}).integer == 1;
}

void RedisFrontierStore::done(const CrawlItem& item, PageOutcome outcome) {
  if (m_adds.empty() && m_dones.empty()) {
    Clock::time_point soon = Clock::now() + k_sync_interval;
    m_next_sync = m_next_sync ? std::min(*m_next_sync, soon) : soon;
  }
  m_dones.push_back(fmt::format("{}\t{}\t{}", CrawlFrontier::host_key(item.url), item.url,
                                outcome_name(outcome)));
}

void RedisFrontierStore::sync(Clock::time_point now, std::size_t free_slots) {
  if (sync_once(now, free_slots, false)) {
    m_unreachable = false;
    return;
  }
  if (!m_unreachable) {
    m_unreachable = true;
    m_unreachable_since = now;
  } else if (now - m_unreachable_since > m_options.outage_limit) {
    throw std::runtime_error(fmt::format(
        "{}: unreachable for {} s: {}", m_options.url,
        std::chrono::duration_cast<std::chrono::seconds>(m_options.outage_limit).count(),
        m_conn.error()));
  }
  m_next_sync = Clock::now() + std::chrono::milliseconds(200);
}

bool RedisFrontierStore::sync_once(Clock::time_point now, std::size_t free_slots, bool closing) {
  // What goes out: gathered adds and dones, hosts with nothing left here, renewals.
  std::vector<std::string> adds = std::move(m_adds);
  std::vector<std::string> dones = std::move(m_dones);
  m_adds.clear();
  m_dones.clear();
  std::vector<std::string> releases;
  for (auto& [host, taken_at] : m_held) {
    CrawlFrontier::Host& h = m_local.host(host);
    if (closing || (h.queue.empty() && h.active == 0 && !h.blocked)) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(h.next_start - now);
      releases.push_back(fmt::format("{}\t{}", host, std::max<int64_t>(0, wait.count())));
    }
  }
  std::vector<std::string> renewals;
  if (!closing && !m_held.empty() && now >= m_renew_at) {
    for (auto& [host, taken_at] : m_held) {
      renewals.push_back(host);
    }
  }
  std::size_t per_host = std::max<std::size_t>(1, m_local.per_host());
  std::size_t max_hosts = 0;
  if (!closing && free_slots > 0 && m_local.pending() < 2 * free_slots) {
    max_hosts = std::clamp<std::size_t>(free_slots / per_host, 1, k_max_hosts_per_sync);
  }
  std::size_t urls = k_max_urls_per_lease;
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(m_local.default_delay());
  if (delay.count() > 0) {
    urls = std::clamp<std::size_t>(
        static_cast<std::size_t>(m_options.lease.count() / 2 / delay.count()), 1, urls);
  }
  std::vector<std::string> args{m_prefix,
                                m_options.worker,
                                std::to_string(m_options.lease.count()),
                                std::to_string(max_hosts),
                                std::to_string(urls),
                                std::to_string(adds.size()),
                                std::to_string(dones.size()),
                                std::to_string(releases.size()),
                                std::to_string(renewals.size())};
  args.insert(args.end(), adds.begin(), adds.end());
  args.insert(args.end(), dones.begin(), dones.end());
  args.insert(args.end(), releases.begin(), releases.end());
  args.insert(args.end(), renewals.begin(), renewals.end());
  std::optional<RedisReply> r = m_conn.eval(sync_script(), {}, args);
  if (r && r->is_error()) {
    throw std::runtime_error(fmt::format("{}: {}", m_options.url, r->str));
  }
  if (!r || r->elements.size() < 6) {
    // Not sent, or sent and its answer lost: send it all again (each step is idempotent, but
    // a lost take leaves hosts leased to nobody until their lease ends).
    m_adds.insert(m_adds.begin(), adds.begin(), adds.end());
    m_dones.insert(m_dones.begin(), dones.begin(), dones.end());
    return false;
  }
  Clock::time_point after = Clock::now();
  for (const std::string& line : releases) {
    m_held.erase(line.substr(0, line.rfind('\t')));
  }
  if (!renewals.empty()) {
    m_renew_at = after + m_options.lease / 3;
  }
  for (const RedisReply& lost : r->elements[4].elements) {
    m_held.erase(lost.str);  // its lease ran out: another worker may hold it now
  }
  const std::vector<RedisReply>& taken = r->elements[0].elements;
  for (std::size_t i = 0; i + 1 < taken.size(); i += 2) {
    if (m_held.empty()) {
      m_renew_at = after + m_options.lease / 3;
    }
    m_held.emplace(taken[i].str, after);
    for (const RedisReply& item : taken[i + 1].elements) {
      if (std::optional<CrawlItem> ci = decode_item(item.str)) {
        m_local.push(std::move(*ci), after);
      }
    }
  }
  m_remote_ready = static_cast<std::size_t>(r->elements[1].integer);
  m_remote_leases = static_cast<std::size_t>(r->elements[2].integer);
  m_remote_queued = m_remote_ready;
  m_synced = true;
  long long next_ready = r->elements[3].integer;
  long long next_lease = r->elements[5].integer;

  // When to come again: soon while there is work to send or to take, less often when idle.
  if (!taken.empty() || !adds.empty() || !dones.empty()) {
    m_idle_pause = k_idle_pause_min;
  } else {
    m_idle_pause =
        std::clamp<Clock::duration>(m_idle_pause * 2, k_idle_pause_min, k_idle_pause_max);
  }
  Clock::time_point next = after + m_idle_pause;
  if (!m_held.empty()) {
    next = std::min(next, m_renew_at);
  }
  if (next_ready >= 0 && free_slots > 0) {
    next = std::min(next, after + std::max<Clock::duration>(std::chrono::milliseconds(next_ready),
                                                            k_idle_pause_min));
  }
  if (next_lease >= 0) {
    next = std::min(next, after + std::chrono::milliseconds(next_lease + 1));
  }
  if (!m_adds.empty() || !m_dones.empty()) {
    next = std::min(next, after + k_sync_interval);
  }
  m_next_sync = next;
  return true;
}

bool RedisFrontierStore::exhausted() const {
  return m_synced && !m_unreachable && m_adds.empty() && m_dones.empty() &&
         m_local.pending() == 0 && m_held.empty() && m_remote_ready == 0 && m_remote_leases == 0;
}

std::optional<std::string> RedisFrontierStore::robots(const std::string& host) {
  std::optional<RedisReply> r = m_conn.command({"GET", key("robots:" + host)});
  if (!r || r->type != RedisReply::Type::string) {
    return std::nullopt;  // unreachable: this worker reads robots.txt itself
  }
  return std::move(r->str);
}

void RedisFrontierStore::set_robots(const std::string& host, const std::string& record) {
  m_conn.command(
      {"SET", key("robots:" + host), record, "EX", std::to_string(k_robots_ttl_seconds)});
}

void RedisFrontierStore::close() {
  // Gives back every host held (their URLs not done return to the front of their queues).
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (sync_once(Clock::now(), 0, true)) {
      return;
    }
    sleep_for(std::chrono::milliseconds(250));
  }
}

std::string RedisFrontierStore::status(Reactor& reactor, const RedisFrontierOptions& options) {
  RedisConnection c(reactor, options.address);
  std::string p = "gf:" + options.crawl_id + ":";
  std::optional<std::vector<RedisReply>> r = c.pipeline({{"EXISTS", p + "settings"},
                                                         {"HGETALL", p + "stats"},
                                                         {"HGETALL", p + "wstats"},
                                                         {"HGETALL", p + "hstats"},
                                                         {"HGETALL", p + "owner"},
                                                         {"SMEMBERS", p + "hosts"},
                                                         {"SCARD", p + "seen"},
                                                         {"HGETALL", p + "workers"},
                                                         {"TIME"}});
  if (!r) {
    throw UsageError(fmt::format("--frontier {}: cannot reach Redis: {}", options.url, c.error()));
  }
  if ((*r)[0].integer == 0) {
    throw UsageError(
        fmt::format("--crawl-id {}: no such crawl on {}", options.crawl_id, options.url));
  }
  auto pairs = [](const RedisReply& h) {
    std::map<std::string, long long> m;
    for (std::size_t i = 0; i + 1 < h.elements.size(); i += 2) {
      m[h.elements[i].str] = std::strtoll(h.elements[i + 1].str.c_str(), nullptr, 10);
    }
    return m;
  };
  std::map<std::string, long long> stats = pairs((*r)[1]);
  std::map<std::string, long long> wstats = pairs((*r)[2]);
  std::map<std::string, long long> hstats = pairs((*r)[3]);
  std::map<std::string, std::string> owner;
  for (std::size_t i = 0; i + 1 < (*r)[4].elements.size(); i += 2) {
    owner[(*r)[4].elements[i].str] = (*r)[4].elements[i + 1].str;
  }
  std::vector<std::string> hosts;
  for (const RedisReply& h : (*r)[5].elements) {
    hosts.push_back(h.str);
  }
  std::sort(hosts.begin(), hosts.end());
  long long seen = (*r)[6].integer;
  std::map<std::string, long long> workers = pairs((*r)[7]);
  long long now_ms = std::strtoll((*r)[8].elements[0].str.c_str(), nullptr, 10) * 1000 +
                     std::strtoll((*r)[8].elements[1].str.c_str(), nullptr, 10) / 1000;
  std::vector<RedisConnection::Command> lens;
  for (const std::string& h : hosts) {
    lens.push_back({"LLEN", p + "q:" + h});
    lens.push_back({"HLEN", p + "t:" + h});
  }
  std::optional<std::vector<RedisReply>> counts = c.pipeline(lens);
  if (!counts) {
    throw UsageError(fmt::format("--frontier {}: cannot reach Redis: {}", options.url, c.error()));
  }
  long long queued = 0;
  long long leased = 0;
  std::map<std::string, long long> worker_leased;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    queued += (*counts)[2 * i].integer;
    leased += (*counts)[2 * i + 1].integer;
    if (auto it = owner.find(hosts[i]); it != owner.end()) {
      worker_leased[it->second] += (*counts)[2 * i + 1].integer;
    }
  }
  std::string out = fmt::format(
      "crawl {} on {}: {} queued, {} leased, {} done, {} failed, {} skipped, {} seen, {} hosts, "
      "{} workers\n",
      options.crawl_id, options.url, queued, leased, stats["done"], stats["failed"],
      stats["skipped"], seen, hosts.size(), workers.size());
  out += fmt::format("\n{:<40} {:>8} {:>8} {:>8} {:>8} {:>10}\n", "worker", "leased", "done",
                     "failed", "skipped", "last seen");
  for (const auto& [w, last] : workers) {
    out += fmt::format("{:<40} {:>8} {:>8} {:>8} {:>8} {:>9.1f}s\n", w, worker_leased[w],
                       wstats[w + "\tdone"], wstats[w + "\tfailed"], wstats[w + "\tskipped"],
                       static_cast<double>(now_ms - last) / 1000.0);
  }
  out += fmt::format("\n{:<40} {:>8} {:>8} {:>8} {:>8} {}\n", "host", "queued", "leased", "done",
                     "failed", "worker");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const std::string& h = hosts[i];
    auto it = owner.find(h);
    out += fmt::format("{:<40} {:>8} {:>8} {:>8} {:>8} {}\n", h, (*counts)[2 * i].integer,
                       (*counts)[2 * i + 1].integer, hstats[h + "\tdone"], hstats[h + "\tfailed"],
                       it == owner.end() ? "-" : it->second);
  }
  return out;
}

}  // namespace greenfetch
