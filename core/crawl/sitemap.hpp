// Sitemaps (sitemaps.org protocol 0.9): a streaming parser for `<urlset>` files (each
// `<url><loc>` is a page), `<sitemapindex>` files (each `<sitemap><loc>` is another sitemap) and
// text sitemaps (one page URL per line), plain or gzip-compressed.
//
// The body is fed in chunks as it arrives. Its first two bytes decide: 1f 8b is gzip (inflated
// with zlib as it comes, members one after another), anything else is the content as is. The
// content is XML when its first byte after a UTF-8 BOM and white space is '<' (or a UTF-16/32
// mark), text otherwise: the body decides, not the Content-Type, which servers often get wrong
// for sitemaps (text/html, application/octet-stream). The XML goes
// into libxml2's SAX2 push parser, so no tree of the document is ever built; entities are not
// substituted and nothing is loaded from the network. Element names are matched by local name
// (any namespace, as long as `<loc>` is in its root's namespace); `<loc>` elements elsewhere
// (image:loc inside a url, for example) are ignored.
//
// A text sitemap is a urlset: each line that is an absolute http(s) URL (surrounding white space
// and the CR of CRLF trimmed) is an entry, blank lines are skipped. A first non-blank line that
// is not such a URL makes the body "not a sitemap"; later ones (and lines longer than
// max_loc_bytes) are skipped and named in the error, the entries kept.
//
// Limits (those of sitemaps.org): at most k_max_urls `<loc>` entries and k_max_bytes of
// uncompressed XML per file; a `<loc>` longer than k_max_loc_bytes is skipped. Reaching a limit
// stops the parse with an error; the entries found until then are kept.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace greenfetch {

enum class SitemapKind { unknown, urlset, index };

struct SitemapLimits {
  std::size_t max_urls = 50'000;             // <loc> entries kept per file
  std::size_t max_bytes = 50 * 1024 * 1024;  // uncompressed XML bytes per file
  std::size_t max_loc_bytes = 8192;          // longer <loc> values are skipped
};

struct SitemapResult {
  SitemapKind kind = SitemapKind::unknown;
  // <loc> values in document order, surrounding whitespace trimmed, not yet resolved or
  // normalized: page URLs for a urlset, sitemap URLs for an index.
  std::vector<std::string> locs;
  bool gzip = false;  // the body was gzip-compressed
  bool text = false;  // the content was a text sitemap (one URL per line), not XML
  // Empty when the whole file parsed as a sitemap; otherwise why not (garbage, not a sitemap,
  // a limit reached, a truncated gzip stream). locs still holds what was found before.
  std::string error;
};

class SitemapParser {
 public:
  explicit SitemapParser(SitemapLimits limits = {});
  ~SitemapParser();
  SitemapParser(const SitemapParser&) = delete;
  SitemapParser& operator=(const SitemapParser&) = delete;

  // Feeds the next bytes of the body. Returns false once parsing has stopped (an error or a
  // limit): the rest of the body need not be fetched.
  bool feed(std::string_view chunk);
  // Ends the document and returns what was found. Call once.
  SitemapResult finish();

  struct Impl;

 private:
  std::unique_ptr<Impl> m_impl;
};

// Convenience: parses a whole body at once.
SitemapResult parse_sitemap(std::string_view body, SitemapLimits limits = {});

}  // namespace greenfetch
