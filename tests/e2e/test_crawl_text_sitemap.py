#!/usr/bin/env python3
"""`crawl --sitemaps` with text sitemaps (sitemaps.org: one URL per line, UTF-8), plain and
gzipped, named by robots.txt and by an XML sitemap index; bodies are served by the fixture's
/files/set registrations. Traffic goes to 127.0.0.1 only."""
from __future__ import annotations

import gzip
import json
from http.client import HTTPConnection
from urllib.parse import quote

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()


def register(h: HttpFixture, path: str, body: bytes, ctype: str = "text/plain") -> None:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("POST", f"/files/set?path={quote(path)}&type={quote(ctype, safe='')}",
                     body=body)
        r = conn.getresponse()
        r.read()
        check(r.status == 200, f"register {path}: {r.status}")
    finally:
        conn.close()


def crawl(*argv: str):
    return run([args.greenfetch, "crawl", *argv], timeout=60)


@harness.test
def text_sitemaps_are_read_as_seeds():
    with HttpFixture() as h:
        register(h, "/robots.txt", (
            f"Sitemap: {h.url('/maps/urls.txt')}\n"
            f"Sitemap: {h.url('/maps/index.xml')}\n"
            f"Sitemap: {h.url('/maps/notfound.txt')}\n").encode())
        # A BOM, CRLF, blank lines, white space around a URL, a line that is not a URL (skipped
        # and named), an out-of-scope URL, no final newline.
        register(h, "/maps/urls.txt", (
            "\ufeff" + h.url("/html/3") + "\r\n\r\n"
            "  " + h.url("/html/5") + "  \r\n"
            "# not a URL\r\n"
            "http://other.invalid/x\r\n" + h.url("/html/50")).encode())
        # An XML index naming a gzipped text sitemap, served as application/octet-stream.
        register(h, "/maps/index.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"<sitemap><loc>{h.url('/maps/more.txt.gz')}</loc></sitemap>\n"
            "</sitemapindex>\n").encode(), ctype="application/xml")
        register(h, "/maps/more.txt.gz",
                 gzip.compress((h.url("/html/7") + "\n" + h.url("/html/9") + "\n").encode(),
                               mtime=0), ctype="application/octet-stream")
        # A soft 404: status 200, a line of text.
        register(h, "/maps/notfound.txt", b"Not Found\n")
        p = crawl("-j", "--sitemaps", "--max-depth", "0", h.url("/html/50"))
        check(p.returncode == 0, p)
        recs = [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]
        fetched = {r["url"]: r for r in recs}
        check(sorted(int(u.rsplit("/", 1)[1]) for u in fetched) == [3, 5, 7, 9, 50], recs)
        check(len(recs) == 5, recs)
        for n in (3, 5):
            check(fetched[h.url(f"/html/{n}")]["referrer"] == h.url("/maps/urls.txt"), recs)
        for n in (7, 9):
            check(fetched[h.url(f"/html/{n}")]["referrer"] == h.url("/maps/more.txt.gz"), recs)
        err = p.stderr.decode()
        check(f"sitemap {h.url('/maps/urls.txt')}: line 4: not an absolute http(s) URL "
              "(1 line skipped)" in err, err)
        check(f"sitemap {h.url('/maps/notfound.txt')}: not a sitemap: line 1 is neither XML "
              "nor a URL" in err, err)
        check("other.invalid" not in err and "more.txt.gz" not in err, err)


if __name__ == "__main__":
    harness.main()
