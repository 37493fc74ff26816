"""The man page documents every option --help lists, and is lint-clean."""
import os
import re
import shutil
import subprocess

import harness
from harness import check, run

args = harness.parse_args()
GF = args.greenfetch
MAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "man", "greenfetch.1")


def man_text():
    with open(MAN, encoding="utf-8") as f:
        # roff escapes a hyphen as \- : compare with plain hyphens
        return f.read().replace("\\-", "-")


MODES = [[], ["bench"], ["crawl"]]


@harness.test
def every_help_option_is_in_the_man_page():
    text = man_text()
    for mode in MODES:
        p = run([GF] + mode + ["--help"])
        check(p.returncode == 0, p.stderr)
        options = set(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9.-]*)", p.stdout.decode()))
        check(len(options) > 20, options)
        missing = sorted(o for o in options if o not in text)
        check(not missing, f"{mode}: options missing from man/greenfetch.1: {missing}")


@harness.test
def every_short_option_is_in_the_man_page():
    text = man_text()
    for mode in MODES:
        p = run([GF] + mode + ["--help"])
        shorts = set(re.findall(r"^\s+(-[A-Za-z0-9]),", p.stdout.decode(), re.M))
        check(len(shorts) > 5, shorts)
        missing = sorted(s for s in shorts if not re.search(r"\B" + re.escape(s) + r"\b", text))
        check(not missing, f"{mode}: short options missing from man/greenfetch.1: {missing}")


@harness.test
def the_man_page_is_lint_clean():
    if shutil.which("mandoc"):
        p = subprocess.run(["mandoc", "-Tlint", MAN], capture_output=True, timeout=30)
        check(p.returncode == 0 and not p.stdout and not p.stderr, p.stdout + p.stderr)
    p = subprocess.run(["groff", "-man", "-ww", "-z", MAN], capture_output=True, timeout=30)
    check(p.returncode == 0 and not p.stderr, p.stderr)


if __name__ == "__main__":
    harness.main()
