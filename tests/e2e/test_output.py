"""End-to-end tests of fetch mode's output path (issues 11 and 17): bodies streamed with
bounded memory (peak RSS from the child's rusage), backpressure into a paused pipe, ordered
output spilled to a temporary file, no gzip decoding unasked; curl's -o/-O/--output-dir/-D/-f
compared with curl itself on the same fixture; output that cannot be written (/dev/full,
RLIMIT_FSIZE, a full tmpfs)."""
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch
MiB = 1 << 20
# Fetch mode's ceiling for any body size (issue 17); the sanitizer build has its own overhead.
RSS_LIMIT_KB = 32 * 1024


def measured(argv, stdout=subprocess.DEVNULL, timeout=120, cwd=None, preexec_fn=None,
             stdin=subprocess.DEVNULL):
    """Runs argv; returns (exit status, stderr, peak RSS in KiB). The peak is that of the
    process alone: GNU time forks it (a child forked by this Python would start from Python's
    own high-water mark, which exec keeps)."""
    err = tempfile.TemporaryFile()
    with tempfile.NamedTemporaryFile() as rss:
        proc = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] +
                                [str(a) for a in argv], stdout=stdout, stderr=err, stdin=stdin,
                                env=harness.base_env(), cwd=cwd, preexec_fn=preexec_fn)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise harness.TestFailure(f"timed out: {argv}") from None
        err.seek(0)
        lines = open(rss.name).read().split()
        return proc.returncode, err.read(), int(lines[-1]) if lines else 0


def rss_ok(kb):
    return harness.sanitized() or kb <= RSS_LIMIT_KB


@harness.test
def body_memory_does_not_grow_with_the_body():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        big = h.url(f"/zeros/{100 * MiB}")
        cases = [("stdout to /dev/null", [big]),
                 ("-w only", ["-w", "%{size_download}\\n", big]),
                 ("-j only", ["-j", big]),
                 ("-o FILE", ["-o", os.path.join(d, "big"), big]),
                 ("-o /dev/null", ["-o", "/dev/null", big])]
        for name, argv in cases:
            rc, err, kb = measured([GF] + argv)
            check(rc == 0, (name, rc, err))
            check(rss_ok(kb), f"{name}: peak RSS {kb} KiB")
            print(f"  {name}: 100 MiB, peak RSS {kb} KiB")
        check(os.path.getsize(os.path.join(d, "big")) == 100 * MiB, "the -o file is whole")
        # 4 GiB: the same ceiling.
        rc, err, kb = measured([GF, "-w", "%{size_download}\\n", h.url(f"/zeros/{4096 * MiB}")],
                               stdout=open(os.path.join(d, "w"), "wb"), timeout=300)
        check(rc == 0 and open(os.path.join(d, "w")).read() == f"{4096 * MiB}\n", (rc, err))
        check(rss_ok(kb), f"4 GiB: peak RSS {kb} KiB")
        print(f"  4 GiB to stdout (-w): peak RSS {kb} KiB")


@harness.test
def a_paused_pipe_pauses_the_transfer():
    with HttpFixture() as h:
        r, w = os.pipe()
        reader = subprocess.Popen(["sh", "-c", "sleep 3; wc -c"], stdin=r,
                                  stdout=subprocess.PIPE)
        os.close(r)
        rc, err, kb = measured([GF, h.url(f"/zeros/{100 * MiB}")], stdout=w)
        os.close(w)
        out, _ = reader.communicate(timeout=60)
        check(rc == 0 and int(out) == 100 * MiB, (rc, err, out))
        check(rss_ok(kb), f"paused pipe: peak RSS {kb} KiB")
        print(f"  100 MiB into a pipe paused 3 s: peak RSS {kb} KiB")


@harness.test
def ordered_output_spills_behind_a_slow_url():
    with HttpFixture() as h:
        urls = [h.url("/delay/2500")] + [h.url(f"/bytes/{40 * MiB + i}") for i in range(3)]
        r, w = os.pipe()
        reader = subprocess.Popen(["python3", "-c", "import sys,hashlib;"
                                   "d=sys.stdin.buffer.read();print(len(d),d[:10])"],
                                  stdin=r, stdout=subprocess.PIPE)
        os.close(r)
        rc, err, kb = measured([GF] + urls, stdout=w)
        os.close(w)
        out, _ = reader.communicate(timeout=120)
        total = len(b"delayed 2500\n") + sum(40 * MiB + i for i in range(3))
        check(rc == 0, (rc, err))
        check(out.split()[0] == str(total).encode() and b"delayed" in out, out)
        check(rss_ok(kb), f"ordered behind a slow URL: peak RSS {kb} KiB")
        print(f"  slow first URL then 3 x 40 MiB, ordered: peak RSS {kb} KiB")
        # The order itself, byte for byte, on smaller bodies.
        urls = [h.url("/delay/800"), h.url("/bytes/300000"), h.url("/text/last")]
        p = run([GF] + urls)
        want = b"delayed 800\n" + h.get("/bytes/300000")[1] + b"hello /text/last\n"
        check(p.returncode == 0 and p.stdout == want, "ordered bytes")


@harness.test
def gzip_is_decoded_only_with_compressed():
    with HttpFixture() as h:
        e = run([GF, h.url("/echo")])
        check(b"Accept-Encoding" not in e.stdout, e.stdout)  # curl asks for nothing either
        bomb = h.url(f"/gzip-bomb/{200 * MiB}")
        rc, err, kb = measured([GF, "-w", "%{size_download}\\n", bomb])
        check(rc == 0, (rc, err))
        check(rss_ok(kb), f"bomb, undecoded: peak RSS {kb} KiB")
        rc, err, kb = measured([GF, "--compressed", bomb])
        check(rc == 0 and rss_ok(kb), (rc, err, kb))
        print(f"  gzip bomb 200 MiB decoded with --compressed: peak RSS {kb} KiB")
        if shutil.which("curl"):
            for extra in ([], ["--compressed"]):
                ours = run([GF] + extra + [h.url("/gzip")]).stdout
                theirs = subprocess.run(["curl", "-s"] + extra + [h.url("/gzip")],
                                        capture_output=True, timeout=30).stdout
                check(ours == theirs, (extra, ours[:40], theirs[:40]))


def tree(d):
    found = {}
    for root, _, files in os.walk(d):
        for f in files:
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                found[os.path.relpath(path, d)] = fh.read()
    return found


@harness.test
def output_flags_mean_what_curl_means():
    if not shutil.which("curl"):
        return
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        a, b, missing = h.url("/text/a.txt"), h.url("/bytes/1000"), h.url("/status/404")
        cases = [
            ["-o", "one.txt", a],
            ["-o", "-", a],
            ["-o", "/dev/null", a],
            ["-o", "x", "-o", "y", a, b],
            ["-o", "x", a, b],                       # the second URL: to stdout
            ["-O", a],
            ["--output-dir", "sub", "--create-dirs", "-O", a],
            ["-o", "deep/er/f", "--create-dirs", a],
            ["-D", "heads", a],
            ["-D", "-", "-o", "body", a],
            ["-f", a],
            ["-f", missing],
            ["-f", "-o", "gone", missing],
            ["--fail-with-body", "-o", "kept", missing],
            ["-f", "-O", missing],
        ]
        for i, flags in enumerate(cases):
            mine, theirs = os.path.join(d, f"gf{i}"), os.path.join(d, f"curl{i}")
            os.mkdir(mine)
            os.mkdir(theirs)
            curl_flags = list(flags)
            if flags.count("-O") == 1 and len([x for x in flags if x.startswith("http")]) > 1:
                curl_flags = ["--remote-name-all"] + [x for x in flags if x != "-O"]
            g = run([GF, "-s"] + flags, cwd=mine)
            c = subprocess.run(["curl", "-s"] + curl_flags, cwd=theirs, capture_output=True,
                               timeout=30)
            gt, ct = tree(mine), tree(theirs)
            if "-D" in flags:  # the Date header differs from one request to the next
                for t in (gt, ct):
                    if "heads" in t:
                        t["heads"] = b"\n".join(x for x in t["heads"].split(b"\n")
                                                if not x.startswith(b"Date:"))
            out_g = b"\n".join(x for x in g.stdout.split(b"\n") if not x.startswith(b"Date:"))
            out_c = b"\n".join(x for x in c.stdout.split(b"\n") if not x.startswith(b"Date:"))
            check(gt == ct, (flags, sorted(gt), sorted(ct)))
            check(out_g == out_c, (flags, g.stdout[:200], c.stdout[:200]))
            check((g.returncode == 0) == (c.returncode == 0), (flags, g.returncode, c.returncode))


@harness.test
def a_batch_with_remote_names_keeps_every_body():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        urls = [h.url("/text/page.txt"), h.url("/text/page.txt"), h.url("/"),
                h.url("/text/%2e%2e%2f%2e%2e%2fescape")]
        p = run([GF, "--output-dir", "out", "--create-dirs", "-w", "%{filename_effective}\\n"]
                + urls, cwd=d)
        check(p.returncode == 0, p)
        names = sorted(os.listdir(os.path.join(d, "out")))
        check(names == sorted(["page.txt", "page.txt.1", "index.html", "escape"]), names)
        check(p.stdout.decode().splitlines()[:2] == ["out/page.txt", "out/page.txt.1"], p.stdout)
        p = run([GF, "--output-dir", "nowhere", "-O", urls[0]], cwd=d)
        check(p.returncode == 2 and b"nowhere" in p.stderr and b"--create-dirs" in p.stderr, p)


@harness.test
def stdout_that_cannot_be_written_is_an_error():
    with HttpFixture() as h, open("/dev/full", "wb") as full:
        rc, err, _ = measured([GF, h.url("/text/a"), h.url("/text/b")], stdout=full)
        check(rc == 23, (rc, err))
        check(b"stdout" in err and b"No space left on device" in err, err)
        check(b"output:" in err, err)  # the URL's own line names the kind


def no_temp_files(d):
    left = [f for f in os.listdir(d) if ".gf-" in f]
    check(not left, left)


@harness.test
def a_file_that_cannot_be_written_fails_that_url_only():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        p = run([GF, "-o", "/dev/full", "-o", os.path.join(d, "ok"), "-w",
                 "%{http_code} %{exitcode} %{filename_effective} %{errormsg}\\n",
                 h.url("/text/a"), h.url("/text/b")])
        check(p.returncode == 1, p)
        lines = p.stdout.decode().splitlines()
        check("/dev/full" in lines[0] and "No space left" in lines[0], lines)
        check(lines[1].startswith("200 0 ") and lines[1].split()[2].endswith("/ok"), lines)
        check(b"output: cannot write /dev/full: No space left on device" in p.stderr, p.stderr)

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        rc, err, _ = measured([GF, "--output-dir", d, "-j", h.url("/bytes/400000"),
                               h.url("/bytes/5000")], stdout=open(os.path.join(d, "j"), "wb"),
                              preexec_fn=limit)
        check(rc == 1 and b"File too large" in err, (rc, err))
        check(not os.path.exists(os.path.join(d, "400000")), os.listdir(d))
        check(os.path.getsize(os.path.join(d, "5000")) == 5000, os.listdir(d))
        no_temp_files(d)
        j = open(os.path.join(d, "j")).read()
        check('"error":"output"' in j.replace(" ", "") or "output" in j, j)


@harness.test
def a_full_file_system_leaves_only_whole_files():
    if os.geteuid() != 0 or not shutil.which("mount"):
        print("  skipped: needs root to mount a tmpfs")
        return
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d]).returncode != 0:
            print("  skipped: mount failed")
            return
        try:
            urls = [h.url(f"/bytes/{400 * 1024 + i}") for i in range(6)]
            p = run([GF, "--output-dir", d, "-c", "1"] + urls)
            check(p.returncode == 1 and b"No space left on device" in p.stderr, p)
            names = os.listdir(d)
            check(names, "some bodies fit")
            for n in names:
                check(os.path.getsize(os.path.join(d, n)) == int(n), (n, "is whole"))
            no_temp_files(d)
        finally:
            subprocess.run(["umount", d])


@harness.test
def a_retried_status_writes_only_the_last_body():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        p = run([GF, "--retry", "2", "--retry-delay", "0.05", h.url("/fail/r1")])
        check(p.returncode == 0 and p.stdout == b"ok r1\n", p)
        p = run([GF, "--retry", "1", "--retry-delay", "0.05", h.url("/fail/r2?count=5")])
        check(p.stdout == b"fail r2\n", p)  # no try left: the last answer's body, as curl
        f = os.path.join(d, "f")
        p = run([GF, "--retry", "2", "--retry-delay", "0.05", "-o", f, h.url("/fail/r3")])
        check(p.returncode == 0 and open(f, "rb").read() == b"ok r3\n", p)


@harness.test
def a_cookie_jar_that_cannot_be_written_is_an_error():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        url = h.url("/headers?Set-Cookie=session%3Ds1")
        p = run([GF, "-s", "-w", "%{http_code}\\n", "--cookie-jar", "/dev/full", url])
        check(p.returncode != 0 and b"cookie jar /dev/full" in p.stderr, p)
        jar = os.path.join(d, "jar")
        p = run([GF, "-w", "%{http_code}\\n", "--cookie-jar", jar, url])
        check(p.returncode == 0 and "session\ts1" in open(jar).read(), (p, open(jar).read()))
        p = run([GF, "-b", jar, h.url("/echo")])
        check(b"session=s1" in p.stdout, p.stdout)


@harness.test
def crawl_memory_stays_bounded_on_huge_pages():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        for name, path in [("gzip bomb page", f"/gzip-bomb/{200 * MiB}?html=1"),
                           ("100 MiB page of zeros", f"/zeros/{100 * MiB}?html=1")]:
            rc, err, kb = measured([GF, "crawl", "-j", "--max-depth", "0", h.url(path)],
                                   stdout=open(os.path.join(d, "out"), "wb"), timeout=180)
            check(rc == 0, (name, rc, err))
            check(harness.sanitized() or kb <= 64 * 1024, f"crawl {name}: peak RSS {kb} KiB")
            print(f"  crawl, {name}: peak RSS {kb} KiB")


if __name__ == "__main__":
    harness.main()
