#include "core/crawl/sitemap.hpp"

#include "core/base/ascii.hpp"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace greenfetch {

namespace {

// Inflated bytes handed to libxml2 at once.
constexpr std::size_t k_inflate_chunk = 16 * 1024;

bool equal(const xmlChar* a, const char* b) {
  return a != nullptr && std::strcmp(reinterpret_cast<const char*>(a), b) == 0;
}

bool same_ns(const xmlChar* a, const std::string& b, bool b_null) {
  if (a == nullptr) {
    return b_null;
  }
  return !b_null && b == reinterpret_cast<const char*>(a);
}

constexpr std::string_view k_xml_space = " \t\r\n";

// Leading white space looked at before a body that shows nothing else is taken for text.
constexpr std::size_t k_sniff_bytes = 1024;
constexpr std::string_view k_bom = "\xEF\xBB\xBF";

enum class Format { undecided, xml, text };

// What the first bytes of the (inflated) body are: XML when the first byte after a UTF-8 BOM and
// white space is '<', or a byte of a UTF-16/32 encoding mark (00, FE, FF: libxml2 decides);
// a text sitemap otherwise. Undecided while the bytes seen are only a BOM and white space.
Format sniff_format(std::string_view s) {
  if (s.size() < k_bom.size() && k_bom.substr(0, s.size()) == s) {
    return Format::undecided;
  }
  if (s.substr(0, k_bom.size()) == k_bom) {
    s.remove_prefix(k_bom.size());
  }
  std::size_t first = s.find_first_not_of(k_xml_space);
  if (first == std::string_view::npos) {
    return s.size() >= k_sniff_bytes ? Format::text : Format::undecided;
  }
  auto c = static_cast<unsigned char>(s[first]);
  return c == '<' || c == 0x00 || c == 0xFE || c == 0xFF ? Format::xml : Format::text;
}

// A line of a text sitemap that is a URL: sitemaps.org asks for full URLs, so an absolute
// http or https one, with no white space or control character inside.
bool is_text_url(std::string_view s) {
  std::size_t scheme = 0;
  if (s.size() > 7 && iequals(s.substr(0, 7), "http://")) {
    scheme = 7;
  } else if (s.size() > 8 && iequals(s.substr(0, 8), "https://")) {
    scheme = 8;
  } else {
    return false;
  }
  return std::none_of(s.begin() + static_cast<std::ptrdiff_t>(scheme), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c == 0x7F;
  });
}

}  // namespace

struct SitemapParser::Impl {
  enum class Mode { undecided, plain, gzip };

  explicit Impl(SitemapLimits l) : limits(l) {}
  ~Impl() {
    if (ctxt != nullptr) {
      // A DOCTYPE with declarations makes libxml2 build a document for them even with a
      // SAX-only handler; the context does not free it.
      if (ctxt->myDoc != nullptr) {
        xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = nullptr;
      }
      xmlFreeParserCtxt(ctxt);
    }
    if (z_started) {
      inflateEnd(&z);
    }
  }

  SitemapLimits limits;
  Mode mode = Mode::undecided;
  std::string head;  // first bytes, until there are two to look at
  z_stream z{};
  bool z_started = false;
  bool z_ended = false;  // the last gzip member is complete
  Format format = Format::undecided;
  std::string sniff;              // the first bytes of content, until sniff_format decides
  std::size_t content_bytes = 0;  // uncompressed bytes of the body
  xmlParserCtxtPtr ctxt = nullptr;
  bool stopped = false;
  bool finished = false;

  // Parse state.
  int depth = 0;  // elements open
  std::string root_ns;
  bool root_ns_null = true;
  bool in_entry = false;  // inside <url> or <sitemap> directly below the root
  bool in_loc = false;
  bool loc_too_long = false;
  std::string text;

  // Text sitemap state.
  std::string line;  // the current line, up to max_loc_bytes
  bool line_too_long = false;
  std::size_t line_no = 0;
  std::size_t skipped = 0;  // lines that are neither blank nor a URL, or too long
  std::string first_skip;   // why the first of them was skipped

  SitemapResult result;

  void fail(std::string message) {
    if (result.error.empty()) {
      result.error = std::move(message);
    }
    stopped = true;
    if (ctxt != nullptr) {
      xmlStopParser(ctxt);
    }
  }

  // The uncompressed body, in pieces: counted against the byte limit, then its format decided
  // from the first bytes, then handed to the XML or the text parser.
  void content(const char* data, std::size_t size) {
    if (stopped) {
      return;
    }
    if (size > limits.max_bytes - std::min(content_bytes, limits.max_bytes)) {
      fail(fmt::format("larger than {} bytes uncompressed", limits.max_bytes));
      return;
    }
    content_bytes += size;
    if (format != Format::undecided) {
      decided(data, size);
      return;
    }
    sniff.append(data, size);
    format = sniff_format(sniff);
    if (format != Format::undecided) {
      flush_sniff();
    }
  }

  void flush_sniff() {
    std::string first = std::move(sniff);
    sniff.clear();
    std::string_view s = first;
    if (format == Format::text) {
      result.text = true;
      if (s.substr(0, k_bom.size()) == k_bom) {
        s.remove_prefix(k_bom.size());
      }
    }
    decided(s.data(), s.size());
  }

  void decided(const char* data, std::size_t size) {
    if (format == Format::xml) {
      xml(data, size, false);
    } else {
      text_lines(data, size);
    }
  }

  // Text sitemap (sitemaps.org): one URL per line, UTF-8; blank lines are skipped, and so are
  // other lines once the first URL has been seen (reported in the error, the URLs kept). A
  // first line that is not a URL is "not a sitemap" (an HTML or binary body, say).
  void text_lines(const char* data, std::size_t size) {
    std::string_view rest(data, size);
    while (!stopped && !rest.empty()) {
      std::size_t nl = rest.find('\n');
      std::string_view part = rest.substr(0, nl);
      if (!line_too_long) {
        if (line.size() + part.size() > limits.max_loc_bytes) {
          line_too_long = true;
          line.clear();
        } else {
          line.append(part);
        }
      }
      if (nl == std::string_view::npos) {
        return;
      }
      rest.remove_prefix(nl + 1);
      text_line_end();
    }
  }

  void text_line_end() {
    ++line_no;
    bool too_long = line_too_long;
    std::string_view s = trim(line, " \t\r\f\v");
    if (too_long) {
      skip(fmt::format("longer than {} bytes", limits.max_loc_bytes));
    } else if (s.empty()) {
      // a blank line
    } else if (!is_text_url(s)) {
      if (result.kind == SitemapKind::unknown) {
        fail(fmt::format("not a sitemap: line {} is neither XML nor a URL", line_no));
      } else {
        skip("not an absolute http(s) URL");
      }
    } else if (result.locs.size() >= limits.max_urls) {
      fail(fmt::format("more than {} entries", limits.max_urls));
    } else {
      result.kind = SitemapKind::urlset;
      result.locs.emplace_back(s);
    }
    line.clear();
    line_too_long = false;
  }

  void skip(std::string_view why) {
    if (skipped++ == 0) {
      first_skip = fmt::format("line {}: {}", line_no, why);
    }
  }

  void xml(const char* data, std::size_t size, bool terminate) {
    if (stopped) {
      return;
    }
    if (ctxt == nullptr) {
      if (size == 0) {
        return;
      }
      xmlSAXHandler sax;
      std::memset(&sax, 0, sizeof sax);
      sax.initialized = XML_SAX2_MAGIC;
      sax.startElementNs = &on_start;
      sax.endElementNs = &on_end;
      sax.characters = &on_text;
      sax.cdataBlock = &on_text;
      sax.serror = &on_error;
      // The first bytes go in with the context so that libxml2 can detect the encoding.
      std::size_t first = std::min<std::size_t>(size, 4);
      ctxt = xmlCreatePushParserCtxt(&sax, this, data, static_cast<int>(first), "sitemap");
      if (ctxt == nullptr) {
        fail("cannot create an XML parser");
        return;
      }
      // No network, no entity substitution (no DTD is loaded either: no XML_PARSE_DTDLOAD).
      xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOWARNING);
      data += first;
      size -= first;
    }
    while (!stopped && (size > 0 || terminate)) {
      // xmlParseChunk takes an int: large chunks go in pieces.
      std::size_t n = std::min<std::size_t>(size, 1 << 20);
      bool last = terminate && n == size;
      xmlParseChunk(ctxt, data, static_cast<int>(n), last ? 1 : 0);
      data += n;
      size -= n;
      if (last) {
        break;
      }
    }
  }

  void feed(std::string_view chunk) {
    if (mode == Mode::undecided) {
      head.append(chunk);
      if (head.size() < 2) {
        return;
      }
      mode =
          static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b
              ? Mode::gzip
              : Mode::plain;
      std::string first = std::move(head);
      head.clear();
      feed_decided(first);
      return;
    }
    feed_decided(chunk);
  }

  void feed_decided(std::string_view chunk) {
    if (mode == Mode::plain) {
      content(chunk.data(), chunk.size());
      return;
    }
    result.gzip = true;
    if (!z_started) {
      if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        fail("cannot start zlib");
        return;
      }
      z_started = true;
    }
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
    z.avail_in = static_cast<uInt>(chunk.size());
    char out[k_inflate_chunk];
    while (!stopped && z.avail_in > 0) {
      if (z_ended) {
        // Another gzip member follows (concatenated gzip files are one stream).
        inflateReset(&z);
        z_ended = false;
      }
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = sizeof out;
      int rc = inflate(&z, Z_NO_FLUSH);
      std::size_t have = sizeof out - z.avail_out;
      if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && have > 0)) {
        content(out, have);  // what inflated before the bad bytes, however the body was cut
        fail(fmt::format("bad gzip data: {}", z.msg != nullptr ? z.msg : "inflate failed"));
        return;
      }
      content(out, have);
      if (rc == Z_STREAM_END) {
        z_ended = true;
      }
    }
    // Output may still be pending in zlib with all input consumed: drain it.
    while (!stopped && !z_ended) {
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = sizeof out;
      int rc = inflate(&z, Z_NO_FLUSH);
      std::size_t have = sizeof out - z.avail_out;
      if (have == 0) {
        break;
      }
      if (rc != Z_OK && rc != Z_STREAM_END) {
        content(out, have);
        fail(fmt::format("bad gzip data: {}", z.msg != nullptr ? z.msg : "inflate failed"));
        return;
      }
      content(out, have);
      if (rc == Z_STREAM_END) {
        z_ended = true;
      }
    }
  }

  SitemapResult finish() {
    if (!finished) {
      finished = true;
      if (mode == Mode::undecided && !head.empty()) {
        mode = Mode::plain;
        std::string first = std::move(head);
        head.clear();
        feed_decided(first);
      }
      if (!stopped && mode == Mode::gzip && !z_ended) {
        fail("truncated gzip stream");
      }
      if (!stopped && content_bytes == 0) {
        fail("empty body");
      }
      if (!stopped && format == Format::undecided) {
        format = Format::text;  // only a BOM and white space
        flush_sniff();
      }
      if (!stopped && format == Format::xml) {
        xml(nullptr, 0, true);
      }
      if (!stopped && format == Format::text) {
        if (!line.empty() || line_too_long) {
          text_line_end();  // the last line has no newline
        }
        if (!stopped && skipped > 0) {
          result.error =
              fmt::format("{} ({} line{} skipped)", first_skip, skipped, skipped == 1 ? "" : "s");
        }
      }
      if (result.error.empty() && result.kind == SitemapKind::unknown) {
        result.error = "not a sitemap";
      }
    }
    return std::move(result);
  }

  // SAX2 callbacks (ctx is this Impl).
  static void on_start(void* ctx, const xmlChar* localname, const xmlChar* /*prefix*/,
                       const xmlChar* uri, int /*nb_namespaces*/, const xmlChar** /*namespaces*/,
                       int /*nb_attributes*/, int /*nb_defaulted*/,
                       const xmlChar** /*attributes*/) {
    auto* self = static_cast<Impl*>(ctx);
    if (self->stopped) {
      return;
    }
    ++self->depth;
    if (self->depth == 1) {
      if (equal(localname, "urlset")) {
        self->result.kind = SitemapKind::urlset;
      } else if (equal(localname, "sitemapindex")) {
        self->result.kind = SitemapKind::index;
      } else {
        self->fail(fmt::format("not a sitemap: root element <{}>",
                               reinterpret_cast<const char*>(localname)));
        return;
      }
      self->root_ns_null = uri == nullptr;
      if (uri != nullptr) {
        self->root_ns = reinterpret_cast<const char*>(uri);
      }
      return;
    }
    bool ours = same_ns(uri, self->root_ns, self->root_ns_null);
    if (self->depth == 2) {
      const char* entry = self->result.kind == SitemapKind::urlset ? "url" : "sitemap";
      self->in_entry = ours && equal(localname, entry);
    } else if (self->depth == 3 && self->in_entry && ours && equal(localname, "loc")) {
      self->in_loc = true;
      self->loc_too_long = false;
      self->text.clear();
    }
  }

  static void on_end(void* ctx, const xmlChar* /*localname*/, const xmlChar* /*prefix*/,
                     const xmlChar* /*uri*/) {
    auto* self = static_cast<Impl*>(ctx);
    if (self->stopped) {
      return;
    }
    if (self->depth == 3 && self->in_loc) {
      self->in_loc = false;
      std::string_view loc = trim(self->text, k_xml_space);
      if (!self->loc_too_long && !loc.empty()) {
        if (self->result.locs.size() >= self->limits.max_urls) {
          self->fail(fmt::format("more than {} entries", self->limits.max_urls));
          return;
        }
        self->result.locs.emplace_back(loc);
      }
    } else if (self->depth == 2) {
      self->in_entry = false;
    }
    --self->depth;
  }

  static void on_text(void* ctx, const xmlChar* ch, int len) {
    auto* self = static_cast<Impl*>(ctx);
    if (!self->in_loc || self->loc_too_long || len <= 0) {
      return;
    }
    if (self->text.size() + static_cast<std::size_t>(len) > self->limits.max_loc_bytes) {
      self->loc_too_long = true;
      return;
    }
    self->text.append(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len));
  }

  static void on_error(void* ctx, xmlErrorPtr error) {
    auto* self = static_cast<Impl*>(ctx);
    if (error == nullptr || error->level != XML_ERR_FATAL || self->stopped) {
      return;
    }
    std::string message = error->message != nullptr ? error->message : "XML error";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    self->fail(fmt::format("not well-formed XML (line {}): {}", error->line, message));
  }
};

SitemapParser::SitemapParser(SitemapLimits limits) : m_impl(std::make_unique<Impl>(limits)) {}

SitemapParser::~SitemapParser() = default;

bool SitemapParser::feed(std::string_view chunk) {
  if (!m_impl->stopped && !m_impl->finished) {
    m_impl->feed(chunk);
  }
  return !m_impl->stopped;
}

SitemapResult SitemapParser::finish() {
  return m_impl->finish();
}

SitemapResult parse_sitemap(std::string_view body, SitemapLimits limits) {
  SitemapParser parser(limits);
  parser.feed(body);
  return parser.finish();
}

}  // namespace greenfetch
