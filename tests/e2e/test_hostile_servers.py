"""Hostile servers (issue 17): servers that close kept-alive connections, answer garbage, stop
answering, or redirect elsewhere; each test asserts what the user gets (error kind, exit
status, timing bounds). The servers are small raw-socket ones, started in this process on
127.0.0.1; every loop is bounded in count and time."""
import json
import os
import subprocess
import time
import urllib.parse
from email.utils import formatdate

import harness
from harness import Blackhole, Dnsmasq, HttpFixture, RawServer, check, run

args = harness.parse_args()
GF = args.greenfetch


def ok_answer(_head):
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"


def html_answer(head):
    """/p/N links to /p/2N and /p/2N+1 up to page 120; answers every page of the tree."""
    path = head.split(b" ")[1].decode()
    n = int(path.rsplit("/", 1)[1]) if path.startswith("/p/") else 1
    links = "".join(f'<a href="/p/{m}">{m}</a>' for m in (2 * n, 2 * n + 1) if m <= 120)
    body = f"<html><body>{links}</body></html>".encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)


def records(p):
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# §3: servers that close kept-alive connections


def fetch_all(server, n, concurrency, extra=()):
    urls = "".join(server.url(f"/{i}") + "\n" for i in range(n))
    return run([GF, "-c", str(concurrency), "-w", "%{http_code}\\n", *extra], stdin=urls,
               timeout=120)


@harness.test
def one_request_per_connection_server_loses_no_url():
    # The server answers one request per connection and closes it without Connection: close.
    with RawServer(ok_answer, close_after=1) as s:
        for c in (1, 6, 50):
            p = fetch_all(s, 400, c)
            check(p.returncode == 0, p)
            check(p.stdout.decode().split() == ["200"] * 400, p)


@harness.test
def keepalive_timeout_server_loses_no_url():
    # Idle connections are closed after 0.2 s: paced requests find them dead, fast ones not.
    with RawServer(ok_answer, idle_timeout=0.2) as s:
        p = fetch_all(s, 12, 2, ["--rate", "5"])
        check(p.returncode == 0, p)
        check(p.stdout.decode().split() == ["200"] * 12, p)
        for c in (1, 6, 50):
            p = fetch_all(s, 300, c)
            check(p.returncode == 0, p)
            check(p.stdout.decode().split() == ["200"] * 300, p)


@harness.test
def server_closing_after_two_requests_loses_no_url():
    with RawServer(ok_answer, close_after=2) as s:
        p = fetch_all(s, 300, 6)
        check(p.returncode == 0, p)
        check(p.stdout.decode().split() == ["200"] * 300, p)


@harness.test
def bench_counts_reconnects_as_connections_not_errors():
    with RawServer(ok_answer, close_after=1) as s:
        p = run([GF, "bench", "-j", "-n", "2000", "-c", "20", s.url("/")], timeout=120)
        check(p.returncode == 0, p)
        r = json.loads(p.stdout)
        check(r["requests"] == 2000 and r["failures"] == 0, r)
        check(r["statuses"] == {"200": 2000}, r)
        check(r["connections"]["opened"] == 2000, r)
        check(s.connections == 2000, s.connections)


@harness.test
def crawl_of_a_one_request_per_connection_server_loses_no_page():
    with RawServer(html_answer, close_after=1) as s:
        for c in ("1", "6"):
            p = run([GF, "crawl", "-c", c, "--max-depth", "10", "--no-robots",
                     s.url("/p/1")], timeout=120)
            check(p.returncode == 0, p)
            urls = p.stdout.decode().split()
            check(sorted(urls) == sorted(s.url(f"/p/{n}") for n in range(1, 121)), p)


# ---------------------------------------------------------------------------------------------
# §2: secrets on redirect

SECRETS = ["-H", "Authorization: Bearer tok", "-H", "Cookie: session=s3cr3t", "-u", "user:pw"]


def echoed(p):
    """The request headers the fixture's /echo saw, names lowercased (last hop)."""
    check(p.returncode == 0, p)
    body = json.loads(p.stdout.decode().strip().splitlines()[-1])
    return {k.lower(): v for k, v in body["headers"].items()}


def has_secrets(h):
    return (h.get("authorization") == "Bearer tok", h.get("cookie") == "session=s3cr3t")


@harness.test
def secrets_stay_on_the_host_they_were_given_for():
    with HttpFixture() as h, Dnsmasq({"a.test": "127.0.0.1", "b.test": "127.0.0.1"}) as d:
        dns = ["--dns-servers", d.server]
        same = f"http://a.test:{h.port}/redirect-to?url=http://a.test:{h.port}/echo"
        other = f"http://a.test:{h.port}/redirect-to?url=http://b.test:{h.port}/echo"
        # Each secret on its own: the custom Authorization, the custom Cookie, -u.
        hs = echoed(run([GF, *dns, "-H", "Authorization: Bearer tok", other]))
        check("authorization" not in hs, hs)
        hs = echoed(run([GF, *dns, "-H", "Cookie: session=s3cr3t", other]))
        check("cookie" not in hs, hs)
        hs = echoed(run([GF, *dns, "-u", "user:pw", other]))
        check("authorization" not in hs, hs)
        # Other -H headers still go; the same host gets everything.
        hs = echoed(run([GF, *dns, *SECRETS, "-H", "X-Other: 1", other]))
        check(has_secrets(hs) == (False, False) and hs.get("x-other") == "1", hs)
        hs = echoed(run([GF, *dns, "-H", "Authorization: Bearer tok", "-H",
                         "Cookie: session=s3cr3t", same]))
        check(has_secrets(hs) == (True, True), hs)
        hs = echoed(run([GF, *dns, "-u", "user:pw", same]))
        check(hs.get("authorization", "").startswith("Basic "), hs)
        # --location-trusted sends them on.
        hs = echoed(run([GF, *dns, "--location-trusted", "-H", "Authorization: Bearer tok",
                         "-H", "Cookie: session=s3cr3t", other]))
        check(has_secrets(hs) == (True, True), hs)


@harness.test
def secrets_do_not_follow_a_port_change():
    with HttpFixture() as h1, HttpFixture() as h2:
        url = h1.url(f"/redirect-to?url={h2.url('/echo')}")
        hs = echoed(run([GF, "-H", "Authorization: Bearer tok", "-H", "Cookie: session=s3cr3t",
                         url]))
        check(has_secrets(hs) == (False, False), hs)
        hs = echoed(run([GF, "-u", "user:pw", url]))
        check("authorization" not in hs, hs)
        hs = echoed(run([GF, "--location-trusted", "-u", "user:pw", url]))
        check(hs.get("authorization", "").startswith("Basic "), hs)


@harness.test
def secrets_do_not_follow_bench_and_crawl_redirects():
    # a.test (the fixture) redirects to b.test (a raw server that keeps the request heads).
    with HttpFixture() as h, RawServer(ok_answer) as b, \
            Dnsmasq({"a.test": "127.0.0.1", "b.test": "127.0.0.1"}) as d:
        dns = ["--dns-servers", d.server]
        other = f"http://a.test:{h.port}/redirect-to?url=http://b.test:{b.port}/x"
        p = run([GF, "bench", "-j", "-n", "5", "-c", "1", *dns, *SECRETS, other])
        check(p.returncode == 0 and json.loads(p.stdout)["statuses"] == {"200": 5}, p)
        p = run([GF, "crawl", "--no-robots", "--max-depth", "0", *dns, *SECRETS, other])
        check(p.returncode == 0, p)
        check(len(b.requests) == 6, b.requests)
        for head in b.requests:
            low = head.lower()
            check(b"authorization" not in low and b"s3cr3t" not in low, head)


def TlsRedirector(target):
    """nginx with TLS on 127.0.0.1 whose /go answers 302 to `target` (self-signed, -k)."""
    return harness.TlsNginx(prefix="gf-hostile-tls-",
                            server_conf=f"location = /go {{ return 302 {target}; }}")


@harness.test
def secrets_do_not_follow_https_to_http():
    with HttpFixture() as h, TlsRedirector(h.url("/echo")) as n:
        url = f"https://127.0.0.1:{n.port}/go"
        hs = echoed(run([GF, "-k", *SECRETS, url]))
        check(has_secrets(hs) == (False, False) and "authorization" not in hs, hs)
        hs = echoed(run([GF, "-k", "--location-trusted", *SECRETS[:4], url]))
        check(has_secrets(hs) == (True, True), hs)


# ---------------------------------------------------------------------------------------------
# §4: errors named for what happened


def fetch_json(argv, timeout=60):
    p = run([GF, "-j", *argv], timeout=timeout)
    recs = records(p)
    check(len(recs) == 1, p)
    return p, recs[0]


@harness.test
def broken_replies_are_protocol_errors_with_libcurls_message():
    replies = {
        "garbage status line": b"GARBAGE here\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/0.9 reply": b"just a body, no status line\n",
        "two-digit status": b"HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",
    }
    for name, reply in replies.items():
        with RawServer(lambda _h, reply=reply: reply, close_after=1) as s:
            start = time.monotonic()
            p, rec = fetch_json(["-m", "10", s.url("/x")])
            check(time.monotonic() - start < 5, (name, p))
            check(p.returncode == 1, (name, p))
            err = rec.get("error") or {}
            check(err.get("kind") == "protocol", (name, rec))
            check(err.get("message"), (name, rec))


def timed(argv, timeout=60):
    start = time.monotonic()
    p, rec = fetch_json(argv, timeout)
    return p, rec, time.monotonic() - start


@harness.test
def max_time_and_connect_timeout_bound_dns_and_dns_timeout_is_the_total():
    with Blackhole() as bh:
        dns = ["--dns-servers", bh.server]
        for flag in ("-m", "--connect-timeout"):
            p, rec, took = timed([*dns, flag, "1", "http://nx.test/"])
            check(p.returncode == 1 and rec["error"]["kind"] == "timeout", (flag, p))
            check("Resolving timed out" in rec["error"]["message"], (flag, rec))
            check(0.9 <= took < 2.0, (flag, took))
        p, rec, took = timed([*dns, "--dns-timeout", "0.5", "http://nx.test/"])
        check(p.returncode == 1 and rec["error"]["kind"] == "dns_timeout", p)
        check(0.4 <= took < 1.2, took)
        # Both: the earlier one wins.
        p, rec, took = timed([*dns, "--dns-timeout", "3", "-m", "0.5", "http://nx.test/"])
        check(rec["error"]["kind"] == "timeout" and took < 1.5, (p, took))


@harness.test
def retry_after_one_rule_for_seconds_and_dates():
    def date_in(seconds):
        return urllib.parse.quote(formatdate(time.time() + seconds, usegmt=True))

    with HttpFixture() as h:
        def fetch(ident, after, *extra):
            start = time.monotonic()
            p = run([GF, "--retry", "1", "-j", *extra,
                     h.url(f"/retry-after/{ident}?after={after}")], timeout=30)
            took = time.monotonic() - start
            rec = records(p)[0]
            return f"{rec['status']} {rec['retries']}\n".encode(), took

        # Short waits are honoured, in either form.
        p, took = fetch("s1", "1")
        check(p == b"200 1\n" and 0.9 <= took < 3, (p, took))
        p, took = fetch("d2", date_in(2))
        check(p == b"200 1\n" and 0.5 <= took < 4, (p, took))
        # Waits beyond 60 s, in either form, end the URL at once with the server's answer.
        for ident, after in (("s3600", "3600"), ("dday", date_in(86400))):
            p, took = fetch(ident, after)
            check(p == b"429 0\n" and took < 3, (ident, p, took))
        # -m and --retry-max-time bound the wait too.
        p, took = fetch("m", "5", "-m", "2")
        check(p == b"429 0\n" and took < 3, (p, took))
        p, took = fetch("rmt", date_in(5), "--retry-max-time", "3")
        check(p == b"429 0\n" and took < 3, (p, took))


@harness.test
def servers_that_stop_answering_end_by_speed_limit_and_speed_time():
    stall_after_headers = [b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome", 30]
    trickle = [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"] + [b"x", 0.3] * 40
    cases = (
        ("never answers", lambda _h: None, ["--speed-time", "1"]),
        ("stops after its headers", lambda _h: stall_after_headers, ["--speed-time", "1"]),
        ("trickles 3 bytes/s", lambda _h: trickle,
         ["--speed-limit", "100", "--speed-time", "2"]),
    )
    for name, respond, flags in cases:
        with RawServer(respond, lifetime=20) as s:
            p, rec, took = timed([*flags, s.url("/x")], timeout=30)
            check(p.returncode == 1 and rec["error"]["kind"] == "timeout", (name, p))
            check("too slow" in rec["error"]["message"], (name, rec))
            # libcurl averages the speed over up to 5 s: the 4 bytes sent count a while.
            check(took < 10, (name, took))
    # The defaults a batch user gets, shown in --help.
    p = run([GF, "--help"])
    check(b"default 900" in p.stdout and b"--speed-limit" in p.stdout, p)


if __name__ == "__main__":
    harness.main()
