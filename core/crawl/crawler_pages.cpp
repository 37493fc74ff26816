// The page pipeline: a page fetched with its links extracted as the body streams in, the
// links in scope queued (discover), and the page reported, mirrored and archived.
#include <fmt/format.h>

#include <functional>

#include "core/crawl/crawler_impl.hpp"
#include "core/crawl/page_headers.hpp"
#include "core/crawl/page_sink.hpp"

namespace greenfetch {

bool Crawler::discover(const std::string& url, uint32_t depth,
                       const std::shared_ptr<const std::string>& referrer) {
  CrawlItem item;
  item.url = url;
  item.depth = depth;
  item.referrer = referrer;
  return m_store->add(std::move(item));
}

void Crawler::page_job(CrawlFrontier::Host* h, CrawlItem item) {
  PageResult p;
  Request req;
  req.url = item.url;
  req.capture_heads = m_warc.has_value();
  LinkExtractorOptions lo;
  lo.assets = m_config.assets;
  // -o and --warc keep the body, in memory up to the crawl's budget, then in a temporary file.
  PageSink page_sink(m_mirror || m_warc ? &m_page_budget : nullptr, m_warc.has_value(), lo);
  BodySink sink = std::ref(page_sink);
  req.on_body = &sink;
  auto sent = std::chrono::system_clock::now();
  p.response = m_client->fetch(req);
  p.item = std::move(item);
  Response& r = p.response;
  --m_in_flight;
  if (r.error == Error::output && !page_sink.error().empty()) {
    r.error_message = page_sink.error();  // the temporary file the page was kept in failed
  }

  // 429 or 503 with Retry-After: the host asked for a pause. Put the URL back first in its
  // host's queue (a few times at most) and let the other hosts go on.
  if (r.ok() && (r.http_code == 429 || r.http_code == 503) &&
      p.item.attempts + 1 < k_max_retry_after_attempts && !m_stopping) {
    if (std::optional<Clock::duration> pause = retry_after(r)) {
      ++p.item.attempts;
      --m_dispatched;
      Clock::time_point now = Clock::now();
      m_frontier->push_front(std::move(p.item), now);
      m_frontier->pause(*h, now + *pause, now);
      m_frontier->finish(*h, now);
      wake();
      return;
    }
  }
  m_frontier->finish(*h);

  m_store->begin();
  bool follow = r.ok() && r.http_code >= 200 && r.http_code < 300;
  p.final_url = p.item.url;
  if (r.num_redirects > 0) {
    std::optional<std::string> fin = normalize_url(r.effective_url, m_norm);
    p.final_url = fin ? *fin : r.effective_url;
    if (fin && *fin != p.item.url) {
      // A redirect target is a URL like any other: if it was seen before, its links were or
      // will be followed from there; if it is out of scope, its links are not ours.
      if (!m_scope->in_scope(*fin)) {
        follow = false;
      } else if (!m_store->add_fetched(*fin, p.item.depth)) {
        follow = false;
      }
    }
  }
  p.html = page_sink.html();
  if (p.html) {
    ExtractedPage page = page_sink.finish();
    p.title = std::move(page.title);
    p.links = page.links.size();
    page_links(p, page,
               follow && static_cast<int>(p.item.depth) < m_config.max_depth && !m_stopping);
  }
  if (r.ok() && m_warc) {
    WarcExchange x;
    x.target_uri = r.effective_url;
    x.ip_address = r.remote_ip;
    x.request_head = r.request_head;
    x.date = sent;
    // The digests were computed as the body came; without a body byte, of the head alone.
    std::optional<WarcResponseDigest> digest = page_sink.take_digest();
    if (!digest) {
      digest.emplace(r.header_text);
    }
    BodySpool* body = page_sink.body();
    try {
      m_warc->write_streamed(
          x, std::move(*digest),
          [body](const std::function<bool(std::string_view)>& piece) { return body->each(piece); });
    } catch (const std::runtime_error& e) {
      // The archive takes no more (a full disk, a file size limit): the crawl stops, and the
      // page is neither reported nor marked done, so that the next run with --state fetches
      // it again once there is room (the WARC was cut back to its last whole record).
      r.error = Error::output;
      r.error_message = e.what();
      ++m_failed;
      error_line(p.item.url, r);
      if (!m_stopping) {
        m_stopping = true;
        m_client->cancel_all();
      }
      commit_state();  // a no-op for a store without transactions
      wake();
      return;
    }
  }
  if (r.ok() && m_mirror && r.http_code >= 200 && r.http_code < 300) {
    try {
      BodySpool* body = page_sink.body();
      r.filename_effective =
          m_mirror->save(p.final_url, [body](int fd) { return body->copy_to(fd); });
      if (m_config.convert_links) {
        remember_saved(p);
      }
    } catch (const std::runtime_error& e) {
      r.error = Error::output;
      r.error_message = e.what();
    }
  }
  bool written = report(p);
  // The record is out before the URL is marked done, in the same transaction as the links
  // it led to and the outputs' new ends: a kill in between fetches the page again rather
  // than losing it or its links, and the next run first cuts off the record written here.
  if (written) {
    m_store->done(p.item, r.ok() ? PageOutcome::fetched : PageOutcome::failed);
  }
  commit_state();
  wake();
}

}  // namespace greenfetch
