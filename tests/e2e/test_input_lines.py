"""End-to-end tests of bad input lines (issue 17, section 5): a UTF-8 byte-order mark at the
start of an input file or of stdin is skipped; a line with a NUL byte or another control
character fails as invalid_url naming its file and line, nothing is requested for it, and the
other lines go on."""
import json
import os
import tempfile

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
BOM = b"\xef\xbb\xbf"


@harness.test
def a_bom_at_the_start_of_a_file_is_skipped():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "urls.txt")
        with open(path, "wb") as f:
            f.write(BOM + f"{h.url('/text/1')}\n{h.url('/text/2')}\n".encode())
        p = run([GF, "-i", path, "-w", "%{http_code} %{url}\\n"])
        check(p.returncode == 0, p)
        check(p.stdout.decode().splitlines() ==
              [f"200 {h.url('/text/1')}", f"200 {h.url('/text/2')}"], p)
        check(p.stderr == b"", p)


@harness.test
def a_bom_at_the_start_of_stdin_is_skipped():
    with HttpFixture() as h:
        p = run([GF], stdin=BOM + f"{h.url('/text/bom')}\n".encode())
        check(p.returncode == 0, p)
        check(p.stdout == b"hello /text/bom\n", p)


@harness.test
def a_line_with_a_nul_byte_fails_and_nothing_is_requested_for_it():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "urls.txt")
        with open(path, "wb") as f:
            f.write(f"{h.url('/text/1')}\n".encode())
            f.write(h.url("/text/cut").encode() + b"\x00/rest\n")  # line 2
            f.write(f"{h.url('/text/3')}\n".encode())
        h.reset_stats()
        p = run([GF, "-i", path, "-w", "%{http_code} %{errormsg}\\n"])
        check(p.returncode == 1, p)
        lines = p.stdout.decode().splitlines()
        check(lines == ["200 ", "000 control character 0x00 in the URL", "200 "], p)
        want = (f"greenfetch: {path}:2: {h.url('/text/cut')}\\x00/rest: invalid_url: "
                "control character 0x00 in the URL\n")
        check(p.stderr.decode() == want, p)
        # The fixture served lines 1 and 3 only: /text/cut (the URL cut at the NUL) never came.
        check(h.stats()["total"] == 2, h.stats())


@harness.test
def other_control_characters_fail_the_same_way_in_json_too():
    with HttpFixture() as h:
        urls = [h.url("/text/a") + "\x1b[31m", h.url("/text/b"), h.url("/text/c") + "\x7f",
                h.url("/text/d") + "\rx"]
        h.reset_stats()
        p = run([GF, "-j"], stdin="\n".join(urls) + "\n")
        check(p.returncode == 1, p)
        records = [json.loads(line) for line in p.stdout.decode().splitlines()]
        check([r["error"]["kind"] if r["error"] else None for r in records] ==
              ["invalid_url", None, "invalid_url", "invalid_url"], records)
        check(records[0]["url"] == urls[0], records)
        err = p.stderr.decode().splitlines()
        check(len(err) == 3, p)
        check(err[0].startswith("greenfetch: -:1: ") and "\\x1b[31m: invalid_url: control "
              "character 0x1b in the URL" in err[0], err)
        check(err[1].startswith("greenfetch: -:3: ") and "0x7f" in err[1], err)
        check(err[2].startswith("greenfetch: -:4: ") and "0x0d" in err[2], err)
        check(h.stats()["total"] == 1, h.stats())


if __name__ == "__main__":
    harness.main()
