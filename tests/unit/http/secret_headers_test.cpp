#include "core/http/secret_headers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace greenfetch {

namespace {
std::vector<std::string> entries(const curl_slist* l) {
  std::vector<std::string> out;
  for (; l != nullptr; l = l->next) {
    out.emplace_back(l->data);
  }
  return out;
}
}  // namespace

TEST_CASE("greenfetch::is_secret_header") {
  SUBCASE("Authorization and Cookie in every -H form, any case") {
    CHECK(is_secret_header("Authorization: Bearer tok"));
    CHECK(is_secret_header("authorization:Basic x"));
    CHECK(is_secret_header("COOKIE: a=b"));
    CHECK(is_secret_header("Cookie;"));
    CHECK(is_secret_header("Cookie :a=b"));
  }
  SUBCASE("other headers, and names that only begin the same") {
    CHECK_FALSE(is_secret_header("X-Authorization: 1"));
    CHECK_FALSE(is_secret_header("Cookies: 1"));
    CHECK_FALSE(is_secret_header("Accept: */*"));
    CHECK_FALSE(is_secret_header("Cookie"));
    CHECK_FALSE(is_secret_header(""));
  }
}

TEST_CASE("greenfetch::without_secret_headers") {
  CurlSlist list;
  list.append("X-One: 1");
  list.append("Authorization: Bearer tok");
  list.append("Cookie: s=1");
  list.append("X-Two: 2");
  CHECK(has_secret_header(list.get()));
  CurlSlist kept = without_secret_headers(list.get());
  CHECK(entries(kept.get()) == std::vector<std::string>{"X-One: 1", "X-Two: 2"});
  CHECK_FALSE(has_secret_header(kept.get()));
  CHECK_FALSE(has_secret_header(nullptr));
  CHECK(without_secret_headers(nullptr).empty());
}

}  // namespace greenfetch
