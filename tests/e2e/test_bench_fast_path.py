"""End-to-end tests of bench's fast path (issue 14): libcurl connects, bench writes the request
and parses the answer. The same load through --path fast and --path libcurl must give the same
counts, status tables, errors and bytes; what the fast path cannot do goes to libcurl."""
import json
import os
import tempfile
import time

import harness
from harness import HttpFixture, RawServer, check, run

args = harness.parse_args()
GF = args.greenfetch


def bench(argv, status=0, timeout=60):
    p = run([GF, "bench", "-j"] + argv, timeout=timeout)
    check(p.returncode == status, p)
    return json.loads(p.stdout)


def both_paths(argv, status=0):
    fast = bench(["--path", "fast"] + argv, status)
    full = bench(["--path", "libcurl"] + argv, status)
    check(fast["path"]["name"] == "fast" and fast["path"]["libcurl_requests"] == 0, fast["path"])
    check(full["path"]["name"] == "libcurl" and full["path"]["fast_requests"] == 0, full["path"])
    return fast, full


def same(fast, full, keys=("requests", "successes", "failures", "statuses", "errors")):
    for k in keys:
        check(fast[k] == full[k], f"{k}: fast {fast[k]} libcurl {full[k]}")


@harness.test
def the_same_load_through_both_paths_gives_the_same_report():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        targets = os.path.join(d, "targets.txt")
        with open(targets, "w") as f:
            f.write(f"GET {h.url('/text/a')}\n\nGET {h.url('/chunked/3')}\n\n"
                    f"HEAD {h.url('/bytes/5000')}\n\nGET {h.url('/status/404')}\n\n"
                    f"GET {h.url('/bytes/70000')}\nX-Kind: big\n")
        fast, full = both_paths(["-n", "200", "-c", "8", "-i", targets])
        same(fast, full, ("requests", "successes", "failures", "statuses", "errors", "bytes"))
        check(fast["statuses"] == {"200": 160, "404": 40}, fast["statuses"])
        check(fast["bytes"]["body"] == 40 * (len("chunk 0\n") * 3 + len("status 404\n") + 70000
                                             + len("hello /text/a\n")), fast["bytes"])
        check(fast["connections"]["opened"] <= 8, fast["connections"])
        check(fast["phases_us"]["first_byte"]["count"] == 200, fast["phases_us"])
        check(fast["phases_us"]["connect"]["count"] == fast["connections"]["opened"], fast)


@harness.test
def bodies_methods_and_headers_reach_the_server_as_libcurl_sends_them():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        body = os.path.join(d, "body.json")
        with open(body, "w") as f:
            f.write('{"a": 1}')
        targets = os.path.join(d, "targets.txt")
        with open(targets, "w") as f:
            f.write(f"PUT {h.url('/echo')}\nContent-Type: application/json\n@{body}\n")
        fast, full = both_paths(["-n", "20", "-c", "2", "-H", "X-Run: 7", "-i", targets])
        same(fast, full, ("requests", "statuses", "errors"))
        check(fast["bytes"]["sent"] == full["bytes"]["sent"], (fast["bytes"], full["bytes"]))
        echoed = json.loads(run([GF, "-s", "-X", "PUT", "-H", "X-Run: 7", "-H",
                                 "Content-Type: application/json", "--data-binary", f"@{body}",
                                 h.url("/echo")]).stdout)
        check(echoed["body"] == '{"a": 1}', echoed)
        r = bench(["--path", "fast", "-n", "10", "-c", "2", "-d", "x=1", h.url("/echo")])
        check(r["statuses"] == {"200": 10}, r)


@harness.test
def errors_keep_their_kinds_on_the_fast_path():
    def cut(_head):
        return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."

    def garbage(_head):
        return b"this is not HTTP at all\r\n\r\n"

    with RawServer(cut, close_after=1) as s:
        fast, full = both_paths(["-n", "10", "-c", "2", s.url("/")], status=1)
        same(fast, full)
        check(fast["errors"] == {"reset": 10} and fast["statuses"] == {"200": 10}, fast)
    with RawServer(garbage, close_after=1) as s:
        fast, full = both_paths(["-n", "10", "-c", "2", s.url("/")], status=1)
        same(fast, full)
        check(fast["errors"] == {"protocol": 10}, fast["errors"])
    with HttpFixture() as h:
        fast, full = both_paths(["-n", "6", "-c", "2", h.url("/reset")], status=1)
        same(fast, full)
        check(fast["errors"] == {"reset": 6}, fast["errors"])
        start = time.monotonic()
        fast = bench(["--path", "fast", "-n", "6", "-c", "2", "-m", "0.2", h.url("/delay/2000")],
                     status=1)
        check(fast["errors"] == {"timeout": 6}, fast["errors"])
        check(time.monotonic() - start < 1.5, "timeouts were late")
        check(fast["failure_latency_us"]["p50"] < 300_000, fast["failure_latency_us"])


@harness.test
def connection_close_and_idle_closes_reconnect_without_errors():
    def closing(_head):
        return b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"

    def silent_close(_head):
        return b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"

    with RawServer(closing) as s:
        r = bench(["--path", "fast", "-n", "300", "-c", "4", s.url("/")])
        check(r["statuses"] == {"200": 300} and r["failures"] == 0, r)
        check(r["connections"]["opened"] == 300 and s.connections == 300, r["connections"])
    with RawServer(silent_close, close_after=3) as s:
        # The server closes after 3 answers without saying so: the 4th request finds the
        # connection dead before any byte and is sent again on a new one, as libcurl does.
        r = bench(["--path", "fast", "-n", "300", "-c", "4", s.url("/")], timeout=60)
        check(r["statuses"] == {"200": 300} and r["failures"] == 0, r)
        check(r["connections"]["opened"] >= 100, r["connections"])


@harness.test
def no_keepalive_opens_a_connection_per_request():
    with HttpFixture() as h:
        h.reset_stats()
        r = bench(["--path", "fast", "-n", "40", "-c", "4", "--no-keepalive", h.url("/text/a")])
        check(r["connections"]["opened"] == 40 and r["statuses"] == {"200": 40}, r)
        # (the fixture counts the connections of the /stats calls too)
        check(40 <= h.stats()["connections"] <= 42, h.stats())


@harness.test
def what_the_fast_path_cannot_do_goes_to_libcurl_and_the_report_says_so():
    with HttpFixture() as h:
        r = bench(["-n", "20", "-c", "2", h.url("/redirect/1")])
        check(r["statuses"] == {"200": 20} and r["failures"] == 0, r)
        check(r["path"]["libcurl_requests"] == 20 and "redirect" in r["path"]["libcurl_reason"],
              r["path"])
        # Encoded bodies stay on the fast path: bench counts bodies as sent, as libcurl does.
        fast, full = both_paths(["-n", "20", "-c", "2", "--compressed", h.url("/gzip")])
        same(fast, full, ("requests", "statuses", "bytes"))
        check(fast["bytes"]["body"] < 20 * len("gzipped hello\n") * 100, fast["bytes"])
        r = bench(["-n", "20", "-c", "2", "-b", "a=1", h.url("/text/a")])
        check(r["path"]["name"] == "libcurl" and "cookies" in r["path"]["libcurl_reason"], r)
        r = bench(["-n", "20", "-c", "2", h.url("/text/a")])
        check(r["path"]["name"] == "fast", r["path"])
        p = run([GF, "bench", "-n", "10", "-c", "2", h.url("/text/a")])
        check(b"Path:        fast" in p.stdout, p.stdout)
        p = run([GF, "bench", "--path", "fast", "--streams", "2", h.url("/")])
        check(p.returncode == 2 and b"--path fast" in p.stderr, p)
        p = run([GF, "bench", "--path", "sideways", h.url("/")])
        check(p.returncode == 2, p)


@harness.test
def results_files_keep_the_path():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        a = os.path.join(d, "a.hdr")
        b = os.path.join(d, "b.hdr")
        check(run([GF, "bench", "-n", "30", "-c", "2", "--results", a,
                   h.url("/text/a")]).returncode == 0, "fast run")
        check(run([GF, "bench", "-n", "20", "-c", "2", "--path", "libcurl", "--results", b,
                   h.url("/text/a")]).returncode == 0, "libcurl run")
        p = run([GF, "bench", "report", "-j", a, b])
        check(p.returncode == 0, p)
        r = json.loads(p.stdout)
        check(r["path"]["fast_requests"] == 30 and r["path"]["libcurl_requests"] == 20, r["path"])


if __name__ == "__main__":
    harness.main()
