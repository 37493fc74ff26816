"""The user-facing surface of the command line (issue 11): --help in curl's manner for the
three modes, `greenfetch help [MODE]`, -V with the libraries' versions, and usage errors that
name the option and the accepted forms."""
import re

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch

MODES = [[], ["bench"], ["crawl"]]
# What CLI11 prints by itself and a reader has no use for.
INTERNALS = ["{false}", "{true}", "UINT", "INT in", "TEXT", "->", "REQUIRED", "NONNEGATIVE",
             "POSITIVE", "Excludes", "Needs"]


def help_of(mode):
    p = run([GF] + mode + ["--help"])
    check(p.returncode == 0 and not p.stderr, (mode, p.returncode, p.stderr))
    return p.stdout.decode()


@harness.test
def help_is_one_line_per_option_with_values_in_capitals_and_no_parser_internals():
    for mode in MODES:
        text = help_of(mode)
        for word in INTERNALS:
            check(word not in text, f"{mode}: {word!r} in --help:\n{text}")
        check("Usage: greenfetch" in text and "\nOptions:\n" in text, text)
        check("\nExamples:\n" in text, f"{mode}: no examples")
        option_lines = [l for l in text.splitlines() if re.match(r"^  (-\w, |    )--?\S", l)]
        check(len(option_lines) > 20, option_lines)
        for line in text.splitlines():
            check(len(line) <= 100, f"{mode}: line longer than 100 columns: {line!r}")
        for line in option_lines:
            # "  -c, --concurrency N   description": the value name, if any, is in capitals
            m = re.match(r"^  (?:-\w, |    )(--?[\w.-]+(?:, --[\w.-]+)*)(?: ([^ ]+))?  +\S", line)
            check(m, f"{mode}: not an option line: {line!r}")
            value = m.group(2)
            check(value is None or value == value.upper() or "|" in value,
                  f"{mode}: value name not in capitals: {line!r}")
    text = help_of([])
    check(re.search(r"-c, --concurrency N +Transfers in flight at once \(default 50\)", text), text)
    check(re.search(r"--max-filesize SIZE +.*10k, 5M, 1G", text), text)
    check(re.search(r"--per-host N +.*default: no limit but -c", text), text)
    check(re.search(r"^      --no-location +Do not follow redirects$", text, re.M), text)
    crawl = help_of(["crawl"])
    check(re.search(r"--scope host\|domain\|prefix\|any ", crawl), crawl)


@harness.test
def help_mode_shows_each_modes_help():
    check(run([GF, "help"]).stdout.decode() == help_of([]), "greenfetch help")
    check(run([GF, "help", "get"]).stdout.decode() == help_of([]), "greenfetch help get")
    check(run([GF, "help", "--help"]).stdout.decode() == help_of([]), "greenfetch help --help")
    check(run([GF, "-h"]).stdout.decode() == help_of([]), "greenfetch -h")
    for mode in ("bench", "crawl"):
        p = run([GF, "help", mode])
        check(p.returncode == 0 and p.stdout.decode() == help_of([mode]), (mode, p))
    p = run([GF, "help", "nosuch"])
    check(p.returncode == 2 and b"greenfetch: help: no mode 'nosuch'" in p.stderr, p)


@harness.test
def version_names_greenfetch_and_its_libraries_in_every_mode():
    for mode in MODES:
        for flag in ("-V", "--version"):
            p = run([GF] + mode + [flag])
            check(p.returncode == 0, (mode, p))
            text = p.stdout.decode()
            check(text.startswith("greenfetch 0."), text)
            for lib in (r"libcurl \d+\.\d+\.\d+ \(OpenSSL/", r"features: .*AsynchDNS",
                        r"c-ares \d+\.", r"Boost \d+\.\d+\.\d+", r"libxml2 \d+\.\d+\.\d+",
                        r"SQLite \d+\.\d+\.\d+"):
                check(re.search(lib, text), f"{mode}: {lib} not in {text}")


@harness.test
def unknown_options_are_refused_in_greenfetchs_words():
    for mode, see in (([], "greenfetch --help"), (["crawl"], "greenfetch crawl --help"),
                      (["bench"], "greenfetch bench --help")):
        for opt, name in (("--x", "--x"), ("--nosuch=3", "--nosuch"), ("-Z", "-Z")):
            p = run([GF] + mode + [opt, "http://127.0.0.1:9/"])
            check(p.returncode == 2, (mode, opt, p.returncode))
            check(p.stderr.decode() == f"greenfetch: unknown option {name} (see {see})\n",
                  (mode, opt, p.stderr))
            check(not p.stdout, p.stdout)


@harness.test
def bad_values_name_the_option_and_the_accepted_forms():
    cases = [
        (["-c", "abc"], "--concurrency: 'abc' is not a whole number from 1 to 100000"),
        (["-c", "0"], "--concurrency: '0' is not a whole number from 1 to 100000"),
        (["--per-host", "-1"], "--per-host"),
        (["--max-filesize", "10x"], "--max-filesize: '10x' is not a size"),
        (["--max-filesize", "-5"], "--max-filesize"),
        (["-m", "soon"], "--max-time: 'soon' is not a number of seconds"),
        (["--retry", "many"], "--retry: 'many' is not a whole number from 0 to 1000"),
        (["-c"], "--concurrency needs a value"),
    ]
    for argv, message in cases:
        p = run([GF] + argv + (["http://127.0.0.1:9/"] if argv != ["-c"] else []))
        err = p.stderr.decode()
        check(p.returncode == 2, (argv, p.returncode, err))
        check(err.startswith("greenfetch: ") and message in err and err.count("\n") == 1,
              (argv, err))
    check("10k, 5M, 1G" in run([GF, "--max-filesize", "1kb", "x"]).stderr.decode(), "forms")
    p = run([GF, "bench", "-z", "later", "http://127.0.0.1:9/"])
    check(p.returncode == 2 and b"--duration: 'later' is not a duration" in p.stderr, p.stderr)
    p = run([GF, "crawl", "--scope", "planet", "http://127.0.0.1:9/"])
    check(p.returncode == 2 and b"--scope" in p.stderr and b"->" not in p.stderr, p.stderr)


@harness.test
def max_filesize_takes_curls_suffixes():
    with HttpFixture() as h:
        for size, ok in (("10k", True), ("10K", True), ("9k", False), ("1M", True), ("1G", True),
                         ("10239", False), ("10240", True)):
            p = run([GF, "--max-filesize", size, "-w", "%{size_download}\\n",
                     h.url("/bytes/10240")])
            check(p.returncode == (0 if ok else 1), (size, p.returncode, p.stderr))
            if not ok:
                check(b"too_large" in p.stderr, (size, p.stderr))


if __name__ == "__main__":
    harness.main()
