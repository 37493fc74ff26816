// robots.txt parser and matcher, written from RFC 9309.
//
// Why hand-written: no Debian package parses robots.txt, and the pattern language is tiny
// (literal octets, '*' for any run of octets, a trailing '$' for end of URL). The standard
// library's regex is not used (a backtracking engine goes exponential on "/*a*a*a*...b") and RE2 is
// not needed: for patterns whose only operator is '*', taking every literal piece at its leftmost
// occurrence is exact, so matching is a few string searches with no backtracking at all,
// O(path × pattern) in the worst case and usually linear.
//
// Leniency: keys are case-insensitive and a few misspellings are accepted where the result can
// only be more restrictive or follows the file's evident structure ("disalow", "useragent").
// Misspelt "allow" lines are not accepted, since guessing them would widen access.
//
// Where RFC 9309 leaves room, the file is read as Google's open-source parser reads it, each
// rule commented where it is applied: lines without a colon (split_line), escapes in patterns
// kept as written (google_escape), the line-length limit (k_max_line_octets), an allowed
// "index.html" covering its directory (compile_line). The product token rules are RFC 9309's.
#include "core/crawl/robots.hpp"
#include "core/base/ascii.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <system_error>
#include <unordered_set>

namespace greenfetch {

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";
constexpr std::string_view k_robots_path = "/robots.txt";

constexpr std::string_view k_space = " \t\v\f";  // robots.txt's white space

bool is_space(char c) {
  return k_space.find(c) != std::string_view::npos;
}

// The product token of a user-agent string or of a user-agent line's value: its leading run
// of letters, digits, '_' and '-' (RFC 9309 2.2.1 allows letters, '_' and '-'; digits are kept
// so that "bot2" is not mistaken for "bot").
std::string_view product_token(std::string_view s) {
  s = trim(s, k_space);
  std::size_t n = 0;
  while (n < s.size()) {
    const auto c = static_cast<unsigned char>(s[n]);
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '_' && c != '-') {
      break;
    }
    ++n;
  }
  return s.substr(0, n);
}

// ---- Percent-encoding --------------------------------------------------------------------
//
// Where RFC 9309 2.2.2 leaves room, patterns are compared as Google's open-source parser
// (google/robotstxt, the RFC authors' reference) compares them: a pattern keeps its escapes as
// written, only with the hex digits in upper case, and its non-ASCII octets are
// percent-encoded ("/foo/bar/ツ" is "/foo/bar/%E3%83%84"); the URL's path is compared as
// sent. So "Allow: /foo/bar/%62%61%7A" does not match "/foo/bar/baz" (Google's test says a
// robots.txt must not rely on it). The URL the crawler asks about is its normal form
// (core/url/normalize.hpp: the Standard's encoding, escapes of unreserved characters decoded,
// hex in upper case), and goes through the same escaping, which changes nothing in it.
// One RFC rule stays on top (2.2.3): "%2A" and "%24" in a pattern are a literal '*' and '$'.

char upper_hex(char c) {
  return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string google_escape(std::string_view s) {
  constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += '%';
      out += upper_hex(s[i + 1]);
      out += upper_hex(s[i + 2]);
      i += 2;
    } else if (c >= 0x80) {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0x0F];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// ---- Lines ---------------------------------------------------------------------------------

enum class Key { unknown, user_agent, allow, disallow, crawl_delay, sitemap };

Key classify(std::string_view key) {
  struct Spelling {
    std::string_view text;
    Key key;
  };
  // Misspellings of "disallow" only ever restrict; those of "user-agent" follow the file's
  // layout (a group header nobody would write rules under by accident).
  static constexpr std::array<Spelling, 15> k_spellings{{
      {"user-agent", Key::user_agent},
      {"useragent", Key::user_agent},
      {"user agent", Key::user_agent},
      {"user_agent", Key::user_agent},
      {"allow", Key::allow},
      {"disallow", Key::disallow},
      {"disalow", Key::disallow},
      {"dissallow", Key::disallow},
      {"dissalow", Key::disallow},
      {"disallaw", Key::disallow},
      {"crawl-delay", Key::crawl_delay},
      {"crawldelay", Key::crawl_delay},
      {"crawl_delay", Key::crawl_delay},
      {"sitemap", Key::sitemap},
      {"site-map", Key::sitemap},
  }};
  for (const Spelling& s : k_spellings) {
    if (iequals(key, s.text)) {
      return s.key;
    }
  }
  return Key::unknown;
}

// The body that is parsed: at most k_max_bytes, without a line the limit cuts through (a cut
// "Allow: /private/public-page" would otherwise become a broader "Allow: /private/").
std::string_view limit_body(std::string_view body) {
  if (body.size() <= Robots::k_max_bytes) {
    return body;
  }
  body = body.substr(0, Robots::k_max_bytes);
  const std::size_t last_end = body.find_last_of("\r\n");
  return last_end == std::string_view::npos ? std::string_view{} : body.substr(0, last_end);
}

// "*" (possibly followed by a comment already stripped or by stray words) is the global group.
bool is_global_agent(std::string_view value) {
  value = trim(value, k_space);
  return !value.empty() && value.front() == '*' && (value.size() == 1 || is_space(value[1]));
}

std::optional<double> parse_delay(std::string_view value) {
  double seconds = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
  if (ec != std::errc{} || ptr != end || !std::isfinite(seconds) || seconds < 0) {
    return std::nullopt;
  }
  return seconds;
}

void keep_max(std::optional<double>& into, double value) {
  if (!into || *into < value) {
    into = value;
  }
}

// An absolute URL: scheme "://" something, with no whitespace or control characters.
bool is_absolute_url(std::string_view s) {
  if (s.empty() || !is_ascii_alpha(static_cast<unsigned char>(s.front()))) {
    return false;
  }
  std::size_t i = 1;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') {
      break;
    }
    ++i;
  }
  if (s.substr(i, 3) != "://" || s.size() == i + 3) {
    return false;
  }
  return std::none_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c == 0x7F;
  });
}

// Splits a line (comment and surrounding white space removed) into key and value. Besides
// "key: value", Google's parser reads a line without a colon whose key and value are separated
// by white space ("user-agent FooBot", "disallow /"), but only when the line is exactly two
// words: "a b c" is skipped, as Google skips it.
bool split_line(std::string_view line, std::string_view& key, std::string_view& value) {
  std::size_t sep = line.find(':');
  std::size_t value_start = sep + 1;
  if (sep == std::string_view::npos) {
    sep = line.find_first_of(k_space);
    if (sep == std::string_view::npos) {
      return false;
    }
    value_start = line.find_first_not_of(k_space, sep);
    if (line.find_first_of(k_space, value_start) != std::string_view::npos) {
      return false;
    }
  }
  key = trim(line.substr(0, sep), k_space);
  value = trim(line.substr(value_start), k_space);
  return true;
}

}  // namespace

// Google's parser: an Allow pattern whose last segment starts with "/index.htm" also allows
// its directory itself ("Allow: /dir/index.html" also acts as "Allow: /dir/$"), as a server
// answers "/dir/" with that file.
std::vector<Robots::Rule> Robots::compile_line(std::string_view pattern, bool allow) {
  std::vector<Rule> out;
  out.push_back(compile(pattern, allow));
  const std::size_t slash = pattern.rfind('/');
  if (allow && slash != std::string_view::npos && pattern.substr(slash).starts_with("/index.htm")) {
    out.push_back(compile(std::string(pattern.substr(0, slash + 1)) + "$", true));
  }
  return out;
}

Robots::Rule Robots::compile(std::string_view pattern, bool allow) {
  Rule rule;
  rule.allow = allow;
  rule.segments.emplace_back();
  const std::string escaped = google_escape(pattern);
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c == '*') {
      rule.segments.emplace_back();
      ++rule.length;
    } else if (c == '$' && i + 1 == escaped.size()) {
      rule.anchored = true;
      ++rule.length;
    } else if (c == '%' &&
               (escaped.compare(i, 3, "%2A") == 0 || escaped.compare(i, 3, "%24") == 0)) {
      // RFC 9309 2.2.3: the way to write a literal '*' or '$' (a URL carries them raw).
      rule.segments.back() += escaped[i + 2] == 'A' ? '*' : '$';
      rule.length += 2;  // with the segment's octet, the 3 octets as written
      i += 2;
    } else {
      rule.segments.back() += c;
    }
  }
  for (const std::string& segment : rule.segments) {
    rule.length += segment.size();
  }
  return rule;
}

// Matches from the first octet of the path. The first piece must be a prefix; each middle
// piece is taken at its leftmost occurrence after the previous one (leaving the most room for
// the rest, so a later failure can never be fixed by moving it, hence no backtracking); the
// last piece must then occur anywhere after, or be a suffix if the pattern is anchored.
bool Robots::matches(const Rule& rule, std::string_view path) {
  const std::vector<std::string>& pieces = rule.segments;
  const std::string_view first = pieces.front();
  if (pieces.size() == 1) {
    return rule.anchored ? path == first : path.starts_with(first);
  }
  if (!path.starts_with(first)) {
    return false;
  }
  std::size_t pos = first.size();
  for (std::size_t i = 1; i + 1 < pieces.size(); ++i) {
    const std::size_t found = path.find(pieces[i], pos);
    if (found == std::string_view::npos) {
      return false;
    }
    pos = found + pieces[i].size();
  }
  const std::string_view last = pieces.back();
  if (rule.anchored) {
    return path.size() >= pos + last.size() && path.ends_with(last);
  }
  return path.find(last, pos) != std::string_view::npos;
}

Robots Robots::parse(std::string_view body, std::string_view user_agent) {
  body = limit_body(body);
  if (body.starts_with(k_bom)) {
    body.remove_prefix(k_bom.size());
  }
  const std::string_view token = product_token(user_agent);

  Robots out;
  // Rules are collected for both candidate selections at once; which one applies is known
  // only at the end (any group naming our token beats every "*" group).
  std::vector<Rule> ours;
  std::vector<Rule> global;
  std::optional<double> our_delay;
  std::optional<double> global_delay;
  bool found_ours = false;
  bool found_global = false;
  bool group_is_ours = false;    // the current group names our token
  bool group_is_global = false;  // the current group names "*"
  bool saw_rule = false;  // a rule followed the user-agent lines: the next one starts a group
  // Crawl-delay is not part of RFC 9309 and must not change how rules are grouped, so it is
  // credited separately: to the user-agent lines directly above it. In the common
  //   User-agent: *  /  Crawl-delay: 10  /  User-agent: slowbot  /  Crawl-delay: 60
  // (one rule group by the RFC, as no rule separates them) "*" gets 10 and slowbot gets 60.
  bool delay_is_ours = false;
  bool delay_is_global = false;
  bool saw_delay = false;  // a crawl-delay followed the user-agent lines above
  std::unordered_set<std::string_view> seen_sitemaps;  // views into body

  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    std::string_view line = body.substr(start, end - start);
    start = end + 1;

    // Google's line-length limit: what is past it is dropped, the line's start still counts.
    line = line.substr(0, k_max_line_octets);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::string_view key_text;
    std::string_view value;
    if (!split_line(trim(line, k_space), key_text, value)) {
      continue;
    }
    const Key key = classify(key_text);
    switch (key) {
      case Key::user_agent:
        if (saw_rule) {
          group_is_ours = false;
          group_is_global = false;
          saw_rule = false;
        }
        if (saw_delay) {  // also set by rules
          delay_is_ours = false;
          delay_is_global = false;
          saw_delay = false;
        }
        if (is_global_agent(value)) {
          group_is_global = true;
          delay_is_global = true;
          found_global = true;
        } else if (!token.empty() && iequals(product_token(value), token)) {
          group_is_ours = true;
          delay_is_ours = true;
          found_ours = true;
        }
        break;
      case Key::allow:
      case Key::disallow:
        saw_rule = true;
        saw_delay = true;
        // An empty pattern matches nothing ("Disallow:" disallows nothing).
        if (!value.empty() && (group_is_ours || group_is_global)) {
          for (Rule& rule : compile_line(value, key == Key::allow)) {
            if (group_is_ours) {
              ours.push_back(rule);
            }
            if (group_is_global) {
              global.push_back(std::move(rule));
            }
          }
        }
        break;
      case Key::crawl_delay:
        // Not a rule (RFC 9309 2.2.4: other records must not change grouping): it does not end
        // the rule group, only the user-agent lines later delays are credited to.
        saw_delay = true;
        if (const std::optional<double> delay = parse_delay(value)) {
          if (delay_is_ours) {
            keep_max(our_delay, *delay);
          }
          if (delay_is_global) {
            keep_max(global_delay, *delay);
          }
        }
        break;
      case Key::sitemap:
        if (is_absolute_url(value) && seen_sitemaps.insert(value).second) {
          out.m_sitemaps.emplace_back(value);
        }
        break;
      case Key::unknown:
        break;
    }
  }

  if (found_ours) {
    out.m_rules = std::move(ours);
    out.m_crawl_delay = our_delay;
  } else if (found_global) {
    out.m_rules = std::move(global);
    out.m_crawl_delay = global_delay;
  }
  std::stable_sort(out.m_rules.begin(), out.m_rules.end(), [](const Rule& a, const Rule& b) {
    if (a.length != b.length) {
      return a.length > b.length;
    }
    return a.allow && !b.allow;
  });
  return out;
}

Robots Robots::allow_all() {
  return Robots{};
}

Robots Robots::disallow_all() {
  Robots out;
  out.m_rules.push_back(compile("/", false));
  return out;
}

bool Robots::allowed(std::string_view path_and_query) const {
  if (m_rules.empty()) {
    return true;
  }
  const std::string path = google_escape(path_and_query.empty() ? "/" : path_and_query);
  if (path.substr(0, path.find('?')) == k_robots_path) {
    return true;
  }
  // Longest first, allow first on a tie: the first rule that matches decides.
  for (const Rule& rule : m_rules) {
    if (matches(rule, path)) {
      return rule.allow;
    }
  }
  return true;
}

}  // namespace greenfetch
