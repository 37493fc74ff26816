"""Crawl: links resolved as the URL Standard says, and "reported = requested".

A fixture page carries links in every edge case of issue 13 (backslashes, same-scheme relative
forms, hosts written as escapes or IPv4 numbers, tabs, spaces, non-ASCII, dot segments) plus
links the Standard rejects. The fixture server records each request-target it receives; the
URLs greenfetch reports in -j, -w '%{url}' and WARC-Target-URI must be exactly those, byte for
byte, and the rejected links are counted and named, never fetched. The same holds across
redirects: a Location value is resolved by the Standard's parser against the URL that
redirected and normalized as a link is, and a Location the Standard rejects is an error naming
it, not fetched.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from http.client import HTTPConnection
from urllib.parse import quote

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))

# (href, the request-target it must become), for the links that are fetched.
FETCHED = [
    ("\\x", "/x"),
    ("http:foo", "/dir/foo"),
    ("http:/abs", "/abs"),
    ("a b", "/dir/a%20b"),
    ("%7euser", "/dir/~user"),
    ("ü/€", "/dir/%C3%BC/%E2%82%AC"),
    ("q?a=1&b='x'&c=%2f", "/dir/q?a=1&b=%27x%27&c=%2F"),
    ("p|i^pe", "/dir/p|i%5Epe"),
    ("/%2e%2E/up", "/up"),
    ("./dot/../x2", "/dir/x2"),
    ("//%31%32%37.0.0.1:{port}/host-escaped", "/host-escaped"),
    ("http://0x7f.1:{port}/hex-host", "/hex-host"),
    ("http://2130706433:{port}/num-host", "/num-host"),
    ("HTTP://127.0.0.1:{port}/tab\there", "/tabhere"),
    ("  /trim  ", "/trim"),
    ("/a%zz", "/a%zz"),
    ("/s?", "/s"),
    ("/frag#x", "/frag"),
]
# Links the Standard rejects: counted, reported on stderr, not fetched.
REJECTED = [
    "http://[::%31]/",
    "http://256.256.256.256/",
    "http://a|b/",
    "http://%25/",
    "http://\u00ad/",
    "http://127.0.0.1:99999/",
]
# Neither fetched nor rejected: other schemes, the page itself.
IGNORED = ["mailto:someone@example.com", "javascript:void(0)", "#top", ""]


def register(h: HttpFixture, path: str, body: bytes, ctype: str) -> None:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("POST", f"/files/set?path={quote(path)}&type={quote(ctype, safe='')}",
                     body=body)
        r = conn.getresponse()
        r.read()
        check(r.status == 200, f"register {path}: {r.status}")
    finally:
        conn.close()


def page(port: int) -> bytes:
    hrefs = [f.format(port=port) for f, _ in FETCHED] + REJECTED + IGNORED
    items = "\n".join(f'<a href="{h.replace(chr(34), "&quot;")}">x</a>' for h in hrefs)
    return (f"<!doctype html><html><head><meta charset=utf-8><title>links</title></head>"
            f"<body>{items}</body></html>\n").encode()


def fetch_requests(h: HttpFixture) -> list[str]:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("GET", "/requests")
        r = conn.getresponse()
        body = r.read()
        check(r.status == 200, r.status)
        return [t for t in json.loads(body) if t != "/robots.txt"]
    finally:
        conn.close()


def reset_requests(h: HttpFixture) -> None:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("GET", "/requests/reset")
        conn.getresponse().read()
    finally:
        conn.close()


def crawl(h: HttpFixture, *extra: str):
    reset_requests(h)
    seed = h.url("/dir/links.html")
    p = run([args.greenfetch, "crawl", "--max-depth", "1", "--stats", *extra, seed], timeout=60)
    check(p.returncode == 0, p)
    return p, seed


def check_requested(h: HttpFixture, reported: list[str], origin: str) -> None:
    received = fetch_requests(h)
    check(sorted(reported) == sorted(origin + t for t in received),
          f"reported {sorted(reported)}\nreceived {sorted(received)}")
    want = {"/dir/links.html"} | {t for _, t in FETCHED}
    check(set(received) == want, f"received {sorted(received)}, want {sorted(want)}")
    check(len(received) == len(set(received)), f"a URL fetched twice: {received}")


@harness.test
def json_and_warc_name_what_was_requested():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        register(h, "/dir/links.html", page(h.port), "text/html; charset=utf-8")
        warc = os.path.join(d, "c.warc.gz")
        p, seed = crawl(h, "-j", "--warc", warc)
        origin = f"http://127.0.0.1:{h.port}"
        records = [json.loads(x) for x in p.stdout.decode().splitlines()]
        reported = [r["url"] for r in records]
        check_requested(h, reported, origin)
        # Stats and stderr name the rejected links.
        err = p.stderr.decode()
        check(f"{len(REJECTED)} links rejected" in err, err)
        check(err.count("the URL Standard rejects it") == len(REJECTED), err)
        check(json.dumps("http://256.256.256.256/") in err, err)
        # WARC-Target-URI of every response record is the requested URL.
        check(shutil.which("node") is not None, "node is not installed (run .ci/install-deps)")
        v = run(["node", os.path.join(HERE, "warc_validate.js"), warc], timeout=120)
        check(v.returncode == 0, v)
        responses = [json.loads(x) for x in v.stdout.decode().splitlines()]
        targets = [r["target_uri"] for r in responses if r.get("type") == "response"]
        check(sorted(targets) == sorted(reported), (targets, reported))


@harness.test
def write_out_url_is_what_was_requested():
    with HttpFixture() as h:
        register(h, "/dir/links.html", page(h.port), "text/html; charset=utf-8")
        p, seed = crawl(h, "-w", "%{url}\\n")
        reported = p.stdout.decode().split("\n")[:-1]
        check_requested(h, reported, f"http://127.0.0.1:{h.port}")


@harness.test
def silent_crawl_still_counts_rejected_links():
    with HttpFixture() as h:
        register(h, "/dir/links.html", page(h.port), "text/html; charset=utf-8")
        p, seed = crawl(h, "-s")
        err = p.stderr.decode()
        check("the URL Standard rejects it" not in err, err)
        check(f"{len(REJECTED)} links rejected" in err, err)


# (Location value, the request-target fetched next), against /redirect-to?url=...
REDIRECTED = [
    ("\\x\\back", "/x/back"),
    ("/t\tab", "/tab"),
    ("../up", "/up"),
    ("?q", "/redirect-to?q"),
    ("//127.0.0.1:{port}/net", "/net"),
    ("http://0x7f.1:{port}/hex", "/hex"),
    ("http://%31%32%37.0.0.1:{port}/esc", "/esc"),
    ("/%7euser", "/~user"),
    ("/sp ace", "/sp%20ace"),
    ("/frag#x", "/frag"),
]
REJECTED_LOCATIONS = ["http://a b/", "http://[::1/", "http://%zz/"]


@harness.test
def redirect_targets_are_what_was_requested():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        origin = f"http://127.0.0.1:{h.port}"
        locations = [loc.format(port=h.port) for loc, _ in REDIRECTED] + REJECTED_LOCATIONS
        links = ["/redirect-to?url=" + quote(loc, safe="") for loc in locations]
        body = "".join(f'<a href="{x}">x</a>' for x in links)
        register(h, "/dir/links.html", body.encode(), "text/html")
        warc = os.path.join(d, "r.warc.gz")
        reset_requests(h)
        seed = h.url("/dir/links.html")
        p = run([args.greenfetch, "crawl", "--max-depth", "1", "-j", "--warc", warc, seed],
                timeout=60)
        check(p.returncode == 1, p)  # the rejected Locations are errors
        records = [json.loads(x) for x in p.stdout.decode().splitlines()]
        redirected = {r["url"]: r for r in records if "/redirect-to?" in r["url"]}
        check(len(redirected) == len(links), sorted(redirected))
        effective = []
        for link, (_, target) in zip(links, REDIRECTED):
            r = redirected[origin + link]
            check(r["url_effective"] == origin + target and r["redirects"] == 1, r)
            effective.append(r["url_effective"])
        for link in links[len(REDIRECTED):]:
            r = redirected[origin + link]
            check(r["error"]["kind"] == "invalid_url" and r["redirects"] == 0, r)
        # The fixture got the page, each link, and exactly the targets reported.
        received = fetch_requests(h)
        check(sorted(received) == sorted(["/dir/links.html"] + links + [t for _, t in REDIRECTED]),
              received)
        err = p.stderr.decode()
        for loc in REJECTED_LOCATIONS:
            check(f"Location '{loc}'" in err, err)
        # WARC-Target-URI of each response is the URL fetched.
        v = run(["node", os.path.join(HERE, "warc_validate.js"), warc], timeout=120)
        check(v.returncode == 0, v)
        responses = [json.loads(x) for x in v.stdout.decode().splitlines()]
        targets = {r["target_uri"] for r in responses if r.get("type") == "response"}
        check(set(effective) <= targets, (sorted(targets), effective))
        check(not any("%7e" in t or "0x7f" in t or "#" in t for t in targets), targets)
        # -w %{url_effective} names the same URLs.
        p = run([args.greenfetch, "crawl", "--max-depth", "1", "-w", "%{url_effective}\\n", seed],
                timeout=60)
        written = p.stdout.decode().split("\n")[:-1]
        check(set(effective) <= set(written), (written, effective))


def crawl_extensions(*options: str) -> set[str]:
    with HttpFixture() as h:
        links = ["a.pdf", "b.ZIP", "c.jpg", "d.html", "e/", "f", "g.pdf?x=1.zip"]
        body = "".join(f'<a href="{x}">x</a>' for x in links)
        register(h, "/dir/links.html", f"<html><body>{body}</body></html>".encode(),
                 "text/html")
        crawl(h, *options)
        return set(fetch_requests(h)) - {"/dir/links.html"}


@harness.test
def accept_ext_and_reject_ext_choose_the_files_followed():
    got = crawl_extensions("--accept-ext", "pdf,.Zip")
    check(got == {"/dir/a.pdf", "/dir/b.ZIP", "/dir/d.html", "/dir/e/", "/dir/f",
                  "/dir/g.pdf?x=1.zip"}, got)
    got = crawl_extensions("--reject-ext", "zip", "--reject-ext", "JPG,pdf")
    check(got == {"/dir/d.html", "/dir/e/", "/dir/f"}, got)
    p = run([args.greenfetch, "crawl", "--accept-ext=.", "http://127.0.0.1:1/"])
    check(p.returncode == 2 and b"--accept-ext" in p.stderr, p)


@harness.test
def duration_ends_the_crawl_cleanly_and_state_resumes_it():
    import time
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        links = [f"/delay/300/{i}" for i in range(20)]
        body = "".join(f'<a href="{x}">x</a>' for x in links)
        register(h, "/dir/links.html", f"<html><body>{body}</body></html>".encode(), "text/html")
        seed = h.url("/dir/links.html")
        state = os.path.join(d, "st")
        argv = [args.greenfetch, "crawl", "-c", "1", "--max-depth", "1", "--state", state, seed]
        start = time.monotonic()
        p = run(argv[:2] + ["-z", "1s"] + argv[2:], timeout=60)
        elapsed = time.monotonic() - start
        check(p.returncode == 0, p)
        check(elapsed < 4, f"took {elapsed:.1f} s for -z 1s")
        check(b"--duration reached" in p.stderr, p.stderr)
        first = p.stdout.decode().split()
        check(seed in first and 1 <= len(first) < 21, first)
        p = run(argv, timeout=60)
        check(p.returncode == 0, p)
        second = p.stdout.decode().split()
        check(sorted(first + second) == sorted([seed] + [h.url(x) for x in links]),
              (first, second))
    p = run([args.greenfetch, "crawl", "-z", "soon", "http://127.0.0.1:1/"])
    check(p.returncode == 2 and b"--duration" in p.stderr, p)


@harness.test
def list_external_names_each_outside_link_once_with_its_page():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        # Two pages of the site link the same outside URL (another port is another host for
        # --scope host); nothing outside is fetched.
        out1 = "http://127.0.0.1:1/gone"
        out2 = "http://localhost:1/x#frag"
        register(h, "/dir/links.html",
                 f'<a href="{out1}">a</a><a href="p2.html">b</a><a href="{out2}">c</a>'
                 f'<a href="mailto:x@example.com">m</a>'.encode(), "text/html")
        register(h, "/dir/p2.html", f'<a href="{out1}">again</a>'.encode(), "text/html")
        path = os.path.join(d, "ext.tsv")
        p, seed = crawl(h, "--list-external", path)
        with open(path) as f:
            lines = f.read().split("\n")[:-1]
        check(lines == [f"{out1}\t{seed}", f"http://localhost:1/x\t{seed}"], lines)
        check(set(fetch_requests(h)) == {"/dir/links.html", "/dir/p2.html"}, fetch_requests(h))
    p = run([args.greenfetch, "crawl", "--list-external", "/nonexistent/dir/x", "http://127.0.0.1:1/"])
    check(p.returncode == 2 and b"/nonexistent/dir/x" in p.stderr, p)


@harness.test
def no_seed_at_all_is_a_usage_error():
    # `crawl < /dev/null`, and an input file with only comments, as bench's empty input is.
    p = run([args.greenfetch, "crawl"], stdin=b"")
    check(p.returncode == 2 and b"greenfetch" in p.stderr and b"no seed" in p.stderr, p)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "seeds.txt")
        with open(path, "w") as f:
            f.write("# nothing here\n\n")
        p = run([args.greenfetch, "crawl", "-i", path])
        check(p.returncode == 2 and b"no seed" in p.stderr, p)


if __name__ == "__main__":
    harness.main()
