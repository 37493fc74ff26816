#!/usr/bin/env python3
"""Prints README's Reliability table (issue 17, sections 1-7): each case run with greenfetch and
with curl as a user would run it, on the same hostile loopback servers, with what was measured
(exit status, error kind or message, peak RSS from the child's rusage, files left, requests the
server saw). Not a ctest test: the e2e tests assert these cases; this measures them side by side.

    nice -n 10 python3 tests/tools/reliability_table.py [--greenfetch build/greenfetch]
                                                        [--curl curl] [--only WORD]

Servers: tests/fixture/http_server.py (HttpFixture of tests/e2e/harness.py), a raw-socket
server of its own for replies no HTTP library sends, a DNS port that never answers (harness's
Blackhole), a 1 MiB tmpfs (only as root; the row says so otherwise). Traffic goes to 127.0.0.1
only. Every run has a time limit; a run cut by it shows "killed after N s"."""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from email.utils import formatdate

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402
from harness import Blackhole, HttpFixture, RawServer  # noqa: E402

MiB = 1 << 20


# ---------------------------------------------------------------------------------------------
# Running a program and measuring it


class Result:
    def __init__(self, rc, out, err, rss_kib, secs, killed_after=None):
        self.rc, self.out, self.err = rc, out, err
        self.rss_kib, self.secs, self.killed_after = rss_kib, secs, killed_after

    @property
    def rss(self) -> str:
        return f"{self.rss_kib * 1024 / 1e6:.1f} MB"

    def exit(self) -> str:
        if self.killed_after is not None:
            return f"killed after {self.killed_after:g} s"
        return f"exit {self.rc}"

    def lines(self) -> list[str]:
        return self.out.decode(errors="replace").splitlines()

    def err_line(self, prefix: str = "") -> str:
        """The first stderr line starting with prefix (a curl or greenfetch message)."""
        for line in self.err.decode(errors="replace").splitlines():
            if line.startswith(prefix) and "makecontext" not in line:
                return line.strip()
        return ""


def measure(argv, stdin=None, stdout=None, timeout=60.0, preexec=None, cwd=None) -> Result:
    """Runs argv under GNU time (its %M is the peak RSS of argv alone, from wait4's rusage: a
    child forked from this Python would start from Python's own high-water mark). stdin: bytes
    or None; stdout: a file object, or None to capture it."""
    argv = [str(a) for a in argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryFile() as inp, tempfile.NamedTemporaryFile() as rss:
        if stdin is not None:
            inp.write(stdin)
            inp.seek(0)
        start = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, *argv],
                                stdin=inp if stdin is not None else subprocess.DEVNULL,
                                stdout=stdout if stdout is not None else out, stderr=err,
                                env=harness.base_env(), cwd=cwd, preexec_fn=preexec,
                                start_new_session=True)
        killed = None
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed = timeout
        secs = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        words = open(rss.name).read().split()
        kib = int(words[-1]) if words and words[-1].isdigit() else 0
        return Result(proc.returncode, out.read(), err.read(), kib, secs, killed)


def limits(nofile=None, fsize=None):
    def apply():
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, nofile)
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return apply


def records(r: Result) -> list[dict]:
    out = []
    for line in r.lines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def gf_error(r: Result) -> str:
    """greenfetch -j: the first record's error kind and message, or its status."""
    recs = records(r)
    if not recs:
        return f"{r.exit()}, no record"
    e = recs[0].get("error")
    if not e:
        return f"{r.exit()}, status {recs[0].get('status')}"
    msg = (e.get("message") or "").replace("|", "/")
    return f"{r.exit()}, `{e.get('kind')}`: {msg}"


def curl_error(r: Result) -> str:
    line = r.err_line("curl:").replace("|", "/")
    return f"{r.exit()}" + (f", {line}" if line else "")


def count(lines, value) -> int:
    return sum(1 for line in lines if line.strip() == value)


# ---------------------------------------------------------------------------------------------
# A raw-socket server: answers no HTTP library would send, connections closed at will


def ok_answer(_head):
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"


def html_tree(head):
    """/p/N links to /p/2N and /p/2N+1, up to 120 pages."""
    path = head.split(b" ")[1].decode()
    n = int(path.rsplit("/", 1)[1]) if path.startswith("/p/") else 1
    body = "".join(f'<a href="/p/{m}">{m}</a>' for m in (2 * n, 2 * n + 1) if m <= 120).encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" %
            (len(body), body))


def fixture_get(h: HttpFixture, path: str):
    status, body = h.get(path)
    return json.loads(body)


# ---------------------------------------------------------------------------------------------
# The cases


class Table:
    def __init__(self, only):
        self.rows: list[tuple[str, str, str, str]] = []
        self.only = only

    def wanted(self, name: str) -> bool:
        return not self.only or self.only.lower() in name.lower()

    def row(self, case, expected, gf, curl):
        self.rows.append((case, expected, gf, curl))
        print(f"  {case}: {gf} | {curl}", file=sys.stderr, flush=True)

    def markdown(self) -> str:
        out = ["| case | expected | greenfetch | curl 7.88 |", "|---|---|---|---|"]
        out += [f"| {' | '.join(r)} |" for r in self.rows]
        return "\n".join(out)


def memory(t: Table, GF, CURL, h: HttpFixture, big_mib: int):
    big = h.url(f"/zeros/{big_mib * MiB}")
    devnull = open(os.devnull, "wb")

    def both(case, gf_argv, curl_argv, expected="≤ 32 MB", **kw):
        if not t.wanted(case):
            return
        g = measure([GF, *gf_argv], stdout=devnull, timeout=300, **kw)
        c = measure([CURL, "-s", *curl_argv], stdout=devnull, timeout=300, **kw)
        t.row(case, expected, f"{g.rss}, {g.exit()}", f"{c.rss}, {c.exit()}")

    both(f"{big_mib} MiB body to /dev/null", [big], [big])
    both(f"{big_mib} MiB body, `-w` only (`curl -o /dev/null -w`)",
         ["-w", "%{size_download}\\n", big], ["-o", "/dev/null", "-w", "%{size_download}\\n", big])
    with tempfile.TemporaryDirectory() as d:
        both(f"{big_mib} MiB body to `--output-dir DIR -O`", ["--output-dir", d, "-O", big],
             ["--output-dir", d, "-O", big])
    case = f"{big_mib} MiB body into a pipe whose reader pauses 3 s"
    if t.wanted(case):
        cells = []
        for argv in ([GF, big], [CURL, "-s", big]):
            reader = subprocess.Popen(["sh", "-c", "sleep 3; exec cat >/dev/null"],
                                      stdin=subprocess.PIPE)
            r = measure(argv, stdout=reader.stdin, timeout=300)
            reader.stdin.close()
            reader.wait(timeout=60)
            cells.append(f"{r.rss}, {r.exit()}")
        t.row(case, "≤ 32 MB (the transfer pauses)", *cells)
    slow = h.url("/delay/3000")
    both(f"ordered output: a 3 s slow first URL, then 3 × {big_mib} MiB",
         [slow, big, big, big], ["-Z", slow, big, big, big],
         expected="≤ 32 MB, bodies in order (`curl -Z` interleaves them)")
    bomb = h.url(f"/gzip-bomb/{200 * MiB}")
    both("gzip bomb: 200 KiB on the wire, 200 MiB decoded", [bomb], ["--compressed", bomb],
         expected="≤ 32 MB")
    both("four gzip bombs at once (`-c 4`; curl `-Z`)", ["-c", "4", bomb, bomb, bomb, bomb],
         ["-Z", "--compressed", bomb, bomb, bomb, bomb], expected="≤ 32 MB")
    for case, path in (("`crawl` of a gzip-bomb page (200 MiB decoded)",
                        f"/gzip-bomb/{200 * MiB}?html=1"),
                       (f"`crawl` of a {big_mib} MiB page of zeros", f"/zeros/{big_mib * MiB}?html=1")):
        if t.wanted(case):
            g = measure([GF, "crawl", "--no-robots", "--max-depth", "1", h.url(path)],
                        stdout=devnull, timeout=300)
            t.row(case, "≤ 64 MB", f"{g.rss}, {g.exit()}", "— (no crawler)")
    case = f"`bench -n 8 -c 2` of a {big_mib} MiB body"
    if t.wanted(case):
        g = measure([GF, "bench", "-n", "8", "-c", "2", big], stdout=devnull, timeout=300)
        t.row(case, "bodies never kept", f"{g.rss}, {g.exit()}", "—")


def secrets(t: Table, GF, CURL):
    with HttpFixture() as h, HttpFixture() as h2:
        resolve = ["--resolve", f"a.test:{h.port}:127.0.0.1", "--resolve",
                   f"b.test:{h.port}:127.0.0.1"]
        other = f"http://a.test:{h.port}/redirect-to?url=http://b.test:{h.port}/echo"
        port = h.url(f"/redirect-to?url={h2.url('/echo')}")

        def sent(r: Result, header: str) -> str:
            try:
                hs = {k.lower(): v for k, v in json.loads(r.lines()[-1])["headers"].items()}
            except (ValueError, IndexError, KeyError):
                return f"{r.exit()}, no echo"
            return "sent" if header in hs else "not sent"

        cases = (
            ("`-L -H 'Authorization: Bearer tok'`, redirect a.test → b.test", other,
             ["-H", "Authorization: Bearer tok"], "authorization"),
            ("`-L -H 'Cookie: session=s3cr3t'`, redirect a.test → b.test", other,
             ["-H", "Cookie: session=s3cr3t"], "cookie"),
            ("`-L -u user:pw`, redirect a.test → b.test", other, ["-u", "user:pw"],
             "authorization"),
            ("`-L -H 'Authorization: …'`, redirect to another port", port,
             ["-H", "Authorization: Bearer tok"], "authorization"),
        )
        for case, url, flags, header in cases:
            if t.wanted(case):
                g = measure([GF, "-L", *resolve, *flags, url])
                c = measure([CURL, "-sL", *resolve, *flags, url])
                t.row(case, "not sent", sent(g, header), sent(c, header))
        case = "`--location-trusted -H 'Authorization: …'`, a.test → b.test"
        if t.wanted(case):
            flags = ["--location-trusted", "-H", "Authorization: Bearer tok", other]
            g = measure([GF, *resolve, *flags])
            c = measure([CURL, "-s", *resolve, *flags])
            t.row(case, "sent", sent(g, "authorization"), sent(c, "authorization"))


def keepalive(t: Table, GF, CURL):
    n = 1000
    for case, kw in (("server answers one request per connection, closes without "
                      "`Connection: close`", {"close_after": 1}),
                     ("server closes idle kept-alive connections after 0.2 s", {"idle_timeout": 0.2})):
        for c in (1, 50):
            name = f"{case}; {n} URLs, `-c {c}`"
            if not t.wanted(name):
                continue
            with RawServer(ok_answer, **kw) as s:
                urls = "".join(s.url(f"/{i}") + "\n" for i in range(n)).encode()
                g = measure([GF, "-c", c, "-w", "%{http_code}\\n"], stdin=urls, timeout=300)
                curl_argv = [CURL, "-s", "-w", "%{http_code}\\n", "-o", "/dev/null"]
                if c > 1:
                    curl_argv += ["-Z", "--parallel-max", c]
                cr = measure(curl_argv + [s.url(f"/[0-{n - 1}]")], timeout=300)
                t.row(name, f"{n}/{n} 200", f"{count(g.lines(), '200')}/{n} 200, {g.exit()}",
                      f"{count(cr.lines(), '200')}/{n} 200, {cr.exit()}")
    name = "`bench -n 2000 -c 20` on the one-request-per-connection server"
    if t.wanted(name):
        with RawServer(ok_answer, close_after=1) as s:
            g = measure([GF, "bench", "-j", "-n", "2000", "-c", "20", s.url("/")], timeout=300)
            try:
                j = json.loads(g.out)
                cell = (f"{j['statuses'].get('200', 0)} × 200, {j['failures']} failures, "
                        f"{j['connections']['opened']} connections")
            except (ValueError, KeyError):
                cell = f"{g.exit()}, no summary"
            t.row(name, "2,000 × 200, 0 errors", cell, "—")
    name = "`crawl -c 6` of a 120-page site on that server"
    if t.wanted(name):
        with RawServer(html_tree, close_after=1) as s:
            g = measure([GF, "crawl", "-c", "6", "--max-depth", "10", "--no-robots",
                         s.url("/p/1")], timeout=300)
            t.row(name, "120/120 pages", f"{len(set(g.lines()))}/120 pages, {g.exit()}", "—")


def errors(t: Table, GF, CURL):
    replies = (
        ("garbage status line", b"GARBAGE here\r\nContent-Length: 2\r\n\r\nok"),
        ("HTTP/0.9 reply (no status line)", b"just a body, no status line\n"),
        ("two-digit status (`HTTP/1.1 20 OK`)", b"HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok"),
    )
    for case, reply in replies:
        if t.wanted(case):
            with RawServer(lambda _h, reply=reply: reply, close_after=1) as s:
                g = measure([GF, "-j", "-m", "10", s.url("/x")])
                c = measure([CURL, "-sS", "-m", "10", s.url("/x")])
            t.row(case, "exit 1, `protocol`, libcurl's message", gf_error(g), curl_error(c))
    with HttpFixture() as h:
        case = "gzip body cut short (valid Content-Length, stream not ended), `--compressed`"
        if t.wanted(case):
            g = measure([GF, "-j", "--compressed", h.url("/gzip-cut")])
            c = measure([CURL, "-sS", "--compressed", "-o", "/dev/null", h.url("/gzip-cut")])
            t.row(case, "exit 1, `protocol`", gf_error(g), curl_error(c))

        def date_in(seconds):
            return urllib.parse.quote(formatdate(time.time() + seconds, usegmt=True))

        for case, ident, after in (("`--retry 1`, 429 with `Retry-After: 3600`", "s3600", "3600"),
                                   ("`--retry 1`, 429 with `Retry-After:` a date a day ahead",
                                    "dday", date_in(86400))):
            if t.wanted(case):
                url = h.url(f"/retry-after/{ident}?after={after}")
                g = measure([GF, "--retry", "1", "-j", url], timeout=30)
                url = h.url(f"/retry-after/c{ident}?after={after}")
                # Not -o /dev/null: a retry truncates the output file, and /dev/null cannot be.
                with tempfile.TemporaryDirectory() as d:
                    c = measure([CURL, "-s", "--retry", "1", "-o", os.path.join(d, "body"), "-w",
                                 "%{http_code}", url], timeout=15)
                recs = records(g)
                gcell = (f"{recs[0]['status']} at once ({g.secs:.1f} s), {g.exit()}" if recs
                         else g.exit())
                ccell = (c.exit() if c.killed_after else
                         f"{c.out.decode()} after {c.secs:.1f} s, {c.exit()}")
                t.row(case, "one rule: waits beyond 60 s end the URL at once with the 429",
                      gcell, ccell)
    with Blackhole() as bh:
        for case, gflags, cflags in (("`-m 1`, DNS server never answers", ["-m", "1"],
                                      ["-m", "1"]),
                                     ("`--dns-timeout 0.5`, DNS server never answers",
                                      ["--dns-timeout", "0.5"], None)):
            if t.wanted(case):
                g = measure([GF, "-j", "--dns-servers", bh.server, *gflags, "http://nx.test/"])
                gcell = f"{gf_error(g).split(':')[0]} after {g.secs:.1f} s"
                if cflags is None:
                    ccell = "— (no such option)"
                else:
                    c = measure([CURL, "-sS", "--dns-servers", bh.server, *cflags,
                                 "http://nx.test/"])
                    ccell = curl_error(c)
                t.row(case, "ends after ≈ 1 s / 0.5 s, `timeout` / `dns_timeout`", gcell, ccell)
    stall = [b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome", 30]
    for case, respond in (("server never answers the request, `--speed-time 1`",
                           lambda _h: None),
                          ("server stops after its headers, `--speed-time 1`",
                           lambda _h: stall)):
        if t.wanted(case):
            with RawServer(respond, lifetime=40) as s:
                g = measure([GF, "-j", "--speed-time", "1", s.url("/x")], timeout=30)
                c = measure([CURL, "-sS", "--speed-time", "1", "-o", "/dev/null", s.url("/x")],
                            timeout=30)
            t.row(case, "exit 1, `timeout` within a few s",
                  f"{gf_error(g)} ({g.secs:.1f} s)", f"{curl_error(c)} ({c.secs:.1f} s)")


def input_lines(t: Table, GF, CURL):
    cases = (("UTF-8 BOM before the first URL of `-i FILE`", b"\xef\xbb\xbf{0}/text/a\n",
              "line 1 fetched"),
             ("NUL byte in a URL line", b"{0}/text/a\x00/evil\n", "`invalid_url` naming the line, "
              "nothing requested"),
             ("ESC, DEL, CR inside a URL line", b"{0}/text/a\x1b[1m\n{0}/text/b\x7fx\n"
              b"{0}/text/c\rx\n", "`invalid_url` for each, nothing requested"))
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        for case, template, expected in cases:
            if not t.wanted(case):
                continue
            path = os.path.join(d, "urls.txt")
            with open(path, "wb") as f:
                f.write(template.replace(b"{0}", h.base.encode()))
            cells = []
            for argv in ([GF, "-j", "-i", path],
                         ["xargs", "-a", path, "-d", "\\n", CURL, "-s", "-o", "/dev/null", "-w",
                          "%{http_code}\\n"]):
                h.get("/requests/reset")
                r = measure(argv)
                seen = len(fixture_get(h, "/requests"))
                if argv[0] == GF:
                    kinds = [(rec.get("error") or {}).get("kind") or str(rec.get("status"))
                             for rec in records(r)]
                    cell = f"{', '.join(kinds)}; {seen} requested; {r.exit()}"
                    named = [n for n in (1, 2, 3) if f"urls.txt:{n}:" in r.err.decode()]
                    if named:
                        cell += "; stderr names " + ", ".join(f"`urls.txt:{n}`" for n in named)
                else:
                    codes = [x for x in r.lines() if x.strip()]
                    cell = f"{', '.join(codes) or 'nothing'}; {seen} requested; {r.exit()}"
                cells.append(cell.replace("|", "/"))
            t.row(case, expected, *cells)


def fd_limits(t: Table, GF, CURL):
    n = 1000
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 20_000:
        t.row("`ulimit -n 64` cases", "", f"skipped: hard limit {hard} < 20,000", "")
        return
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        urls = "".join(h.url(f"/delay/20/{i}") + "\n" for i in range(n)).encode()
        curl_urls = h.url(f"/delay/20/[0-{n - 1}]")
        for soft_hard, label in (((64, 20_000), "`ulimit -Sn 64` (hard 20,000)"),
                                 ((64, 64), "`ulimit -n 64` (soft and hard)")):
            lim = limits(nofile=soft_hard)
            case = f"{label}, fetch `-c 500`, {n} URLs"
            if t.wanted(case):
                g = measure([GF, "-c", "500", "--per-host", "0", "-w", "%{http_code}\\n"],
                            stdin=urls, preexec=lim, timeout=300)
                c = measure([CURL, "-s", "-Z", "--parallel-max", "500", "-o", "/dev/null", "-w",
                             "%{http_code}\\n", curl_urls], preexec=lim, timeout=300)
                warn = " (one warning)" if g.err_line("greenfetch: -c 500 needs") else ""
                t.row(case, f"{n}/{n}", f"{count(g.lines(), '200')}/{n}, {g.exit()}{warn}",
                      f"{count(c.lines(), '200')}/{n}, {c.exit()}")
            case = f"{label}, `-c 500 --output-dir DIR`, {n} URLs"
            if t.wanted(case):
                cells = []
                for i, argv in enumerate(([GF, "-c", "500", "--per-host", "0", "-s"],
                                          [CURL, "-s", "-Z", "--parallel-max", "500",
                                           "--create-dirs", "-o", "#1", curl_urls])):
                    out = os.path.join(d, f"out{i}{soft_hard[1]}")
                    os.mkdir(out)
                    if argv[0] == GF:
                        argv += ["--output-dir", out, "-O"]
                    r = measure(argv, stdin=urls if argv[0] == GF else None, preexec=lim,
                                timeout=300, cwd=out)
                    files = sum(len(names) for _, _, names in os.walk(out))
                    cells.append(f"{files} files, {r.exit()}")
                t.row(case, f"{n} files", *cells)
            case = f"{label}, `crawl -c 500` over {n} seeds"
            if t.wanted(case):
                g = measure([GF, "crawl", "-c", "500", "--per-host", "0", "--no-robots",
                             "--max-depth", "0", "-j"], stdin=urls, preexec=lim, timeout=300)
                ok = sum(1 for rec in records(g) if rec.get("status") == 200)
                t.row(case, f"{n}/{n} pages", f"{ok}/{n}, {g.exit()}", "—")
            case = f"{label}, `bench -c 500 -n 2000`"
            if t.wanted(case):
                g = measure([GF, "bench", "-j", "-c", "500", "-n", "2000", h.url("/delay/20")],
                            preexec=lim, timeout=300)
                try:
                    j = json.loads(g.out)
                    cell = f"{j['requests']} requests, {j['failures']} failures, -c {j['concurrency']}"
                except (ValueError, KeyError):
                    cell = f"{g.exit()}, no summary"
                t.row(case, "0 errors", cell, "—")


def output(t: Table, GF, CURL):
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        case = "stdout is /dev/full"
        if t.wanted(case):
            with open("/dev/full", "wb") as full:
                g = measure([GF, h.url("/text/a")], stdout=full)
                c = measure([CURL, "-sS", h.url("/text/a")], stdout=full)
            line = g.err_line("greenfetch:")
            t.row(case, "exit 23, `output` naming stdout", f"{g.exit()}, "
                  f"`{line[line.find('output:'):] if 'output:' in line else line}`",
                  curl_error(c))
        case = "`--cookie-jar /dev/full`"
        if t.wanted(case):
            url = h.url("/headers?Set-Cookie=session%3Ds1")
            g = measure([GF, "-s", "--cookie-jar", "/dev/full", url])
            c = measure([CURL, "-sS", "-c", "/dev/full", "-o", "/dev/null", url])
            t.row(case, "exit ≠ 0, the jar named", f"{g.exit()}, `{g.err_line()[:80]}`",
                  curl_error(c))
        urls = [h.url(f"/bytes/{400 * 1024 + i}") for i in range(6)]

        def files_left(folder):
            names = os.listdir(folder)
            whole = sum(1 for n in names if n.isdigit() and
                        os.path.getsize(os.path.join(folder, n)) == int(n))
            return f"{len(names)} files left, {len(names) - whole} cut or empty"

        case = "`ulimit -f` 1 MiB (SIGXFSZ ignored), six 400 KiB bodies, `-c 1` into a folder"
        if t.wanted(case):
            lim = limits(fsize=1024 * 1024 // 3)
            cells = []
            for i, argv in enumerate(([GF, "-c", "1", "-s", *urls],
                                      [CURL, "-sS", "--remote-name-all", *urls])):
                out = os.path.join(d, f"fsize{i}")
                os.mkdir(out)
                if argv[0] == GF:
                    argv = [*argv, "--output-dir", out, "-O"]
                r = measure(argv, preexec=lim, cwd=out)
                cells.append(f"{r.exit()}, {files_left(out)}")
            t.row(case.replace("1 MiB", "341 KiB"), "exit 1, no cut file under a final name",
                  *cells)
        case = "full 1 MiB tmpfs, six 400 KiB bodies, `-c 1` into it"
        if t.wanted(case):
            if os.geteuid() != 0 or not shutil.which("mount"):
                t.row(case, "", "skipped: needs root to mount a tmpfs", "")
                return
            cells = []
            for i, argv in enumerate(([GF, "-c", "1", "-s", *urls],
                                      [CURL, "-sS", "--remote-name-all", *urls])):
                out = os.path.join(d, f"tmpfs{i}")
                os.mkdir(out)
                if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", out]
                                  ).returncode != 0:
                    cells.append("mount failed")
                    continue
                try:
                    if argv[0] == GF:
                        argv = [*argv, "--output-dir", out, "-O"]
                    r = measure(argv, cwd=out)
                    cells.append(f"{r.exit()}, {files_left(out)}")
                finally:
                    subprocess.run(["umount", out])
            t.row(case, "exit 1, only whole files", *cells)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--greenfetch", default=os.path.join(ROOT, "build", "greenfetch"))
    ap.add_argument("--curl", default=shutil.which("curl") or "curl")
    ap.add_argument("--big-mib", type=int, default=100, help="size of the large bodies")
    ap.add_argument("--only", help="only the cases whose name contains this")
    a = ap.parse_args()
    gf, curl = os.path.abspath(a.greenfetch), a.curl
    version = subprocess.run([curl, "--version"], capture_output=True, text=True).stdout
    print(f"greenfetch {gf}; {version.splitlines()[0] if version else curl}", file=sys.stderr)
    t = Table(a.only)
    with HttpFixture() as h:
        memory(t, gf, curl, h, a.big_mib)
    secrets(t, gf, curl)
    keepalive(t, gf, curl)
    errors(t, gf, curl)
    input_lines(t, gf, curl)
    fd_limits(t, gf, curl)
    output(t, gf, curl)
    print(t.markdown())


if __name__ == "__main__":
    main()
