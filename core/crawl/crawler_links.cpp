// A page's links: each resolved against the page's base URL by the URL Standard's parser and
// normalized, then queued when in scope, listed with --list-external when out of the site,
// counted and named when the Standard rejects it, and kept for the -j record with --links.
#include "core/crawl/crawler_impl.hpp"

namespace greenfetch {

void Crawler::page_links(PageResult& p, const ExtractedPage& page, bool queue) {
  if (!queue && !m_config.links) {
    return;
  }
  // The document's base URL: <base href> resolved against the page's URL, or the page's
  // URL (also when <base href> fails to parse, as in browsers).
  UrlParseResult base = parse_url(p.final_url);
  if (base.status != UrlParseStatus::ok) {
    return;
  }
  if (!page.base.empty()) {
    UrlParseResult b = parse_url(page.base, &base.url);
    if (b.status == UrlParseStatus::ok) {
      base = std::move(b);
    }
  }
  auto referrer = std::make_shared<const std::string>(p.item.url);
  uint32_t depth = p.item.depth + 1;
  if (m_config.links) {
    p.outlinks.reserve(page.links.size());
  }
  for (const std::string& link : page.links) {
    ResolvedUrl u = resolve_checked(base.url, link, m_norm);
    std::string_view scope = "other_scheme";
    if (u.status == UrlParseStatus::failure) {
      scope = "rejected";
      if (queue) {
        link_rejected(p.item.url, link);
      }
    } else if (u.status == UrlParseStatus::ok && m_scope->in_scope(u.url)) {
      scope = "in";
      if (queue) {
        discover(u.url, depth, referrer);
      }
    } else if (u.status == UrlParseStatus::ok) {
      scope = "out";
      if (queue && m_external_fd.valid() && !m_scope->same_site(u.url)) {
        link_external(p.item.url, u.url);
      }
    }
    if (m_config.links) {
      PageLink& l = p.outlinks.emplace_back();
      l.href = link;
      if (u.status == UrlParseStatus::ok) {
        l.url = std::move(u.url);
      }
      l.scope = scope;
    }
  }
}

}  // namespace greenfetch
