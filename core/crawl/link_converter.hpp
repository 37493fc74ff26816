// crawl -o DIR --convert-links (wget's -k): a mirrored HTML page rewritten so that its links to
// pages saved in the mirror are relative paths to their files, and its other links absolute
// URLs. Only the bytes of the attribute values that change are replaced; every other byte of
// the page stays as it was.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crawl/link_extractor.hpp"
#include "core/url/normalize.hpp"

namespace greenfetch {

// The value of an href or src attribute of a start tag, as it is in the page.
struct LinkAttribute {
  std::size_t begin = 0;  // offset of the value's first byte (after the quote, if any)
  std::size_t end = 0;    // one past its last byte
  std::string_view tag;   // the tag's name as written (a view into the page)
  std::string_view name;  // "href" or "src" as written
  bool base = false;      // the href of a <base> tag
};

// Where the values of href and src attributes are, in order (spans ascending, never
// overlapping). Tags are found as the HTML tokenizer finds them, roughly: comments, <!...>,
// <?...> and end tags are skipped, so is the text of <script>, <style>, <textarea>, <title>,
// <xmp>, <noembed> and <noframes>; values are double-quoted, single-quoted or unquoted.
// A page whose end cuts a tag or value short yields the values before it. Never throws but
// std::bad_alloc.
std::vector<LinkAttribute> find_link_attributes(std::string_view html);

// What converting a page needs to know.
struct LinkConversion {
  // The normalized URL the page was saved under (its file is CrawlMirror::relative_path).
  std::string page_url;
  // The normalized URL's file, or nullopt when the URL was not saved: the URL whose file holds
  // it (itself, or the page a redirect led to).
  std::function<std::optional<std::string>(const std::string& url)> saved;
  NormalizeOptions normalize;
  // The crawl's --assets: <img>, <script> and <source> src are links too.
  bool assets = false;
};

// The page with its links converted. The candidates are the values find_link_attributes
// finds of the attributes the link extractor reads (a/area/link href, frame/iframe src, and
// with assets img/script/source src), and each is converted only if the extractor (`page`,
// extracted from the same bytes) reported its value as a link: so a value the scanner misreads (in
// a place the real parser sees no tag) stays as it is. Left alone too: values holding '&' (an
// entity: the value's text is not its bytes, and rewriting could break it), links to the page's own
// fragments
// ("#top"), links the URL Standard rejects and links of other schemes (mailto:). A link to a
// saved page becomes the relative path from this page's file to that file ('%' written
// "%25", so that a browser finds the file), with the link's fragment kept; any other http(s)
// link becomes its absolute URL (resolved against <base> or the page URL). A <base href>
// becomes the page's own file name, so that the relative paths resolve from the page's
// folder.
std::string convert_links(std::string_view html, const ExtractedPage& page,
                          const LinkConversion& conversion);

// The relative path from the file of the normalized URL `from` to that of `to` (both as
// CrawlMirror::relative_path maps them), each name's '%' written "%25".
std::string mirror_link(std::string_view from, std::string_view to);

}  // namespace greenfetch
