"""greenfetch's URL parser against whatwg-url, the URL Standard's reference implementation.

url_corpus.js builds a corpus of hrefs (hand-picked edge cases from the Standard and issue 13,
plus a few thousand seeded mutations) and records whatwg-url's answer for each; the test-only
tool url_probe (tests/tools/url_probe.cpp, built beside greenfetch) gives greenfetch's answer
from core/url/parse.cpp. Any disagreement fails the test:
- the same failures, and byte for byte the same href (the Standard's serialization);
- greenfetch's normal form equals whatwg-url's href with exactly the documented normalizations
  (core/url/normalize.hpp) applied by normal_form() below;
- a URL of another scheme is "other_scheme" for greenfetch (not parsed), whatever whatwg-url
  makes of it (a URL or a failure).
"""
from __future__ import annotations

import json
import os
import re
import shutil

import harness
from harness import check, run

args = harness.parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normal_escapes(s: str) -> str:
    """Normalization 3: escapes of unreserved characters decoded, others upper-case; a
    component with a '%' that starts no escape is left alone."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", s):
        return s

    def one(m: re.Match) -> str:
        octet = int(m.group(1), 16)
        return chr(octet) if octet in UNRESERVED else "%" + m.group(1).upper()
    return re.sub(r"%([0-9A-Fa-f]{2})", one, s)


def normal_form(href: str) -> str:
    """The documented normalizations on top of the Standard's href: no fragment, no empty
    query, normal escapes in user name, password, path and query (the host has no '%': it is a
    forbidden domain code point)."""
    href = href.split("#", 1)[0]
    scheme, rest = href.split("://", 1)
    slash = rest.index("/")
    authority, rest = rest[:slash], rest[slash:]
    path, _, query = rest.partition("?")
    out = scheme + "://"
    if "@" in authority:
        userinfo, authority = authority.rsplit("@", 1)
        user, colon, password = userinfo.partition(":")
        out += normal_escapes(user) + colon + normal_escapes(password) + "@"
    out += authority + normal_escapes(path)
    if query:
        out += "?" + normal_escapes(query)
    return out


def corpus() -> list:
    check(shutil.which("node") is not None, "node is not installed (run .ci/install-deps)")
    check(os.path.isdir(os.path.join(HERE, "node_modules", "whatwg-url")),
          "whatwg-url is not installed (npm ci --prefix tests/e2e)")
    p = run(["node", os.path.join(HERE, "url_corpus.js")], timeout=120)
    check(p.returncode == 0, p)
    return [json.loads(line) for line in p.stdout.decode().split("\n") if line]


def probe(cases: list) -> list:
    tool = os.path.join(args.build_dir, "url_probe")
    check(os.path.exists(tool), f"{tool} is not built (cmake --build build --target url_probe)")
    stdin = "".join(json.dumps([c[0], c[1]]) + "\n" for c in cases)
    p = run([tool], stdin=stdin.encode(), timeout=120)
    check(p.returncode == 0, p)
    out = [json.loads(line) for line in p.stdout.decode().split("\n") if line]
    check(len(out) == len(cases), f"{len(out)} answers for {len(cases)} cases")
    return out


def disagreement(case: list, got: dict) -> str | None:
    input_, base, want = case
    where = f"{input_!r} against {base!r}"
    if got["status"] == "other_scheme":
        if want["status"] == "ok":
            return f"{where}: whatwg-url {want['href']!r}, greenfetch other scheme"
        return None
    if want["status"] == "other":
        return f"{where}: whatwg-url protocol {want['protocol']}, greenfetch {got}"
    if want["status"] == "failure" or got["status"] != "ok":
        if want["status"] != got["status"]:
            return f"{where}: whatwg-url {want}, greenfetch {got}"
        return None
    if got["href"] != want["href"]:
        return f"{where}: href whatwg-url {want['href']!r}, greenfetch {got['href']!r}"
    if got["normalized"] != normal_form(want["href"]):
        return (f"{where}: normal form {got['normalized']!r}, "
                f"expected {normal_form(want['href'])!r}")
    return None


@harness.test
def parser_agrees_with_whatwg_url():
    cases = corpus()
    check(len(cases) > 3000, f"only {len(cases)} cases")
    answers = probe(cases)
    problems = [d for d in (disagreement(c, g) for c, g in zip(cases, answers)) if d]
    check(not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:40]))
    # The corpus exercises every outcome.
    statuses = {g["status"] for g in answers}
    check({"ok", "failure", "other_scheme"} <= statuses, statuses)


@harness.test
def normal_form_is_stable():
    # Parsing greenfetch's normal form again gives it back unchanged (the seen-set key and the
    # requested URL are the same string however often a URL goes round).
    cases = [c for c in corpus() if c[2]["status"] == "ok"][:2000]
    first = probe(cases)
    again = probe([[g["normalized"], None, None] for g in first])
    for g, a in zip(first, again):
        check(a["status"] == "ok" and a["normalized"] == g["normalized"], (g, a))


if __name__ == "__main__":
    harness.main()
