#!/usr/bin/env python3
"""greenfetch bench against h2load --h1 over TLS (and plain HTTP) on a loopback nginx.

    tests/tools/bench_tls.py --gf build/greenfetch [-n 50000] [-c 100] [--runs 3] [--plain]

Starts nginx (one worker, keep-alive, a self-signed certificate made here with openssl, as
tests/e2e/test_tls.py does) on a free 127.0.0.1 port, then runs, in turn, A B C A B C ...:
h2load --h1, greenfetch bench --http1.1 (the fast path) and greenfetch bench --http1.1
--path libcurl, all with the same -n and -c against https://127.0.0.1:PORT/1.txt. Prints each
run's requests/s (from the tool's wall time) and CPU seconds (user+sys, of the tool only) and
the medians. Not a ctest test: a reproducible measurement for README's performance section.
"""
import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(d, tls):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", f"{d}/server.key", "-out", f"{d}/server.pem"],
                   check=True, capture_output=True, timeout=60)
    os.makedirs(f"{d}/www")
    with open(f"{d}/www/1.txt", "w") as f:
        f.write("file 1\n")
    port = free_port()
    listen = f"listen 127.0.0.1:{port} ssl;" if tls else f"listen 127.0.0.1:{port};"
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(f"""
daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; use epoll; }}
http {{
  access_log off; keepalive_requests 10000000; keepalive_timeout 60s;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d};
  uwsgi_temp_path {d}; scgi_temp_path {d};
  types {{ text/plain txt; }}
  server {{
    {listen}
    ssl_certificate {d}/server.pem; ssl_certificate_key {d}/server.key;
    root {d}/www;
  }}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", f"{d}/nginx.conf"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("nginx did not start")


def run_once(argv, timeout=300):
    """(wall seconds, cpu seconds of the child, exit status)"""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        print(f"  {argv[0]} exited {p.returncode}: {p.stdout[-500:]!r} {p.stderr[-500:]!r}")
    return wall, cpu, p.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gf", required=True, help="the greenfetch binary")
    ap.add_argument("-n", type=int, default=50000)
    ap.add_argument("-c", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--plain", action="store_true", help="plain HTTP instead of TLS")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="gf-bench-tls-")
    proc, port = start_nginx(d, not a.plain)
    scheme = "http" if a.plain else "https"
    url = f"{scheme}://127.0.0.1:{port}/1.txt"
    n, c = str(a.n), str(a.c)
    tools = {
        "h2load --h1": ["h2load", "--h1", "-n", n, "-c", c, url],
        "greenfetch (fast)": [a.gf, "bench", "--http1.1", "-k", "-n", n, "-c", c, url],
        "greenfetch --path libcurl": [a.gf, "bench", "--http1.1", "-k", "--path", "libcurl",
                                      "-n", n, "-c", c, url],
    }
    results = {name: [] for name in tools}
    try:
        for r in range(a.runs + 1):  # the first round warms up and is not counted
            for name, argv in tools.items():
                wall, cpu, code = run_once(argv)
                if r > 0 and code == 0:
                    results[name].append((a.n / wall, cpu * 1e6 / a.n))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)
    print(f"{scheme.upper()}: {a.n} requests over {c} keep-alive connections to a loopback "
          f"nginx, medians of {a.runs} runs")
    print(f"  {'tool':<28} {'req/s':>10} {'cpu us/req':>11}")
    for name, rows in results.items():
        if not rows:
            print(f"  {name:<28} {'failed':>10}")
            continue
        rps = statistics.median(x[0] for x in rows)
        cpu = statistics.median(x[1] for x in rows)
        print(f"  {name:<28} {rps:10.0f} {cpu:11.2f}")


if __name__ == "__main__":
    main()
