"""The progress line on a terminal (issue 11), seen through a pty at 30 and 120 columns: it is
one line that fits the width, follows SIGWINCH, never leaves stale copies or glues itself to
stdout's records when stdout is the same terminal, shows what waits for a host, and ends with
a summary line; crawl mode has the same line."""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import tempfile
import termios
import time

import harness
from harness import HttpFixture, check

args = harness.parse_args()
GF = args.greenfetch


def set_size(fd, cols, rows=24):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def run_on_pty(argv, cols, resize_after=None, resize_to=None, timeout=40, cwd=None):
    """Runs argv with stdout and stderr on one pty of `cols` columns; returns (status, bytes
    the terminal received, offset in them where the window was resized or None)."""
    master, slave = pty.openpty()
    set_size(slave, cols)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                            env=harness.base_env(), start_new_session=True, cwd=cwd)
    os.close(slave)
    data = b""
    resized_at = None
    start = time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            if resize_after is not None and resized_at is None and \
                    time.monotonic() - start > resize_after:
                set_size(master, resize_to)
                resized_at = len(data)
                os.kill(proc.pid, signal.SIGWINCH)
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer closed the slave
                    break
                if not chunk:
                    break
                data += chunk
            elif proc.poll() is not None:
                # exited; drain what is left
                continue
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    # The sanitizer build's one-line notice about makecontext is not the program's output.
    notice = re.compile(rb"==\d+==WARNING: ASan doesn't fully support makecontext/swapcontext "
                        rb"functions[^\n]*\n")
    if resized_at is not None:  # an offset into data: count what goes before it
        resized_at -= sum(len(m.group(0)) for m in notice.finditer(data) if m.end() <= resized_at)
    data = notice.sub(b"", data)
    return proc.returncode, data, resized_at


def progress_segments(data):
    """Each text the progress line drew: what follows "\\r\\x1b[K" up to the next control,
    unless a line feed ends it (then it is a record or the summary written after the line
    was erased)."""
    return [m.group(1) for m in
            re.finditer(rb"\r\x1b\[K([^\r\n\x1b]*)(?=[\r\x1b]|$)(?!\r?\n)", data)]


def screen(data, cols):
    """What a terminal of `cols` columns shows in the end: its rows, with auto-wrap at the
    right margin, carriage return, line feed and erase-to-end-of-line (the only escape
    greenfetch may send)."""
    rows = [[]]
    r = c = 0
    wrap = False
    i = 0
    while i < len(data):
        if data.startswith(b"\x1b[K", i):
            del rows[r][c:]
            i += 3
            continue
        ch = data[i:i + 1]
        check(ch != b"\x1b", f"unexpected escape sequence at {i}: {data[i:i + 10]!r}")
        if ch == b"\r":
            c = 0
            wrap = False
        elif ch == b"\n":
            r += 1
            wrap = False
            if r == len(rows):
                rows.append([])
        else:
            if wrap:
                r += 1
                c = 0
                wrap = False
                if r == len(rows):
                    rows.append([])
            row = rows[r]
            while len(row) < c:
                row.append(" ")
            if c < len(row):
                row[c] = ch.decode("latin-1")
            else:
                row.append(ch.decode("latin-1"))
            c += 1
            if c == cols:
                wrap = True
        i += 1
    return ["".join(row) for row in rows]


def url_file(d, urls):
    path = os.path.join(d, "urls.txt")
    with open(path, "w") as f:
        f.write("# a comment, not a URL\n\n" + "".join(u + "\n" for u in urls))
    return path


@harness.test
def fetch_progress_at_30_and_120_columns_on_the_terminal_stdout_shares():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        urls = [h.url(f"/delay/150?i={i}") for i in range(40)]
        path = url_file(d, urls)
        for cols in (30, 120):
            status, data, _ = run_on_pty([GF, "-c", "8", "--per-host", "4", "-w",
                                          "%{http_code} %{url}\\n", "-i", path], cols)
            check(status == 0, (cols, status, data[-500:]))
            segments = progress_segments(data)
            check(len(segments) >= 2, (cols, data[:500]))
            for s in segments:
                check(len(s) <= cols - 1, f"{cols} columns: progress line too long: {s!r}")
            # The total is known at once: -i names a regular file (the comment is not a URL).
            check(segments[0].startswith(b"0/40 done") or b"/40 done" in segments[0],
                  segments[0])
            if cols == 120:
                check(any(b"waiting for host 127.0.0.1:" in s for s in segments), segments)
                check(any(b"in flight" in s and b"failed" in s and b"ETA" in s
                          for s in segments), segments)
            rows = [r for r in screen(data, cols) if r != ""]
            expected = [f"200 {u}" for u in urls]
            check(all(len(r) <= cols for r in rows), rows)
            lines = []
            for r in rows:  # a line longer than the width wraps over rows
                if lines and len(lines[-1]) % cols == 0 and \
                        not r.startswith(("200 ", "greenfetch:")):
                    lines[-1] += r
                else:
                    lines.append(r)
            # The records, whole and in order, then the summary; nothing else is left.
            check(lines[:-1] == expected, f"{cols} columns: screen is {rows}")
            check(re.match(r"greenfetch: 40 URLs in [\d.]+ s", lines[-1]), lines[-1])


@harness.test
def the_line_waits_while_stdout_is_mid_line():
    with HttpFixture() as h:
        urls = [h.url(f"/delay/150?i={i}") for i in range(12)]
        status, data, _ = run_on_pty([GF, "-c", "2", "-w", "%{http_code} "] + urls, 120)
        check(status == 0, (status, data[-300:]))
        rows = [r for r in screen(data, 120) if r]
        check(len(rows) == 2 and rows[0] == "200 " * 12, rows)
        check(rows[1].startswith("greenfetch: 12 URLs in "), rows)


@harness.test
def the_line_follows_sigwinch():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = url_file(d, [h.url(f"/delay/200?i={i}") for i in range(30)])
        status, data, at = run_on_pty([GF, "-c", "4", "-w", "%{http_code}\\n", "-i", path], 120,
                                      resize_after=0.9, resize_to=30)
        check(status == 0 and at is not None, (status, at))
        before = progress_segments(data[:at])
        after = progress_segments(data[at:])
        check(any(len(s) > 30 for s in before), before)
        check(after and all(len(s) <= 29 for s in after), after)


@harness.test
def crawl_has_the_same_line():
    with HttpFixture() as h:
        status, data, _ = run_on_pty([GF, "crawl", "--no-robots", "--delay", "0.04",
                                      h.url("/html")], 120)
        check(status == 0, (status, data[-300:]))
        segments = progress_segments(data)
        check(segments, data[:300])
        check(any(re.match(rb"\d+ pages, \d+ queued, \d+ in flight, \d+ hosts, \d+ failed, "
                           rb"\d+ robots-skipped", s) for s in segments), segments)
        rows = [r for r in screen(data, 120) if r]
        check(rows[-1].startswith("greenfetch: crawl: ") and " pages" in rows[-1], rows[-1])
        check(all(r.startswith("http://") for r in rows[:-1]), rows)


@harness.test
def no_line_and_no_summary_when_stderr_is_not_a_terminal_or_with_s():
    with HttpFixture() as h:
        p = harness.run([GF, h.url("/delay/600"), h.url("/text/b")])
        check(p.returncode == 0 and p.stderr == b"", p.stderr)
        status, data, _ = run_on_pty([GF, "-s", h.url("/delay/600")], 80)
        check(status == 0 and data == b"delayed 600\r\n", data)


if __name__ == "__main__":
    harness.main()
