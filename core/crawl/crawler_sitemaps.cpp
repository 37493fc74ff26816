// --sitemaps: sitemap files queued on their hosts' frontiers, fetched, and their URLs
// turned into seeds.
#include <fmt/format.h>

#include "core/crawl/crawler_impl.hpp"
#include "core/crawl/page_headers.hpp"
#include "core/crawl/sitemap.hpp"

namespace greenfetch {

void Crawler::sitemap_error(const std::string& url, std::string_view what) {
  if (!m_config.silent) {
    write_all(m_err_fd, fmt::format("greenfetch: sitemap {}: {}\n", url, what));
  }
}

// Queues a sitemap to read: a frontier item of its host (so it waits for that host's robots.txt,
// delay and per-host cap like a page) at k_sitemap_depth. Each URL is read once, and at most
// k_max_sitemap_files of them per crawl.
void Crawler::queue_sitemap(const std::string& url, bool guess) {
  if (m_sitemap_urls.count(url) > 0) {
    if (!guess) {
      m_sitemap_guesses.erase(url);  // named in robots.txt after all: its errors are reported
    }
    return;
  }
  if (m_sitemap_urls.size() >= k_max_sitemap_files) {
    if (!m_sitemap_limit_reported) {
      m_sitemap_limit_reported = true;
      sitemap_error(url, fmt::format("more than {} sitemap files: this one and later ones are "
                                     "not read",
                                     k_max_sitemap_files));
    }
    return;
  }
  m_sitemap_urls.insert(url);
  if (guess) {
    m_sitemap_guesses.insert(url);
  }
  CrawlItem item;
  item.url = url;
  item.depth = k_sitemap_depth;
  m_frontier->push(std::move(item));
}

// Fetches one sitemap and streams its body into a SitemapParser. A urlset's URLs go through the
// same normalization, scope and seen-check as links, as seeds (depth 0, the sitemap as their
// referrer); an index's URLs are queued as more sitemaps. Failures are reported on stderr and
// are not page failures: the crawl goes on.
void Crawler::sitemap_job(CrawlFrontier::Host* h, CrawlItem item) {
  Request req;
  req.url = item.url;
  std::optional<SitemapParser> parser;
  std::vector<std::pair<std::string, std::string>> hop_headers;
  bool parser_stopped = false;
  BodySink sink = [&](const Response& so_far, std::string_view chunk) {
    if (has_header(so_far, "Location")) {
      return true;  // a redirect hop's body
    }
    if (!parser || so_far.headers != hop_headers) {
      hop_headers = so_far.headers;
      parser.emplace();
      parser_stopped = false;
    }
    if (!parser->feed(chunk)) {
      parser_stopped = true;  // garbage or a limit: the rest is not needed
      return false;
    }
    return true;
  };
  req.on_body = &sink;
  Response r = m_client->fetch(req);
  --m_in_flight;
  m_frontier->finish(*h);
  bool guess = m_sitemap_guesses.count(item.url) > 0;
  bool client_error = r.http_code >= 400 && r.http_code < 500;
  if (r.error == Error::cancelled) {
    wake();
    return;
  }
  if (!r.ok() && !(parser_stopped && r.error == Error::output)) {
    if (!(guess && client_error)) {
      sitemap_error(item.url, fmt::format("{}: {}", error_kind(r.error), r.error_message));
    }
    wake();
    return;
  }
  if (r.http_code < 200 || r.http_code >= 300) {
    if (!(guess && client_error)) {
      sitemap_error(item.url, fmt::format("HTTP status {}", r.http_code));
    }
    wake();
    return;
  }
  SitemapResult result = parser ? parser->finish() : parse_sitemap({});
  if (!result.error.empty()) {
    sitemap_error(item.url, result.error);  // what was found before the error is still used
  }
  std::string base = r.effective_url.empty() ? item.url : r.effective_url;
  if (result.kind == SitemapKind::index) {
    for (const std::string& loc : result.locs) {
      if (std::optional<std::string> u = resolve_link(base, loc, NormalizeOptions{})) {
        queue_sitemap(*u, false);
      }
    }
  } else if (result.kind == SitemapKind::urlset && !m_stopping) {
    m_store->begin();
    auto referrer = std::make_shared<const std::string>(item.url);
    for (const std::string& loc : result.locs) {
      std::optional<std::string> u = resolve_link(base, loc, m_norm);
      if (u && m_scope->in_scope(*u)) {
        discover(*u, 0, referrer);
      }
    }
    commit_state();
  }
  wake();
}

}  // namespace greenfetch
