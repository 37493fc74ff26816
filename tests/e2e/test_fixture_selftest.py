"""Self-test of the test fixtures (HTTP server, dnsmasq, blackhole) with Python's own clients;
greenfetch is not run."""
import gzip
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from http.client import HTTPConnection, IncompleteRead

import harness
from harness import Blackhole, Dnsmasq, HttpFixture, check, query

args = harness.parse_args()

# urllib without proxies from the environment
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


NO_REDIRECT_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def fetch(url, data=None, headers=None, opener=OPENER, method=None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@harness.test
def text_bytes_status_and_404():
    with HttpFixture() as h:
        check(fetch(h.url("/"))[2] == b"hello /\n", "root")
        status, hdrs, body = fetch(h.url("/text/abc?q=1"))
        check(status == 200 and body == b"hello /text/abc\n", body)
        check(hdrs["Content-Type"].startswith("text/plain"), hdrs)
        body = fetch(h.url("/bytes/100000"))[2]
        check(body == bytes(i % 251 for i in range(100000)), len(body))
        check(fetch(h.url("/bytes/0"))[2] == b"", "zero bytes")
        check(fetch(h.url("/status/418"))[:3:2] == (418, b"status 418\n"), "418")
        check(fetch(h.url("/status/204"))[0] == 204, "204")
        check(fetch(h.url("/no/such/thing"))[0] == 404, "404")


@harness.test
def head_has_the_get_headers_and_no_body():
    with HttpFixture() as h:
        conn = HTTPConnection("127.0.0.1", h.port, timeout=10)
        conn.request("HEAD", "/bytes/5000")
        r = conn.getresponse()
        check(r.status == 200 and r.headers["Content-Length"] == "5000", r.headers)
        check(r.read() == b"", "HEAD body")
        conn.request("GET", "/text/after-head")  # the same connection still works
        r = conn.getresponse()
        check(r.read() == b"hello /text/after-head\n", "keep-alive after HEAD")
        conn.close()


@harness.test
def delay_redirects_and_chunked():
    with HttpFixture() as h:
        start = time.monotonic()
        check(fetch(h.url("/delay/200/x?y=1"))[2] == b"delayed 200\n", "delay body")
        check(time.monotonic() - start >= 0.2, "delay too short")
        status, hdrs, _ = fetch(h.url("/redirect/3"), opener=NO_REDIRECT_OPENER)
        check(status == 302 and hdrs["Location"] == "/redirect/2", (status, hdrs["Location"]))
        check(fetch(h.url("/redirect/3"))[2] == b"redirected\n", "followed")
        target = h.url("/text/far")
        status, hdrs, _ = fetch(h.url(f"/redirect-to?url={target}&code=307"),
                                opener=NO_REDIRECT_OPENER)
        check(status == 307 and hdrs["Location"] == target, (status, hdrs["Location"]))
        status, hdrs, _ = fetch(h.url("/redirect-loop"), opener=NO_REDIRECT_OPENER)
        check(status == 302 and hdrs["Location"] == "/redirect-loop", hdrs)
        status, hdrs, body = fetch(h.url("/chunked/3"))
        check(hdrs["Transfer-Encoding"] == "chunked", hdrs)
        check(body == b"chunk 0\nchunk 1\nchunk 2\n", body)


@harness.test
def gzip_only_when_accepted():
    with HttpFixture() as h:
        status, hdrs, body = fetch(h.url("/gzip"), headers={"Accept-Encoding": "gzip"})
        check(hdrs["Content-Encoding"] == "gzip", hdrs)
        check(gzip.decompress(body) == b"gzipped hello\n" * 100, "decoded body")
        status, hdrs, body = fetch(h.url("/gzip"))
        check(hdrs["Content-Encoding"] is None and body == b"gzipped hello\n" * 100, hdrs)


@harness.test
def reset_ends_the_connection_midway():
    with HttpFixture() as h:
        conn = HTTPConnection("127.0.0.1", h.port, timeout=10)
        conn.request("GET", "/reset")
        r = conn.getresponse()
        check(r.status == 200 and r.headers["Content-Length"] == "100000", r.headers)
        error = None
        try:
            r.read()
        except (ConnectionResetError, IncompleteRead) as e:
            error = e
        check(error is not None, "read the whole body without an error")
        conn.close()


@harness.test
def retry_after_and_fail_count_per_id():
    with HttpFixture() as h:
        for _ in range(2):
            status, hdrs, _ = fetch(h.url("/retry-after/x?fail=2&after=3"))
            check(status == 429 and hdrs["Retry-After"] == "3", (status, hdrs))
        check(fetch(h.url("/retry-after/x?fail=2&after=3"))[:3:2] == (200, b"ok x\n"), "3rd")
        check(fetch(h.url("/retry-after/y?fail=1"))[0] == 429, "other id")
        check(fetch(h.url("/fail/z?count=1&code=500"))[0] == 500, "fail first")
        check(fetch(h.url("/fail/z?count=1&code=500"))[:3:2] == (200, b"ok z\n"), "fail then ok")
        check(fetch(h.url("/fail/w"))[0] == 503, "default code 503")


@harness.test
def echo_and_headers():
    with HttpFixture() as h:
        status, _, body = fetch(h.url("/echo?a=b"), data=b"x=1&y=2",
                                headers={"X-Test": "yes"})
        check('"method": "POST"' in body.decode(), body)
        e = json.loads(body)
        check(e["path"] == "/echo" and e["query"] == "a=b", e)
        check(e["body"] == "x=1&y=2" and e["headers"]["X-Test"] == "yes", e)
        status, hdrs, body = fetch(h.url("/headers?X-One=1&Cache-Control=no-store"))
        check(hdrs["X-One"] == "1" and hdrs["Cache-Control"] == "no-store", hdrs)
        # a chunked request body is read too
        conn = HTTPConnection("127.0.0.1", h.port, timeout=10)
        conn.request("PUT", "/echo", body=iter([b"ab", b"cd"]),
                     headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
        e = json.loads(conn.getresponse().read())
        check(e["method"] == "PUT" and e["body"] == "abcd", e)
        conn.close()


@harness.test
def html_pages_link_onwards():
    with HttpFixture() as h:
        status, hdrs, body = fetch(h.url("/html/3"))
        page = body.decode()
        check(hdrs["Content-Type"].startswith("text/html"), hdrs)
        check("<title>page 3</title>" in page, page)
        check('href="4"' in page and 'href="/html/6"' in page, page)
        page = fetch(h.url("/html/50"))[2].decode()
        check("href" not in page, page)


@harness.test
def stats_count_concurrent_requests():
    with HttpFixture() as h:
        h.reset_stats()
        results = []

        def one():
            results.append(fetch(h.url("/delay/300"))[0])

        threads = [threading.Thread(target=one) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        check(results == [200] * 5, results)
        stats = fetch(h.url("/stats"))[2].decode()
        check('"max_concurrent": 5' in stats, stats)
        s = json.loads(stats)
        check(s["current"] == 0 and s["total"] == 5, s)
        h.reset_stats()
        check(h.stats()["max_concurrent"] == 0 and h.stats()["total"] == 0, h.stats())


@harness.test
def peer_threads_names_our_own_thread_count():
    with HttpFixture() as h:
        conn = HTTPConnection("127.0.0.1", h.port, timeout=10)
        conn.request("GET", "/peer-threads")
        r = conn.getresponse()
        body = r.read()
        conn.close()
        check(r.status == 200, body)
        with open("/proc/self/status") as f:
            expected = int(next(line for line in f if line.startswith("Threads:")).split()[1])
        check(int(body) == expected, (body, expected))


@harness.test
def fixture_on_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return  # no IPv6 loopback here: nothing to test
    with HttpFixture(bind="::1") as h:
        check(h.url("/x").startswith("http://[::1]:"), h.url("/x"))
        check(h.get("/text/six") == (200, b"hello /text/six\n"), "GET over ::1")


@harness.test
def dnsmasq_resolves_and_nxdomains():
    with Dnsmasq({"a.test": "127.0.0.1", "m.test": ["127.0.0.2", "::2"]}) as dns:
        check(dns.server == f"127.0.0.1:{dns.port}", dns.server)
        a = query(dns.port, "a.test")
        check(a is not None and a.rcode == 0 and a.addresses == ["127.0.0.1"], a)
        a = dns.query("a.test", "AAAA")
        check(a is not None and a.rcode == 0 and a.addresses == [], a)  # NODATA
        a = dns.query("m.test", "AAAA", tcp=True)
        check(a is not None and a.addresses == ["::2"], a)
        a = query(dns.port, "missing.test")
        check(a is not None and a.rcode == 3, a)


@harness.test
def blackhole_never_answers():
    with Blackhole() as bh:
        start = time.monotonic()
        check(query(bh.port, "a.test", timeout=0.5) is None, "answered")
        check(time.monotonic() - start >= 0.45, "returned early")
        for _ in range(20):
            if bh.queries == 1:
                break
            time.sleep(0.05)
        check(bh.queries == 1, bh.queries)


@harness.test
def run_captures_output_and_times_out():
    p = harness.run(["sh", "-c", "cat; echo err >&2; exit 3"], stdin=b"in")
    check(p.returncode == 3 and p.stdout == b"in" and p.stderr == b"err\n", p)
    start = time.monotonic()
    try:
        harness.run(["sleep", "30"], timeout=0.3)
        raise AssertionError("no timeout")
    except harness.TestFailure as e:
        check("timed out" in str(e), str(e))
    check(time.monotonic() - start < 5, "kill took too long")


@harness.test
def the_servers_go_away_after_the_with_block():
    with HttpFixture() as h:
        proc = h.proc
    check(proc.poll() is not None, "http server still running")
    with Dnsmasq({"a.test": "127.0.0.1"}) as dns:
        port = dns.port
        d = dns.dir
    check(query(port, "a.test", timeout=0.2) is None, "dnsmasq still answering")
    check(not os.path.exists(d), d)


if __name__ == "__main__":
    harness.main()
