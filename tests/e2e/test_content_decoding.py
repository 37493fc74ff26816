#!/usr/bin/env python3
"""--compressed bodies are decoded by greenfetch itself (libcurl's decoding is off): what
curl decodes comes out the same, a compressed stream cut short is kind `protocol`
("compressed body ended early", where curl reports success), bytes after the end fail as in
curl, and memory stays bounded on a gzip bomb, in fetch and in crawl mode."""
from __future__ import annotations

import gzip
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import zlib

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
MiB = 1 << 20
PLAIN = b"a line of a body that compresses well\n" * 500


def raw_deflate(data: bytes) -> bytes:
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush()


# path -> (status, Content-Encoding, body); HEAD gets the same head without the body.
CANNED = {
    "/gzip": (200, "gzip", gzip.compress(PLAIN, mtime=0)),
    "/gzip-gzip": (200, "gzip, gzip", gzip.compress(gzip.compress(PLAIN, mtime=0), mtime=0)),
    "/deflate-raw": (200, "deflate", raw_deflate(PLAIN)),
    "/deflate-zlib": (200, "deflate", zlib.compress(PLAIN)),
    "/trailing": (200, "gzip", gzip.compress(PLAIN, mtime=0) + b"GARBAGE"),
    "/cut": (200, "gzip", gzip.compress(PLAIN, mtime=0)[:60]),
    "/unknown": (200, "compress", PLAIN),
    "/no-content": (204, "gzip", b""),
    "/not-modified": (304, "gzip", b""),
    "/empty": (200, "gzip", b""),
}


class Canned(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, with_body: bool) -> None:
        status, coding, body = CANNED.get(self.path, (404, "identity", b"not found\n"))
        self.send_response(status)
        self.send_header("Content-Encoding", coding)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and status not in (204, 304):
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.answer(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(False)

    def log_message(self, *_a) -> None:
        pass


class CannedServer:
    def __enter__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canned)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *_a: None  # a client that closes first is fine
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()


WRITE_OUT = "%{http_code} %{size_download} %{exitcode}\\n"


def curl(*argv):
    return subprocess.run(["curl", "-s", *argv], capture_output=True, timeout=30)


@harness.test
def what_curl_decodes_comes_out_the_same():
    with CannedServer() as s:
        for path in ("/gzip", "/gzip-gzip", "/deflate-raw", "/deflate-zlib", "/empty"):
            p = run([GF, "--compressed", s.url(path)])
            check(p.returncode == 0, (path, p))
            check(p.stdout == (PLAIN if path != "/empty" else b""), (path, p.stdout[:60]))
            w = run([GF, "--compressed", "-w", WRITE_OUT, s.url(path)])
            if shutil.which("curl"):
                theirs = curl("--compressed", "-o", "/dev/null", "-w", WRITE_OUT, s.url(path))
                # %{size_download}: the body as received, before decoding, as curl's.
                check(w.stdout == theirs.stdout, (path, w.stdout, theirs.stdout))


@harness.test
def no_body_is_no_error():
    with CannedServer() as s:
        for argv in (["-I", s.url("/gzip")], [s.url("/no-content")], [s.url("/not-modified")]):
            p = run([GF, "--compressed", "-w", "%{http_code}\\n", *argv])
            check(p.returncode == 0, (argv, p))


@harness.test
def a_cut_stream_is_a_protocol_error():
    with HttpFixture() as h, CannedServer() as s:
        for url in (h.url("/gzip-cut"), s.url("/cut")):
            p = run([GF, "--compressed", "-j", url])
            check(p.returncode == 1, p)
            rec = json.loads(p.stdout.decode().splitlines()[0])
            check(rec["error"] == {"kind": "protocol",
                                   "message": "compressed body ended early"}, rec)
            check(b"compressed body ended early" in p.stderr, p.stderr)
            w = run([GF, "--compressed", "-w", WRITE_OUT, url])
            check(w.stdout.split()[0] == b"200" and w.stdout.split()[2] == b"61", w.stdout)
        # -o: the cut body is not left under the file's name.
        with tempfile.TemporaryDirectory() as d:
            p = run([GF, "--compressed", "-o", f"{d}/out", h.url("/gzip-cut")])
            check(p.returncode == 1 and not os.listdir(d), p)
        # Without --compressed the bytes are the body, as sent, as curl gives them.
        p = run([GF, h.url("/gzip-cut")])
        check(p.returncode == 0 and p.stdout.startswith(b"\x1f\x8b"), p)


@harness.test
def trailing_bytes_and_unknown_codings_fail_as_in_curl():
    with CannedServer() as s:
        for path, code, words in (("/trailing", b"23", b"data after the end of the gzip stream"),
                                  ("/unknown", b"61", b"unknown Content-Encoding 'compress'")):
            p = run([GF, "--compressed", "-w", WRITE_OUT, s.url(path)])
            check(p.returncode == 1, (path, p))
            check(p.stdout.split()[2] == code, (path, p.stdout))
            check(b"protocol: " + words in p.stderr, (path, p.stderr))
            if shutil.which("curl"):
                theirs = curl("--compressed", "-o", "/dev/null", "-w", "%{exitcode}", s.url(path))
                check(theirs.stdout == code, (path, theirs.stdout))


@harness.test
def a_gzip_bomb_ends_at_max_filesize_in_bounded_memory():
    with HttpFixture() as h:
        bomb = h.url(f"/gzip-bomb/{200 * MiB}")
        p = run([GF, "--compressed", "--max-filesize", "1M", "-j", "-o", "/dev/null", bomb])
        check(p.returncode == 1, p)
        rec = json.loads(p.stdout.decode().splitlines()[0])
        check(rec["error"]["kind"] == "too_large", rec)
        # Four at once, decoded whole to /dev/null: a few buffers each, not the bodies.
        argv = [GF, "--compressed", "-c", "4", "-o", "/dev/null", "-o", "/dev/null", "-o",
                "/dev/null", "-o", "/dev/null", bomb, bomb, bomb, bomb]
        p = run(["/usr/bin/time", "-f", "%M", *argv], timeout=180)
        check(p.returncode == 0, p)
        kb = int(p.stderr.split()[-1])
        check(harness.sanitized() or kb <= 64 * 1024, f"4 bombs at -c 4: peak RSS {kb} KiB")
        print(f"  4 gzip bombs of 200 MiB at -c 4, decoded: peak RSS {kb} KiB")


@harness.test
def crawl_decodes_pages_and_fails_a_cut_one():
    with HttpFixture() as h:
        p = run([GF, "crawl", "-j", "--max-depth", "0", h.url("/gzip-cut")])
        recs = [json.loads(x) for x in p.stdout.decode().splitlines() if x.startswith("{")]
        page = [r for r in recs if r.get("url", "").endswith("/gzip-cut")]
        check(page and page[0]["error"] and page[0]["error"]["kind"] == "protocol", recs)
        check(page[0]["error"]["message"] == "compressed body ended early", page)
        # A whole gzip page is decoded and its links followed.
        p = run([GF, "crawl", "-j", "--max-depth", "0", h.url("/gzip")])
        recs = [json.loads(x) for x in p.stdout.decode().splitlines() if x.startswith("{")]
        check(p.returncode == 0 and recs and recs[0]["error"] is None, (p, recs))


if __name__ == "__main__":
    harness.main()
