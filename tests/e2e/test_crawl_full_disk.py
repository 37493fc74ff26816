#!/usr/bin/env python3
"""End-to-end test of `crawl --warc FILE --state DIR` on a full disk (issue 17, section 7): the
crawl stops with a clear message naming the WARC, the state stays consistent, and once space
is freed the same command resumes and every page ends up exactly once in the union of the WARC
outputs and the -j records. Without root the disk is "full" through RLIMIT_FSIZE (SIGXFSZ
ignored: writes fail with EFBIG); as root (CI) also on a small tmpfs (ENOSPC). Traffic goes to
127.0.0.1 only."""
from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import tempfile
from http.client import HTTPConnection
from urllib.parse import quote

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
HERE = os.path.dirname(os.path.abspath(__file__))
PAGES = 12
PAGE_BYTES = 200 * 1024  # random bytes: the WARC grows by about this much per page


def register(h: HttpFixture, path: str, body: bytes, ctype: str) -> None:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("POST", f"/files/set?path={quote(path)}&type={quote(ctype, safe='')}",
                     body=body)
        r = conn.getresponse()
        r.read()
        check(r.status == 200, f"register {path}: {r.status}")
    finally:
        conn.close()


def site(h: HttpFixture) -> list[str]:
    """An index page linking PAGES pages of incompressible bytes; returns every page's URL."""
    rng = random.Random(17)
    links = "".join(f'<a href="/big/{i}">{i}</a>' for i in range(PAGES))
    register(h, "/big/", f"<html><body>{links}</body></html>".encode(), "text/html")
    for i in range(PAGES):
        register(h, f"/big/{i}", rng.randbytes(PAGE_BYTES), "application/octet-stream")
    return [h.url("/big/")] + [h.url(f"/big/{i}") for i in range(PAGES)]


def warc_responses(warc: str) -> list[str]:
    check(os.path.isdir(os.path.join(HERE, "node_modules", "warcio")),
          "warcio is not installed: npm ci --prefix tests/e2e")
    v = run(["node", os.path.join(HERE, "warc_validate.js"), warc], timeout=120)
    check(v.returncode == 0, ("warcio rejects the WARC", v.stderr.decode()[-2000:]))
    recs = [json.loads(line) for line in v.stdout.decode().splitlines() if line.strip()]
    return [r["target_uri"] for r in recs if r["type"] == "response"]


def ok_records(out: bytes) -> list[str]:
    recs = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return [r["url"] for r in recs if r.get("error") is None and r.get("skipped") is None]


def crawl(h: HttpFixture, d: str, preexec_fn=None):
    argv = [GF, "crawl", "-j", "-c", "2", "--warc", os.path.join(d, "c.warc.gz"), "--state",
            os.path.join(d, "st"), h.url("/big/")]
    return subprocess.run(argv, capture_output=True, timeout=120, env=harness.base_env(),
                          preexec_fn=preexec_fn, stdin=subprocess.DEVNULL)


def check_stopped_then_resumed(h: HttpFixture, d: str, first, resume) -> None:
    urls = site(h)
    p1 = first()
    check(p1.returncode != 0, ("the full disk is not reported", p1))
    err = p1.stderr.decode()
    check("c.warc.gz" in err and ("No space left" in err or "too large" in err), err)
    before = warc_responses(os.path.join(d, "c.warc.gz"))
    check(0 < len(before) < len(urls), ("some pages fit, not all", before))
    p2 = resume()
    check(p2.returncode == 0, ("the resumed crawl", p2.stderr.decode()[-2000:]))
    archived = warc_responses(os.path.join(d, "c.warc.gz"))
    check(sorted(archived) == sorted(urls), ("each page once in the WARC", archived))
    reported = ok_records(p1.stdout) + ok_records(p2.stdout)
    check(sorted(reported) == sorted(urls), ("each page once in the -j records", reported))
    print(f"  {len(before)} of {len(urls)} pages before the disk filled; all once after resuming")


@harness.test
def a_file_size_limit_stops_the_crawl_and_it_resumes_exactly_once():
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = 5 * PAGE_BYTES // 2  # the WARC fills after two pages or so
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        check_stopped_then_resumed(h, d, lambda: crawl(h, d, limited), lambda: crawl(h, d))


@harness.test
def a_full_tmpfs_stops_the_crawl_and_it_resumes_exactly_once():
    if os.geteuid() != 0 or not shutil.which("mount"):
        print("  skipped: needs root to mount a tmpfs")
        return
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d]).returncode != 0:
            print("  skipped: mount failed")
            return
        try:
            def grow():
                return crawl(h, d)

            def resume():
                # More space: the same crawl goes on.
                subprocess.run(["mount", "-o", "remount,size=16m", d], check=True)
                return crawl(h, d)

            check_stopped_then_resumed(h, d, grow, resume)
        finally:
            subprocess.run(["umount", d])


if __name__ == "__main__":
    harness.main()
