"""Hostile servers (issue 17): servers that close kept-alive connections, answer garbage, stop
answering, or redirect elsewhere; each test asserts what the user gets (error kind, exit
status, timing bounds). The servers are small raw-socket ones, started in this process on
127.0.0.1; every loop is bounded in count and time."""
import json
import socket
import threading
import time

import harness
from harness import Dnsmasq, HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch


class RawServer:
    """A TCP server on 127.0.0.1 with one thread per connection. `respond(request_head)`
    returns the bytes to send for one request, or None to send nothing (the connection then
    stays open, unanswered); after each answer the connection is closed when `close_after`
    requests were answered on it (without `Connection: close`), or when it was idle for
    `idle_timeout` seconds. .requests holds the request heads received, .connections the
    number accepted."""

    def __init__(self, respond, close_after=0, idle_timeout=5.0, lifetime=120.0):
        self.respond = respond
        self.close_after = close_after
        self.idle_timeout = idle_timeout
        self.deadline = time.monotonic() + lifetime
        self.requests: list[bytes] = []
        self.connections = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self):
        while not self.stopped and time.monotonic() < self.deadline:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        buf = b""
        answered = 0
        c.settimeout(self.idle_timeout)
        try:
            for _ in range(100_000):  # requests on one connection
                while b"\r\n\r\n" not in buf:
                    if self.stopped or time.monotonic() > self.deadline:
                        return
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                head, buf = buf.split(b"\r\n\r\n", 1)
                with self.lock:
                    self.requests.append(head)
                answer = self.respond(head)
                if answer is None:
                    # Hold the connection open, unanswered, until stopped or the lifetime ends.
                    while not self.stopped and time.monotonic() < self.deadline:
                        time.sleep(0.05)
                    return
                for chunk in answer if isinstance(answer, list) else [answer]:
                    if isinstance(chunk, (int, float)):
                        time.sleep(chunk)  # a pause between parts
                    else:
                        c.sendall(chunk)
                answered += 1
                if self.close_after and answered >= self.close_after:
                    return
        except OSError:
            pass
        finally:
            c.close()

    def stop(self):
        self.stopped = True
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def ok_answer(_head):
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"


def html_answer(head):
    """/p/N links to /p/2N and /p/2N+1 up to page 120; answers every page of the tree."""
    path = head.split(b" ")[1].decode()
    n = int(path.rsplit("/", 1)[1]) if path.startswith("/p/") else 1
    links = "".join(f'<a href="/p/{m}">{m}</a>' for m in (2 * n, 2 * n + 1) if m <= 120)
    body = f"<html><body>{links}</body></html>".encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)


def records(p):
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# §3: servers that close kept-alive connections


def fetch_all(server, n, concurrency, extra=()):
    urls = "".join(server.url(f"/{i}") + "\n" for i in range(n))
    return run([GF, "-c", str(concurrency), "-w", "%{http_code}\\n", *extra], stdin=urls,
               timeout=120)


@harness.test
def one_request_per_connection_server_loses_no_url():
    # The server answers one request per connection and closes it without Connection: close.
    with RawServer(ok_answer, close_after=1) as s:
        for c in (1, 6, 50):
            p = fetch_all(s, 400, c)
            check(p.returncode == 0, p)
            check(p.stdout.decode().split() == ["200"] * 400, p)


@harness.test
def keepalive_timeout_server_loses_no_url():
    # Idle connections are closed after 0.2 s: paced requests find them dead, fast ones not.
    with RawServer(ok_answer, idle_timeout=0.2) as s:
        p = fetch_all(s, 12, 2, ["--rate", "5"])
        check(p.returncode == 0, p)
        check(p.stdout.decode().split() == ["200"] * 12, p)
        for c in (1, 6, 50):
            p = fetch_all(s, 300, c)
            check(p.returncode == 0, p)
            check(p.stdout.decode().split() == ["200"] * 300, p)


@harness.test
def server_closing_after_two_requests_loses_no_url():
    with RawServer(ok_answer, close_after=2) as s:
        p = fetch_all(s, 300, 6)
        check(p.returncode == 0, p)
        check(p.stdout.decode().split() == ["200"] * 300, p)


@harness.test
def bench_counts_reconnects_as_connections_not_errors():
    with RawServer(ok_answer, close_after=1) as s:
        p = run([GF, "bench", "-j", "-n", "2000", "-c", "20", s.url("/")], timeout=120)
        check(p.returncode == 0, p)
        r = json.loads(p.stdout)
        check(r["requests"] == 2000 and r["failures"] == 0, r)
        check(r["statuses"] == {"200": 2000}, r)
        check(r["connections"]["opened"] == 2000, r)
        check(s.connections == 2000, s.connections)


@harness.test
def crawl_of_a_one_request_per_connection_server_loses_no_page():
    with RawServer(html_answer, close_after=1) as s:
        for c in ("1", "6"):
            p = run([GF, "crawl", "-c", c, "--max-depth", "10", "--no-robots",
                     s.url("/p/1")], timeout=120)
            check(p.returncode == 0, p)
            urls = p.stdout.decode().split()
            check(sorted(urls) == sorted(s.url(f"/p/{n}") for n in range(1, 121)), p)


if __name__ == "__main__":
    harness.main()
