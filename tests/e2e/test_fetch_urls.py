"""Fetch mode reads its input URLs with the URL Standard's parser, as crawl reads links.

`http://bücher.example/` is fetched as http://xn--bcher-kva.example/ (UTS #46), hosts in
IPv4 number forms or percent-escapes are fetched at the address they name, a backslash is a
slash; %{url} stays the URL as given (curl's meaning), %{url_effective} names what libcurl was
asked for, and the fixture receives exactly that. A URL the Standard rejects is an invalid_url
error naming its input line.
"""
from __future__ import annotations

import json
import os
import tempfile
from http.client import HTTPConnection

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


if __name__ == "__main__":
    harness.main()
