// What the crawl reports: a record per page (a JSON object, a -w line or the URL) and per
// page skipped, error lines, the periodic flush, and the --state commits that mark where
// each output file ends.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/crawl/crawler_impl.hpp"
#include "core/input/url_source.hpp"
#include "core/output/json_record.hpp"

namespace greenfetch {

// Opens --state. After a run that was killed, each output file is first cut back to where it
// ended at that run's last commit: the records after it belong to pages not marked done, which
// this run fetches again (see core/output/output_mark.hpp).
void Crawler::open_state() {
  try {
    if (!m_store->unfinished()) {
      return;
    }
    std::uint64_t cut = 0;
    std::string where;
    if (std::optional<OutputMark> mark = m_store->output("stdout")) {
      if (std::uint64_t n = cut_to_mark(m_out_fd, *mark, "standard output")) {
        cut += n;
        where = "standard output";
      }
    }
    if (std::optional<OutputMark> mark = m_store->output("warc"); mark && !m_config.warc.empty()) {
      if (std::uint64_t n = cut_to_mark(m_config.warc, *mark)) {
        cut += n;
        where += where.empty() ? m_config.warc : " and " + m_config.warc;
      }
    }
    if (cut > 0 && !m_config.silent) {
      write_all(m_err_fd, fmt::format("greenfetch: crawl: the last run was killed; cut {} bytes "
                                      "written after its last saved state from {}\n",
                                      cut, where));
    }
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

// Commits the state's open batch together with where each output file ends now (flushed
// first, so that the marks cover exactly the records of the pages marked done).
void Crawler::commit_state(bool finished) {
  if (!m_store->commits()) {
    return;
  }
  m_out.flush();
  if (std::optional<OutputMark> mark = mark_output(m_out_fd, "standard output")) {
    m_store->set_output("stdout", *mark);
  }
  if (m_warc && m_warc_file) {
    m_store->set_output("warc",
                        OutputMark{m_warc_file->device, m_warc_file->inode, m_warc->size()});
  }
  if (finished) {
    m_store->finish();
  }
  m_store->commit();
}

void Crawler::schedule_flush() {
  if (!m_flush_timer->armed()) {
    m_flush_timer->arm(*m_reactor, Clock::now() + k_flush_interval);
  }
}

void Crawler::error_line(const std::string& url, const Response& r) {
  if (!m_config.silent) {
    if (m_progress != nullptr) {
      m_progress->clear();
    }
    write_all(m_err_fd,
              fmt::format("greenfetch: {}: {}: {}\n", url, error_kind(r.error), r.error_message));
  }
}

void Crawler::link_rejected(const std::string& page, std::string_view link) {
  ++m_links_rejected;
  if (!m_config.silent) {
    std::string quoted;
    append_json_string(quoted, link);
    write_all(m_err_fd, fmt::format("greenfetch: {}: invalid_url: link {} is not a URL (the URL "
                                    "Standard rejects it); not fetched\n",
                                    page, quoted));
  }
}

void Crawler::link_external(const std::string& page, const std::string& url) {
  if (m_external_seen.insert(url).second) {
    // URL TAB PAGE: `cut -f1` gives a list greenfetch -i reads back.
    if (!write_all(m_external_fd.get(), fmt::format("{}\t{}\n", url, page))) {
      // Said once; the crawl goes on without the list (as a failing -o file does not stop it).
      write_all(m_err_fd, fmt::format("greenfetch: --list-external '{}': {}; no more links "
                                      "listed\n",
                                      m_config.list_external, std::strerror(errno)));
      m_external_fd.reset();
    }
  }
}

namespace {

using Json = nlohmann::ordered_json;

// A crawl record: fetch's -j record (core/output/json_record.hpp) for the page's response,
// then crawl's own fields: depth, referrer, title, links (the number found), skipped (null,
// or why the page was not fetched), and with --links the links themselves.
std::string crawl_record(const Response& r, const CrawlItem& item, const PageResult* p,
                         std::string_view skipped, bool list_links) {
  Json extra = Json::object();
  extra["depth"] = item.depth;
  extra["referrer"] = item.referrer ? Json(*item.referrer) : Json(nullptr);
  extra["title"] = p != nullptr && !p->title.empty() ? Json(p->title) : Json(nullptr);
  extra["links"] = p != nullptr ? p->links : 0;
  extra["skipped"] = skipped.empty() ? Json(nullptr) : Json(skipped);
  if (list_links) {
    Json list = Json::array();
    if (p != nullptr) {
      for (const PageLink& l : p->outlinks) {
        list.push_back({{"href", l.href},
                        {"url", l.url.empty() ? Json(nullptr) : Json(l.url)},
                        {"scope", l.scope}});
      }
    }
    extra["outlinks"] = std::move(list);
  }
  JsonRecordOptions opts;
  opts.extra = &extra;
  std::string line = json_record(r, opts);
  line += '\n';
  return line;
}

}  // namespace

void Crawler::report_skipped(const CrawlItem& item, std::string_view why) {
  ++m_skipped;
  if (!m_config.json) {
    return;
  }
  // Not fetched: the record of a URL that got no answer, as fetch mode gives one.
  Response r;
  r.url = item.url;
  r.effective_url = item.url;
  m_out.write(crawl_record(r, item, nullptr, why, m_config.links));
  schedule_flush();
}

// The plain output (no -j or -w) lists the pages that answered 2xx, one URL a line, so that it
// can be piped into other tools as a list of good pages; the others are named on stderr with
// their status and the page that linked them (a broken-link report), unless -s.
void Crawler::status_line(const PageResult& p) {
  if (m_config.silent) {
    return;
  }
  if (m_progress != nullptr) {
    m_progress->clear();
  }
  std::string line = fmt::format("greenfetch: {}: HTTP {}", p.item.url, p.response.http_code);
  if (p.item.referrer) {
    line += fmt::format(" (linked from {})", *p.item.referrer);
  }
  line += '\n';
  write_all(m_err_fd, line);
}

// Writes the page's record; false when there is none (the transfer was cancelled).
bool Crawler::report(PageResult& p) {
  Response& r = p.response;
  ++m_pages;
  if (r.error == Error::cancelled) {
    ++m_cancelled;
    if (!m_duration_reached) {
      ++m_failed;
    }
    return false;
  }
  if (!r.ok()) {
    ++m_failed;
    error_line(p.item.url, r);
  }
  m_line.clear();
  if (m_config.json) {
    m_line = crawl_record(r, p.item, &p, {}, m_config.links);
  } else if (m_write_out) {
    m_write_out->render_to(m_line, r);
  } else if (r.ok() && r.http_code >= 200 && r.http_code < 300) {
    m_line += p.item.url;
    m_line += '\n';
  } else if (r.ok()) {
    status_line(p);
  }
  m_out.write(m_line);
  schedule_flush();
  if (m_out.broken()) {
    m_stopping = true;
    m_client->cancel_all();
  }
  return true;
}

}  // namespace greenfetch
