// What the eventlet / grequests example does, with the greenfetch library: fetch a list of URLs
// through a green pool and print the bodies in the order of the list.
//   sample_grequests URL...
#include <cstdio>
#include <string>
#include <vector>

#include <greenfetch/greenfetch.hpp>

int main(int argc, char** argv) {
  using namespace greenfetch;
  Reactor reactor;              // one epoll loop for this thread
  Resolver resolver;            // c-ares on that loop
  HttpClient client(resolver);  // libcurl multi on that loop
  GreenPool pool(8);            // at most 8 fetches at once
  std::vector<std::string> urls(argv + 1, argv + argc);
  RangeSource source(urls);
  auto fetch = [&](std::string url) { return client.fetch(std::move(url)); };
  auto results = pool.imap(fetch, source);  // in input order, like pool.imap in eventlet
  int failed = 0;
  while (auto r = results.next()) {
    if (!r->ok()) {
      std::fprintf(stderr, "%s: %s\n", r->url.c_str(), r->error_message.c_str());
      ++failed;
    }
    std::fwrite(r->body.data(), 1, r->body.size(), stdout);
  }
  return failed == 0 ? 0 : 1;
}
