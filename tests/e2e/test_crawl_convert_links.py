#!/usr/bin/env python3
"""End-to-end tests of `greenfetch crawl -o DIR --convert-links` (wget's -k): a small site
registered on the fixture server is mirrored, and every link of the saved pages must then
lead to an existing file of the mirror or be an absolute URL of a page not saved. Traffic
goes to 127.0.0.1 only."""
from __future__ import annotations

import os
import re
import tempfile
from http.client import HTTPConnection
from urllib.parse import quote, unquote

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()


def gf(*argv, **kw):
    return run([args.greenfetch, "crawl", *argv], **kw)


def register(h: HttpFixture, path: str, body: bytes, ctype: str = "text/html") -> None:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("POST", f"/files/set?path={quote(path)}&type={quote(ctype, safe='')}",
                     body=body)
        r = conn.getresponse()
        r.read()
        check(r.status == 200, f"register {path}: {r.status}")
    finally:
        conn.close()


HREF = re.compile(rb"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)

INDEX = (b"<!DOCTYPE html>\n<html><head><title>home</title></head>\n<body>\n"
         b"<a href=\"a.html\">a</a> <a href='/site/sub/b.html#sec'>b</a>\n"
         b"<a href=list?p=2>list</a> <a href=\"gone.html#x\">gone</a>\n"
         b"<a href=\"#top\">top</a> <a href=\"mailto:x@example.invalid\">mail</a>\n"
         b"<!-- <a href=\"a.html\"> --> caf\xc3\xa9\r\n</body></html>\n")


def site(h: HttpFixture) -> None:
    register(h, "/site/index.html", INDEX)
    register(h, "/site/a.html", b"<p><a href=index.html>home</a> <a href=sub/b.html>b</a></p>")
    register(h, "/site/sub/b.html",
             b"<base href=\"/site/\"><a href=\"a.html\">a</a> <a href=\"sub/far.html\">far</a>")
    register(h, "/site/sub/far.html", b"<a href=\"/site/index.html\">home</a>")
    register(h, "/site/list", b"<a href=\"../site/sub/b.html\">b</a>")


def links(path: str) -> list[str]:
    with open(path, "rb") as f:
        return [next(g for g in m.groups() if g is not None).decode()
                for m in HREF.finditer(f.read())]


@harness.test
def converted_links_lead_to_files_or_are_absolute():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        site(h)
        out = os.path.join(d, "m")
        # One link deep: far.html (linked from b.html) is not fetched, gone.html is a 404
        # (answered, so exit 0, but not saved).
        p = gf("-o", out, "--convert-links", "--max-depth", "1", "-s",
               h.url("/site/index.html"))
        check(p.returncode == 0, p)
        root = os.path.join(out, f"127.0.0.1+{h.port}", "site")
        files = {"index.html", "a.html", "sub/b.html", "list@p=2"}
        for name in files:
            check(os.path.isfile(os.path.join(root, name)), (name, os.listdir(root)))
        absolute = []
        for name in files:
            page = os.path.join(root, name)
            for link in links(page):
                if link.startswith(("#", "mailto:")):
                    continue
                if link.startswith("http://"):
                    absolute.append(link)
                    continue
                target = os.path.normpath(os.path.join(os.path.dirname(page),
                                                       unquote(link.split("#")[0])))
                check(os.path.isfile(target), (name, link, target))
        base = h.url("/site/")
        check(sorted(absolute) == sorted([base + "gone.html#x", base + "sub/far.html"]),
              absolute)
        with open(os.path.join(root, "index.html"), "rb") as f:
            got = f.read()
        # Only the values changed; the comment, the fragment and mailto: links stay.
        want = (INDEX.replace(b"'/site/sub/b.html#sec'", b"'sub/b.html#sec'")
                .replace(b"href=list?p=2", b"href=list@p=2")
                .replace(b"\"gone.html#x\"", f"\"{base}gone.html#x\"".encode()))
        check(got == want, got)
        with open(os.path.join(root, "sub", "b.html"), "rb") as f:
            got = f.read()
        check(got == (b"<base href=\"b.html\"><a href=\"../a.html\">a</a> "
                      b"<a href=\"" + base.encode() + b"sub/far.html\">far</a>"), got)
        check(not any(n.endswith("%-tmp") for _, _, fs in os.walk(out) for n in fs), "tmp left")


@harness.test
def without_convert_links_pages_stay_as_served():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        site(h)
        out = os.path.join(d, "m")
        p = gf("-o", out, "--max-depth", "1", "-s", h.url("/site/index.html"))
        check(p.returncode == 0, p)
        with open(os.path.join(out, f"127.0.0.1+{h.port}", "site", "index.html"), "rb") as f:
            check(f.read() == INDEX)


@harness.test
def convert_links_needs_an_output_dir():
    p = gf("--convert-links", "http://127.0.0.1:9/")
    check(p.returncode == 2, p)
    check(p.stderr.startswith(b"greenfetch crawl: --convert-links") and b"-o DIR" in p.stderr, p)


if __name__ == "__main__":
    harness.main()
