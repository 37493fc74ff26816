#include "core/crawl/page_headers.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <ctime>
#include <string>

#include "core/crawl/crawler.hpp"
#include "core/output/json_record.hpp"

namespace greenfetch {

std::string_view header_value(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) {
      return v;
    }
  }
  return {};
}

bool has_header(const Response& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.first.size() == name.size() &&
        strncasecmp(h.first.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

bool is_html_type(std::string_view ct) {
  std::size_t semi = ct.find(';');
  ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) {
    ct.remove_suffix(1);
  }
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) {
    ct.remove_prefix(1);
  }
  auto is = [&](std::string_view t) {
    return ct.size() == t.size() && strncasecmp(ct.data(), t.data(), t.size()) == 0;
  };
  return is("text/html") || is("application/xhtml+xml");
}

std::string_view path_and_query(std::string_view url) {
  std::size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::size_t slash = url.find_first_of("/?", start);
  if (slash == std::string_view::npos) {
    return "/";
  }
  std::string_view rest = url.substr(slash);
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  return rest;
}

std::optional<Clock::duration> retry_after(const Response& r) {
  std::string value(trim_header_value(header_value(r, "Retry-After")));
  if (value.empty()) {
    return std::nullopt;
  }
  Clock::duration d{};
  if (value.find_first_not_of("0123456789") == std::string::npos) {
    d = std::chrono::seconds(std::stoll(value.substr(0, 9)));
  } else {
    time_t when = curl_getdate(value.c_str(), nullptr);
    if (when < 0) {
      return std::nullopt;
    }
    time_t now = ::time(nullptr);
    d = std::chrono::seconds(when > now ? when - now : 0);
  }
  return std::min<Clock::duration>(d, k_max_retry_after);
}

}  // namespace greenfetch
