// Test-only: greenfetch's URL parser on stdin, for tests/e2e/test_url_corpus.py, which runs the
// npm package whatwg-url on the same lines. A separate executable (not a hidden greenfetch
// subcommand) so that the shipped binary has no surface only tests use, and --help, the man
// page and the manual test need not know about it.
//
// Input: one JSON array per line, [input, base] (base null for an absolute URL).
// Output: one JSON object per line, {"status": "ok" | "failure" | "other_scheme" |
// "base_failure", "href": the Standard's serialization, "normalized": greenfetch's form}.
#include "core/url/normalize.hpp"
#include "core/url/parse.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

int main() {
  using greenfetch::UrlParseStatus;
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    const nlohmann::json in = nlohmann::json::parse(line);
    nlohmann::json out;
    greenfetch::UrlParseResult base;
    const bool has_base = !in.at(1).is_null();
    if (has_base) {
      base = greenfetch::parse_url(in.at(1).get<std::string>());
    }
    if (has_base && base.status != UrlParseStatus::ok) {
      out["status"] = "base_failure";
    } else {
      const greenfetch::UrlParseResult r =
          greenfetch::parse_url(in.at(0).get<std::string>(), has_base ? &base.url : nullptr);
      switch (r.status) {
        case UrlParseStatus::ok:
          out["status"] = "ok";
          out["href"] = r.url.href();
          out["normalized"] = greenfetch::normalize(r.url);
          break;
        case UrlParseStatus::failure:
          out["status"] = "failure";
          break;
        case UrlParseStatus::other_scheme:
          out["status"] = "other_scheme";
          break;
      }
    }
    std::cout << out.dump() << '\n';
  }
  return 0;
}
