#!/usr/bin/env python3
"""End-to-end tests of `greenfetch crawl` against the fixture server's /html/N pages (page N
links to N+1 and 2N, up to 50), /files/set registrations (robots.txt, odd pages), redirects
and Retry-After endpoints. Traffic goes to 127.0.0.1 only."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import zlib
from http.client import HTTPConnection
from urllib.parse import quote

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))
HTML_MAX = 50


def gf(*argv, **kw):
    return run([args.greenfetch, "crawl", *argv], **kw)


def register(h: HttpFixture, path: str, body: bytes, status: int = 200,
             ctype: str = "text/plain", gz: bool = False) -> None:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        q = (f"/files/set?path={quote(path)}&status={status}&type={quote(ctype, safe='')}" +
             ("&gzip=1" if gz else ""))
        conn.request("POST", q, body=body)
        r = conn.getresponse()
        r.read()
        check(r.status == 200, f"register {path}: {r.status}")
    finally:
        conn.close()


def html_links(n: int) -> list[int]:
    out = []
    if n + 1 <= HTML_MAX:
        out.append(n + 1)
    if n > 0 and 2 * n <= HTML_MAX:
        out.append(2 * n)
    return out


def reachable(start: int, allowed=lambda n: True, max_depth: int = 10**6) -> dict[int, int]:
    """BFS over the fixture's link graph: page -> depth, skipping disallowed pages."""
    depth = {start: 0}
    queue = [start]
    for n in queue:  # bounded: at most HTML_MAX + 1 pages
        if depth[n] >= max_depth or not allowed(n):
            continue
        for m in html_links(n):
            if m not in depth:
                depth[m] = depth[n] + 1
                queue.append(m)
    return depth


def records(p) -> list[dict]:
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


def page_numbers(urls) -> list[int]:
    return sorted(int(u.rsplit("/", 1)[1]) for u in urls)


@harness.test
def crawl_finds_every_html_page():
    with HttpFixture() as h:
        p = gf("--max-depth", "100", h.url("/html/1"))
        check(p.returncode == 0, p)
        urls = p.stdout.decode().split()
        check(len(urls) == len(set(urls)) == HTML_MAX, p)
        check(page_numbers(urls) == list(range(1, HTML_MAX + 1)), urls)


@harness.test
def default_max_depth_is_5():
    with HttpFixture() as h:
        # -c 1: one page at a time, so the first discovery of a page is by a shortest path
        p = gf("-c", "1", h.url("/html/1"))
        check(p.returncode == 0, p)
        want = sorted(n for n, d in reachable(1).items() if d <= 5)
        check(page_numbers(p.stdout.decode().split()) == want, p)


@harness.test
def seeds_are_normalized_and_deduplicated():
    with HttpFixture() as h:
        seeds = [f"HTTP://127.0.0.1:{h.port}/html/./x/../1#top", h.url("/html/1"),
                 f"http://127.0.0.1:{h.port}/%68tml/1"]
        p = gf("--max-depth", "0", *seeds)
        check(p.returncode == 0, p)
        check(p.stdout.decode().split() == [h.url("/html/1")], p)


@harness.test
def seeds_from_input_file_and_stdin():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "seeds.txt")
        with open(path, "w") as f:
            f.write(f"# a comment\n\n{h.url('/html/3')}\n")
        p = gf("--max-depth", "0", "-i", path, h.url("/html/2"))
        check(p.returncode == 0, p)
        check(sorted(page_numbers(p.stdout.decode().split())) == [2, 3], p)
        p = gf("--max-depth", "0", stdin=h.url("/html/7") + "\n")
        check(p.returncode == 0 and p.stdout.decode().split() == [h.url("/html/7")], p)


@harness.test
def seed_that_is_not_a_url_is_a_usage_error():
    p = gf("http://127.0.0.1:1/ok", "not a url")
    check(p.returncode == 2, p)
    check(b"not a url" in p.stderr, p)
    p = gf("--include", "([", "http://127.0.0.1:1/")
    check(p.returncode == 2 and b"([" in p.stderr, p)


@harness.test
def json_records_describe_each_page():
    with HttpFixture() as h:
        p = gf("-j", "-c", "1", "--max-depth", "100", h.url("/html/1"))
        check(p.returncode == 0, p)
        recs = records(p)
        check(len(recs) == HTML_MAX, p)
        by_url = {r["url"]: r for r in recs}
        depth = reachable(1)
        for n in range(1, HTML_MAX + 1):
            r = by_url[h.url(f"/html/{n}")]
            check(r["status"] == 200 and r["error"] is None, r)
            check(r["title"] == f"page {n}", r)
            check(r["links"] == len(html_links(n)), r)
            check(r["depth"] == depth[n], (n, r, depth[n]))
            check(r["content_type"].startswith("text/html"), r)
            check(r["size"]["download"] == len(h.get(f"/html/{n}")[1]), r)
            check(r["url_effective"] == r["url"] and r["skipped"] is None, r)
            if n == 1:
                check(r["referrer"] is None, r)
            else:
                ref = int(r["referrer"].rsplit("/", 1)[1])
                check(n in html_links(ref) and depth[ref] == depth[n] - 1, r)
        # breadth-first: depths never decrease along the output (one at a time, one host)
        depths = [r["depth"] for r in recs]
        check(depths == sorted(depths), depths)


@harness.test
def write_out_format_per_page():
    with HttpFixture() as h:
        p = gf("-w", "%{http_code} %{url}\\n", "--max-depth", "1", h.url("/html/2"))
        check(p.returncode == 0, p)
        lines = sorted(p.stdout.decode().splitlines())
        check(lines == sorted(f"200 {h.url(f'/html/{n}')}" for n in (2, 3, 4)), lines)


@harness.test
def max_pages_stops_the_crawl():
    with HttpFixture() as h:
        p = gf("--max-pages", "7", "--max-depth", "100", h.url("/html/1"))
        check(p.returncode == 0, p)
        check(len(p.stdout.decode().split()) == 7, p)


@harness.test
def non_html_bodies_are_not_parsed():
    with HttpFixture() as h:
        register(h, "/plain.txt", b'<a href="/html/5">x</a>\n', ctype="text/plain")
        register(h, "/page.xhtml", b'<html><body><a href="/html/9">x</a></body></html>',
                 ctype="application/xhtml+xml")
        p = gf("-j", "--max-depth", "0", h.url("/plain.txt"))
        check(p.returncode == 0, p)
        recs = records(p)
        check(len(recs) == 1 and recs[0]["links"] == 0 and recs[0]["title"] is None, recs)
        p = gf("-j", "--max-depth", "1", h.url("/page.xhtml"))
        check(sorted(r["url"] for r in records(p)) ==
              sorted([h.url("/page.xhtml"), h.url("/html/9")]), p)


@harness.test
def include_and_exclude_patterns():
    with HttpFixture() as h:
        p = gf("--max-depth", "100", "--exclude", "/html/1[0-9]$", h.url("/html/1"))
        check(p.returncode == 0, p)
        got = page_numbers(p.stdout.decode().split())
        want = sorted(n for n in reachable(1, lambda n: not 10 <= n <= 19)
                      if not 10 <= n <= 19)
        check(got == want, (got, want))
        p = gf("--max-depth", "100", "--include", "/html/[0-9]$", h.url("/html/1"))
        check(page_numbers(p.stdout.decode().split()) == list(range(1, 10)), p)


@harness.test
def scope_host_keeps_other_hosts_out():
    with HttpFixture() as h:
        # localhost is another host than 127.0.0.1: the redirect target is fetched (the engine
        # follows it) but its links are not followed
        target = f"http://localhost:{h.port}/html/1"
        register(h, "/links.html",
                 f'<a href="{target}">x</a><a href="/html/50">y</a>'.encode(), ctype="text/html")
        p = gf("--max-depth", "3", h.url("/links.html"))
        check(p.returncode == 0, p)
        check(sorted(p.stdout.decode().split()) == sorted([h.url("/links.html"),
                                                           h.url("/html/50")]), p)


@harness.test
def redirects_are_seen_checked_and_loops_end():
    with HttpFixture() as h:
        p = gf("-j", "--max-depth", "0", h.url("/redirect/3"), h.url("/redirect/0"))
        check(p.returncode == 0, p)
        recs = records(p)
        check(len(recs) == 2, recs)
        check(all(r["url_effective"] == h.url("/redirect/0") for r in recs), recs)
        p = gf("-j", h.url("/redirect-loop"), h.url("/html/50"))
        check(p.returncode == 1, p)
        recs = {r["url"]: r for r in records(p)}
        check(recs[h.url("/redirect-loop")]["error"]["kind"] == "too_many_redirects", recs)
        check(recs[h.url("/html/50")]["status"] == 200, recs)


@harness.test
def page_errors_are_reported_and_the_crawl_goes_on():
    with HttpFixture() as h:
        register(h, "/broken.html",
                 f'<a href="http://127.0.0.1:1/nothing">x</a><a href="/html/50">y</a>'
                 f'<a href="/status/404">z</a>'.encode(), ctype="text/html")
        p = gf("-j", "--no-robots", "--scope", "any", "--max-depth", "1", h.url("/broken.html"))
        check(p.returncode == 1, p)
        recs = {r["url"]: r for r in records(p)}
        check(len(recs) == 4, recs)
        check(recs["http://127.0.0.1:1/nothing"]["error"]["kind"] == "connect", recs)
        check(recs[h.url("/status/404")]["status"] == 404, recs)
        check(recs[h.url("/status/404")]["error"] is None, recs)
        check(recs[h.url("/html/50")]["status"] == 200, recs)
        check(b"127.0.0.1:1/nothing" in p.stderr, p)


@harness.test
def robots_txt_is_obeyed():
    with HttpFixture() as h:
        register(h, "/robots.txt", b"User-agent: *\nDisallow: /html/4\n\n"
                 b"User-agent: greenfetch\nDisallow: /html/3\nAllow: /html/30\n")
        p = gf("-j", "--max-depth", "100", h.url("/html/1"))
        check(p.returncode == 0, p)
        recs = records(p)
        # greenfetch's own group applies (not the * group): /html/3* is out except /html/30*
        def allowed(n):
            s = f"/html/{n}"
            return not s.startswith("/html/3") or s.startswith("/html/30")
        fetched = page_numbers(r["url"] for r in recs if r["skipped"] is None)
        skipped = page_numbers(r["url"] for r in recs if r.get("skipped") == "robots")
        want = reachable(1, allowed)
        check(fetched == sorted(n for n in want if allowed(n)), (fetched, want))
        check(skipped == sorted(n for n in want if not allowed(n)), skipped)
        check(len(fetched) + len(skipped) == len(recs), recs)
        p = gf("--no-robots", "--max-depth", "100", h.url("/html/1"))
        check(len(p.stdout.decode().split()) == HTML_MAX, p)


@harness.test
def robots_txt_5xx_disallows_and_4xx_allows():
    with HttpFixture() as h:
        p = gf("--max-depth", "100", h.url("/html/1"))  # 404: everything allowed
        check(len(p.stdout.decode().split()) == HTML_MAX, p)
        register(h, "/robots.txt", b"oops\n", status=503)
        p = gf("-j", "--max-depth", "100", h.url("/html/1"))
        check(p.returncode == 0, p)
        recs = records(p)
        check(len(recs) == 1 and recs[0]["skipped"] == "robots", recs)


@harness.test
def robots_txt_garbage_and_huge_is_handled():
    with HttpFixture() as h:
        junk = bytes(range(256)) * 4096 + b"\nUser-agent: *\nDisallow: /html/2\n"
        register(h, "/robots.txt", b"\x00\xff garbage\n" + junk, ctype="application/octet-stream")
        p = gf("--max-depth", "100", h.url("/html/1"))
        # the Disallow line is past 512 KiB... no: 1 MiB + a bit: it is never read
        check(p.returncode == 0 and len(p.stdout.decode().split()) == HTML_MAX, p)


@harness.test
def crawl_delay_and_delay_space_requests():
    with HttpFixture() as h:
        register(h, "/robots.txt", b"User-agent: *\nCrawl-delay: 0.3\n")
        start = time.monotonic()
        p = gf("--max-pages", "4", "--max-depth", "100", h.url("/html/1"))
        took = time.monotonic() - start
        check(p.returncode == 0 and len(p.stdout.decode().split()) == 4, p)
        # robots.txt, then 4 pages, each start 0.3 s after the previous one
        check(took >= 4 * 0.3 - 0.05, took)
    with HttpFixture() as h:
        start = time.monotonic()
        p = gf("--no-robots", "--delay", "0.25", "--max-pages", "5", "--max-depth", "100",
               h.url("/html/1"))
        took = time.monotonic() - start
        check(p.returncode == 0 and len(p.stdout.decode().split()) == 5, p)
        check(took >= 4 * 0.25 - 0.05, took)


@harness.test
def delay_of_one_host_does_not_hold_back_another():
    with HttpFixture() as h:
        # 127.0.0.1 and localhost are two hosts: with a long delay, each gets its pages at the
        # same pace, so both finish in about the time one would take
        start = time.monotonic()
        p = gf("--no-robots", "--scope", "any", "--delay", "0.3", "--max-depth", "2",
               h.url("/html/10"), f"http://localhost:{h.port}/html/20")
        took = time.monotonic() - start
        check(p.returncode == 0, p)
        urls = p.stdout.decode().split()
        # 127.0.0.1: 10, 11, 20, 12, 22, 21, 40; localhost: 20, 21, 40, 22, 42, 41
        check(len(urls) == 13, urls)
        # one host after the other would take 12 delays (3.6 s); side by side: 6 (1.8 s)
        check(took < 2.8, took)


@harness.test
def retry_after_pauses_the_host():
    with HttpFixture() as h:
        start = time.monotonic()
        p = gf("-j", "--no-robots", h.url("/retry-after/a?after=1"))
        took = time.monotonic() - start
        check(p.returncode == 0, p)
        recs = records(p)
        check(len(recs) == 1 and recs[0]["status"] == 200, recs)
        check(took >= 0.95, took)


@harness.test
def mirror_writes_a_folder_tree():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        register(h, "/dir/", b"<a href='../html/50'>x</a><a href='/%2E%2E/%2e%2e/evil'>y</a>",
                 ctype="text/html")
        out = os.path.join(d, "m")
        p = gf("-o", out, "--max-depth", "1", h.url("/html/48"), h.url("/dir/"))
        check(p.returncode == 0, p)  # /%2E%2E/%2e%2e/evil is /evil, a 404 page (not saved)
        host = f"127.0.0.1+{h.port}"
        for n in (48, 49, 50):
            with open(os.path.join(out, host, "html", str(n)), "rb") as f:
                check(f.read() == h.get(f"/html/{n}")[1], n)
        with open(os.path.join(out, host, "dir", "index.html"), "rb") as f:
            check(b"evil" in f.read())
        for root, _, files in os.walk(d):  # bounded: the tree is small
            for name in files:
                check(os.path.realpath(os.path.join(root, name)).startswith(
                    os.path.realpath(out) + os.sep), (root, name))


def warc_records(warc: str) -> list[dict]:
    """The records of a WARC file as warcio reads them (warc_validate.js), which must accept it."""
    # .ci/install-deps installs node and warcio: missing them is a failed setup, not a skip.
    check(shutil.which("node") is not None, "node is not installed (run .ci/install-deps)")
    check(os.path.isdir(os.path.join(HERE, "node_modules", "warcio")),
          "warcio is not installed: npm ci --prefix tests/e2e")
    v = run(["node", os.path.join(HERE, "warc_validate.js"), warc], timeout=120)
    check(v.returncode == 0, v)
    return [json.loads(x) for x in v.stdout.decode().splitlines()]


def crawl_appending(argv: list[str], out_path: str) -> subprocess.CompletedProcess:
    """Runs a crawl to its end with stdout appended to out_path (as `>> out_path`)."""
    with open(out_path, "ab") as out:
        return subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, timeout=60,
                              env=harness.base_env(), stdin=subprocess.DEVNULL)


@harness.test
def warc_records_round_trip():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        warc = os.path.join(d, "crawl.warc.gz")
        p = gf("--warc", warc, "--max-depth", "100", h.url("/html/1"), h.url("/gzip"))
        check(p.returncode == 0, p)
        recs = warc_records(warc)
        check(recs[0]["type"] == "warcinfo", recs[0])
        responses = {r["target_uri"]: r for r in recs if r["type"] == "response"}
        requests = [r for r in recs if r["type"] == "request"]
        # robots.txt is fetched but not archived
        check(len(responses) == HTML_MAX + 1 and len(requests) == HTML_MAX + 1, len(recs))
        def sha1(b):
            return "sha1:" + base64.b32encode(hashlib.sha1(b).digest()).decode()
        for n in range(1, HTML_MAX + 1):
            r = responses[h.url(f"/html/{n}")]
            check(r["payload_sha1"] == sha1(h.get(f"/html/{n}")[1]), r)
        # no Accept-Encoding: the stored payload is the plain body, as sent
        check(responses[h.url("/gzip")]["payload_sha1"] == sha1(h.get("/gzip")[1]),
              responses[h.url("/gzip")])


@harness.test
def state_resumes_after_kill_9():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        state = os.path.join(d, "state")
        out_path = os.path.join(d, "out.jsonl")
        warc = os.path.join(d, "c.warc.gz")
        argv = [args.greenfetch, "crawl", "-j", "--no-robots", "--delay", "0.05",
                "--max-depth", "100", "--state", state, "--warc", warc, h.url("/html/1")]
        with open(out_path, "ab") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL,
                                    stdin=subprocess.DEVNULL, env=harness.base_env(),
                                    start_new_session=True)
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:  # bounded by the deadline
                    with open(out_path, "rb") as f:
                        if f.read().count(b"\n") >= 15:
                            break
                    time.sleep(0.02)
                os.killpg(proc.pid, signal.SIGKILL)
            finally:
                proc.wait(timeout=10)
        with open(out_path, "rb") as f:
            first = f.read().count(b"\n")
        check(15 <= first < HTML_MAX, first)
        p = crawl_appending(argv, out_path)
        check(p.returncode == 0, p)
        with open(out_path, "rb") as f:
            lines = [json.loads(x) for x in f.read().splitlines() if x.strip()]
        urls = [r["url"] for r in lines]
        check(len(urls) == HTML_MAX and len(set(urls)) == HTML_MAX, (len(urls), first))
        check(page_numbers(urls) == list(range(1, HTML_MAX + 1)), urls)
        # a third run finds nothing left to do
        p = run(argv[:-1] + [h.url("/html/1")], timeout=30)
        check(p.returncode == 0 and p.stdout == b"", p)
        resp = [r["target_uri"] for r in warc_records(warc) if r["type"] == "response"]
        check(set(resp) == set(urls), len(resp))


def gzip_member_offsets(data: bytes) -> list[int]:
    """Where each gzip member of a multi-member file starts."""
    offsets, pos = [], 0
    while pos < len(data):  # bounded: every member consumes at least its header
        offsets.append(pos)
        d = zlib.decompressobj(wbits=31)
        d.decompress(data[pos:])
        check(d.eof, pos)
        pos = len(data) - len(d.unused_data)
    return offsets


@harness.test
def state_cuts_records_written_after_the_last_commit():
    # What a kill -9 between writing a page's records and committing the page "done" leaves,
    # made on purpose: after a finished crawl, the state is put back to before the last page's
    # commit (page in progress, the outputs' ends before its records, the run still open).
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        state = os.path.join(d, "state")
        out_path = os.path.join(d, "out.jsonl")
        warc = os.path.join(d, "c.warc.gz")
        argv = [args.greenfetch, "crawl", "-j", "--no-robots", "--max-depth", "100",
                "--state", state, "--warc", warc, h.url("/html/1")]
        p = crawl_appending(argv, out_path)
        check(p.returncode == 0, p)
        with open(out_path, "rb") as f:
            lines = f.read().splitlines()
        check(len(lines) == HTML_MAX, len(lines))
        last = json.loads(lines[-1])["url"]
        with open(warc, "rb") as f:
            members = gzip_member_offsets(f.read())
        # warcinfo, then a response and a request record per page; the last two are `last`'s
        check(len(members) == 1 + 2 * HTML_MAX, len(members))
        db = sqlite3.connect(os.path.join(state, "state.sqlite"))
        with db:
            check(db.execute("UPDATE urls SET state = 1 WHERE url = ?", (last,)).rowcount == 1, last)
            db.execute("UPDATE outputs SET end_offset = ? WHERE name = 'stdout'",
                       (os.path.getsize(out_path) - len(lines[-1]) - 1,))
            db.execute("UPDATE outputs SET end_offset = ? WHERE name = 'warc'", (members[-2],))
            db.execute("UPDATE run SET open = 1")
        db.close()

        p = crawl_appending(argv, out_path)
        check(p.returncode == 0, p)
        check(b"the last run was killed; cut" in p.stderr and warc.encode() in p.stderr, p)
        with open(out_path, "rb") as f:
            urls = [json.loads(x)["url"] for x in f.read().splitlines()]
        check(len(urls) == HTML_MAX and len(set(urls)) == HTML_MAX and urls[-1] == last, urls)
        with open(warc, "rb") as f:
            check(len(gzip_member_offsets(f.read())) == 1 + 2 * HTML_MAX, warc)
        resp = [r["target_uri"] for r in warc_records(warc) if r["type"] == "response"]
        check(len(resp) == HTML_MAX and set(resp) == set(urls), len(resp))

        # After a clean end nothing is cut, even if the file grew since.
        with open(out_path, "ab") as f:
            f.write(b"appended by someone else\n")
        p = crawl_appending(argv, out_path)
        check(p.returncode == 0 and b"cut" not in p.stderr, p)
        with open(out_path, "rb") as f:
            check(f.read().endswith(b"appended by someone else\n"), out_path)


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def fixture_json(h: HttpFixture, path: str) -> dict:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return json.loads(r.read())
    finally:
        conn.close()


def urlset(*urls: str) -> bytes:
    body = "".join(f"  <url><loc>{u}</loc><lastmod>2024-01-01</lastmod></url>\n" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{body}</urlset>\n").encode()


def sitemap_index(*urls: str) -> bytes:
    body = "".join(f"  <sitemap><loc>{u}</loc></sitemap>\n" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{body}</sitemapindex>\n").encode()


def register_sitemaps(h: HttpFixture) -> None:
    """robots.txt names a plain sitemap, an index (-> gzipped sitemap, nested index -> plain
    sitemap), a garbage one and a missing one; /sitemap.xml exists too. None of their pages is
    linked from the seed /html/50 (which links nowhere)."""
    register(h, "/robots.txt", (
        "User-agent: *\nDisallow: /html/4\n"
        f"Sitemap: {h.url('/maps/plain.xml')}\n"
        f"Sitemap: {h.url('/maps/index.xml')}\n"
        f"Sitemap: {h.url('/maps/garbage.xml')}\n"
        f"Sitemap: {h.url('/maps/missing.xml')}\n"
        f"Sitemap: {h.url('/maps/plain.xml')}\n").encode())
    # /html/4 is disallowed by robots.txt; the other host is out of scope (never fetched).
    register(h, "/maps/plain.xml", urlset(h.url("/html/3"), h.url("/html/4"),
                                          "http://other.invalid/x", h.url("/html/50")),
             ctype="application/xml")
    register(h, "/maps/index.xml", sitemap_index(h.url("/maps/gz.xml.gz"),
                                                 h.url("/maps/index2.xml"),
                                                 h.url("/maps/plain.xml")),
             ctype="application/xml")
    register(h, "/maps/gz.xml.gz", urlset(h.url("/html/5")), ctype="application/x-gzip",
             gz=True)
    register(h, "/maps/index2.xml", sitemap_index(h.url("/maps/deep.xml")),
             ctype="text/xml")
    register(h, "/maps/deep.xml", urlset(h.url("/html/6")), ctype="text/xml", gz=True)
    register(h, "/maps/garbage.xml", b"<html><body>not a sitemap</body></html>",
             ctype="text/html")
    register(h, "/sitemap.xml", urlset(h.url("/html/9")), ctype="application/xml")


@harness.test
def sitemaps_are_read_as_seeds():
    with HttpFixture() as h:
        register_sitemaps(h)
        fixture_json(h, "/stats/reset")
        p = gf("-j", "--sitemaps", "--max-depth", "0", h.url("/html/50"))
        check(p.returncode == 0, p)
        recs = records(p)
        fetched = {r["url"]: r for r in recs if r["skipped"] is None}
        skipped = [r["url"] for r in recs if r.get("skipped") == "robots"]
        check(page_numbers(fetched) == [3, 5, 6, 9, 50], sorted(fetched))
        check(skipped == [h.url("/html/4")], skipped)
        check(len(recs) == 6, recs)  # every page once, though listed twice
        for r in fetched.values():
            check(r["depth"] == 0 and r["status"] == 200, r)
        check(fetched[h.url("/html/3")]["referrer"] == h.url("/maps/plain.xml"), fetched)
        check(fetched[h.url("/html/5")]["referrer"] == h.url("/maps/gz.xml.gz"), fetched)
        check(fetched[h.url("/html/6")]["referrer"] == h.url("/maps/deep.xml"), fetched)
        check(fetched[h.url("/html/9")]["referrer"] == h.url("/sitemap.xml"), fetched)
        check(fetched[h.url("/html/50")]["referrer"] is None, fetched)
        err = p.stderr.decode()
        check("sitemap " + h.url("/maps/garbage.xml") + ": not a sitemap" in err, err)
        check("sitemap " + h.url("/maps/missing.xml") + ": HTTP status 404" in err, err)
        check("other.invalid" not in err, err)
        # Each sitemap is fetched once: robots.txt + 7 sitemaps (plain, index, garbage,
        # missing, gz, index2, deep, /sitemap.xml is the 8th) + 5 pages.
        total = fixture_json(h, "/stats")["total"]
        check(total == 1 + 8 + 5, total)
        # Without --sitemaps none of them is fetched.
        p = gf("-j", "--max-depth", "0", h.url("/html/50"))
        check(p.returncode == 0, p)
        check([r["url"] for r in records(p)] == [h.url("/html/50")], p)
        check(b"sitemap" not in p.stderr, p)


@harness.test
def sitemap_pages_are_followed_and_missing_sitemaps_are_quiet():
    with HttpFixture() as h:
        # No robots.txt, no /sitemap.xml: nothing to report, the crawl is the usual one.
        p = gf("--sitemaps", "--max-depth", "100", h.url("/html/50"))
        check(p.returncode == 0 and p.stdout.decode().split() == [h.url("/html/50")], p)
        check(p.stderr == b"", p)
        # /sitemap.xml alone, robots off: its pages are seeds, and their links are followed.
        register(h, "/sitemap.xml", urlset(h.url("/html/25")), ctype="application/xml",
                 gz=True)
        p = gf("--no-robots", "--sitemaps", "--max-depth", "1", h.url("/html/50"))
        check(p.returncode == 0, p)
        check(page_numbers(p.stdout.decode().split()) == [25, 26, 50], p)


@harness.test
def sitemap_that_is_oversize_or_truncated_is_reported():
    with HttpFixture() as h:
        big = urlset(*[h.url(f"/html/{n}") for n in range(1, 3)])
        register(h, "/robots.txt", (
            f"Sitemap: {h.url('/maps/bomb.xml.gz')}\n"
            f"Sitemap: {h.url('/maps/cut.xml.gz')}\n").encode())
        # 60 MiB of whitespace inflates past the 50 MiB limit: the parse stops there.
        bomb = big.replace(b"</urlset>", b" " * (60 << 20) + b"</urlset>")
        register(h, "/maps/bomb.xml.gz", bomb, ctype="application/octet-stream", gz=True)
        cut = gzip_bytes(urlset(h.url("/html/7")))
        register(h, "/maps/cut.xml.gz", cut[:len(cut) - 10],
                 ctype="application/octet-stream")
        p = gf("--sitemaps", "--max-depth", "0", h.url("/html/50"), timeout=60)
        check(p.returncode == 0, p)
        err = p.stderr.decode()
        check("bomb.xml.gz: larger than 52428800 bytes uncompressed" in err, err)
        check("cut.xml.gz: truncated gzip stream" in err, err)
        # Entries found before the error are kept.
        check(page_numbers(p.stdout.decode().split()) == [1, 2, 7, 50], p)


if __name__ == "__main__":
    harness.main()
