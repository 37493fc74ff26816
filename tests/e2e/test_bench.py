"""End-to-end tests of `greenfetch bench` (issue 4): counts, durations, honest latency."""
import json
import os
import subprocess
import tempfile
import time

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch


def bench_json(argv, timeout=60, status=0):
    p = run([GF, "bench", "-j"] + argv, timeout=timeout)
    check(p.returncode == status, p)
    return json.loads(p.stdout)


def peak_rss_kb(argv, timeout=60):
    """Runs argv and returns (exit status, its own peak resident memory in KiB)."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss
        time.sleep(0.05)
    proc.kill()
    raise harness.TestFailure("timed out")


@harness.test
def n_issues_exactly_n_counted_requests():
    with HttpFixture() as h:
        h.reset_stats()
        r = bench_json(["-n", "137", "-c", "10", h.url("/text/a")])
        check(r["requests"] == 137 and r["failures"] == 0, r)
        check(r["statuses"] == {"200": 137}, r)
        check(h.stats()["total"] == 137, h.stats())
        check(r["version"] and r["connections"]["opened"] <= 10, r)


@harness.test
def p50_matches_a_fixed_server_delay():
    with HttpFixture() as h:
        r = bench_json(["-n", "200", "-c", "10", h.url("/delay/50")])
        p50_ms = r["latency_us"]["p50"] / 1000
        check(45 <= p50_ms <= 55, f"p50 {p50_ms} ms for a 50 ms server delay")


@harness.test
def duration_stops_on_time_and_warmup_is_not_counted():
    with HttpFixture() as h:
        h.reset_stats()
        start = time.monotonic()
        r = bench_json(["-z", "1s", "--warmup", "300ms", "-c", "4", h.url("/delay/20")])
        elapsed = time.monotonic() - start
        check(1.0 <= r["seconds"] <= 1.1, r["seconds"])
        check(elapsed < 2.5, elapsed)
        total = h.stats()["total"]
        check(r["requests"] < total, (r["requests"], total))  # warm-up requests are extra


@harness.test
def slow_requests_at_the_deadline_are_cut_within_100ms():
    with HttpFixture() as h:
        start = time.monotonic()
        # Nothing completed, so nothing succeeded: exit status 1.
        r = bench_json(["-z", "500ms", "-c", "2", h.url("/delay/5000")], status=1)
        check(time.monotonic() - start < 1.5, "the run waited for in-flight requests")
        check(r["seconds"] <= 0.6, r["seconds"])


@harness.test
def rate_corrects_coordinated_omission():
    with HttpFixture() as h:
        # 400 requests at 200/s with 4 in flight; the server freezes for 1 s at request 100.
        r = bench_json(["-n", "400", "-c", "4", "--rate", "200",
                        h.url("/freeze/co?after=100&ms=1000")], timeout=60)
        corrected = r["latency_us"]["p99"] / 1000
        uncorrected = r["uncorrected_latency_us"]["p99"] / 1000
        check(corrected >= 500, f"corrected p99 {corrected} ms does not show the 1 s pause")
        check(uncorrected < 200, f"uncorrected p99 {uncorrected} ms should hide the pause")
        check(r["rate"]["late_starts"] > 0 and r["rate"]["max_lag_us"] >= 500_000, r["rate"])


@harness.test
def errors_are_grouped_by_kind():
    with HttpFixture() as h:
        r = bench_json(["-n", "20", "-c", "2", "-m", "0.2", h.url("/delay/1000")], status=1)
        check(r["errors"].get("timeout") == 20, r["errors"])
        r = bench_json(["-n", "10", "-c", "2", h.url("/status/503")], status=1)
        check(r["errors"].get("http") == 10 and r["statuses"] == {"503": 10}, r)


@harness.test
def targets_file_with_methods_headers_and_bodies():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        body = os.path.join(d, "body.json")
        with open(body, "w") as f:
            f.write('{"a": 1}')
        targets = os.path.join(d, "targets.txt")
        with open(targets, "w") as f:
            f.write(f"POST {h.url('/echo')}\nX-Kind: post\n@{body}\n\nGET {h.url('/text/t')}\n")
        r = bench_json(["-n", "10", "-c", "2", "-i", targets])
        check(r["requests"] == 10 and r["statuses"] == {"200": 10}, r)
        with open(targets, "w") as f:
            f.write(f"GET {h.url('/')}\nthis is not a header\n")
        p = run([GF, "bench", "-i", targets])
        check(p.returncode == 2 and f"{targets}:2".encode() in p.stderr, p.stderr)


@harness.test
def bad_option_values_are_usage_errors_before_any_thread_starts():
    for bad in (["--dns-servers", "bogus"], ["--connect-to", "bad"], ["--resolve", "x"]):
        p = run([GF, "bench", "-t", "2", "-n", "4"] + bad + ["http://127.0.0.1:9/"])
        check(p.returncode == 2, (bad, p.returncode, p.stderr))
        check(bad[1].encode() in p.stderr and p.stderr.startswith(b"greenfetch bench: "), p.stderr)


@harness.test
def text_report_has_percentiles_phases_and_a_chart():
    with HttpFixture() as h:
        p = run([GF, "bench", "-n", "50", "-c", "5", h.url("/text/x")])
        check(p.returncode == 0, p)
        out = p.stdout.decode()
        for word in ("req/s", "p50", "p99.99", "Phases", "first byte", "Statuses", "200: 50",
                     "Connections", "#"):
            check(word in out, f"{word!r} missing from:\n{out}")


@harness.test
def threads_and_no_keepalive():
    with HttpFixture() as h:
        r = bench_json(["-n", "40", "-c", "4", "-t", "2", h.url("/text/a")])
        check(r["requests"] == 40 and r["threads"] == 2, r)
        r = bench_json(["-n", "20", "-c", "2", "--no-keepalive", h.url("/text/a")])
        check(r["connections"]["opened"] == 20, r["connections"])


@harness.test
def memory_stays_flat_however_long_it_runs():
    if harness.sanitized():
        print("  (skipped: AddressSanitizer's quarantine holds freed memory on purpose)")
        return
    with HttpFixture() as h:
        url = h.url("/text/m")
        _, short = peak_rss_kb([GF, "bench", "-z", "1s", "-c", "8", url])
        _, long = peak_rss_kb([GF, "bench", "-z", "4s", "-c", "8", url])
        check(long <= short * 1.10, f"peak {short} KiB after 1 s, {long} KiB after 4 s")


if __name__ == "__main__":
    harness.main()
