#include "core/http/client.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>

#include "core/engine/green_pool.hpp"
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

  SUBCASE("http:// names with one and the same address share connections") {
    test::DnsFixture dns({{"a.test", "127.0.0.1"}, {"b.test", "127.0.0.1"}});
    ResolverOptions ro;
    ro.servers = dns.server();
    ro.family = AF_INET;
    Resolver named(ro, reactor);
    std::string port = std::to_string(http.port());
    auto url = [&](const std::string& host, const std::string& path) {
      return "http://" + host + ":" + port + path;
    };
    SUBCASE("one connection, the name in the Host header and in every URL reported") {
      HttpClient client(named, options, {}, reactor);
      Response a = fetch(client, url("a.test", "/echo"));
      Response b = fetch(client, url("b.test", "/echo"));
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      CHECK(a.local_port == b.local_port);
      CHECK(b.num_connects == 0);
      CHECK(a.body.find("\"Host\": \"a.test:" + port + "\"") != std::string::npos);
      CHECK(b.body.find("\"Host\": \"b.test:" + port + "\"") != std::string::npos);
      CHECK(a.effective_url == url("a.test", "/echo"));
      CHECK(b.effective_url == url("b.test", "/echo"));
      CHECK(b.remote_ip == "127.0.0.1");
    }
    SUBCASE("a relative redirect stays on the name, an absolute one goes where it says") {
      HttpClient client(named, options, {}, reactor);
      Response r = fetch(client, url("b.test", "/redirect/2"));
      REQUIRE(r.ok());
      CHECK(r.effective_url == url("b.test", "/redirect/0"));
      std::string to_ip = http.url("/echo");
      r = fetch(client, url("a.test", "/redirect-to?url=" + to_ip));
      REQUIRE(r.ok());
      CHECK(r.effective_url == to_ip);
      CHECK(r.body.find("\"Host\": \"127.0.0.1:" + port + "\"") != std::string::npos);
      options.follow_redirects = false;
      HttpClient manual(named, options, {}, reactor);
      CHECK(fetch(manual, url("a.test", "/redirect/1")).redirect_url ==
            url("a.test", "/redirect/0"));
    }
    SUBCASE("cookies still belong to the name") {
      options.cookies = {""};  // turns the run's cookie jar on
      HttpClient client(named, options, {}, reactor);
      REQUIRE(fetch(client, url("a.test", "/headers?Set-Cookie=k%3Dv")).ok());
      CHECK(fetch(client, url("a.test", "/echo")).body.find("k=v") != std::string::npos);
      CHECK(fetch(client, url("b.test", "/echo")).body.find("k=v") == std::string::npos);
    }
    SUBCASE("an error names the host, as curl's would") {
      HttpClient client(named, options, {}, reactor);
      Response r = fetch(client, "http://a.test:" + std::to_string(closed_port()) + "/");
      CHECK(r.error == Error::connect);
      CHECK(r.error_message.find("a.test") != std::string::npos);
      CHECK(r.error_message.find("127.0.0.1") == std::string::npos);
    }
    SUBCASE("not with coalesce = false, nor with a Host header of the user's") {
      options.coalesce = false;
      HttpClient per_name(named, options, {}, reactor);
      long a = fetch(per_name, url("a.test", "/echo")).local_port;
      CHECK(fetch(per_name, url("b.test", "/echo")).local_port != a);
      options.coalesce = true;
      options.headers = {"Host: b.test"};
      HttpClient own_host(named, options, {}, reactor);
      Response r = fetch(own_host, url("a.test", "/echo"));
      CHECK(r.body.find("\"Host\": \"b.test\"") != std::string::npos);
    }
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

  SUBCASE("Content-Encoding is decoded by greenfetch, not libcurl") {
    HttpClient client(resolver, options, {}, reactor);
    Response gz = fetch(client, http.url("/gzip"));
    REQUIRE(gz.error == Error::none);
    CHECK(gz.body == [] {
      std::string s;
      for (int i = 0; i < 100; ++i) {
        s += "gzipped hello\n";
      }
      return s;
    }());
    // As curl: %{size_download} is the body as received, before decoding.
    CHECK(gz.size_download > 0);
    CHECK(gz.size_download < static_cast<int64_t>(gz.body.size()));

    SUBCASE("a gzip body cut short is a protocol error, where libcurl says nothing") {
      Response cut = fetch(client, http.url("/gzip-cut"));
      CHECK(cut.error == Error::protocol);
      CHECK(cut.error_message == "compressed body ended early");
      CHECK(cut.curl_code == CURLE_BAD_CONTENT_ENCODING);
      CHECK(cut.http_code == 200);
    }
    SUBCASE("HEAD: no body, no error") {
      Request head;
      head.url = http.url("/gzip");
      head.method = "HEAD";
      RequestOptions o = options;
      o.head = true;
      HttpClient heads(resolver, o, {}, reactor);
      Response r = heads.fetch(head);
      CHECK(r.error == Error::none);
      CHECK(r.body.empty());
    }
  }

  SUBCASE("max_filesize counts decoded bytes: a gzip bomb is too_large") {
    options.max_filesize = 1 << 20;
    HttpClient client(resolver, options, {}, reactor);
    Response r = fetch(client, http.url("/gzip-bomb/209715200"));
    CHECK(r.error == Error::too_large);
    CHECK(r.body.size() <= (1u << 20));
  }

  SUBCASE("without compressed, bodies are as sent") {
    options.compressed = false;
    HttpClient client(resolver, options, {}, reactor);
    Response r = fetch(client, http.url("/gzip-cut"));
    CHECK(r.error == Error::none);
    CHECK(static_cast<int64_t>(r.body.size()) == r.size_download);
    CHECK(r.body.starts_with("\x1f\x8b"));
  }

  SUBCASE("a BodyWriter that pauses gets every decoded byte once, in order") {
    // 8 MiB of zeros in about 8 KiB of gzip: one chunk of libcurl's decodes to far more than
    // one write, so pauses fall in the middle of a chunk.
    struct Pausing : BodyWriter {
      HttpClient* client = nullptr;
      const Request* request = nullptr;
      Reactor* reactor = nullptr;
      std::size_t bytes = 0;
      bool all_zero = true;
      int writes = 0;
      int pauses = 0;
      std::optional<Timer> resume;
      Result write(const Response&, std::string_view chunk) override {
        if (++writes % 3 == 0) {
          ++pauses;
          resume.emplace([this] { client->resume(*request); });
          resume->arm(*reactor, Clock::now());
          return Result::pause;
        }
        bytes += chunk.size();
        all_zero = all_zero && chunk.find_first_not_of('\0') == std::string_view::npos;
        return Result::written;
      }
    };
    HttpClient client(resolver, options, {}, reactor);
    Request req;
    req.url = http.url("/gzip-bomb/8388608");
    Pausing w;
    w.client = &client;
    w.request = &req;
    w.reactor = &reactor;
    req.writer = &w;
    Response r = client.fetch(req);
    CHECK(r.error == Error::none);
    CHECK(w.bytes == 8388608u);
    CHECK(w.all_zero);
    CHECK(w.pauses > 10);
    CHECK(r.size_download < 1 << 20);
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
