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
# An option line of --help (cli/help_formatter.cpp): "  -c, --concurrency N   ..." or, for an
# option without a short name, "      --unordered   ...".
OPTION_LINE = re.compile(r"^  (?:(-[A-Za-z0-9]), |    )(--[a-z0-9][a-z0-9.-]*)", re.M)


def help_options(mode):
    p = run([GF] + mode + ["--help"])
    check(p.returncode == 0, p.stderr)
    lines = OPTION_LINE.findall(p.stdout.decode())
    return {long for _, long in lines}, {short for short, _ in lines if short}


@harness.test
def every_help_option_is_in_the_man_page():
    text = man_text()
    for mode in MODES:
        options, _ = help_options(mode)
        check(len(options) > 20, options)
        missing = sorted(o for o in options if o not in text)
        check(not missing, f"{mode}: options missing from man/greenfetch.1: {missing}")


@harness.test
def every_short_option_is_in_the_man_page():
    text = man_text()
    for mode in MODES:
        _, shorts = help_options(mode)
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
