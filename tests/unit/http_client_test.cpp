#include "core/http_client.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

#include "core/green_pool.hpp"
#include "tests/unit/fixtures.hpp"

using namespace greenfetch;
using namespace std::chrono_literals;

namespace {

// A loopback port with nothing listening (bound, then closed).
int closed_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

Response fetch(HttpClient& client, const std::string& url) {
  return client.fetch(url);
}

}  // namespace

TEST_CASE("HttpClient") {
  test::HttpFixture http;
  Reactor reactor;
  Resolver resolver({}, reactor);
  RequestOptions options;

  SUBCASE("a body and the transfer's facts") {
    HttpClient client(resolver, options, {}, reactor);
    Response r = fetch(client, http.url("/text/hello"));
    REQUIRE(r.error == Error::none);
    CHECK(r.http_code == 200);
    CHECK(r.body == "hello /text/hello\n");
    CHECK(r.size_download == static_cast<int64_t>(r.body.size()));
    CHECK(r.remote_ip == "127.0.0.1");
    CHECK(r.remote_port == http.port());
    CHECK(r.http_version == "1.1");
    CHECK(r.content_type.starts_with("text/plain"));
    CHECK(r.effective_url == http.url("/text/hello"));
    CHECK(r.time.total > 0);
    CHECK(r.time.namelookup == 0);  // an IP literal skips DNS
  }

  SUBCASE("redirects are followed by the engine, hop by hop") {
    HttpClient client(resolver, options, {}, reactor);
    Response r = fetch(client, http.url("/redirect/3"));
    REQUIRE(r.error == Error::none);
    CHECK(r.http_code == 200);
    CHECK(r.num_redirects == 3);
    CHECK(r.body == "redirected\n");
    CHECK(r.effective_url == http.url("/redirect/0"));
    CHECK(r.time.redirect > 0);
  }

  SUBCASE("too many redirects") {
    options.max_redirects = 4;
    HttpClient client(resolver, options, {}, reactor);
    Response r = fetch(client, http.url("/redirect-loop"));
    CHECK(r.error == Error::too_many_redirects);
    CHECK(r.num_redirects == 4);
  }

  SUBCASE("redirects not followed with follow_redirects = false") {
    options.follow_redirects = false;
    HttpClient client(resolver, options, {}, reactor);
    Response r = fetch(client, http.url("/redirect/2"));
    CHECK(r.error == Error::none);
    CHECK(r.http_code == 302);
    CHECK(r.redirect_url == http.url("/redirect/1"));
  }

  SUBCASE("a redirect to another host is resolved by c-ares") {
    test::DnsFixture dns({{"far.test", "127.0.0.1"}});
    ResolverOptions ro;
    ro.servers = dns.server();
    ro.family = AF_INET;
    Resolver named(ro, reactor);
    HttpClient client(named, options, {}, reactor);
    std::string target = "http://far.test:" + std::to_string(http.port()) + "/text/far";
    Response r = fetch(client, http.url("/redirect-to?url=" + target));
    REQUIRE(r.error == Error::none);
    CHECK(r.body == "hello /text/far\n");
    CHECK(r.num_redirects == 1);
    CHECK(named.queries_sent() == 1);
    CHECK(r.time.namelookup > 0);
  }

  SUBCASE("a name that does not resolve is a dns error") {
    test::DnsFixture dns({{"far.test", "127.0.0.1"}});
    ResolverOptions ro;
    ro.servers = dns.server();
    Resolver named(ro, reactor);
    HttpClient client(named, options, {}, reactor);
    Response r = fetch(client, "http://nowhere.test:" + std::to_string(http.port()) + "/");
    CHECK(r.error == Error::dns);
    CHECK(r.error_message.find("nowhere.test") != std::string::npos);
  }

  SUBCASE("transfer failures are classified") {
    options.max_time = 300ms;
    HttpClient client(resolver, options, {}, reactor);
    CHECK(fetch(client, http.url("/reset")).error == Error::reset);
    CHECK(fetch(client, "http://127.0.0.1:" + std::to_string(closed_port()) + "/").error ==
          Error::connect);
    Response slow = fetch(client, http.url("/delay/3000"));
    CHECK(slow.error == Error::timeout);
    CHECK(slow.time.total < 2.0);
    CHECK(fetch(client, "not a url").error == Error::invalid_url);
    CHECK(fetch(client, "ftp://127.0.0.1/x").error == Error::invalid_url);
  }

  SUBCASE("a body over max_filesize is too_large, announced or not") {
    options.max_filesize = 1000;
    HttpClient client(resolver, options, {}, reactor);
    CHECK(fetch(client, http.url("/bytes/5000")).error == Error::too_large);
    CHECK(fetch(client, http.url("/chunked/200")).error == Error::too_large);
    CHECK(fetch(client, http.url("/bytes/1000")).error == Error::none);
  }

  SUBCASE("gzip and chunked bodies are decoded") {
    HttpClient client(resolver, options, {}, reactor);
    Response gz = fetch(client, http.url("/gzip"));
    REQUIRE(gz.error == Error::none);
    CHECK(gz.body.size() == 14 * 100);
    CHECK(gz.body.starts_with("gzipped hello\n"));
    Response ch = fetch(client, http.url("/chunked/3"));
    CHECK(ch.body == "chunk 0\nchunk 1\nchunk 2\n");
  }

  SUBCASE("--fail makes 4xx and 5xx failures") {
    options.fail = true;
    HttpClient client(resolver, options, {}, reactor);
    Response r = fetch(client, http.url("/status/503"));
    CHECK(r.error == Error::http);
    CHECK(r.http_code == 503);
  }

  SUBCASE("a body is posted and the method kept") {
    HttpClient client(resolver, options, {}, reactor);
    Request req;
    req.url = http.url("/echo");
    req.data = "a=1&b=2";
    req.has_data = true;
    Response r = client.fetch(req);
    REQUIRE(r.error == Error::none);
    CHECK(r.body.find("\"method\": \"POST\"") != std::string::npos);
    CHECK(r.body.find("a=1&b=2") != std::string::npos);
  }

  SUBCASE("connections are reused across green threads") {
    HttpClient client(resolver, options, {}, reactor);
    long first_port = fetch(client, http.url("/text/a")).local_port;
    long second_port = fetch(client, http.url("/text/b")).local_port;
    CHECK(first_port == second_port);
  }

  SUBCASE("the pool bounds the requests the server sees at once") {
    HttpClient client(resolver, options, {}, reactor);
    fetch(client, http.url("/stats/reset"));
    GreenPool pool(5, reactor);
    int ok = 0;
    for (int i = 0; i < 30; ++i) {
      pool.spawn([&] { ok += fetch(client, http.url("/delay/30")).ok() ? 1 : 0; });
    }
    pool.waitall();
    CHECK(ok == 30);
    std::string stats = fetch(client, http.url("/stats")).body;
    CHECK(stats.find("\"max_concurrent\": 5") != std::string::npos);
  }

  SUBCASE("cancel_all ends transfers in flight") {
    HttpClient client(resolver, options, {}, reactor);
    Response r;
    reactor.spawn([&] { r = fetch(client, http.url("/delay/5000")); });
    Timer t([&] { client.cancel_all(); });
    t.arm(reactor, Clock::now() + 50ms);
    Clock::time_point start = Clock::now();
    reactor.run_until([&] { return reactor.live_fibers() == 0; });
    CHECK(r.error == Error::cancelled);
    CHECK(Clock::now() - start < 2s);
  }
}
