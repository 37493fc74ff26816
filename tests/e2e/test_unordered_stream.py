#!/usr/bin/env python3
"""End-to-end tests of --unordered output (issue 17): the first body to arrive while stdout is
free streams through with backpressure (a slow reader pauses its transfer); the bodies that
finish meanwhile wait (memory up to the run's budget, then an unlinked temporary file) and are
written, in the order they finished, when it is done. Bodies are never interleaved, and peak
RSS (the child's own, from GNU time) stays bounded for 3 x 100 MiB into a slow pipe. Traffic
goes to 127.0.0.1 only."""
from __future__ import annotations

import itertools
import os
import subprocess
import tempfile
import time

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
MiB = 1 << 20
RSS_LIMIT_KB = 32 * 1024  # fetch mode's ceiling (issue 17)
PATTERN = bytes(i % 251 for i in range(251 * 261))  # the fixture's /bytes pattern


def expected(kind: str, n: int, start: int) -> bytes:
    """Bytes start.. of a body of n bytes: zeros, or the fixture's repeated pattern."""
    if kind == "zeros":
        return bytes(n - start)
    out = bytearray()
    at = start
    while at < n:  # bounded by n
        off = at % len(PATTERN)
        piece = PATTERN[off:off + min(len(PATTERN) - off, n - at)]
        out += piece
        at += len(piece)
    return bytes(out)


def segment_matches(f, kind: str, n: int) -> bool:
    """The next n bytes of f are the whole body (read in 1 MiB pieces)."""
    at = 0
    for _ in range(n // MiB + 2):  # bounded
        if at >= n:
            break
        piece = f.read(min(MiB, n - at))
        if not piece or piece != expected(kind, at + len(piece), at):
            return False
        at += len(piece)
    return at == n


@harness.test
def unordered_streams_one_body_and_keeps_the_others_whole():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        bodies = [("bytes", 100 * MiB), ("zeros", 100 * MiB + 1), ("bytes", 100 * MiB + 2)]
        urls = [h.url(f"/{kind}/{n}") for kind, n in bodies]
        saved = os.path.join(d, "out")
        reader = subprocess.Popen(["sh", "-c", f"sleep 3; exec cat > '{saved}'"],
                                  stdin=subprocess.PIPE)
        with tempfile.NamedTemporaryFile() as rss:
            p = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, GF,
                                "--unordered", *urls], stdout=reader.stdin,
                               stderr=subprocess.PIPE, env=harness.base_env(), timeout=180)
            reader.stdin.close()
            reader.wait(timeout=60)
            lines = open(rss.name).read().split()
            kb = int(lines[-1]) if lines else 0
        check(p.returncode == 0, p.stderr)
        check(os.path.getsize(saved) == sum(n for _, n in bodies), os.path.getsize(saved))
        check(harness.sanitized() or kb <= RSS_LIMIT_KB, f"peak RSS {kb} KiB")
        print(f"  --unordered, 3 x 100 MiB into a pipe paused 3 s: peak RSS {kb} KiB")
        # Some order of the three bodies, each one whole and in one piece.
        found = None
        for order in itertools.permutations(range(3)):
            with open(saved, "rb") as f:
                if all(segment_matches(f, *bodies[i]) for i in order):
                    found = order
                    break
        check(found is not None, "the output is the three bodies, one after the other")


@harness.test
def the_first_body_streams_and_the_others_follow_in_completion_order():
    with HttpFixture() as h:
        slow = h.url("/chunked/20?delay=100")  # 20 lines over about 2 s
        urls = [slow, h.url("/delay/700"), h.url("/delay/300")]
        start = time.monotonic()
        proc = subprocess.Popen([GF, "--unordered", "-c", "3", *urls], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=harness.base_env())
        first = proc.stdout.readline()
        first_at = time.monotonic() - start
        rest = proc.stdout.read()  # not communicate(): it would skip what readline buffered
        err = proc.stderr.read()
        proc.wait(timeout=60)
        check(proc.returncode == 0, err)
        out = first + rest
        chunks = b"".join(b"chunk %d\n" % i for i in range(20))
        # The slow body held stdout from its first line; the two that finished meanwhile
        # follow it, the one that finished first first.
        check(out == chunks + b"delayed 300\n" + b"delayed 700\n", out)
        check(first == b"chunk 0\n", first)
        check(first_at < 1.5, f"the first line came after {first_at:.2f} s: it was spooled")
        # Without a body streaming, bodies come in the order they finish, as before.
        p = run([GF, "--unordered", h.url("/delay/600"), h.url("/delay/100")])
        check(p.returncode == 0 and p.stdout == b"delayed 100\ndelayed 600\n", p)


if __name__ == "__main__":
    harness.main()
