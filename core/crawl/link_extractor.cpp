// Link extraction with libxml2's HTML push parser in SAX mode.
//
// Why libxml2 and not gumbo: gumbo is not streaming; it needs the whole document in memory before
// it parses anything, so a 100 MB page would cost 100 MB plus its tree. libxml2's push parser
// (htmlCreatePushParserCtxt + htmlParseChunk) takes the body chunk by chunk as it arrives, and
// with a SAX handler of our own no DOM is built: we see start tags and text, keep what we need,
// and libxml2 discards consumed input. Its recovery mode gets through unclosed and misnested tags,
// stray '<' and binary junk without giving up on the rest of the page.
//
// No DOM: the handler leaves startDocument (which is what creates ctxt->myDoc in libxml2's own
// SAX2 handler) and every tree-building callback null, and only startElement, endElement and
// characters are set.
#include "core/crawl/link_extractor.hpp"
#include "core/base/ascii.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstring>
#include <exception>
#include <new>
#include <utility>

namespace greenfetch {

namespace {

// Largest piece handed to htmlParseChunk at once: libxml2 appends a whole chunk to its input
// buffer before parsing it, so a caller's huge chunk is cut to keep that buffer small.
constexpr std::size_t k_max_parse_piece = 64 * 1024;

constexpr int k_parse_options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                HTML_PARSE_NONET |
                                // Input is UTF-8 whatever <meta charset> says: without this,
                                // libxml2 would switch decoders mid-stream on a meta tag.
                                HTML_PARSE_IGNORE_ENC;

constexpr std::string_view k_html_space = " \t\n\r\f";  // HTML's ASCII white space

bool is_html_space(char c) {
  return k_html_space.find(c) != std::string_view::npos;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view as_view(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

// The HTML parser lower-cases element and attribute names, so names compare exactly.
std::string_view attribute(const xmlChar** attributes, std::string_view name) {
  if (attributes == nullptr) {
    return {};
  }
  for (const xmlChar** a = attributes; a[0] != nullptr; a += 2) {
    if (as_view(a[0]) == name) {
      return as_view(a[1]);  // null for a value-less attribute: empty
    }
  }
  return {};
}

bool has_attribute(const xmlChar** attributes, std::string_view name) {
  if (attributes == nullptr) {
    return false;
  }
  for (const xmlChar** a = attributes; a[0] != nullptr; a += 2) {
    if (as_view(a[0]) == name) {
      return true;
    }
  }
  return false;
}

// rel is a set of space-separated, case-insensitive keywords.
bool has_rel(std::string_view rel, std::string_view keyword) {
  while (true) {
    while (!rel.empty() && is_html_space(rel.front())) {
      rel.remove_prefix(1);
    }
    if (rel.empty()) {
      return false;
    }
    std::size_t end = 0;
    while (end < rel.size() && !is_html_space(rel[end])) {
      ++end;
    }
    if (iequals(rel.substr(0, end), keyword)) {
      return true;
    }
    rel.remove_prefix(end);
  }
}

// The URL of a <meta http-equiv=refresh> content attribute, following the HTML standard's
// "shared declarative refresh steps": "5", "5; url=x", "5;URL='x'", "0, x", "5; url = \"x\"".
// Empty if there is none.
std::string_view refresh_url(std::string_view content) {
  std::size_t i = 0;
  const auto skip_spaces = [&] {
    while (i < content.size() && is_html_space(content[i])) {
      ++i;
    }
  };
  skip_spaces();
  const std::size_t time_start = i;
  while (i < content.size() && ((content[i] >= '0' && content[i] <= '9') || content[i] == '.')) {
    ++i;
  }
  if (i == time_start) {
    return {};
  }
  skip_spaces();
  if (i < content.size() && (content[i] == ';' || content[i] == ',')) {
    ++i;
  } else if (i < content.size() && i > time_start && !is_html_space(content[i - 1])) {
    // "5x": not a refresh declaration.
    return {};
  }
  skip_spaces();
  if (i >= content.size()) {
    return {};
  }
  if (istarts_with(content.substr(i), "url")) {
    std::size_t j = i + 3;
    while (j < content.size() && is_html_space(content[j])) {
      ++j;
    }
    if (j < content.size() && content[j] == '=') {
      i = j + 1;
      skip_spaces();
    }
  }
  std::string_view url = content.substr(i);
  if (!url.empty() && (url.front() == '"' || url.front() == '\'')) {
    const char quote = url.front();
    url.remove_prefix(1);
    url = url.substr(0, url.find(quote));
  }
  return trim(url, k_html_space);
}

// The URLs of a srcset attribute ("a.png 1x, b.png 2x", "c.png 480w"), per the HTML standard's
// parsing: a candidate is a run of non-space characters; a URL ending in ',' has no descriptors;
// otherwise descriptors run to the next ',' outside parentheses.
template <typename Sink>
void for_each_srcset_url(std::string_view srcset, Sink&& sink) {
  std::size_t i = 0;
  while (i < srcset.size()) {
    while (i < srcset.size() && (is_html_space(srcset[i]) || srcset[i] == ',')) {
      ++i;
    }
    if (i >= srcset.size()) {
      return;
    }
    const std::size_t start = i;
    while (i < srcset.size() && !is_html_space(srcset[i])) {
      ++i;
    }
    std::string_view url = srcset.substr(start, i - start);
    if (!url.empty() && url.back() == ',') {
      while (!url.empty() && url.back() == ',') {
        url.remove_suffix(1);
      }
    } else {
      int depth = 0;
      while (i < srcset.size()) {
        const char c = srcset[i];
        if (c == '(') {
          ++depth;
        } else if (c == ')' && depth > 0) {
          --depth;
        } else if (c == ',' && depth == 0) {
          break;
        }
        ++i;
      }
    }
    if (!url.empty()) {
      sink(url);
    }
  }
}

// Where a UTF-8 string may be cut without splitting a character.
std::size_t utf8_boundary(std::string_view s, std::size_t at) {
  while (at > 0 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) {
    --at;
  }
  return at;
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (const char c : s) {
    if (is_html_space(c)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) {
        out += ' ';
        pending_space = false;
      }
      out += c;
    }
  }
  return out;
}

// Makes the byte stream valid UTF-8 before libxml2 sees it: each invalid sequence (its maximal
// valid prefix, as the Encoding standard's decoder counts them) becomes U+FFFD, and so does NUL.
// libxml2 2.9 would otherwise give up on UTF-8 at the first bad byte and decode the rest of the
// page as ISO-8859-1, turning every later non-ASCII URL into mojibake, and a NUL would cut an
// attribute value short. A sequence split between two chunks is carried over, so chunk
// boundaries do not matter.
class Utf8Sanitizer {
 public:
  void push(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size());
    std::size_t i = 0;
    while (i < in.size()) {
      if (m_needed == 0) {
        // Fast path: plain ASCII, the bulk of any page.
        std::size_t end = i;
        while (end < in.size() && static_cast<unsigned char>(in[end]) - 1U < 0x7FU) {
          ++end;
        }
        out.append(in.data() + i, end - i);
        i = end;
        if (i == in.size()) {
          break;
        }
      }
      push_byte(in[i], out);
      ++i;
    }
  }

  // End of input: an unfinished sequence is one more error.
  void finish(std::string& out) {
    if (m_needed > 0) {
      out += k_replacement;
      m_needed = 0;
      m_length = 0;
    }
  }

 private:
  static constexpr std::string_view k_replacement = "\xEF\xBF\xBD";

  void push_byte(char ch, std::string& out) {
    const auto b = static_cast<unsigned char>(ch);
    if (m_needed > 0) {
      if (b >= m_lower && b <= m_upper) {
        m_sequence[m_length++] = ch;
        m_lower = 0x80;
        m_upper = 0xBF;
        if (--m_needed == 0) {
          out.append(m_sequence, m_length);
          m_length = 0;
        }
        return;
      }
      // The sequence so far is one error; this byte is looked at afresh.
      out += k_replacement;
      m_needed = 0;
      m_length = 0;
    }
    if (b == 0) {
      out += k_replacement;
    } else if (b < 0x80) {
      out += ch;
    } else if (b >= 0xC2 && b <= 0xDF) {
      start(ch, 1, 0x80, 0xBF);
    } else if (b == 0xE0) {
      start(ch, 2, 0xA0, 0xBF);  // no overlong forms
    } else if (b == 0xED) {
      start(ch, 2, 0x80, 0x9F);  // no surrogates
    } else if (b >= 0xE1 && b <= 0xEF) {
      start(ch, 2, 0x80, 0xBF);
    } else if (b == 0xF0) {
      start(ch, 3, 0x90, 0xBF);  // no overlong forms
    } else if (b >= 0xF1 && b <= 0xF3) {
      start(ch, 3, 0x80, 0xBF);
    } else if (b == 0xF4) {
      start(ch, 3, 0x80, 0x8F);  // nothing above U+10FFFF
    } else {
      out += k_replacement;  // stray continuation byte, overlong lead 0xC0/0xC1, or 0xF5..0xFF
    }
  }

  void start(char lead, int needed, unsigned char lower, unsigned char upper) {
    m_sequence[0] = lead;
    m_length = 1;
    m_needed = needed;
    m_lower = lower;
    m_upper = upper;
  }

  char m_sequence[4] = {};
  std::size_t m_length = 0;
  int m_needed = 0;  // continuation bytes still expected
  unsigned char m_lower = 0x80;
  unsigned char m_upper = 0xBF;
};

void init_libxml_once() {
  // xmlInitParser is idempotent but not thread-safe before its first completion.
  static const bool k_initialized = [] {
    xmlInitParser();
    return true;
  }();
  (void)k_initialized;
}

}  // namespace

struct LinkExtractor::Impl {
  explicit Impl(LinkExtractorOptions opts) : options(opts) {
    init_libxml_once();
    htmlSAXHandler sax;
    std::memset(&sax, 0, sizeof(sax));
    sax.startElement = &Impl::on_start_element;
    sax.endElement = &Impl::on_end_element;
    sax.characters = &Impl::on_characters;
    // The HTML parser reports some whitespace-only text as "ignorable"; inside <title> it is not.
    sax.ignorableWhitespace = &Impl::on_characters;
    // cdataBlock stays null: script and style bodies then arrive through characters, which
    // ignores everything outside <title>.
    ctxt = htmlCreatePushParserCtxt(&sax, this, nullptr, 0, nullptr, XML_CHAR_ENCODING_UTF8);
    if (ctxt == nullptr) {
      throw std::bad_alloc();
    }
    htmlCtxtUseOptions(ctxt, k_parse_options);
  }

  ~Impl() { release(); }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void release() {
    if (ctxt == nullptr) {
      return;
    }
    // Nothing should have built a document, but if libxml2 ever does, it is ours to free.
    if (ctxt->myDoc != nullptr) {
      xmlFreeDoc(ctxt->myDoc);
      ctxt->myDoc = nullptr;
    }
    htmlFreeParserCtxt(ctxt);
    ctxt = nullptr;
  }

  // Sanitizes `data` and hands it to libxml2 in pieces of at most k_max_parse_piece.
  void parse(std::string_view data, bool terminate) {
    while (!data.empty()) {
      const std::string_view piece = data.substr(0, k_max_parse_piece);
      data.remove_prefix(piece.size());
      clean.clear();
      sanitizer.push(piece, clean);
      htmlParseChunk(ctxt, clean.data(), static_cast<int>(clean.size()), 0);
      rethrow_callback_error();
    }
    if (terminate) {
      clean.clear();
      sanitizer.finish(clean);
      htmlParseChunk(ctxt, clean.data(), static_cast<int>(clean.size()), 1);
      rethrow_callback_error();
    }
  }

  // An exception must not unwind through libxml2's C frames: the callbacks catch it, stop the
  // parser, and it is thrown again here, once htmlParseChunk has returned. Only allocation
  // failure can get here, never the input; the extractor is finished after it.
  template <typename Callback>
  void guarded(Callback&& callback) noexcept {
    if (callback_error) {
      return;
    }
    try {
      callback();
    } catch (...) {
      callback_error = std::current_exception();
      xmlStopParser(ctxt);
    }
  }

  void rethrow_callback_error() {
    if (callback_error) {
      finished = true;
      std::rethrow_exception(std::exchange(callback_error, nullptr));
    }
  }

  void add_link(std::string_view value) {
    if (page.links.size() >= k_max_links || trim(value, k_html_space).empty()) {
      return;
    }
    page.links.emplace_back(value);
  }

  void start_element(std::string_view name, const xmlChar** attributes) {
    if (name == "a" || name == "area") {
      add_link(attribute(attributes, "href"));
    } else if (name == "frame" || name == "iframe") {
      add_link(attribute(attributes, "src"));
    } else if (name == "link") {
      const std::string_view rel = attribute(attributes, "rel");
      if (has_rel(rel, "next") || has_rel(rel, "prev") || has_rel(rel, "alternate") ||
          has_rel(rel, "canonical") || (options.assets && has_rel(rel, "stylesheet"))) {
        add_link(attribute(attributes, "href"));
      }
    } else if (name == "meta") {
      if (iequals(trim(attribute(attributes, "http-equiv"), k_html_space), "refresh")) {
        add_link(refresh_url(attribute(attributes, "content")));
      }
    } else if (name == "base") {
      const std::string_view href = attribute(attributes, "href");
      if (page.base.empty() && !trim(href, k_html_space).empty()) {
        page.base = std::string(href);
      }
    } else if (name == "title") {
      if (!title_done && svg_depth == 0) {
        in_title = true;
      }
    } else if (name == "svg") {
      ++svg_depth;
    } else if (options.assets) {
      if (name == "img" || name == "source") {
        add_link(attribute(attributes, "src"));
        if (has_attribute(attributes, "srcset")) {
          for_each_srcset_url(attribute(attributes, "srcset"),
                              [this](std::string_view url) { add_link(url); });
        }
      } else if (name == "script") {
        add_link(attribute(attributes, "src"));
      }
    }
  }

  void end_element(std::string_view name) {
    if (name == "title" && in_title) {
      in_title = false;
      title_done = true;
    } else if (name == "svg" && svg_depth > 0) {
      --svg_depth;
    }
  }

  void characters(std::string_view text) {
    if (!in_title || title_full) {
      return;
    }
    // Raw text is kept up to the cap; collapsing whitespace later can only shorten it.
    const std::size_t room = k_max_title_bytes - title_text.size();
    if (text.size() > room) {
      text = text.substr(0, utf8_boundary(text, room));
      title_full = true;
    }
    title_text.append(text);
  }

  static void on_start_element(void* user, const xmlChar* name, const xmlChar** attributes) {
    Impl* self = static_cast<Impl*>(user);
    self->guarded([&] { self->start_element(as_view(name), attributes); });
  }
  static void on_end_element(void* user, const xmlChar* name) {
    Impl* self = static_cast<Impl*>(user);
    self->guarded([&] { self->end_element(as_view(name)); });
  }
  static void on_characters(void* user, const xmlChar* text, int length) {
    if (length <= 0) {
      return;
    }
    Impl* self = static_cast<Impl*>(user);
    self->guarded([&] {
      self->characters(
          std::string_view(reinterpret_cast<const char*>(text), static_cast<std::size_t>(length)));
    });
  }

  LinkExtractorOptions options;
  htmlParserCtxtPtr ctxt = nullptr;
  Utf8Sanitizer sanitizer;
  std::string clean;  // sanitized input on its way to libxml2; reused to avoid reallocations
  ExtractedPage page;
  std::string title_text;  // raw text of the title so far
  bool in_title = false;
  bool title_done = false;
  bool title_full = false;  // k_max_title_bytes reached
  int svg_depth = 0;        // <title> inside inline SVG names the drawing, not the page
  bool finished = false;
  std::exception_ptr callback_error;  // thrown by a callback, waiting for htmlParseChunk to return
};

LinkExtractor::LinkExtractor(LinkExtractorOptions options)
    : m_impl(std::make_unique<Impl>(options)) {}

LinkExtractor::~LinkExtractor() = default;
LinkExtractor::LinkExtractor(LinkExtractor&&) noexcept = default;
LinkExtractor& LinkExtractor::operator=(LinkExtractor&&) noexcept = default;

void LinkExtractor::feed(std::string_view chunk) {
  if (!m_impl || m_impl->finished) {
    return;
  }
  m_impl->parse(chunk, false);
}

ExtractedPage LinkExtractor::finish() {
  if (!m_impl || m_impl->finished) {
    return {};
  }
  m_impl->parse({}, true);
  m_impl->finished = true;
  m_impl->page.title = collapse_whitespace(m_impl->title_text);
  ExtractedPage page = std::move(m_impl->page);
  m_impl->release();
  return page;
}

}  // namespace greenfetch
