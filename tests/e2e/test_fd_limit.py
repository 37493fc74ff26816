"""End-to-end tests of the file descriptor limit (issue 17, section 6): with `ulimit -n 64`
(soft; the hard limit higher) and -c 500, every URL succeeds in fetch (also with -o DIR),
crawl and bench, because greenfetch raises the soft limit to the hard one at start; with the
hard limit at 64 too, the concurrency is fitted to it with one warning, and still every URL
succeeds."""
import json
import os
import resource
import tempfile

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
URLS = 1000


def hard_limit_allows_the_test() -> bool:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return hard == resource.RLIM_INFINITY or hard >= 2000


def limited(soft: int, hard: int | None, argv: list[str], **kw):
    """argv run under `ulimit -Sn soft` (and `ulimit -Hn hard` after it when given)."""
    script = f"ulimit -Sn {soft} && " + (f"ulimit -Hn {hard} && " if hard is not None else "") \
        + 'exec "$@"'
    return run(["sh", "-c", script, "sh", *argv], **kw)


def url_list(h: HttpFixture) -> str:
    # A short delay keeps many transfers in flight at once.
    return "".join(h.url(f"/delay/20/{i}") + "\n" for i in range(URLS))


@harness.test
def fetch_500_at_once_under_a_soft_limit_of_64():
    if not hard_limit_allows_the_test():
        return
    with HttpFixture() as h:
        p = limited(64, None, [GF, "-c", "500", "--per-host", "0", "-w", "%{http_code}\\n"],
                    stdin=url_list(h), timeout=120)
        check(p.returncode == 0, p)
        check(p.stdout.decode().splitlines() == ["200"] * URLS, p)
        check(p.stderr == b"", p)
        check(h.stats()["max_concurrent"] > 64, h.stats())  # the limit was really raised


@harness.test
def fetch_to_a_folder_500_at_once_under_a_soft_limit_of_64():
    if not hard_limit_allows_the_test():
        return
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        p = limited(64, None, [GF, "-c", "500", "--per-host", "0", "--output-dir", out, "--create-dirs", "-s"],
                    stdin=url_list(h), timeout=120)
        check(p.returncode == 0, p)
        files = [os.path.join(root, f) for root, _, names in os.walk(out) for f in names]
        check(len(files) == URLS, len(files))


@harness.test
def crawl_500_at_once_under_a_soft_limit_of_64():
    if not hard_limit_allows_the_test():
        return
    with HttpFixture() as h:
        p = limited(64, None, [GF, "crawl", "-c", "500", "--per-host", "0", "--no-robots",
                               "--max-depth", "0", "-j"], stdin=url_list(h), timeout=120)
        check(p.returncode == 0, p)
        recs = [json.loads(line) for line in p.stdout.decode().splitlines()]
        check(len(recs) == URLS, len(recs))
        check(all(r["error"] is None and r["status"] == 200 for r in recs),
              [r for r in recs if r["error"] is not None][:3])


@harness.test
def bench_500_at_once_under_a_soft_limit_of_64():
    if not hard_limit_allows_the_test():
        return
    with HttpFixture() as h:
        p = limited(64, None, [GF, "bench", "-j", "-c", "500", "-n", "2000",
                               h.url("/delay/20")], timeout=120)
        check(p.returncode == 0, p)
        r = json.loads(p.stdout)
        check(r["requests"] == 2000 and r["failures"] == 0 and r["errors"] == {}, r)
        check(r["concurrency"] == 500, r)


@harness.test
def a_hard_limit_of_64_fits_the_concurrency_with_one_warning():
    with HttpFixture() as h:
        p = limited(64, 64, [GF, "-c", "500", "--per-host", "0", "-w", "%{http_code}\\n"],
                    stdin=url_list(h), timeout=120)
        check(p.returncode == 0, p)
        check(p.stdout.decode().splitlines() == ["200"] * URLS, p)
        err = p.stderr.decode().splitlines()
        check(len(err) == 1, p)
        check(err[0].startswith("greenfetch: -c 500 needs about ") and
              "the limit (ulimit -n) is 64: running " in err[0], err)
        p = limited(64, 64, [GF, "crawl", "-c", "500", "--per-host", "0", "--no-robots",
                             "--max-depth", "0", "-j"], stdin=url_list(h), timeout=120)
        check(p.returncode == 0, p)
        recs = [json.loads(line) for line in p.stdout.decode().splitlines()]
        check(len(recs) == URLS and all(r["error"] is None for r in recs), len(recs))
        check(p.stderr.decode().count("ulimit -n") == 1, p)
        p = limited(64, 64, [GF, "bench", "-j", "-c", "500", "-n", "2000",
                             h.url("/delay/20")], timeout=120)
        check(p.returncode == 0, p)
        r = json.loads(p.stdout)
        check(r["requests"] == 2000 and r["failures"] == 0, r)
        check(r["concurrency"] < 64, r)
        check(p.stderr.decode().count("ulimit -n") == 1, p)


@harness.test
def a_hard_limit_of_64_with_files_counts_two_descriptors_per_transfer():
    # A transfer writing a file holds its socket and the file: -c is fitted to half as many,
    # so no file creation fails with EMFILE (it did in 0-5 of 1,000 URLs per run before).
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        p = limited(64, 64, [GF, "-c", "500", "--per-host", "0", "--output-dir", out,
                             "--create-dirs", "-O", "-w", "%{http_code}\\n"],
                    stdin=url_list(h), timeout=120)
        check(p.returncode == 0, p)
        check(p.stdout.decode().splitlines() == ["200"] * URLS, p)
        files = [os.path.join(root, f) for root, _, names in os.walk(out) for f in names]
        check(len(files) == URLS, len(files))
        err = p.stderr.decode().splitlines()
        check(len(err) == 1 and "the limit (ulimit -n) is 64: running " in err[0], err)
        running = int(err[0].rsplit("running ", 1)[1].split()[0])
        check(running <= (64 - 32) // 2, err)


if __name__ == "__main__":
    harness.main()
