#!/usr/bin/env python3
"""Crawl's outputs: -j records with fetch's fields and types plus crawl's own, --links, and the
plain output (2xx pages on stdout, the other answers on stderr). Traffic to 127.0.0.1 only."""
from __future__ import annotations

import json
from http.client import HTTPConnection
from urllib.parse import quote

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()


def register(h: HttpFixture, path: str, body: bytes, status: int = 200,
             ctype: str = "text/html") -> None:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("POST", f"/files/set?path={quote(path)}&status={status}"
                             f"&type={quote(ctype, safe='')}", body=body)
        r = conn.getresponse()
        r.read()
        check(r.status == 200, f"register {path}: {r.status}")
    finally:
        conn.close()


def jsonl(p) -> list[dict]:
    return [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]


def shape(v):
    """A JSON value's type, recursively for objects (null is its own type)."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    return type(v).__name__


@harness.test
def crawl_record_has_fetch_record_fields_and_types():
    with HttpFixture() as h:
        url = h.url("/html/50")
        f = run([args.greenfetch, "-j", url])
        c = run([args.greenfetch, "crawl", "-j", "--no-robots", url])
        check(f.returncode == 0 and c.returncode == 0, (f, c))
        fr, cr = jsonl(f)[0], jsonl(c)[0]
        # Every field of fetch's record, in fetch's order, then crawl's own.
        check(list(cr)[:len(fr)] == [k for k in fr if k in cr], (list(fr), list(cr)))
        check(list(cr) == list(fr) + ["depth", "referrer", "title", "links", "skipped"],
              list(cr))
        # The same JSON types (headers and times compared by shape, "line" is null in crawl).
        for k in fr:
            if k == "line":
                check(cr[k] is None, cr)
                continue
            if k in ("headers",):
                check(isinstance(cr[k], dict), cr)
                continue
            check(shape(cr[k]) == shape(fr[k]), (k, fr[k], cr[k]))
        check(cr["url_effective"] == fr["url_effective"] == url, (fr, cr))
        check(cr["size"]["download"] == fr["size"]["download"], (fr, cr))
        check(cr["skipped"] is None and cr["depth"] == 0 and cr["referrer"] is None, cr)
        check(isinstance(cr["title"], str) and isinstance(cr["links"], int), cr)


@harness.test
def skipped_record_has_the_same_fields():
    with HttpFixture() as h:
        register(h, "/robots.txt", b"User-agent: *\nDisallow: /html/\n", ctype="text/plain")
        c = run([args.greenfetch, "crawl", "-j", h.url("/html/50")])
        recs = jsonl(c)
        check(len(recs) == 1 and recs[0]["skipped"] == "robots", recs)
        r = recs[0]
        check(r["status"] is None and r["error"] is None and isinstance(r["size"], dict), r)
        check(isinstance(r["url_effective"], str) and r["links"] == 0, r)


@harness.test
def links_lists_each_link_with_its_scope():
    with HttpFixture() as h:
        other = f"http://localhost:{h.port}/x"
        register(h, "/page.html",
                 (f'<a href="/html/50#top">in</a><a href="{other}">out</a>'
                  f'<a href="mailto:a@b">mail</a><a href="http://256.256.256.256/">bad</a>'
                  f'<a href="http:other">rel</a>').encode())
        p = run([args.greenfetch, "crawl", "-j", "--links", "--max-depth", "0",
                 h.url("/page.html")])
        check(p.returncode == 0, p)
        recs = jsonl(p)
        check(len(recs) == 1, recs)
        got = [(l["href"], l["url"], l["scope"]) for l in recs[0]["outlinks"]]
        check(got == [("/html/50#top", h.url("/html/50"), "in"),
                      (other, other, "out"),
                      ("mailto:a@b", None, "other_scheme"),
                      ("http://256.256.256.256/", None, "rejected"),
                      ("http:other", h.url("/other"), "in")], got)
        check(recs[0]["links"] == 5, recs)
        # Without --links there is no list; --links needs -j.
        p = run([args.greenfetch, "crawl", "-j", "--max-depth", "0", h.url("/page.html")])
        check("outlinks" not in jsonl(p)[0], p)
        p = run([args.greenfetch, "crawl", "--links", h.url("/page.html")])
        check(p.returncode == 2 and b"--links" in p.stderr, p)


@harness.test
def plain_output_lists_2xx_pages_and_names_the_others_on_stderr():
    with HttpFixture() as h:
        register(h, "/start.html",
                 b'<a href="/html/50">ok</a><a href="/status/404">gone</a>'
                 b'<a href="/status/500">err</a><a href="http://127.0.0.1:1/down">down</a>')
        p = run([args.greenfetch, "crawl", "--no-robots", "--scope", "any", "--max-depth", "1",
                 h.url("/start.html")])
        check(p.returncode == 1, p)  # the refused connection is a failure; 404 and 500 are not
        check(sorted(p.stdout.decode().split()) ==
              sorted([h.url("/start.html"), h.url("/html/50")]), p)
        err = p.stderr.decode()
        start = h.url("/start.html")
        check(f"greenfetch: {h.url('/status/404')}: HTTP 404 (linked from {start})" in err, err)
        check(f"greenfetch: {h.url('/status/500')}: HTTP 500 (linked from {start})" in err, err)
        check("http://127.0.0.1:1/down: connect" in err, err)
        p = run([args.greenfetch, "crawl", "-s", "--max-depth", "1", h.url("/start.html")])
        check(p.stderr == b"", p)


if __name__ == "__main__":
    harness.main()
