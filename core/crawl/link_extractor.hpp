// Streaming link extraction from HTML: feed() the body as it arrives, finish() at its end. Memory
// stays flat whatever the page size (no document tree is built), and no input makes it throw.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace greenfetch {

struct LinkExtractorOptions {
  // Also report page assets: <img src/srcset>, <script src>, <link rel=stylesheet>,
  // <source src/srcset>.
  bool assets = false;
};

struct ExtractedPage {
  // Attribute values as found (entities decoded, not trimmed, not resolved), in document order.
  // Resolution is the caller's job: against `base` if set, else the page URL. Values that are
  // empty or only whitespace are left out. At most LinkExtractor::k_max_links.
  std::vector<std::string> links;
  // Text of the first <title> (outside <svg>), entities decoded, whitespace runs collapsed to one
  // space and trimmed, at most LinkExtractor::k_max_title_bytes.
  std::string title;
  // href of the first <base> that has a non-empty one, as found; empty if none.
  std::string base;
};

// Reports, in document order:
//   <a href>, <area href>, <frame src>, <iframe src>,
//   <link href> whose rel has next, prev, alternate or canonical,
//   <meta http-equiv=refresh content="5; url=..."> (the URL part),
// and with LinkExtractorOptions::assets also
//   <img src srcset>, <script src>, <link rel=stylesheet href>, <source src srcset>.
// Input is taken as UTF-8 whatever the page declares.
class LinkExtractor {
 public:
  // Links kept per page; the rest are dropped (parsing goes on for the title and <base>). A page
  // with more links than this is a link farm or a generated listing, and the cap keeps one page
  // from flooding the crawl frontier and memory.
  static constexpr std::size_t k_max_links = 100'000;
  // Longest title kept, cut at a UTF-8 character boundary; an unclosed <title> must not swallow
  // the whole page.
  static constexpr std::size_t k_max_title_bytes = 4096;

  explicit LinkExtractor(LinkExtractorOptions options = {});
  ~LinkExtractor();
  LinkExtractor(LinkExtractor&&) noexcept;
  LinkExtractor& operator=(LinkExtractor&&) noexcept;
  LinkExtractor(const LinkExtractor&) = delete;
  LinkExtractor& operator=(const LinkExtractor&) = delete;

  // Any chunk boundaries give the same result. Never throws on bad HTML or binary data. Ignored
  // after finish().
  void feed(std::string_view chunk);
  // Ends the body and returns what was found. A second call returns an empty page.
  ExtractedPage finish();

 private:
  struct Impl;
  // On the heap so that its address, which libxml2 holds as the SAX user data, survives moves.
  std::unique_ptr<Impl> m_impl;
};

}  // namespace greenfetch
