#!/usr/bin/env python3
"""End-to-end tests of `greenfetch crawl --frontier redis://...`: several workers share one
crawl in a redis-server started here on a loopback port. The site is served by this script on
HOSTS ports of 127.0.0.1 (each port a host, as greenfetch keys hosts by scheme, name and port);
every request is recorded with its start and end per host, so that the tests can check
politeness across the fleet: at most --per-host requests to a host at once, and starts at least
--delay apart. Traffic goes to 127.0.0.1 only; every loop is bounded in count and time."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import Redis, base_env, check, run

args = harness.parse_args()
HOSTS = 4
PAGES = 24  # per host: /p/0 .. /p/23, page N links to 2N+1 and 2N+2


class Site:
    """HOSTS servers; .log[port] = [(start, end, path)], .urls() every page."""

    def __init__(self, delay: float = 0.02):
        self.delay = delay
        self.lock = threading.Lock()
        self.log: dict[int, list[tuple[float, float, str]]] = {}
        self.servers: list[ThreadingHTTPServer] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                start = time.monotonic()
                port = self.server.server_address[1]
                time.sleep(site.delay)
                body = b"not found\n"
                status, ctype = 404, "text/plain"
                if self.path.startswith("/p/"):
                    n = int(self.path[3:])
                    links = "".join(f'<a href="/p/{k}">{k}</a>' for k in (2 * n + 1, 2 * n + 2)
                                    if k < PAGES)
                    body = f"<html><title>p{n}</title><body>{links}</body></html>".encode()
                    status, ctype = 200, "text/html"
                with site.lock:
                    site.log.setdefault(port, []).append((start, time.monotonic(), self.path))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        for _ in range(HOSTS):
            s = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            s.daemon_threads = True
            threading.Thread(target=s.serve_forever, daemon=True).start()
            self.servers.append(s)

    def bases(self) -> list[str]:
        return [f"http://127.0.0.1:{s.server_address[1]}" for s in self.servers]

    def urls(self) -> set[str]:
        return {f"{b}/p/{n}" for b in self.bases() for n in range(PAGES)}

    def stop(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()

    def politeness(self) -> tuple[int, float]:
        """(most requests at once to one host, shortest gap between two starts on one host)."""
        most, gap = 0, 1e9
        with self.lock:
            for entries in self.log.values():
                entries = sorted(entries)
                for i, (start, _end, _p) in enumerate(entries):
                    at_once = sum(1 for s, e, _ in entries if s <= start < e)
                    most = max(most, at_once)
                    if i > 0:
                        gap = min(gap, start - entries[i - 1][0])
        return most, gap


def worker(redis: Redis, out: str, *extra: str, seeds: list[str] | None = None,
           name: str = "w") -> subprocess.Popen:
    argv = [args.greenfetch, "crawl", "--frontier", redis.url, "--crawl-id", "t", "--worker-id",
            name, "-j", "-s", "--no-robots", "--max-depth", "100", *extra, *(seeds or [])]
    return subprocess.Popen(argv, stdout=open(out, "wb"), stderr=subprocess.PIPE,
                            env=base_env(), start_new_session=True)


def wait_all(procs: list[subprocess.Popen], timeout: float = 90) -> list[int]:
    deadline = time.monotonic() + timeout
    codes = []
    for p in procs:
        try:
            codes.append(p.wait(max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise AssertionError("a worker did not end in time")
    return codes


def records(path: str) -> list[str]:
    out = []
    with open(path, "rb") as f:
        for line in f:
            try:
                out.append(json.loads(line)["url"])
            except ValueError:
                pass  # a line being written (or cut by kill -9)
    return out


@harness.test
def politeness_holds_across_the_fleet():
    site = Site()
    try:
        with Redis() as redis, tempfile.TemporaryDirectory() as d:
            outs = [os.path.join(d, f"w{i}.jsonl") for i in range(3)]
            # -c 1: a worker takes one host at a time, so that all three get some.
            first = worker(redis, outs[0], "-c", "1", "--per-host", "1", "--delay", "0.1",
                           seeds=[b + "/p/0" for b in site.bases()], name="w0")
            time.sleep(0.2)  # the first worker stores the settings; the others join
            rest = [worker(redis, outs[i], "-c", "1", "--per-host", "1", "--delay", "0.1",
                           name=f"w{i}")
                    for i in (1, 2)]
            codes = wait_all([first, *rest])
            check(codes == [0, 0, 0], f"exit codes {codes}")
            got = [u for o in outs for u in records(o)]
            check(set(got) == site.urls(), f"missing {sorted(site.urls() - set(got))[:5]}")
            check(len(got) == len(site.urls()), f"{len(got) - len(site.urls())} duplicates")
            per_worker = [len(records(o)) for o in outs]
            check(sum(1 for n in per_worker if n > 0) >= 2, f"pages per worker {per_worker}")
            most, gap = site.politeness()
            check(most == 1, f"{most} requests at once to one host (--per-host 1)")
            # Starts are seen by the server, some ms after the client's (more for a request on a
            # new connection, on a loaded machine): 70% of the delay.
            check(gap >= 0.07, f"two starts {gap:.3f} s apart on one host (--delay 0.1)")
            print(f"per host: at most {most} at once, starts at least {gap:.3f} s apart")
            st = run([args.greenfetch, "crawl", "--frontier", redis.url, "--crawl-id", "t",
                      "--status"])
            check(st.returncode == 0, st.stderr)
            text = st.stdout.decode()
            check(f"0 queued, 0 leased, {len(site.urls())} done, 0 failed" in text, text)
            check("w0" in text and "w1" in text and "w2" in text, text)
    finally:
        site.stop()


@harness.test
def different_settings_are_refused_and_joining_needs_a_crawl():
    site = Site()
    try:
        with Redis() as redis:
            p = run([args.greenfetch, "crawl", "--frontier", redis.url, "--crawl-id", "t",
                     "-s", "--no-robots"])
            check(p.returncode == 2 and b"no such crawl" in p.stderr, p.stderr)
            p = run([args.greenfetch, "crawl", "--frontier", redis.url, "--crawl-id", "t",
                     "-s", "--no-robots", "--max-depth", "3", site.bases()[0] + "/p/0"])
            check(p.returncode == 0, p.stderr)
            check(len(p.stdout.splitlines()) == 15, p.stdout)  # pages 0..14: depth 0..3
            p = run([args.greenfetch, "crawl", "--frontier", redis.url, "--crawl-id", "t",
                     "-s", "--no-robots", "--max-depth", "2"])
            check(p.returncode == 2, p)
            check(b"settings differ" in p.stderr and b"max-depth" in p.stderr, p.stderr)
    finally:
        site.stop()


@harness.test
def a_killed_workers_leases_return():
    site = Site(delay=0.05)
    try:
        with Redis() as redis, tempfile.TemporaryDirectory() as d:
            outs = [os.path.join(d, f"w{i}.jsonl") for i in range(3)]
            seeds = [b + "/p/0" for b in site.bases()]
            procs = [worker(redis, outs[0], "--lease", "1s", "-c", "4", seeds=seeds, name="w0")]
            time.sleep(0.3)
            procs += [worker(redis, outs[i], "--lease", "1s", "-c", "4", name=f"w{i}")
                      for i in (1, 2)]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(records(outs[0])) < 5:
                time.sleep(0.05)
            os.killpg(procs[0].pid, signal.SIGKILL)
            procs[0].wait(10)
            killed = records(outs[0])
            check(wait_all(procs[1:]) == [0, 0])
            got = [u for o in outs for u in records(o)]
            check(set(got) == site.urls(), f"missing {sorted(site.urls() - set(got))[:5]}")
            others = [u for o in outs[1:] for u in records(o)]
            check(len(others) == len(set(others)), "a page twice from workers that lived")
            twice = set(killed) & set(others)
            # Written by the killed worker and not acknowledged: at most what it had in flight
            # and not yet synced (its -c, plus what one sync interval gathered).
            check(len(twice) <= 20, f"{len(twice)} pages written twice")
            print(f"killed worker wrote {len(killed)} pages; {len(twice)} written again")
    finally:
        site.stop()


@harness.test
def redis_restarted_mid_crawl():
    site = Site(delay=0.05)
    try:
        with tempfile.TemporaryDirectory() as d:
            redis = Redis(dir=d, appendonly=True).start()
            try:
                outs = [os.path.join(d, f"w{i}.jsonl") for i in range(2)]
                seeds = [b + "/p/0" for b in site.bases()]
                procs = [worker(redis, outs[0], "-c", "2", "--lease", "3s", seeds=seeds, name="w0")]
                time.sleep(0.3)
                procs.append(worker(redis, outs[1], "-c", "2", "--lease", "3s", name="w1"))
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and sum(len(records(o)) for o in outs) < 10:
                    time.sleep(0.05)
                redis.stop()
                time.sleep(1.0)  # workers find it gone and wait
                redis.start()
                codes = wait_all(procs)
                errors = [line for o in outs for line in open(o, "rb")
                          if b'"error":{' in line]
                check(codes == [0, 0], f"exit codes {codes}: {errors[:3]}")
                got = [u for o in outs for u in records(o)]
                check(set(got) == site.urls(), f"missing {sorted(site.urls() - set(got))[:5]}")
            finally:
                redis.stop()
    finally:
        site.stop()


if __name__ == "__main__":
    harness.main()
