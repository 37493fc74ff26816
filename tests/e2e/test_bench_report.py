"""End-to-end tests of bench's report (issue 12): Ctrl-C, success and failure apart, --fail-on
and exit statuses, open-model honesty, bytes on the wire; against the fixture (200, 404, a
server that stalls) and a port that refuses connections."""
import json
import signal
import socket
import subprocess
import tempfile
import time

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch


def refused_url():
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def bench(argv, status=0, timeout=60):
    p = run([GF, "bench", "-j"] + argv, timeout=timeout)
    check(p.returncode == status, (p.returncode, p.stderr, p.stdout[:2000]))
    return json.loads(p.stdout)


def interrupted(argv, after=1.0, signals=1, timeout=10):
    """Starts bench, sends SIGINT `signals` times after `after` s; (status, stdout, seconds
    from the first signal to the exit)."""
    proc = subprocess.Popen([GF, "bench"] + argv, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(after)
        sent = time.monotonic()
        for _ in range(signals):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.01)
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(), time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@harness.test
def ctrl_c_prints_the_report_of_what_completed_and_exits_130():
    with HttpFixture() as h:
        status, out, took = interrupted(["-z", "30s", "-c", "4", h.url("/delay/20")])
        check(status == 130 and took < 2, (status, took))
        check("stopped by SIGINT" in out and "Latency of successful answers" in out, out)
        status, out, took = interrupted(["-j", "-z", "30s", "-c", "4", "-t", "2",
                                         "--rate", "100", h.url("/delay/20")])
        check(status == 130 and took < 2, (status, took))
        r = json.loads(out)
        check(r["interrupted"] == "SIGINT" and r["exit_status"] == 130, r)
        check(r["requests"] >= 20 and r["successes"] == r["requests"], r)
        check(0.5 <= r["seconds"] <= 2, r["seconds"])
        # A stalled server: in-flight requests are cancelled, not counted, not waited for.
        status, out, took = interrupted(["-j", "-z", "30s", "-c", "2", h.url("/delay/20000")])
        check(status == 130 and took < 2, (status, took))
        check(json.loads(out)["requests"] == 0, out)


@harness.test
def a_second_ctrl_c_exits_at_once():
    with HttpFixture() as h:
        status, _, took = interrupted(["-z", "30s", "-c", "2", h.url("/delay/20000")],
                                      after=0.5, signals=2)
        check(status == 130 and took < 2, (status, took))


@harness.test
def every_request_refused_is_exit_1_with_connect_errors_and_no_success_latency():
    r = bench(["-n", "20", "-c", "2", refused_url()], status=1)
    check(r["successes"] == 0 and r["failures"] == 20 and r["errors"] == {"connect": 20}, r)
    check(r["latency_us"]["count"] == 0 and r["failure_latency_us"]["count"] == 20, r)
    check(r["success_rate"] == 0 and r["exit_status"] == 1, r)


@harness.test
def every_answer_a_404_is_exit_1_and_text_says_so():
    with HttpFixture() as h:
        r = bench(["-n", "30", "-c", "3", h.url("/nothing-here")], status=1)
        check(r["statuses"] == {"404": 30} and r["errors"] == {"http": 30}, r)
        check(r["latency_us"]["count"] == 0 and r["failure_latency_us"]["count"] == 30, r)
        p = run([GF, "bench", "-n", "10", "-c", "2", h.url("/nothing-here")])
        out = p.stdout.decode()
        check(p.returncode == 1 and "0 ok, 10 failed (0.00% success)" in out, out)


@harness.test
def success_and_failure_latency_apart():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        targets = f"{d}/t.txt"
        with open(targets, "w") as f:
            f.write(f"GET {h.url('/delay/100')}\n\nGET {h.url('/status/500')}\n")
        r = bench(["-n", "20", "-c", "1", "-i", targets])
        check(r["successes"] == 10 and r["failures"] == 10, r)
        check(r["latency_us"]["p50"] >= 95_000, r["latency_us"])
        check(r["failure_latency_us"]["p99"] < 50_000, r["failure_latency_us"])
        check(r["success_rate"] == 0.5, r)


@harness.test
def fail_on_thresholds_set_exit_1_and_name_the_one_that_failed():
    with HttpFixture() as h:
        url = h.url("/fail/ft?count=5&code=503")  # 5 of 50 fail: 10 %
        r = bench(["-n", "50", "-c", "1", "--fail-on", "errors>5%,rps<1", url], status=1)
        check([(t["expression"], t["failed"]) for t in r["thresholds"]] ==
              [("errors>5%", True), ("rps<1", False)], r["thresholds"])
        check(abs(r["thresholds"][0]["actual"] - 10.0) < 1e-9, r["thresholds"])
        url = h.url("/fail/ft2?count=5&code=503")
        r = bench(["-n", "50", "-c", "1", "--fail-on", "errors>20%, errors>=6, p99>10s", url])
        check(not any(t["failed"] for t in r["thresholds"]), r["thresholds"])
        p = run([GF, "bench", "-n", "20", "-c", "2", "--fail-on", "p99>1us,mean<1s",
                 h.url("/delay/5")])
        out = p.stdout.decode()
        check(p.returncode == 1, p)
        check("Threshold:   p99>1us  FAILED" in out and "Threshold:   mean<1s  FAILED" in out, out)
        for bad in ("p99", "p101>1ms", "latency>1ms", "p99>1h", "errors>1%%", "rps>1%", "a,,b"):
            p = run([GF, "bench", "-n", "1", "--fail-on", bad, h.url("/")])
            check(p.returncode == 2 and b"--fail-on" in p.stderr and
                  p.stderr.startswith(b"greenfetch bench: "), (bad, p.stderr))


@harness.test
def open_model_counts_scheduled_started_and_dropped_against_a_stalling_server():
    with HttpFixture() as h:
        r = bench(["-z", "1s", "-c", "4", "--rate", "400", h.url("/delay/200")], status=0)
        rate = r["rate"]
        check(395 <= rate["scheduled"] <= 401, rate)
        check(rate["started"] <= 30 and rate["started"] >= 4, rate)
        check(rate["dropped"] == rate["scheduled"] - rate["started"], rate)
        check(rate["late_starts"] > 0 and rate["achieved"] < 40, rate)
        r = bench(["-z", "1s", "-c", "4", "--rate", "400", "--fail-on", "dropped>10%",
                   h.url("/delay/200")], status=1)
        check(r["thresholds"][0]["failed"], r)
        # A fast server keeps up: nothing dropped, achieved close to the target.
        r = bench(["-n", "100", "-c", "10", "--rate", "200", h.url("/text/a")])
        rate = r["rate"]
        check(rate["scheduled"] == 100 and rate["started"] == 100 and rate["dropped"] == 0, rate)
        check(150 <= rate["achieved"] <= 210, rate)
        p = run([GF, "bench", "-n", "40", "-c", "4", "--rate", "100", h.url("/text/a")])
        check(b"target 100.0 req/s, achieved" in p.stdout and b"dropped 0" in p.stdout, p.stdout)


@harness.test
def bytes_on_the_wire_count_heads_and_bodies_once():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        r = bench(["-n", "10", "-c", "1", h.url("/bytes/1000")])
        b = r["bytes"]
        check(b["body"] == 10_000, b)
        per_head = (b["received"] - b["body"]) / 10
        check(50 <= per_head <= 400, b)  # status line and headers of each answer
        check(50 <= b["sent"] / 10 <= 400, b)  # GET heads only
        check(r["bytes_per_second"]["body"] > 0, r["bytes_per_second"])
        for size in (1000, 70_000):  # under and over libcurl's 64 KiB "body with the head"
            body = f"{d}/body"
            with open(body, "wb") as f:
                f.write(b"a" * size)
            r = bench(["-n", "4", "-c", "1", "-d", f"@{body}", h.url("/echo")])
            per_request = r["bytes"]["sent"] / 4
            check(size + 50 <= per_request <= size + 400, (size, r["bytes"]))


@harness.test
def keepalive_survives_targets_that_alternate():
    with HttpFixture() as a, HttpFixture() as b:
        r = bench(["-n", "2000", "-c", "1", a.url("/text/a"), b.url("/text/b")])
        check(r["requests"] == 2000 and r["connections"]["opened"] == 2, r["connections"])
        r = bench(["-n", "400", "-c", "4", "-t", "2", a.url("/text/a"), b.url("/text/b")])
        check(r["connections"]["opened"] <= 8, r["connections"])


if __name__ == "__main__":
    harness.main()
