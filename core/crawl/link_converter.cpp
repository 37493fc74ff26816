#include "core/crawl/link_converter.hpp"

#include <array>
#include <unordered_set>

#include "core/base/ascii.hpp"
#include "core/crawl/mirror.hpp"
#include "core/url/parse.hpp"

namespace greenfetch {

namespace {

// Why a scanner of our own and not libxml2's positions: the HTML parser of
// core/crawl/link_extractor.cpp gives no reliable byte offset of an attribute value (its SAX
// start-tag callback gets decoded values, and xmlByteConsumed points past the whole tag, after
// the parser's own buffering and encoding conversion). This scanner only finds where href/src
// values are; what counts as a link stays the extractor's decision (see convert_links), so a
// misreading here can only leave a value unconverted, never rewrite text that is no link.

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Elements whose content is text up to their end tag (the tokenizer's raw text and RCDATA).
constexpr std::array<std::string_view, 7> k_text_elements = {
    "script", "style", "textarea", "title", "xmp", "noembed", "noframes"};

// Offset just past the end tag "</NAME" (any case) from `from`, or npos.
std::size_t skip_text(std::string_view s, std::size_t from, std::string_view name) {
  std::size_t i = from;
  for (;;) {
    std::size_t lt = s.find("</", i);
    if (lt == std::string_view::npos) {
      return std::string_view::npos;
    }
    std::size_t after = lt + 2 + name.size();
    if (after <= s.size() && iequals(s.substr(lt + 2, name.size()), name) &&
        (after == s.size() || is_space(s[after]) || s[after] == '>' || s[after] == '/')) {
      return after;
    }
    i = lt + 2;
  }
}

// "%" written "%25": the mirror's names hold %XX escapes literally.
void append_escaped(std::string& out, std::string_view name) {
  for (char c : name) {
    if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
}

// Whether the link extractor reads this attribute of this tag (LinkExtractor's list).
bool extracted_attribute(const LinkAttribute& a, bool assets) {
  if (iequals(a.name, "href")) {
    return iequals(a.tag, "a") || iequals(a.tag, "area") || iequals(a.tag, "link");
  }
  if (iequals(a.tag, "frame") || iequals(a.tag, "iframe")) {
    return true;
  }
  return assets && (iequals(a.tag, "img") || iequals(a.tag, "script") || iequals(a.tag, "source"));
}

}  // namespace

std::vector<LinkAttribute> find_link_attributes(std::string_view s) {
  std::vector<LinkAttribute> out;
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    std::size_t lt = s.find('<', i);
    if (lt == std::string_view::npos) {
      break;
    }
    i = lt + 1;
    if (s.substr(i, 3) == "!--") {
      std::size_t e = s.find("-->", i + 3);
      if (e == std::string_view::npos) {
        break;
      }
      i = e + 3;
      continue;
    }
    if (i < n && (s[i] == '!' || s[i] == '?' || s[i] == '/')) {
      std::size_t e = s.find('>', i);
      if (e == std::string_view::npos) {
        break;
      }
      i = e + 1;
      continue;
    }
    if (i >= n || !is_ascii_alpha(static_cast<unsigned char>(s[i]))) {
      continue;
    }
    std::size_t name_begin = i;
    while (i < n && !is_space(s[i]) && s[i] != '/' && s[i] != '>') {
      ++i;
    }
    std::string_view tag = s.substr(name_begin, i - name_begin);
    bool closed = false;
    while (i < n) {
      while (i < n && (is_space(s[i]) || s[i] == '/')) {
        ++i;
      }
      if (i >= n) {
        break;
      }
      if (s[i] == '>') {
        ++i;
        closed = true;
        break;
      }
      std::size_t attr_begin = i++;  // a name may start with '=' (the tokenizer's rule)
      while (i < n && !is_space(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=') {
        ++i;
      }
      std::string_view attr = s.substr(attr_begin, i - attr_begin);
      while (i < n && is_space(s[i])) {
        ++i;
      }
      if (i >= n || s[i] != '=') {
        continue;
      }
      ++i;
      while (i < n && is_space(s[i])) {
        ++i;
      }
      if (i >= n || s[i] == '>') {
        continue;  // no value
      }
      std::size_t begin = i;
      std::size_t end = i;
      if (s[i] == '"' || s[i] == '\'') {
        begin = i + 1;
        end = s.find(s[i], begin);
        if (end == std::string_view::npos) {
          return out;  // the page ends inside the value
        }
        i = end + 1;
      } else {
        while (i < n && !is_space(s[i]) && s[i] != '>') {
          ++i;
        }
        end = i;
      }
      if (iequals(attr, "href") || iequals(attr, "src")) {
        out.push_back(LinkAttribute{begin, end, tag, attr, iequals(tag, "base")});
      }
    }
    if (!closed) {
      break;
    }
    for (std::string_view text : k_text_elements) {
      if (iequals(tag, text)) {
        i = skip_text(s, i, text);
        if (i == std::string_view::npos) {
          return out;
        }
        break;
      }
    }
  }
  return out;
}

std::string mirror_link(std::string_view from, std::string_view to) {
  std::vector<std::string> a = CrawlMirror::segments(from);
  std::vector<std::string> b = CrawlMirror::segments(to);
  if (a.empty() || b.empty()) {
    return {};
  }
  // Folders in common (all but the file name), then one "../" per folder of `from` left.
  std::size_t common = 0;
  while (common + 1 < a.size() && common + 1 < b.size() && a[common] == b[common]) {
    ++common;
  }
  std::string out;
  for (std::size_t i = common; i + 1 < a.size(); ++i) {
    out += "../";
  }
  for (std::size_t i = common; i < b.size(); ++i) {
    if (i > common) {
      out += '/';
    }
    append_escaped(out, b[i]);
  }
  return out;
}

std::string convert_links(std::string_view html, const ExtractedPage& page,
                          const LinkConversion& c) {
  std::vector<LinkAttribute> attrs = find_link_attributes(html);
  if (attrs.empty()) {
    return std::string(html);
  }
  // The document's base URL, as crawler_links.cpp resolves the page's links.
  UrlParseResult base = parse_url(c.page_url);
  if (base.status != UrlParseStatus::ok) {
    return std::string(html);
  }
  if (!page.base.empty()) {
    UrlParseResult b = parse_url(page.base, &base.url);
    if (b.status == UrlParseStatus::ok) {
      base = std::move(b);
    }
  }
  std::unordered_set<std::string_view> links(page.links.begin(), page.links.end());

  std::string out;
  out.reserve(html.size() + html.size() / 8);
  std::size_t copied = 0;
  for (const LinkAttribute& a : attrs) {
    std::string_view value = html.substr(a.begin, a.end - a.begin);
    std::string replacement;
    if (a.base) {
      if (page.base.empty() || value.empty()) {
        continue;
      }
      replacement = mirror_link(c.page_url, c.page_url);
    } else {
      if (!extracted_attribute(a, c.assets) || !links.contains(value) ||
          value.find('&') != std::string_view::npos || trim(value, " \t\n\r\f").starts_with('#')) {
        continue;
      }
      UrlParseResult u = parse_url(value, &base.url);
      if (u.status != UrlParseStatus::ok) {
        continue;
      }
      std::optional<std::string> file;
      if (c.saved) {
        file = c.saved(normalize(u.url, c.normalize));
      }
      if (file) {
        replacement = mirror_link(c.page_url, *file);
        if (u.url.fragment) {
          replacement += '#';
          replacement += *u.url.fragment;
        }
      } else {
        replacement = u.url.href(true);
      }
      // Quotes cannot be written into the value; an unquoted value ends at a space or '>'.
      // (The Standard's serialization percent-encodes those; this is only a safety net.)
      if (replacement.find_first_of("\"'<> \t\n\r\f") != std::string::npos) {
        continue;
      }
    }
    if (replacement == value) {
      continue;
    }
    out.append(html.substr(copied, a.begin - copied));
    out += replacement;
    copied = a.end;
  }
  out.append(html.substr(copied));
  return out;
}

}  // namespace greenfetch
