"""End-to-end tests of fetch mode's request options, outputs and interruption (issue 3)."""
import json
import os
import pty
import shutil
import signal
import subprocess
import tempfile
import time

import harness
from harness import Blackhole, Dnsmasq, HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch


def echo(p):
    check(p.returncode == 0, (p.returncode, p.stderr))
    return json.loads(p.stdout)


def header(echoed, name):
    for k, v in echoed["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


@harness.test
def methods_headers_data_and_user_agent():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        e = echo(run([GF, h.url("/echo")]))
        check(e["method"] == "GET", e)
        check(header(e, "User-Agent").startswith("greenfetch/"), e)
        e = echo(run([GF, "-X", "PUT", "-H", "X-Test: 1", "-H", "User-Agent:", h.url("/echo")]))
        check(e["method"] == "PUT" and header(e, "X-Test") == "1", e)
        check(header(e, "User-Agent") is None, e)
        e = echo(run([GF, "-d", "a=1", "-d", "b=2", h.url("/echo")]))
        check(e["method"] == "POST" and e["body"] == "a=1&b=2", e)
        path = os.path.join(d, "body.txt")
        with open(path, "w") as f:
            f.write("x=1\ny=2\n")
        e = echo(run([GF, "-d", "@" + path, h.url("/echo")]))
        check(e["body"] == "x=1y=2", e)
        e = echo(run([GF, "--data-binary", "@" + path, h.url("/echo")]))
        check(e["body"] == "x=1\ny=2\n", e)
        e = echo(run([GF, "-A", "probe/1", "-u", "ann:secret", h.url("/echo")]))
        check(header(e, "User-Agent") == "probe/1", e)
        check(header(e, "Authorization") == "Basic YW5uOnNlY3JldA==", e)
        p = run([GF, "-d", "@/nonexistent/body", h.url("/echo")])
        check(p.returncode == 2 and b"/nonexistent/body" in p.stderr, p.stderr)


@harness.test
def credentials_are_not_sent_to_another_host_after_a_redirect():
    with HttpFixture() as h, Dnsmasq({"other.test": "127.0.0.1"}) as dns:
        target = f"http://other.test:{h.port}/echo"
        e = echo(run([GF, "--dns-servers", dns.server, "-u", "ann:secret",
                      h.url("/redirect-to?url=" + target)]))
        check(header(e, "Authorization") is None, e)


@harness.test
def head_requests_print_the_headers():
    with HttpFixture() as h:
        p = run([GF, "-I", h.url("/text/x")])
        check(p.returncode == 0, p.stderr)
        check(p.stdout.startswith(b"HTTP/1.1 200"), p.stdout)
        check(b"Content-Length:" in p.stdout or b"content-length:" in p.stdout.lower(), p.stdout)


@harness.test
def cookies_are_shared_by_the_run_and_saved():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        jar = os.path.join(d, "jar.txt")
        p = run([GF, "-c", "1", "-j", "--body", "--cookie-jar", jar,
                 h.url("/headers?Set-Cookie=sid%3Dabc%3B%20Path%3D%2F"), h.url("/echo")])
        check(p.returncode == 0, p.stderr)
        recs = [json.loads(line) for line in p.stdout.splitlines()]
        e = json.loads(recs[1]["body"])
        check("sid=abc" in (header(e, "Cookie") or ""), e)
        check("sid\tabc" in open(jar).read(), open(jar).read())
        e = echo(run([GF, "-b", jar, "-b", "extra=1", h.url("/echo")]))
        cookie = header(e, "Cookie") or ""
        check("sid=abc" in cookie and "extra=1" in cookie, e)


@harness.test
def retries_with_backoff_and_retry_after():
    with HttpFixture() as h:
        p = run([GF, "-j", "--retry", "3", "--retry-delay", "0.01", h.url("/fail/r1?count=2&code=503")])
        check(p.returncode == 0, p.stderr)
        rec = json.loads(p.stdout)
        check(rec["status"] == 200 and rec["retries"] == 2, rec)
        start = time.monotonic()
        p = run([GF, "-j", "--retry", "2", "--retry-delay", "0.01",
                 h.url("/retry-after/r2?fail=1&after=1")])
        check(p.returncode == 0 and json.loads(p.stdout)["status"] == 200, p)
        check(time.monotonic() - start >= 0.9, "Retry-After: 1 was not honoured")
        p = run([GF, "-j", "--retry", "3", "--retry-on", "connect", h.url("/fail/r3?count=1&code=503")])
        rec = json.loads(p.stdout)
        check(rec["status"] == 503 and rec["retries"] == 0, rec)
        p = run([GF, "--retry", "1", "--retry-on", "bogus", h.url("/")])
        check(p.returncode == 2 and b"bogus" in p.stderr, p.stderr)


@harness.test
def rate_caps_request_starts():
    with HttpFixture() as h:
        urls = [h.url(f"/text/{i}") for i in range(11)]
        start = time.monotonic()
        p = run([GF, "--rate", "20/s", "-w", "%{http_code}\\n"] + urls)
        elapsed = time.monotonic() - start
        check(p.returncode == 0 and p.stdout.count(b"200") == 11, p)
        check(elapsed >= 0.45, f"11 requests at 20/s took {elapsed:.2f} s")
        p = run([GF, "--rate", "fast", h.url("/")])
        check(p.returncode == 2 and b"--rate" in p.stderr, p.stderr)


@harness.test
def per_host_cap_and_no_starvation_of_other_hosts():
    with HttpFixture() as a, HttpFixture() as b:
        run([GF, a.url("/stats/reset")])
        urls = [a.url(f"/delay/150?i={i}") for i in range(16)] + [b.url(f"/text/{i}") for i in range(4)]
        p = run([GF, "-c", "8", "--per-host", "2", "--unordered", "-w", "%{url}\\n"] + urls)
        check(p.returncode == 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        stats = json.loads(run([GF, a.url("/stats")]).stdout)
        check(stats["max_concurrent"] == 2, stats)
        b_positions = [i for i, u in enumerate(lines) if u.startswith(b.base)]
        check(len(b_positions) == 4 and max(b_positions) < 8, lines)


@harness.test
def output_dir_names_files_safely_and_uniquely():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        urls = [h.url("/text/page.txt"), h.url("/text/page.txt"), h.url("/"),
                h.url("/text/%2e%2e%2f%2e%2e%2fescape")]
        p = run([GF, "--output-dir", out, "--create-dirs", "-w", "%{filename_effective}\\n"] + urls)
        check(p.returncode == 0, p.stderr)
        names = sorted(os.listdir(out))
        check("page.txt" in names and "page.txt.1" in names and "index.html" in names, names)
        check(len(names) == 4, names)
        for root, _, files in os.walk(d):
            for f in files:
                check(os.path.realpath(os.path.join(root, f)).startswith(os.path.realpath(out)), f)
        check(open(os.path.join(out, "page.txt")).read() == "hello /text/page.txt\n", names)
        check(p.stdout.decode().splitlines()[0] == os.path.join(out, "page.txt"), p.stdout)


@harness.test
def resolve_and_connect_to_skip_dns():
    with HttpFixture() as h, Blackhole() as bh:
        base = ["--dns-servers", bh.server, "--dns-timeout", "0.1", "-w", "%{http_code}\\n"]
        p = run([GF] + base + ["--resolve", f"fake.test:{h.port}:127.0.0.1",
                               f"http://fake.test:{h.port}/text/r"])
        check(p.returncode == 0 and p.stdout == b"200\n", p)
        p = run([GF] + base + ["--connect-to", f"other.test:1234:127.0.0.1:{h.port}",
                               "http://other.test:1234/text/c"])
        check(p.returncode == 0 and p.stdout == b"200\n", p)


@harness.test
def proxy_from_the_environment_and_noproxy():
    with HttpFixture() as h, Blackhole() as bh:
        env = dict(os.environ, http_proxy=h.base)
        base = [GF, "--dns-servers", bh.server, "--dns-timeout", "0.1", "-w", "%{http_code}\\n"]
        # The fixture, used as a proxy, sees an absolute URI it does not serve: 404, not a DNS error.
        p = run(base + ["http://nowhere.invalid/x"], env=env)
        check(p.stdout == b"404\n", p)
        p = run(base + ["--noproxy", "*", "http://nowhere.invalid/x"], env=env)
        check(p.stdout == b"000\n" and b"dns" in p.stderr, p)


@harness.test
def limits_fail_and_timeouts():
    with HttpFixture() as h:
        p = run([GF, "-w", "%{http_code}\\n", "--fail", h.url("/status/404"), h.url("/text/ok")])
        check(p.returncode == 1 and p.stdout == b"404\n200\n", p)
        check(b"http" in p.stderr, p.stderr)
        p = run([GF, "--max-filesize", "100", "-w", "%{exitcode}\\n", h.url("/bytes/1000")])
        check(p.returncode == 1 and b"too_large" in p.stderr, p.stderr)
        start = time.monotonic()
        p = run([GF, "-m", "0.3", h.url("/delay/3000")])
        check(p.returncode == 1 and b"timeout" in p.stderr, p.stderr)
        check(time.monotonic() - start < 2.5, "max-time not enforced")


@harness.test
def a_closed_stdout_ends_the_run_quietly():
    with HttpFixture() as h:
        urls = "".join(h.url(f"/bytes/2000?i={i}") + "\n" for i in range(3000)).encode()
        p = subprocess.run(f"'{GF}' -c 20 | head -c 100 > /dev/null; echo ${{PIPESTATUS[0]}}",
                           shell=True, executable="/bin/bash", input=urls, capture_output=True,
                           timeout=60)
        check(p.stdout.strip() == b"141", p.stdout)
        check(harness.without_asan_notice(p.stderr) == b"", p.stderr)


@harness.test
def ctrl_c_flushes_what_arrived_and_exits_130():
    with HttpFixture() as h:
        urls = [h.url("/text/fast1"), h.url("/text/fast2")] + [h.url(f"/delay/8000?i={i}") for i in range(5)]
        proc = subprocess.Popen([GF, "--unordered", "-w", "%{url}\\n"] + urls,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.7)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        check(proc.returncode == 130, (proc.returncode, err))
        check(time.monotonic() - start < 2.0, "in-flight transfers were not ended within a second")
        lines = out.decode().splitlines()
        check(h.url("/text/fast1") in lines and h.url("/text/fast2") in lines, lines)
        check(b"interrupted" in err, err)


@harness.test
def a_second_ctrl_c_exits_at_once():
    with HttpFixture() as h:
        proc = subprocess.Popen([GF, h.url("/delay/8000")], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
        check(proc.returncode == 130, proc.returncode)
        check(time.monotonic() - start < 0.5, "the second Ctrl-C did not exit at once")


@harness.test
def progress_only_on_a_terminal_and_stats_on_request():
    with HttpFixture() as h:
        p = run([GF, "--stats", h.url("/text/a"), h.url("/text/b")])
        check(p.returncode == 0, p.stderr)
        check(p.stderr.count(b"\n") == 1 and b"2 URLs" in p.stderr and b"\r" not in p.stderr, p.stderr)
        master, slave = pty.openpty()
        proc = subprocess.Popen([GF, h.url("/delay/800"), h.url("/text/b")],
                                stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out, _ = proc.communicate(timeout=20)
        tty = b""
        try:
            while True:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                tty += chunk
        except OSError:
            pass
        os.close(master)
        check(proc.returncode == 0, proc.returncode)
        check(b"done" in tty and b"\r" in tty, tty)
        proc = subprocess.Popen([GF, "-s", h.url("/delay/600")], stdout=subprocess.PIPE)
        proc.communicate(timeout=20)


@harness.test
def json_lines_are_valid_whatever_the_bytes():
    with HttpFixture() as h:
        p = run([GF, "-g", "-j", "--body", h.url("/text/a"), h.url("/bytes/200"), h.url("/headers?X-Raw=%FF%FE"),
                 "http://[bad"])
        check(p.returncode == 1, p.returncode)
        recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
        check(len(recs) == 4, recs)
        check(recs[0]["body"] == "hello /text/a\n" and recs[0]["body_encoding"] == "utf-8", recs[0])
        check(recs[1]["body_encoding"] == "base64", recs[1])
        check(recs[0]["error"] is None and recs[0]["status"] == 200, recs[0])
        check(recs[3]["error"]["kind"] == "invalid_url" and recs[3]["status"] is None, recs[3])
        for key in ("url", "line", "url_effective", "status", "http_version", "remote_ip", "headers",
                    "size", "time", "redirects", "retries", "error"):
            check(key in recs[0], key)


@harness.test
def write_out_matches_curl_for_the_same_requests():
    if not shutil.which("curl"):
        return
    fmt = ("%{http_code} %{response_code} %{http_version} %{num_redirects} %{redirect_url} "
           "%{remote_ip} %{remote_port} %{content_type} %{size_download} %{size_header} "
           "%{size_request} %{url} %{url_effective} %{scheme} %{exitcode} %{errormsg} "
           "%header{content-type} %{method} %{num_headers} %%\\t|\\n")
    with HttpFixture() as h:
        for path, extra in [("/text/a", []), ("/redirect/2", ["-L"]), ("/status/404", []),
                            ("/gzip", []), ("/redirect/1", []), ("/chunked/3", [])]:
            url = h.url(path)
            # The same request on the wire: one User-Agent, compression asked for by both.
            ours = run([GF, "-A", "probe/1", "--compressed", "-w", fmt] +
                       (["--no-location"] if "-L" not in extra else []) + [url]).stdout
            theirs = subprocess.run(["curl", "-s", "-o", "/dev/null", "-A", "probe/1", "--compressed",
                                     "-w", fmt] + extra + [url],
                                    capture_output=True, timeout=30).stdout
            check(ours == theirs, f"{path}:\n greenfetch: {ours!r}\n curl:       {theirs!r}")


if __name__ == "__main__":
    harness.main()
