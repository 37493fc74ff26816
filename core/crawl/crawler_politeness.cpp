// Politeness: which host's URL goes next (the frontier's per-host readiness, limits and
// delays), robots.txt fetched before a host's first page, and its rules and Crawl-delay.
#include <fmt/format.h>

#include <algorithm>

#include "core/crawl/crawler_impl.hpp"
#include "core/crawl/page_headers.hpp"
#include "core/crawl/robots.hpp"

namespace greenfetch {

// Fetches HOST/robots.txt and reads it as RFC 9309 says; stores it for the fleet (unless the
// fetch was cancelled).
Robots Crawler::fetch_robots(const std::string& host) {
  Request req;
  req.url = host + "/robots.txt";
  std::string body;
  bool truncated = false;
  BodySink sink = [&body, &truncated](const Response& so_far, std::string_view chunk) {
    if (has_header(so_far, "Location")) {
      return true;  // a redirect hop's body
    }
    std::size_t room = Robots::k_max_bytes - std::min(body.size(), Robots::k_max_bytes);
    body.append(chunk.substr(0, room));
    if (chunk.size() > room) {
      truncated = true;
      return false;  // enough: the rest is never parsed
    }
    return true;
  };
  req.on_body = &sink;
  Response r = m_client->fetch(req);
  char kind = 'D';
  if (r.error == Error::cancelled) {
    return Robots::disallow_all();
  } else if (r.ok() || (truncated && r.error == Error::output)) {
    if (r.http_code >= 200 && r.http_code < 300) {
      kind = 'P';
    } else if (r.http_code >= 300 && r.http_code < 500) {
      kind = 'A';  // 4xx, or a redirect not followed: unavailable
    } else {
      kind = 'D';  // 5xx: unreachable
    }
  } else if (r.error == Error::too_many_redirects || r.error == Error::http) {
    // Too many redirects means unavailable (RFC 9309 2.3.1.2); with --fail a 4xx is an error.
    kind = r.http_code >= 500 ? 'D' : 'A';
  }
  if (r.http_code > 0) {  // an answer, not a failure to reach the host
    m_store->set_robots(host, kind == 'P' ? "P" + body : std::string(1, kind));
  }
  if (kind == 'P') {
    return Robots::parse(body, m_client->request_options().user_agent);
  }
  return kind == 'A' ? Robots::allow_all() : Robots::disallow_all();
}

void Crawler::dispatch() {
  Clock::time_point now = Clock::now();
  while (!m_stopping && m_pool->free() > 0) {
    CrawlFrontier::Host* h = m_frontier->next_ready(now);
    if (h == nullptr) {
      return;
    }
    if (m_config.robots && h->robots_state == CrawlFrontier::RobotsState::unknown) {
      h->robots_state = CrawlFrontier::RobotsState::fetching;
      h->blocked = true;
      m_frontier->start(*h, now);
      ++m_in_flight;
      m_pool->spawn([this, h] { robots_job(h); });
      continue;
    }
    if (m_config.max_pages != 0 && m_dispatched >= m_config.max_pages) {
      m_frontier->reschedule(*h, now);
      return;
    }
    CrawlItem item = m_frontier->pop(*h);
    if (item.depth == k_sitemap_depth) {
      if (m_config.robots && !h->robots.allowed(path_and_query(item.url))) {
        if (m_sitemap_guesses.count(item.url) == 0) {
          sitemap_error(item.url, "disallowed by robots.txt");
        }
        m_frontier->reschedule(*h, now);
        continue;
      }
      ++m_in_flight;
      m_frontier->start(*h, now);
      m_pool->spawn(
          [this, h, item = std::move(item)]() mutable { sitemap_job(h, std::move(item)); });
      continue;
    }
    if (m_config.robots && !h->robots.allowed(path_and_query(item.url))) {
      m_store->begin();
      report_skipped(item, "robots");
      m_store->done(item, PageOutcome::skipped);
      commit_state();
      m_frontier->reschedule(*h, now);
      continue;
    }
    ++m_dispatched;
    ++m_in_flight;
    m_frontier->start(*h, now);
    m_pool->spawn([this, h, item = std::move(item)]() mutable { page_job(h, std::move(item)); });
  }
}

namespace {

// robots.txt as the fleet shares it (FrontierStore::robots): 'A' allow all, 'D' disallow all,
// or 'P' and the body to parse.
Robots robots_from_record(const std::string& record, std::string_view user_agent) {
  if (record.empty() || record[0] == 'A') {
    return Robots::allow_all();
  }
  if (record[0] == 'D') {
    return Robots::disallow_all();
  }
  return Robots::parse(std::string_view(record).substr(1), user_agent);
}

}  // namespace

void Crawler::robots_job(CrawlFrontier::Host* h) {
  Clock::time_point started = Clock::now();
  Robots robots;
  if (std::optional<std::string> record = m_store->robots(h->key)) {
    robots = robots_from_record(*record, m_client->request_options().user_agent);
  } else {
    robots = fetch_robots(h->key);
  }
  h->robots = std::move(robots);
  h->robots_state = CrawlFrontier::RobotsState::known;
  if (std::optional<double> cd = h->robots.crawl_delay()) {
    double capped = std::min(*cd, static_cast<double>(k_max_crawl_delay.count()));
    auto d = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(capped));
    h->delay = std::max(h->delay, d);
  }
  // The robots.txt request counts as one: the first page starts a delay after it.
  h->next_start = std::max(h->next_start, started + h->delay);
  h->blocked = false;
  --m_in_flight;
  m_frontier->finish(*h);
  if (m_config.sitemaps && !m_stopping && m_seed_hosts.count(h->key) > 0) {
    for (const std::string& s : h->robots.sitemaps()) {
      if (std::optional<std::string> u = normalize_url(s, NormalizeOptions{})) {
        queue_sitemap(*u, false);
      } else {
        sitemap_error(s, "not an http(s) URL");
      }
    }
  }
  wake();
}

}  // namespace greenfetch
