#!/usr/bin/env python3
"""End-to-end tests of crawl mode's bounded memory (issue 17): a page is streamed to --warc and
to -o DIR as it arrives (kept in an unlinked temporary file, never whole in memory), so the
peak RSS of `crawl` stays <= 64 MB for a gzip bomb and for a 100 MiB page of zeros; the WARC
still validates with warcio (warc_validate.js) and the -o file is complete. Traffic goes to
127.0.0.1 only."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
HERE = os.path.dirname(os.path.abspath(__file__))
MiB = 1 << 20
RSS_LIMIT_KB = 64 * 1024  # crawl's ceiling (issue 17)


def measured(argv, timeout=180):
    """Runs argv; returns (exit status, stdout, stderr, peak RSS in KiB) of that process alone
    (GNU time forks it: a child forked by Python would start from Python's high-water mark)."""
    with tempfile.NamedTemporaryFile() as rss:
        p = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] +
                           [str(a) for a in argv], capture_output=True, timeout=timeout,
                           env=harness.base_env(), stdin=subprocess.DEVNULL)
        lines = open(rss.name).read().split()
        return p.returncode, p.stdout, p.stderr, int(lines[-1]) if lines else 0


def rss_ok(kb):
    return harness.sanitized() or kb <= RSS_LIMIT_KB


def warc_records(warc: str) -> list[dict]:
    check(os.path.isdir(os.path.join(HERE, "node_modules", "warcio")),
          "warcio is not installed: npm ci --prefix tests/e2e")
    v = run(["node", os.path.join(HERE, "warc_validate.js"), warc], timeout=300)
    check(v.returncode == 0, ("warcio rejects the WARC", v.stderr.decode()[-2000:]))
    return [json.loads(line) for line in v.stdout.decode().splitlines() if line.strip()]


def sha1_of_zeros(n: int) -> str:
    h = hashlib.sha1()
    block = bytes(MiB)
    left = n
    while left > 0:  # bounded by n
        piece = block[:min(left, MiB)]
        h.update(piece)
        left -= len(piece)
    return h.hexdigest()


def file_is_zeros(path: str, n: int) -> bool:
    if os.path.getsize(path) != n:
        return False
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for _ in range(n // MiB + 2):  # bounded
            piece = f.read(MiB)
            if not piece:
                break
            h.update(piece)
    return h.hexdigest() == sha1_of_zeros(n)


@harness.test
def crawl_streams_large_pages_to_warc():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        cases = [("100 MiB page of zeros", f"/zeros/{100 * MiB}?html=1", 100 * MiB),
                 # --warc asks for no Content-Encoding: the bomb is stored as sent (gzip).
                 ("gzip bomb", f"/gzip-bomb/{200 * MiB}?html=1", None)]
        for name, path, size in cases:
            warc = os.path.join(d, f"{len(name)}.warc.gz")
            rc, out, err, kb = measured([GF, "crawl", "-j", "--warc", warc, h.url(path)])
            check(rc == 0, (name, rc, err))
            rec = json.loads(out.decode().splitlines()[0])
            check(rec.get("error") is None and rec.get("status") == 200, (name, rec))
            check(rss_ok(kb), f"{name} --warc: peak RSS {kb} KiB")
            print(f"  crawl --warc, {name}: peak RSS {kb} KiB")
            resp = [r for r in warc_records(warc) if r["type"] == "response"]
            check(len(resp) == 1, (name, resp))
            check(resp[0]["target_uri"] == h.url(path), resp[0])
            if size is not None:
                check(resp[0]["payload_length"] == size, resp[0])


@harness.test
def crawl_streams_large_pages_to_a_mirror():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        # HTML, so that the link extractor reads its share too (the first 4 MiB).
        cases = [("100 MiB page of zeros", f"/zeros/{100 * MiB}?html=1", "zeros", 100 * MiB),
                 # crawl asks for gzip without --warc: the mirror holds the decoded page.
                 ("gzip bomb", f"/gzip-bomb/{200 * MiB}?html=1", "gzip-bomb", 200 * MiB)]
        for name, path, folder, size in cases:
            mirror = os.path.join(d, folder)
            rc, out, err, kb = measured([GF, "crawl", "-o", mirror, h.url(path)])
            check(rc == 0, (name, rc, err))
            check(rss_ok(kb), f"{name} -o DIR: peak RSS {kb} KiB")
            print(f"  crawl -o DIR, {name}: peak RSS {kb} KiB")
            # The file's name (the query in it) is the mirror's business: find it by folder.
            where = os.path.join(mirror, f"{h.host}+{h.port}", folder)
            saved = [os.path.join(where, f) for f in os.listdir(where)]
            check(len(saved) == 1, (name, saved))
            check(file_is_zeros(saved[0], size), f"{name}: the saved file is whole")


@harness.test
def small_pages_are_still_archived_byte_for_byte():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        warc = os.path.join(d, "c.warc.gz")
        mirror = os.path.join(d, "m")
        p = run([GF, "crawl", "--warc", warc, "-o", mirror, "--max-depth", "2",
                 h.url("/html/1"), h.url(f"/bytes/{3 * MiB}")])
        check(p.returncode == 0, p)
        recs = warc_records(warc)
        resp = {r["target_uri"]: r for r in recs if r["type"] == "response"}
        check(h.url(f"/bytes/{3 * MiB}") in resp and h.url("/html/1") in resp, list(resp))
        want = h.get(f"/bytes/{3 * MiB}")[1]
        check(resp[h.url(f"/bytes/{3 * MiB}")]["payload_length"] == len(want), resp)
        with open(os.path.join(mirror, f"{h.host}+{h.port}", "bytes", str(3 * MiB)), "rb") as f:
            check(f.read() == want, "the mirrored 3 MiB page is byte for byte the body")


if __name__ == "__main__":
    harness.main()
