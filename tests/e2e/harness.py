"""Shared harness for greenfetch end-to-end tests (tests/e2e/test_*.py).

    import harness
    from harness import Blackhole, Dnsmasq, HttpFixture, check, run

    args = harness.parse_args()          # args.greenfetch, args.build_dir

    @harness.test
    def something_works():
        with HttpFixture() as h, Dnsmasq({"a.test": "127.0.0.1"}) as dns:
            p = run([args.greenfetch, "--dns-servers", dns.server, h.url("/text/x")])
            check(p.returncode == 0, p)

    if __name__ == "__main__":
        harness.main()

main() runs the registered tests in order and prints "PASS name" or "FAIL name: reason" (plus
indented detail lines) for each, then exactly one line "N passed, M failed"; it exits 1 if
any test failed (or none ran), else 0. Each test has a wall-clock limit (--test-timeout,
default 120 s) enforced with SIGALRM, so a hang fails that test instead of the whole script.
"""
from __future__ import annotations

import argparse
import atexit
import importlib.util
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from http.client import HTTPConnection
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(HERE)
FIXTURE_DIR = os.path.join(TESTS_DIR, "fixture")
HTTP_SERVER = os.path.join(FIXTURE_DIR, "http_server.py")

# The DNS helpers, loaded by path under a private name (a plain "import dns" could pick up
# dnspython instead).
_spec = importlib.util.spec_from_file_location("greenfetch_fixture_dns",
                                               os.path.join(FIXTURE_DIR, "dns.py"))
dns = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = dns
_spec.loader.exec_module(dns)

PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
              "ALL_PROXY", "NO_PROXY")

args: argparse.Namespace | None = None
_tests: list[tuple[str, Callable[[], None]]] = []
_children: set[subprocess.Popen] = set()  # run() processes (session leaders) still running
_fixtures: set = set()  # started fixtures (anything with stop()), stopped after each test


class TestFailure(AssertionError):
    """A failed check (also raised by run() on a timeout)."""


class TestTimeout(BaseException):
    """The per-test wall-clock limit ran out (BaseException: not swallowed by `except
    Exception` in a test)."""


# ---------------------------------------------------------------------------------------------
# Arguments, registration, runner


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """--greenfetch PATH --build-dir DIR [-k SUBSTRING] [--test-timeout S]."""
    global args
    parser = argparse.ArgumentParser(description="greenfetch end-to-end tests")
    parser.add_argument("--greenfetch", default=os.environ.get("GREENFETCH", "greenfetch"),
                        help="the greenfetch binary under test")
    parser.add_argument("--build-dir", default=os.environ.get("GREENFETCH_BUILD_DIR", "build"),
                        help="the CMake build directory (for samples and other binaries)")
    parser.add_argument("-k", dest="filter", default=None,
                        help="run only tests whose name contains this substring")
    parser.add_argument("--test-timeout", type=float, default=120.0,
                        help="wall-clock limit per test in seconds")
    args = parser.parse_args(argv)
    if os.sep in args.greenfetch:
        args.greenfetch = os.path.abspath(args.greenfetch)
    args.build_dir = os.path.abspath(args.build_dir)
    return args


def test(fn: Callable[[], None]) -> Callable[[], None]:
    """Decorator: registers fn as a test, named after the function."""
    _tests.append((fn.__name__, fn))
    return fn


def _one_line(s: str, limit: int = 2000) -> str:
    s = s.replace("\n", "\\n").replace("\r", "\\r")
    return s if len(s) <= limit else s[:limit] + f"... ({len(s)} chars)"


def _describe(msg) -> str:
    if isinstance(msg, subprocess.CompletedProcess):
        return (f"exit {msg.returncode}; stdout={_clip(msg.stdout)!r}; "
                f"stderr={_clip(msg.stderr)!r}")
    if isinstance(msg, (bytes, bytearray)):
        return repr(_clip(bytes(msg)))
    if isinstance(msg, str):
        return msg
    return repr(msg)


def _clip(b, limit: int = 1000):
    if b is None or len(b) <= limit:
        return b
    return b[:limit] + (b"..." if isinstance(b, bytes) else "...")


def check(cond, msg="check failed") -> None:
    """Fails the test unless cond is true. msg may be anything: a str, bytes, a
    CompletedProcess (shows exit code, stdout and stderr), a tuple, a list..."""
    if not cond:
        raise TestFailure(_describe(msg))


def _on_alarm(signum, frame) -> None:
    raise TestTimeout("test timed out")


def main() -> None:
    """Runs the registered tests; prints PASS/FAIL lines and "N passed, M failed"; exits."""
    a = args if args is not None else parse_args()
    selected = [(n, f) for n, f in _tests if not a.filter or a.filter in n]
    passed = failed = 0
    signal.signal(signal.SIGALRM, _on_alarm)
    for name, fn in selected:
        detail: list[str] = []
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, a.test_timeout)
        try:
            try:
                fn()
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            ok, reason = True, ""
        except TestTimeout:
            ok, reason = False, f"timed out after {a.test_timeout:g} s"
            detail = _where(sys.exc_info()[2])
        except AssertionError as e:
            ok, reason = False, _describe(e.args[0]) if e.args else "assertion failed"
            detail = _where(sys.exc_info()[2])
        except Exception as e:  # noqa: BLE001 - an error in a test is a failure
            ok, reason = False, f"{type(e).__name__}: {e}"
            detail = traceback.format_exc().rstrip().splitlines()
        finally:
            _kill_children()
            _stop_fixtures()
        if ok:
            passed += 1
            print(f"PASS {name}", flush=True)
        else:
            failed += 1
            print(f"FAIL {name}: {_one_line(reason)}", flush=True)
            for line in detail:
                print(f"    {line}", flush=True)
            print(f"    ({time.monotonic() - start:.2f} s)", flush=True)
    if not selected:
        print("no tests ran", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed or not selected else 0)


def _where(tb) -> list[str]:
    """The test-script frames of a traceback, one "at file:line in function" line each."""
    out = []
    for frame in traceback.extract_tb(tb):
        if os.path.abspath(frame.filename) != os.path.abspath(__file__):
            out.append(f"at {os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}: "
                       f"{(frame.line or '').strip()}")
    return out


# ---------------------------------------------------------------------------------------------
# Running programs


def base_env(extra: dict[str, str | None] | None = None) -> dict[str, str]:
    """os.environ without proxy variables (tests talk to 127.0.0.1 directly), updated with
    extra (a value of None removes that variable)."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


# AddressSanitizer prints this once per process when Boost.Context's ucontext fibers first
# switch (the sanitizer build announces every switch, so it does not apply); it is not
# greenfetch's output. Any real sanitizer report is kept.
_ASAN_NOTICE = re.compile(
    rb"^==\d+==WARNING: ASan doesn't fully support makecontext/swapcontext functions[^\n]*\n",
    re.M)


def without_asan_notice(err: bytes) -> bytes:
    return _ASAN_NOTICE.sub(b"", err) if err else err


def sanitized() -> bool:
    """True when the binaries under test are the sanitizer build (tests/run_all.sh)."""
    return os.environ.get("GREENFETCH_SANITIZED") == "1"


def run(argv, stdin: bytes | str | None = None, timeout: float = 60,
        env: dict[str, str | None] | None = None, cwd: str | None = None
        ) -> subprocess.CompletedProcess:
    """Runs argv to completion: bytes stdout and stderr, stdin from `stdin` (bytes or str;
    None: /dev/null). env entries are added to the (proxy-free) environment; None removes one.
    On timeout the process group is killed and the test fails."""
    argv = [os.fspath(x) if isinstance(x, os.PathLike) else str(x) for x in argv]
    if isinstance(stdin, str):
        stdin = stdin.encode()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else
                            subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=base_env(env), cwd=cwd, start_new_session=True)
    _children.add(proc)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = _drain(proc)
        raise TestFailure(f"timed out after {timeout} s: {' '.join(argv)}; "
                          f"stdout={_clip(out)!r}; stderr={_clip(err)!r}") from None
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        _children.discard(proc)
    return subprocess.CompletedProcess(argv, proc.returncode, out, without_asan_notice(err))


def _drain(proc: subprocess.Popen) -> tuple[bytes, bytes]:
    try:
        return proc.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        return b"", b""


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.kill()
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass


def _kill_children() -> None:
    for proc in list(_children):
        _kill_group(proc)
        _children.discard(proc)


def _stop_fixtures() -> None:
    for fixture in list(_fixtures):
        try:
            fixture.stop()
        except Exception:  # noqa: BLE001 - best effort cleanup
            pass
        _fixtures.discard(fixture)


atexit.register(_kill_children)
atexit.register(_stop_fixtures)


# ---------------------------------------------------------------------------------------------
# Fixtures


class HttpFixture:
    """tests/fixture/http_server.py on 127.0.0.1 (or bind="::1"), started on __enter__ and
    stopped on __exit__.

    .port, .host, .base ("http://127.0.0.1:PORT"), .url("/path") -> base + path,
    .get(path) -> (status, body bytes) without greenfetch, .stats() -> dict,
    .reset_stats()."""

    def __init__(self, bind: str = "127.0.0.1", start_timeout: float = 10.0):
        self.host = bind
        self.start_timeout = start_timeout
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.base + path

    def start(self) -> "HttpFixture":
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", HTTP_SERVER, "--port", "0", "--bind", self.host],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=base_env())
        _fixtures.add(self)
        try:
            line = _read_line(self.proc, self.start_timeout)
            if not line.startswith(b"PORT "):
                raise RuntimeError(f"http_server.py did not start: {line!r}")
            self.port = int(line.split()[1])
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        _fixtures.discard(self)
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for f in (proc.stdin, proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        dns.stop_process(proc)

    def get(self, path: str, timeout: float = 10.0,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """A GET with http.client (not greenfetch): (status, body)."""
        conn = HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def stats(self) -> dict:
        return json.loads(self.get("/stats")[1])

    def reset_stats(self) -> None:
        self.get("/stats/reset")

    def __enter__(self) -> "HttpFixture":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Redis:
    """redis-server on 127.0.0.1 (a free port), started on __enter__ and stopped on __exit__.
    No persistence, or with appendonly=True an append-only file (fsync always) in `dir`, so
    that stop() and start() again keep the data. .port, .url ("redis://127.0.0.1:PORT"),
    .cli(*args) -> redis-cli's stdout (str)."""

    def __init__(self, dir: str | None = None, appendonly: bool = False):
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = dir
        self.appendonly = appendonly
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> "Redis":
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        if self.appendonly:
            argv += ["--appendonly", "yes", "--appendfsync", "always", "--dir", self.dir]
        else:
            argv += ["--appendonly", "no"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _fixtures.add(self)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("PING").strip() == "PONG":
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def cli(self, *argv: str) -> str:
        p = subprocess.run(["redis-cli", "-p", str(self.port), *argv], capture_output=True,
                           timeout=10)
        return p.stdout.decode(errors="replace")

    def stop(self) -> None:
        _fixtures.discard(self)
        proc, self.proc = self.proc, None
        if proc is not None:
            dns.stop_process(proc)

    def __enter__(self) -> "Redis":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _read_line(proc: subprocess.Popen, timeout: float) -> bytes:
    """One line from proc.stdout within timeout (poll + os.read; no blocking readline)."""
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    for _ in range(10_000):  # bounded in count and by the deadline
        if b"\n" in buf:
            return buf.split(b"\n", 1)[0].strip()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError(f"no line from pid {proc.pid} within {timeout} s: {buf!r}")
        if poller.poll(remaining * 1000):
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"pid {proc.pid} exited before printing a line "
                                   f"(status {proc.poll()}): {buf!r}")
            buf += chunk
    raise RuntimeError("too many reads")


class Dnsmasq(dns.DnsmasqServer):
    """dnsmasq answering mapping (name -> IP or list of IPs) on 127.0.0.1:PORT.

    .port, .server ("127.0.0.1:PORT"), .query(name, "A"|"AAAA", timeout=1.0, tcp=False) ->
    DnsAnswer(rcode, addresses) or None. Unmapped names under .test are NXDOMAIN; only the
    exact mapped names resolve (host-record), TTL 60."""

    def start(self) -> "Dnsmasq":
        _fixtures.add(self)
        return super().start()

    def stop(self) -> None:
        _fixtures.discard(self)
        super().stop()


class Blackhole(dns.Blackhole):
    """A UDP port on 127.0.0.1 that reads queries and never answers: .port, .server
    ("127.0.0.1:PORT"), .queries (datagrams received so far)."""

    def __init__(self) -> None:
        super().__init__()
        _fixtures.add(self)

    def stop(self) -> None:
        _fixtures.discard(self)
        super().stop()



def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for servers that need one up front)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*argv: str) -> None:
    subprocess.run(["openssl", *argv], check=True, capture_output=True, timeout=60)


class TlsNginx:
    """nginx in the foreground on 127.0.0.1 with TLS and a self-signed certificate for
    localhost/127.0.0.1 (dir/server.pem, dir/server.key). `server_conf` is the body of the one
    server block (locations, root...), where "{dir}" stands for the server's folder; `prepare(dir)` runs before nginx starts, to write
    files the configuration names. Start it with `with TlsNginx(...) as n:`."""

    NGINX = "/usr/sbin/nginx"

    def __init__(self, server_conf: str = "", http2: bool = False,
                 prepare: Callable[[str], None] | None = None, prefix: str = "gf-nginx-"):
        self.server_conf = server_conf
        self.http2 = http2
        self.prepare = prepare
        self.prefix = prefix
        self.proc = None

    def __enter__(self):
        import shutil
        import socket
        import tempfile
        self.dir = d = tempfile.mkdtemp(prefix=self.prefix)
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", f"{d}/server.key", "-out", f"{d}/server.pem")
        if self.prepare:
            self.prepare(d)
        self.port = free_port()
        h2 = " http2" if self.http2 else ""
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(f"""daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d};
  uwsgi_temp_path {d}; scgi_temp_path {d};
  server {{
    listen 127.0.0.1:{self.port} ssl{h2};
    ssl_certificate {d}/server.pem; ssl_certificate_key {d}/server.key;
    {self.server_conf.replace('{dir}', d)}
  }}
}}
""")
        nginx = shutil.which("nginx") or self.NGINX
        self.proc = subprocess.Popen([nginx, "-c", f"{d}/nginx.conf"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise TestFailure(f"nginx did not start (see {d}/error.log)")

    def url(self, path: str) -> str:
        return f"https://localhost:{self.port}{path}"

    def __exit__(self, *exc):
        import shutil
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


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

def query(port: int, name: str, qtype: str = "A", timeout: float = 1.0, tcp: bool = False):
    """One hand-built DNS query to 127.0.0.1:port: DnsAnswer(rcode, addresses) or None."""
    return dns.query(port, name, qtype, timeout, tcp=tcp)
