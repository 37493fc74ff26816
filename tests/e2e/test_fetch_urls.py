"""Fetch mode reads its input URLs with the URL Standard's parser, as crawl reads links.

`http://bücher.example/` is fetched as http://xn--bcher-kva.example/ (UTS #46), hosts in
IPv4 number forms or percent-escapes are fetched at the address they name, a backslash is a
slash; %{url} stays the URL as given (curl's meaning), %{url_effective} names what libcurl was
asked for, and the fixture receives exactly that. A URL the Standard rejects is an invalid_url
error naming its input line. With -L, a Location header is read the same way: resolved by the
Standard's parser against the URL that redirected, and what is fetched next is what is reported.
A Location the Standard rejects ends the URL with an invalid_url error naming the value.
"""
from __future__ import annotations

import json
import os
import tempfile
from http.client import HTTPConnection
from urllib.parse import quote

import harness
from harness import Dnsmasq, HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch


def received(h: HttpFixture) -> list[str]:
    conn = HTTPConnection(h.host, h.port, timeout=10)
    try:
        conn.request("GET", "/requests")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


@harness.test
def input_urls_go_through_the_url_standard():
    with HttpFixture() as h, Dnsmasq({"xn--bcher-kva.example": "127.0.0.1"}) as dns:
        port = h.port
        cases = [
            (f"http://bücher.example:{port}/text/idn", f"http://xn--bcher-kva.example:{port}/text/idn"),
            (f"http://0x7f.1:{port}/text/hex", f"http://127.0.0.1:{port}/text/hex"),
            (f"http://%31%32%37.0.0.1:{port}/text/esc", f"http://127.0.0.1:{port}/text/esc"),
            (f"http://127.0.0.1:{port}\\text\\back", f"http://127.0.0.1:{port}/text/back"),
            (f"HTTP://127.0.0.1:{port}/text/a b#frag", f"http://127.0.0.1:{port}/text/a%20b"),
            (f"127.0.0.1:{port}/text/noscheme", f"http://127.0.0.1:{port}/text/noscheme"),
        ]
        p = run([GF, "--dns-servers", dns.server, "-w", "%{http_code} %{url} %{url_effective}\\n"] +
                [given for given, _ in cases])
        check(p.returncode == 0, p)
        lines = p.stdout.decode().split("\n")[:-1]
        check(len(lines) == len(cases), lines)
        for line, (given, fetched) in zip(lines, cases):
            check(line == f"200 {given} {fetched}", (line, given, fetched))
        targets = received(h)
        want = [f.split(str(port), 1)[1] for _, f in cases]
        check(sorted(targets) == sorted(want), (targets, want))


@harness.test
def a_url_the_standard_rejects_is_invalid_url_with_its_line():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "urls.txt")
        with open(path, "w") as f:
            f.write(f"{h.url('/text/ok')}\nhttp://256.256.256.256:{h.port}/\nhttp://a|b/\n"
                    f"http://[::%31]:{h.port}/\n")
        p = run([GF, "-i", path, "-j"])
        check(p.returncode == 1, p)
        records = [json.loads(x) for x in p.stdout.decode().splitlines()]
        check([r["error"]["kind"] if r.get("error") else None for r in records] ==
              [None, "invalid_url", "invalid_url", "invalid_url"], records)
        err = p.stderr.decode()
        for n in (2, 3, 4):
            check(f"{path}:{n}:" in err, err)
        check(received(h) == ["/text/ok"], received(h))


def redirect_to(h: HttpFixture, location: str) -> str:
    return h.url("/redirect-to?url=" + quote(location, safe=""))


@harness.test
def redirect_locations_go_through_the_url_standard():
    with HttpFixture() as h, Dnsmasq({"a.example": "127.0.0.1"}) as dns:
        port = h.port
        origin = f"http://127.0.0.1:{port}"
        # (Location value as sent, the URL fetched next); relative ones are against the
        # /redirect-to URL.
        cases = [
            ("\\text\\back", f"{origin}/text/back"),
            ("/text/t\tab", f"{origin}/text/tab"),
            ("text/rel", f"{origin}/text/rel"),
            ("../text/up", f"{origin}/text/up"),
            ("?q", f"{origin}/redirect-to?q"),
            (f"//127.0.0.1:{port}/text/net", f"{origin}/text/net"),
            (f"http://0x7f.1:{port}/text/hex", f"{origin}/text/hex"),
            (f"http://%31%32%37.0.0.1:{port}/text/esc", f"{origin}/text/esc"),
            (f"http://%41.example:{port}/text/pct", f"http://a.example:{port}/text/pct"),
            ("/text/a b#frag", f"{origin}/text/a%20b"),
            ("/text/%7e", f"{origin}/text/%7e"),
        ]
        urls = [redirect_to(h, loc) for loc, _ in cases]
        want = [fetched for _, fetched in cases]
        p = run([GF, "-L", "--dns-servers", dns.server, "-j"] + urls)
        check(p.returncode == 0, p)
        records = [json.loads(x) for x in p.stdout.decode().splitlines()]
        check([r["url_effective"] for r in records] == want, (records, want))
        check(all(r["redirects"] == 1 for r in records), records)
        targets = [t for t in received(h) if not t.startswith("/redirect-to?url=")]
        check(sorted(targets) == sorted(f.split(str(port), 1)[1] for f in want), targets)
        p = run([GF, "-L", "--dns-servers", dns.server, "-w", "%{url_effective}\\n"] + urls)
        check(p.returncode == 0, p)
        check(p.stdout.decode().split("\n")[:-1] == want, (p.stdout, want))


@harness.test
def a_location_the_standard_rejects_ends_the_url():
    with HttpFixture() as h:
        bad = ["http://a b/", "http://[::1/", "http://%zz/", "http://256.256.256.256/"]
        p = run([GF, "-L", "-j"] + [redirect_to(h, loc) for loc in bad] + [h.url("/text/ok")])
        check(p.returncode == 1, p)
        records = [json.loads(x) for x in p.stdout.decode().splitlines()]
        kinds = [r["error"]["kind"] if r.get("error") else None for r in records]
        check(kinds == ["invalid_url"] * len(bad) + [None], records)
        err = p.stderr.decode()
        for loc in bad:
            check(f"Location '{loc}'" in err, err)
        check([t for t in received(h) if not t.startswith("/redirect-to")] == ["/text/ok"],
              received(h))
        # Not followed (--no-location): the redirect is the answer, and nothing is wrong.
        p = run([GF, "--no-location", "-w", "%{http_code}\\n", redirect_to(h, bad[0])])
        check(p.returncode == 0 and p.stdout == b"302\n", p)


@harness.test
def a_location_of_another_scheme_is_refused_as_before():
    with HttpFixture() as h:
        p = run([GF, "-L", "-j", redirect_to(h, "ftp://127.0.0.1:1/f")])
        check(p.returncode == 1, p)
        record = json.loads(p.stdout)
        check(record["error"]["kind"] == "invalid_url", record)
        check(b"unsupported scheme 'ftp'" in p.stderr, p.stderr)


if __name__ == "__main__":
    harness.main()
