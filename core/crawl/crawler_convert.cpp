// --convert-links: once the crawl has ended, each HTML page saved in the mirror this run is
// read back and its links rewritten (core/crawl/link_converter.hpp): to the files of pages
// saved, or to absolute URLs. Only the URL strings of saved pages are kept until then.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "core/crawl/crawler_impl.hpp"
#include "core/crawl/link_converter.hpp"

namespace greenfetch {

void Crawler::remember_saved(const PageResult& p) {
  m_saved[p.final_url];  // "": its own file
  if (p.item.url != p.final_url) {
    m_saved.emplace(p.item.url, p.final_url);
  }
  if (p.html) {
    m_saved_html.push_back(p.final_url);
  }
}

void Crawler::convert_mirror() {
  LinkConversion c;
  c.normalize = m_norm;
  c.assets = m_config.assets;
  c.saved = [this](const std::string& url) -> std::optional<std::string> {
    auto it = m_saved.find(url);
    if (it == m_saved.end()) {
      return std::nullopt;
    }
    return it->second.empty() ? it->first : it->second;
  };
  std::string body;
  std::size_t failed = 0;
  std::unordered_set<std::string_view> done;
  for (const std::string& url : m_saved_html) {
    if (!done.insert(url).second) {
      continue;  // saved twice (fetched, and reached again by a redirect): one file
    }
    try {
      if (!m_mirror->load(url, body)) {
        throw std::runtime_error(
            fmt::format("cannot read the file of {}: {}", url, std::strerror(errno)));
      }
      // The extractor with the options of the crawl: the same links it followed.
      LinkExtractorOptions lo;
      lo.assets = m_config.assets;
      LinkExtractor extractor(lo);
      extractor.feed(body);
      ExtractedPage page = extractor.finish();
      c.page_url = url;
      std::string converted = convert_links(body, page, c);
      if (converted != body) {
        m_mirror->replace(url, converted);
      }
    } catch (const std::runtime_error& e) {
      ++failed;
      if (!m_config.silent) {
        write_all(m_err_fd, fmt::format("greenfetch: --convert-links: {}\n", e.what()));
      }
    }
  }
  if (failed > 0) {
    ++m_failed;  // the exit status says that the mirror is not all converted
  }
}

}  // namespace greenfetch
