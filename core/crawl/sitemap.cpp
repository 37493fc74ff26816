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
  xmlParserCtxtPtr ctxt = nullptr;
  std::size_t xml_bytes = 0;
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

  void xml(const char* data, std::size_t size, bool terminate) {
    if (stopped) {
      return;
    }
    if (size > limits.max_bytes - std::min(xml_bytes, limits.max_bytes)) {
      fail(fmt::format("larger than {} bytes uncompressed", limits.max_bytes));
      return;
    }
    xml_bytes += size;
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
      xml(chunk.data(), chunk.size(), false);
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
        fail(fmt::format("bad gzip data: {}", z.msg != nullptr ? z.msg : "inflate failed"));
        return;
      }
      xml(out, have, false);
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
        fail(fmt::format("bad gzip data: {}", z.msg != nullptr ? z.msg : "inflate failed"));
        return;
      }
      xml(out, have, false);
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
      if (!stopped && ctxt == nullptr) {
        fail("empty body");
      }
      if (!stopped) {
        xml(nullptr, 0, true);
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
