"""End-to-end tests of bench --results and `bench report` (issue 12): the results file is an
HdrHistogram interval log that an independent reader (npm hdr-histogram-js) decodes, and
several files merge exactly. Needs node and `npm ci --prefix tests/e2e`."""
import json
import os
import subprocess
import tempfile

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
HERE = os.path.dirname(os.path.abspath(__file__))


def node_read(*paths):
    p = subprocess.run(["node", os.path.join(HERE, "hdr_read.js"), *paths],
                       capture_output=True, timeout=60)
    check(p.returncode == 0, p.stderr.decode())
    return json.loads(p.stdout)


def bench(argv, status=0):
    p = run([GF, "bench", "-j"] + argv, timeout=60)
    check(p.returncode == status, (p.returncode, p.stderr))
    return json.loads(p.stdout)


def near(a, b):
    """Equal within HdrHistogram's precision at 3 significant digits (0.1 %)."""
    return abs(a - b) <= max(a, b) / 1000 + 1


@harness.test
def a_results_file_is_read_by_hdr_histogram_js():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = f"{d}/run.hlog"
        r = bench(["-z", "2s", "-c", "4", "-t", "2", "--results", path,
                   h.url("/delay/10"), h.url("/status/404")])  # the 404s fail
        with open(path) as f:
            text = f.read()
        check(text.startswith("#[Histogram log format version 1.3]\n#[StartTime: "), text[:200])
        check("\nTag=latency,0.000,1.000," in text, text[:2000])
        js = node_read(path)
        check(abs(js["start_time_sec"] - r["start_time_unix_us"] / 1e6) < 1e-5, js)
        tags = js["tags"]
        check(tags["latency"]["count"] == r["successes"] > 0, (tags["latency"], r))
        check(tags["failure_latency"]["count"] == r["failures"] > 0, tags["failure_latency"])
        check(tags["status_2xx"]["count"] == r["statuses"]["200"], tags)
        check(tags["status_4xx"]["count"] == r["statuses"]["404"], tags)
        check(tags["target_0"]["count"] + tags["target_1"]["count"] == r["requests"], tags)
        for key, ours in (("p50", "p50"), ("p99", "p99"), ("max", "max")):
            check(near(tags["latency"][key], r["latency_us"][ours]), (key, tags["latency"], r))
        check(tags["dns"]["count"] == r["requests"], tags["dns"])
        # one interval per second of the 2 s run and tag (threads merged)
        check(2 <= tags["latency"]["intervals"] <= 3, tags["latency"])
        check(text.count("Tag=latency,") == tags["latency"]["intervals"], text)


@harness.test
def three_runs_merge_into_the_sum_of_their_counts():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        paths, runs = [], []
        for i, (path, argv) in enumerate([("/delay/5", ["-n", "150", "-c", "3"]),
                                          ("/delay/30", ["-n", "60", "-c", "3", "-t", "2"]),
                                          ("/status/503", ["-n", "40", "-c", "2"])]):
            paths.append(f"{d}/r{i}.hlog")
            runs.append(bench(argv + ["--results", paths[-1], h.url(path)],
                              status=1 if "503" in path else 0))
        p = run([GF, "bench", "report", "-j"] + paths)
        check(p.returncode == 0, p)
        m = json.loads(p.stdout)
        for key in ("requests", "successes", "failures"):
            check(m[key] == sum(r[key] for r in runs), (key, m[key]))
        check(m["statuses"] == {"200": 210, "503": 40}, m["statuses"])
        check(m["errors"] == {"http": 40}, m["errors"])
        for key in ("sent", "received", "body"):
            check(m["bytes"][key] == sum(r["bytes"][key] for r in runs), m["bytes"])
        check(m["latency_us"]["count"] == 210 and m["failure_latency_us"]["count"] == 40, m)
        check(m["concurrency"] == 8 and m["threads"] == 4, m)
        union = node_read(*paths)["tags"]
        for key in ("p50", "p90", "p99"):
            check(near(m["latency_us"][key], union["latency"][key]),
                  (key, m["latency_us"], union["latency"]))
        check(near(m["latency_us"]["max"], union["latency"]["max"]), m["latency_us"])
        # the runs ran one after another: the merged span covers them all
        first = min(r["start_time_unix_us"] for r in runs)
        check(m["start_time_unix_us"] == first, (m["start_time_unix_us"], first))
        check(m["seconds"] >= sum(r["seconds"] for r in runs) * 0.99, m["seconds"])
        # text, and thresholds checked against the merged figures
        p = run([GF, "bench", "report", "--fail-on", "errors>10%"] + paths)
        out = p.stdout.decode()
        check(p.returncode == 1 and "Threshold:   errors>10%  FAILED" in out, out)
        check("Requests:    250 in" in out, out)


@harness.test
def ctrl_c_still_writes_the_results_file():
    import signal
    import time
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = f"{d}/int.hlog"
        proc = subprocess.Popen([GF, "bench", "-j", "-z", "30s", "-c", "2", "--results", path,
                                 h.url("/delay/10")], stdout=subprocess.PIPE)
        time.sleep(1.2)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        check(proc.returncode == 130, proc.returncode)
        r = json.loads(out)
        p = run([GF, "bench", "report", "-j", path])
        m = json.loads(p.stdout)
        check(p.returncode == 130 and m["requests"] == r["requests"] > 0, (p.returncode, m))


@harness.test
def three_segments_started_together_merge_into_the_whole_run():
    import time
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        h.reset_stats()
        start = time.time() + 1.5
        procs, paths = [], []
        for i in (1, 2, 3):
            paths.append(f"{d}/seg{i}.hlog")
            procs.append(subprocess.Popen(
                [GF, "bench", "-j", "-n", "100", "-c", "7", "--segment", f"{i}/3",
                 "--start-at", f"@{start:.3f}", "--results", paths[-1], h.url("/delay/5")],
                stdout=subprocess.PIPE))
        runs = []
        for proc in procs:
            out, _ = proc.communicate(timeout=30)
            check(proc.returncode == 0, proc.returncode)
            runs.append(json.loads(out))
        check(sorted(r["requests"] for r in runs) == [33, 33, 34], [r["requests"] for r in runs])
        check(sorted(r["concurrency"] for r in runs) == [2, 2, 3], [r["concurrency"] for r in runs])
        starts = [r["start_time_unix_us"] / 1e6 for r in runs]
        check(all(start <= s < start + 0.3 for s in starts), (start, starts))
        check(h.stats()["total"] == 100, h.stats())
        p = run([GF, "bench", "report", "-j"] + paths)
        m = json.loads(p.stdout)
        check(p.returncode == 0 and m["requests"] == 100 and m["concurrency"] == 7, m)
        # an open-model fleet: the rates add up to the target
        paths = []
        for i in (1, 2):
            paths.append(f"{d}/rate{i}.hlog")
            r = bench(["-z", "1s", "-c", "4", "--rate", "100", "--segment", f"{i}/2",
                       "--results", paths[-1], h.url("/text/a")])
            check(r["rate"]["target"] == 50, r["rate"])
        p = run([GF, "bench", "report", "-j"] + paths)
        m = json.loads(p.stdout)
        check(m["rate"]["target"] == 100 and 98 <= m["rate"]["scheduled"] <= 102, m["rate"])
        p = run([GF, "bench", "-n", "10", "-c", "2", "--segment", "1/3", h.url("/")])
        check(p.returncode == 2 and b"--segment 1/3" in p.stderr, p.stderr)


def chromium():
    import shutil
    return shutil.which("chromium") or shutil.which("chromium-browser")


@harness.test
def the_html_report_renders_its_charts_in_headless_chromium():
    import re
    browser = chromium()
    check(browser is not None, "chromium is not installed (.ci/install-deps installs it)")
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        paths = []
        for i in (1, 2):
            paths.append(f"{d}/h{i}.hlog")
            bench(["-z", "3s", "-c", "4", "--rate", "100", "--segment", f"{i}/2", "--results",
                   paths[-1], h.url("/delay/10"), h.url("/status/404"), h.url("/status/503")])
        page = f"{d}/report.html"
        p = run([GF, "bench", "report", "--html", page] + paths)
        check(p.returncode == 0 and b"Requests:" in p.stdout, p)
        with open(page) as f:
            html = f.read()
        # self-contained: nothing to fetch, no script
        check(not re.search(r"\b(src|href)\s*=", html) and "<script" not in html, html[:500])
        base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                f"--user-data-dir={d}/profile", "--enable-logging=stderr", "--v=0"]
        p = run(base + ["--dump-dom", f"file://{page}"], timeout=120)
        check(p.returncode == 0, p.stderr[-2000:])
        dom = p.stdout.decode()
        check(dom.count("<svg") == 4, dom.count("<svg"))
        # percentiles (2 series), requests/s (2), p50/p99 (2), statuses 2xx/4xx/5xx (3)
        check(dom.count('class="series"') == 9, dom.count('class="series"'))
        check("Latency by percentile" in dom and "99%" in dom, dom[:3000])
        check(b"CONSOLE" not in p.stderr and b"Uncaught" not in p.stderr, p.stderr[-2000:])
        shot = f"{d}/report.png"
        p = run(base + ["--hide-scrollbars", "--window-size=900,1800", f"--screenshot={shot}",
                        f"file://{page}"], timeout=120)
        check(p.returncode == 0 and os.path.getsize(shot) > 20_000, p.stderr[-2000:])


@harness.test
def bad_results_files_are_usage_errors_naming_file_and_line():
    with tempfile.TemporaryDirectory() as d:
        bad = f"{d}/bad.hlog"
        with open(bad, "w") as f:
            f.write("#[Histogram log format version 1.3]\nTag=latency,0.000,1.000,1.0,!!!!\n")
        p = run([GF, "bench", "report", bad])
        check(p.returncode == 2 and f"{bad}:2".encode() in p.stderr, p.stderr)
        with open(bad, "w") as f:
            f.write("#[Histogram log format version 1.3]\n")
        p = run([GF, "bench", "report", bad])
        check(p.returncode == 2 and b"not a greenfetch bench results file" in p.stderr, p.stderr)
        p = run([GF, "bench", "report", f"{d}/missing.hlog"])
        check(p.returncode == 2 and b"missing.hlog" in p.stderr, p.stderr)
        p = run([GF, "bench", "--results", f"{d}/no/such/dir/x", "-n", "1", "http://127.0.0.1:9/"])
        check(p.returncode == 2 and b"--results" in p.stderr, p.stderr)


if __name__ == "__main__":
    harness.main()
