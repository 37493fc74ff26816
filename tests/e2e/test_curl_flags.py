"""curl's request flags (issue 11): each one runs through greenfetch and through curl itself on
the same loopback fixture, for one URL and for a batch, and what the server received (the
/echo endpoint's record), what each wrote and the exit status (0 or not) must agree."""
import fcntl
import json
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import termios
import time

import harness
from harness import Dnsmasq, HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
CURL = shutil.which("curl")
MICROSOCKS = shutil.which("microsocks")
DANTED = shutil.which("danted") or (os.path.exists("/usr/sbin/danted") and "/usr/sbin/danted")

# Headers that differ by design: the client's name, greenfetch's default Accept-Encoding
# (curl needs --compressed), the port.
IGNORED = {"user-agent", "accept-encoding"}


def records(out: bytes) -> list:
    """The /echo records of a run's stdout (bodies one after the other)."""
    dec = json.JSONDecoder()
    text = out.decode()
    found = []
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        obj, pos = dec.raw_decode(text, pos)
        found.append(obj)
    return found


def normalized(rec: dict) -> dict:
    """An /echo record without what differs by design; multipart boundaries made equal."""
    headers = {k.lower(): v for k, v in rec["headers"].items() if k.lower() not in IGNORED}
    body = rec["body"]
    m = re.search(r"boundary=(\S+)", headers.get("content-type", ""))
    if m:
        body = body.replace(m.group(1), "BOUNDARY")
        headers["content-type"] = headers["content-type"].replace(m.group(1), "BOUNDARY")
    return {"method": rec["method"], "path": rec["path"], "query": rec["query"],
            "headers": headers, "body": body}


def both(gf_args, curl_args=None, urls=(), stdin=None, env=None):
    """Runs greenfetch and curl (-s, plus curl_args, default gf_args) on urls."""
    curl_args = gf_args if curl_args is None else curl_args
    g = run([GF, *gf_args, *urls], stdin=stdin, env=env)
    c = run([CURL, "-s", *curl_args, *urls], stdin=stdin, env=env)
    return g, c


def same_requests(gf_args, urls, curl_args=None, expect_ok=True):
    """What the server received from greenfetch and from curl is the same, record by record."""
    g, c = both(gf_args, curl_args, urls)
    check((g.returncode == 0) == (c.returncode == 0) == expect_ok,
          ("exit", g.returncode, c.returncode, g.stderr, c.stderr))
    gr = [normalized(r) for r in records(g.stdout)]
    cr = [normalized(r) for r in records(c.stdout)]
    check(len(gr) == len(urls) and gr == cr, ("records differ", gf_args, gr, cr))
    return gr


def one_and_batch(gf_args, fx, path="/echo", curl_args=None, curl_batch_args=None):
    """The flag on one URL, then on a batch of three (curl_batch_args: curl's spelling of the
    same for three URLs, where curl wants a flag per URL)."""
    same_requests(gf_args, [fx.url(path)], curl_args)
    sep = "&" if "?" in path else "?"
    return same_requests(gf_args, [fx.url(f"{path}{sep}n={i}") for i in range(3)],
                         curl_batch_args if curl_batch_args is not None else curl_args)


@harness.test
def json_sends_a_json_post():
    check(CURL is not None, "curl is not installed")
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "doc.json")
        with open(path, "w") as f:
            f.write('{"f":\n 1}\n')
        r = one_and_batch(["--json", '{"a":1}'], h)
        check(r[0]["method"] == "POST" and r[0]["body"] == '{"a":1}', r)
        check(r[0]["headers"]["content-type"] == "application/json", r)
        check(r[0]["headers"]["accept"] == "application/json", r)
        one_and_batch(["--json", '{"a":', "--json", "1}"], h)
        one_and_batch(["-d", "x=1", "--json", "{}", "-d", "y=2"], h)
        r = one_and_batch(["--json", "@" + path], h)
        check(r[0]["body"] == '{"f":\n 1}\n', r)
        one_and_batch(["--json", "{}", "-H", "Content-Type: text/x", "-H", "Accept: a/b"], h)
        # JSON Lines output moved to -j/--jsonl.
        p = run([GF, "--jsonl", h.url("/text/a")])
        check(p.returncode == 0 and json.loads(p.stdout)["status"] == 200, p)
        p = run([GF, "-j", h.url("/text/a")])
        check(p.returncode == 0 and json.loads(p.stdout)["status"] == 200, p)


@harness.test
def data_flags_get_and_referer():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "v.txt")
        with open(path, "w") as f:
            f.write("a b&c\n")
        one_and_batch(["--data-urlencode", "a b", "--data-urlencode", "=c&d",
                       "--data-urlencode", "n=v w", "--data-urlencode", "m@" + path,
                       "--data-urlencode", "@" + path], h)
        r = one_and_batch(["--data-raw", "@x", "-d", "y"], h)
        check(r[0]["body"] == "@x&y", r)
        r = one_and_batch(["-G", "-d", "a=1", "--data-urlencode", "b=x y"], h)
        check(r[0]["method"] == "GET" and r[0]["query"] == "n=0&a=1&b=x+y", r)
        one_and_batch(["-G", "-d", "a=1"], h, "/echo?z=0")
        r = one_and_batch(["-e", "http://ref.test/"], h)
        check(r[0]["headers"]["referer"] == "http://ref.test/", r)
        # ';auto': the redirect's target names the URL that redirected.
        start = h.url("/redirect-to?url=/echo")
        g = run([GF, "-e", "http://first/;auto", start])
        c = run([CURL, "-s", "-L", "-e", "http://first/;auto", start])
        check(normalized(json.loads(g.stdout)) == normalized(json.loads(c.stdout)), (g, c))
        check(json.loads(g.stdout)["headers"].get("Referer") == start, g.stdout)


@harness.test
def upload_file_form_and_header_file():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        up = os.path.join(d, "up load.txt")
        with open(up, "wb") as f:
            f.write(b"line 1\nline 2\n\x00\xff")
        # curl puts a -T file to one URL; greenfetch to each (curl: one -T per URL).
        r = one_and_batch(["-T", up], h, "/echo/", curl_batch_args=["-T", up] * 3)
        check(r[0]["method"] == "PUT" and r[0]["path"] == "/echo/up%20load.txt", r)
        r = one_and_batch(["-T", up], h, "/echo/named", curl_batch_args=["-T", up] * 3)
        check(r[0]["path"] == "/echo/named", r)
        r = one_and_batch(["-F", "a=b", "-F", "f=@" + up + ";type=text/x", "-F", "g=<" + up,
                           "-F", "h=@" + up + ";filename=other.bin"], h)
        check(r[0]["method"] == "POST" and "filename=\"up load.txt\"" in r[0]["body"], r)
        check("Content-Type: text/x" in r[0]["body"] and "other.bin" in r[0]["body"], r)
        hf = os.path.join(d, "headers.txt")
        with open(hf, "w") as f:
            f.write("X-One: 1\r\n\nX-Two: two words\n")
        r = one_and_batch(["-H", "@" + hf, "-H", "X-Three: 3"], h)
        check(r[0]["headers"]["x-one"] == "1" and r[0]["headers"]["x-two"] == "two words", r)
        # A missing file is a usage error for greenfetch; curl fails too.
        g, c = both(["-T", os.path.join(d, "missing")], urls=[h.url("/echo")])
        check(g.returncode == 2 and c.returncode != 0 and b"missing" in g.stderr, g.stderr)
        g, c = both(["-F", "f=@" + os.path.join(d, "missing")], urls=[h.url("/echo")])
        check(g.returncode == 2 and c.returncode != 0, (g.stderr, c.returncode))


@harness.test
def credentials_netrc_and_password_prompt():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        rc = os.path.join(d, "netrc")
        with open(rc, "w") as f:
            f.write("machine 127.0.0.1 login ann password s3cret\n")
        r = one_and_batch(["--netrc-file", rc], h)
        check(r[0]["headers"]["authorization"] == "Basic YW5uOnMzY3JldA==", r)
        r = one_and_batch(["--netrc"], h, curl_args=["--netrc"])
        # -u USER without a terminal: both send an empty password, without waiting.
        r = one_and_batch(["-u", "ann"], h)
        check(r[0]["headers"]["authorization"] == "Basic YW5uOg==", r)
        # On a terminal both ask, without echo, and send what was typed.
        got = {}
        for name, argv in (("gf", [GF, "-u", "ann", h.url("/echo")]),
                           ("curl", [CURL, "-s", "-u", "ann", h.url("/echo")])):
            out, prompt = run_on_tty(argv, b"typed pw\n")
            check(b"Enter host password for user 'ann':" in prompt, (name, prompt))
            check(b"typed pw" not in prompt, (name, "echoed", prompt))
            got[name] = normalized(json.loads(out))
        check(got["gf"] == got["curl"], got)
        check(got["gf"]["headers"]["authorization"] == "Basic YW5uOnR5cGVkIHB3", got)


def run_on_tty(argv, typed: bytes, timeout: float = 20):
    """Runs argv with a pseudo-terminal as its controlling terminal (stdin and stderr), types
    `typed` once the prompt appears; returns (stdout, what the terminal showed)."""
    master, slave = os.openpty()

    def become_tty_owner():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, stderr=slave,
                            preexec_fn=become_tty_owner, env=harness.base_env())
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + timeout
    try:
        while b"password" not in shown and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    shown += os.read(master, 4096)
                except OSError:
                    break
        time.sleep(0.2)  # the prompt is written before echo is turned off
        os.write(master, typed)
        out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        while True:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                break
            try:
                more = os.read(master, 4096)
            except OSError:
                break
            if not more:
                break
            shown += more
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return out, shown


@harness.test
def silent_show_error_url_and_scheme_less_urls():
    with HttpFixture() as h:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/x"
        closed.close()
        for flags, shown in ((["-s"], False), (["-sS"], True), (["-s", "-S"], True)):
            for urls in ([dead], [h.url("/text/a"), dead]):
                g, c = both(flags, urls=urls)
                check(g.returncode != 0 and c.returncode != 0, (flags, g, c))
                check(bool(g.stderr) == shown == bool(c.stderr), (flags, g.stderr, c.stderr))
                check(g.stdout == c.stdout, (g.stdout, c.stdout))
        urls = [h.url("/text/a"), "--url", h.url("/text/b"), h.url("/text/c"),
                "--url", h.url("/text/d")]
        g, c = both([], urls=urls)
        check(g.returncode == c.returncode == 0 and g.stdout == c.stdout, (g, c))
        check(g.stdout == b"hello /text/a\nhello /text/b\nhello /text/c\nhello /text/d\n", g)
        # No scheme: http://, as curl.
        bare = f"127.0.0.1:{h.port}/echo"
        same_requests([], [bare])
        same_requests([], [bare, bare + "?x=1", f"localhost:{h.port}/echo"])
        g = run([GF, "-w", "%{url_effective}\\n", bare])
        check(g.stdout.decode() == f"http://{bare}\n", g.stdout)


@harness.test
def limit_rate_slows_each_transfer():
    with HttpFixture() as h:
        # Each transfer is capped on its own (libcurl checks the rate between reads of up to
        # 1.6 MB, so the bodies are large).
        for urls in ([h.url("/bytes/3000000")], [h.url("/bytes/2000000")] * 2):
            start = time.monotonic()
            g = run([GF, "--limit-rate", "1M", *urls])
            took = time.monotonic() - start
            c = run([CURL, "-s", "--limit-rate", "1M", *urls])
            check(g.returncode == c.returncode == 0 and g.stdout == c.stdout, (g.returncode, c))
            check(took >= 1.2, ("--limit-rate 1M took", took))
        p = run([GF, "--limit-rate", "fast", h.url("/text/a")])
        check(p.returncode == 2 and b"--limit-rate" in p.stderr, p.stderr)


class Microsocks:
    """Debian's microsocks on 127.0.0.1 (a free port), optionally with a user and password."""

    def __init__(self, auth=None):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        argv = [MICROSOCKS, "-i", "127.0.0.1", "-p", str(self.port)]
        if auth:
            argv += ["-u", auth[0], "-P", auth[1]]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("microsocks did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


@harness.test
def socks_proxies():
    check(MICROSOCKS is not None, "microsocks is not installed (.ci/install-deps)")
    with HttpFixture() as h, Microsocks() as ms, \
            Dnsmasq({"target.test": "127.0.0.1", "proxy.test": "127.0.0.1"}) as dns:
        for scheme in ("socks5", "socks5h"):
            proxy = f"{scheme}://127.0.0.1:{ms.port}"
            one_and_batch(["-x", proxy], h)
            # The proxy's own name is resolved by greenfetch's resolver (c-ares).
            p = run([GF, "--dns-servers", dns.server, "-x", f"{scheme}://proxy.test:{ms.port}",
                     h.url("/text/a")])
            check(p.returncode == 0 and p.stdout == b"hello /text/a\n", p)
        # socks5: greenfetch resolves the target; socks5h: the name goes to the proxy, which
        # cannot resolve target.test (curl does the same with --resolve for it).
        target = f"http://target.test:{h.port}/text/a"
        res = ["--resolve", f"target.test:{h.port}:127.0.0.1"]
        g = run([GF, "--dns-servers", dns.server, "-x", f"socks5://127.0.0.1:{ms.port}", target])
        c = run([CURL, "-s", *res, "-x", f"socks5://127.0.0.1:{ms.port}", target])
        check(g.returncode == c.returncode == 0 and g.stdout == c.stdout, (g, c))
        g = run([GF, "--dns-servers", dns.server, "-x", f"socks5h://127.0.0.1:{ms.port}",
                 target])
        c = run([CURL, "-s", *res, "-x", f"socks5h://127.0.0.1:{ms.port}", target])
        check(g.returncode != 0 and c.returncode != 0, (g, c))
        # socks5h sends localhost unresolved: it works even with a DNS server that never answers.
        g = run([GF, "--dns-servers", "127.0.0.1:9", "--dns-timeout", "0.2", "-x",
                 f"socks5h://127.0.0.1:{ms.port}", f"http://localhost:{h.port}/text/a"])
        check(g.returncode == 0 and g.stdout == b"hello /text/a\n", g)
    with HttpFixture() as h, Microsocks(("ann", "pw")) as ms:
        proxy = f"socks5h://127.0.0.1:{ms.port}"
        one_and_batch(["-x", proxy, "--proxy-user", "ann:pw"], h)
        g, c = both(["-x", proxy, "--proxy-user", "ann:wrong"], urls=[h.url("/echo")])
        check(g.returncode != 0 and c.returncode != 0, (g, c))


class Dante:
    """Debian's dante-server (danted) on 127.0.0.1, no authentication: the SOCKS4 proxy."""

    def __init__(self, workdir):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        conf = os.path.join(workdir, "danted.conf")
        user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
        with open(conf, "w") as f:
            f.write(f"logoutput: stderr\ninternal: 127.0.0.1 port = {self.port}\n"
                    "external: 127.0.0.1\nsocksmethod: none\nclientmethod: none\n"
                    f"user.privileged: {user}\nuser.unprivileged: {user}\n"
                    "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n"
                    "socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 protocol: tcp }\n")
        self.proc = subprocess.Popen([DANTED, "-f", conf, "-N", "1"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("danted did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass
        self.proc.wait()


@harness.test
def socks4_proxies():
    check(DANTED, "danted is not installed (.ci/install-deps: dante-server)")
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d, Dante(d) as proxy:
        one_and_batch(["-x", f"socks4://127.0.0.1:{proxy.port}"], h)
        g = run([GF, "-x", f"socks4://127.0.0.1:{proxy.port}", f"http://localhost:{h.port}/text/a"])
        check(g.returncode == 0 and g.stdout == b"hello /text/a\n", g)
        # dante refuses SOCKS4a (a name for the proxy to resolve): curl and greenfetch alike.
        g, c = both(["-x", f"socks4a://127.0.0.1:{proxy.port}"],
                    urls=[f"http://localhost:{h.port}/text/a"])
        check((g.returncode == 0) == (c.returncode == 0), (g, c))


@harness.test
def verbose_lines_are_whole_and_labelled():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        urls = [h.url(f"/text/{i}") for i in range(4)]
        g = run([GF, "-v", *urls])
        c = run([CURL, "-v", *urls])
        check(g.returncode == c.returncode == 0 and g.stdout == c.stdout, (g, c))
        lines = g.stderr.decode().splitlines()
        check(lines and all(re.match(r"^\[[1-4]\] [*<>] ", ln) for ln in lines), lines[:20])
        for i in range(4):
            check(f"[{i + 1}] > GET /text/{i} HTTP/1.1" in lines, (i, lines))
            check(any(ln.startswith(f"[{i + 1}] < HTTP/1.1 200") for ln in lines), (i, lines))
            check(f"> GET /text/{i} HTTP/1.1" in c.stderr.decode(), c.stderr)
        listed = os.path.join(d, "urls.txt")
        with open(listed, "w") as f:
            f.write("\n".join(urls[:2]) + "\n")
        g = run([GF, "-v", "-i", listed])
        lines = g.stderr.decode().splitlines()
        check(f"[{listed}:2] > GET /text/1 HTTP/1.1" in lines, lines)


@harness.test
def url_globs_expand_like_curls():
    with HttpFixture() as h:
        for pattern in ("/text/[1-3]", "/text/{a,b,c}x", "/text/[001-010:4]/{x,y}",
                        "/text/[a-c]"):
            g, c = both([], urls=[h.url(pattern)])
            check(g.returncode == c.returncode == 0 and g.stdout == c.stdout, (pattern, g, c))
        g, c = both([], urls=[h.url("/text/[1-2]"), h.url("/text/{z,y}")])
        check(g.stdout == c.stdout == b"hello /text/1\nhello /text/2\nhello /text/z\n"
              b"hello /text/y\n", (g.stdout, c.stdout))
        # -g: brackets and braces as they are.
        same_requests(["-g"], [h.url("/echo?a[]=1&b={x}")])
        # A bad glob is refused before anything is fetched (curl: exit 3; greenfetch: 2).
        g, c = both([], urls=[h.url("/text/a"), h.url("/text/[1-")])
        check(g.returncode == 2 and c.returncode != 0 and b"[1-" in g.stderr, g.stderr)
        check(g.stdout == b"", g.stdout)
        # Input files are never globbed.
        p = run([GF, "-i", "-"], stdin=h.url("/echo?q=[1-2]") + "\n")
        check(p.returncode == 0 and json.loads(p.stdout)["query"] == "q=[1-2]", p)
        # Streaming: a glob of ten million URLs starts at once and stops with the reader.
        p = subprocess.Popen([GF, "-w", "%{url}\n", h.url("/text/[1-1000]/[1-10000]")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=harness.base_env(), start_new_session=True)
        first = p.stdout.readline()
        p.stdout.close()
        try:
            p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        check(first == (h.url("/text/1/1") + "\n").encode(), first)
        check(p.returncode == 141, ("exit after the reader left", p.returncode))


@harness.test
def config_file_options_and_url_lines():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "gf.conf")
        with open(cfg, "w") as f:
            f.write("# a curl config file\n"
                    "header = \"X-Conf: one two\"\n"
                    "--user-agent \"agent \\\"q\\\"\"\n"
                    "-e http://ref.test/\n"
                    f"url = {h.url('/echo?n=1')}\n"
                    f"url: \"{h.url('/echo?n=2')}\"\n"
                    "silent\n")
        gf = run([GF, "-K", cfg])
        c = run([CURL, "-K", cfg])
        check(gf.returncode == c.returncode == 0, (gf, c))
        gr = [normalized(r) for r in records(gf.stdout)]
        cr = [normalized(r) for r in records(c.stdout)]
        check(len(gr) == 2 and gr == cr, (gr, cr))
        ua = [r["headers"]["User-Agent"] for r in records(gf.stdout)]
        check(ua == ['agent "q"'] * 2, ua)
        check(gr[0]["headers"]["x-conf"] == "one two" and gr[0]["query"] == "n=1", gr)
        # The config's URLs come after the arguments (curl: in -K's place; the same here).
        g, c = both([h.url("/echo?n=0"), "-K", cfg])
        check([r["query"] for r in records(g.stdout)] == ["n=0", "n=1", "n=2"] ==
              [r["query"] for r in records(c.stdout)], (g.stdout, c.stdout))
        bad = os.path.join(d, "bad.conf")
        with open(bad, "w") as f:
            f.write("silent\nuser-agent = \"open\n")
        p = run([GF, "-K", bad, h.url("/echo")])
        check(p.returncode == 2 and f"{bad}:2".encode() in p.stderr, p.stderr)
        p = run([GF, "-K", os.path.join(d, "missing.conf"), h.url("/echo")])
        check(p.returncode == 2 and b"missing.conf" in p.stderr, p.stderr)


if __name__ == "__main__":
    harness.main()
