"""End-to-end tests of fetch mode (issue 2): input, order, bound, errors, exit codes, DNS."""
import os
import tempfile
import time

import harness
from harness import Blackhole, Dnsmasq, HttpFixture, check, run

args = harness.parse_args()
GF = args.greenfetch


@harness.test
def bodies_in_input_order_even_when_the_first_is_slowest():
    with HttpFixture() as h:
        urls = [h.url("/delay/400")] + [h.url(f"/text/{i}") for i in range(1, 6)]
        p = run([GF, "-c", "10"] + urls)
        check(p.returncode == 0, p.stderr)
        want = b"delayed 400\n" + b"".join(f"hello /text/{i}\n".encode() for i in range(1, 6))
        check(p.stdout == want, p.stdout)


@harness.test
def unordered_emits_the_slow_first_url_last():
    with HttpFixture() as h:
        urls = [h.url("/delay/400")] + [h.url(f"/text/{i}") for i in range(1, 6)]
        p = run([GF, "-c", "10", "--unordered", "-w", "%{url}\\n"] + urls)
        check(p.returncode == 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        check(len(lines) == 6, lines)
        check(lines[-1] == urls[0], lines)


@harness.test
def the_server_never_sees_more_than_n_requests_at_once():
    with HttpFixture() as h:
        run([GF, "-s", h.url("/stats/reset")])
        urls = "".join(h.url(f"/delay/20?i={i}") + "\n" for i in range(200)).encode()
        p = run([GF, "-c", "7", "--per-host", "0", "-w", "%{http_code}\\n"], stdin=urls)
        check(p.returncode == 0, p.stderr)
        check(p.stdout.count(b"200\n") == 200, p.stdout[:200])
        stats = run([GF, h.url("/stats")]).stdout.decode()
        check('"max_concurrent": 7' in stats, stats)
        # No hidden per-host cap by default: -c alone decides, as curl's --parallel-max does.
        run([GF, "-s", h.url("/stats/reset")])
        p = run([GF, "-c", "7", "-w", "%{http_code}\\n"], stdin=urls)
        check(p.returncode == 0, p.stderr)
        stats = run([GF, h.url("/stats")]).stdout.decode()
        check('"max_concurrent": 7' in stats, stats)
        # --per-host binds before the pool when every URL is one host.
        run([GF, "-s", h.url("/stats/reset")])
        p = run([GF, "-c", "7", "--per-host", "6", "-w", "%{http_code}\\n"], stdin=urls)
        check(p.returncode == 0, p.stderr)
        stats = run([GF, h.url("/stats")]).stdout.decode()
        check('"max_concurrent": 6' in stats, stats)


@harness.test
def input_file_with_comments_blank_lines_and_a_bad_url():
    with HttpFixture() as h, tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "urls.txt")
        with open(path, "w") as f:
            f.write(f"# comment\n\n{h.url('/text/a')}\n   \nhttp://[bad\n{h.url('/text/b')}\n")
        p = run([GF, "-i", path, "-w", "%{http_code} %{url}\\n"])
        check(p.returncode == 1, (p.returncode, p.stderr))
        out = p.stdout.decode().splitlines()
        check(out[0] == f"200 {h.url('/text/a')}", out)
        check(out[1] == "000 http://[bad", out)
        check(out[2] == f"200 {h.url('/text/b')}", out)
        err = p.stderr.decode()
        check(f"{path}:5: http://[bad: invalid_url" in err, err)
        check(err.count("\n") == 1, err)


@harness.test
def urls_from_stdin_when_no_url_is_given():
    with HttpFixture() as h:
        p = run([GF], stdin=(h.url("/text/x") + "\n").encode())
        check(p.returncode == 0 and p.stdout == b"hello /text/x\n", p)


@harness.test
def one_failing_url_never_stops_the_others():
    with HttpFixture() as h:
        urls = [h.url("/text/1"), h.url("/reset"), h.url("/text/2")]
        p = run([GF, "-w", "%{http_code}:%{errormsg}\\n"] + urls)
        check(p.returncode == 1, p.returncode)
        lines = p.stdout.decode().splitlines()
        check(lines[0] == "200:" and lines[2] == "200:", lines)
        err = p.stderr.decode().splitlines()
        check(len(err) == 1 and h.url("/reset") in err[0] and "reset" in err[0], err)


@harness.test
def write_out_variables():
    with HttpFixture() as h:
        url = h.url("/redirect/2")
        fmt = "%{url}\\t%{url_effective}\\t%{http_code}\\t%{size_download}\\t%{num_redirects}\\n"
        p = run([GF, "-w", fmt, url])
        check(p.returncode == 0, p.stderr)
        check(p.stdout.decode() == f"{url}\t{h.url('/redirect/0')}\t200\t11\t2\n", p.stdout)
        p = run([GF, "-w", "%{time_total}\\n", h.url("/delay/100")])
        check(float(p.stdout) >= 0.1, p.stdout)


@harness.test
def usage_errors_exit_2_and_name_the_culprit():
    p = run([GF, "-i", "/nonexistent/urls.txt"])
    check(p.returncode == 2, p.returncode)
    check(b"/nonexistent/urls.txt" in p.stderr, p.stderr)
    p = run([GF, "--no-such-option", "http://127.0.0.1/"])
    check(p.returncode == 2, p.returncode)
    check(b"--no-such-option" in p.stderr, p.stderr)
    p = run([GF, "-c", "0", "http://127.0.0.1/"])
    check(p.returncode == 2 and b"concurrency" in p.stderr, p.stderr)
    p = run([GF, "--dns-servers", "bogus", "http://127.0.0.1/"])
    check(p.returncode == 2 and b"bogus" in p.stderr, p.stderr)


@harness.test
def names_resolve_through_dnsmasq_and_failures_are_reported():
    with HttpFixture() as h, Dnsmasq({"a.test": "127.0.0.1", "b.test": "127.0.0.1"}) as dns:
        port = h.port
        urls = [f"http://a.test:{port}/text/a", f"http://missing.test:{port}/",
                f"http://b.test:{port}/text/b"]
        p = run([GF, "--dns-servers", dns.server, "-w", "%{http_code} %{time_namelookup}\\n"] + urls)
        check(p.returncode == 1, p.returncode)
        lines = p.stdout.decode().splitlines()
        check(lines[0].startswith("200 ") and float(lines[0].split()[1]) > 0, lines)
        check(lines[1].startswith("000 "), lines)
        check(lines[2].startswith("200 "), lines)
        check(b"missing.test" in p.stderr and b"dns" in p.stderr, p.stderr)


@harness.test
def names_on_one_address_share_connections_unless_no_coalesce():
    names = {f"v{i}.test": "127.0.0.1" for i in range(6)}
    with HttpFixture() as h, Dnsmasq(names) as dns:
        urls = [f"http://{n}:{h.port}/echo" for n in names]
        fmt = "%{num_connects} %{url_effective}\\n"
        base = [GF, "-c", "1", "-4", "--dns-servers", dns.server, "-w", fmt]
        p = run(base + urls)
        check(p.returncode == 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        check([line.split()[1] for line in lines] == urls, lines)
        check(sum(int(line.split()[0]) for line in lines) == 1, lines)
        p = run(base + ["--no-coalesce"] + urls)
        check(p.returncode == 0, p.stderr)
        check(sum(int(line.split()[0]) for line in p.stdout.decode().splitlines()) == 6,
              p.stdout)
        # The server saw each name in its Host header.
        p = run([GF, "-4", "--dns-servers", dns.server, urls[3]])
        check(f'"Host": "v3.test:{h.port}"'.encode() in p.stdout, p.stdout)


@harness.test
def a_dns_server_that_never_answers_is_a_timeout_not_a_hang():
    with Blackhole() as bh:
        start = time.monotonic()
        p = run([GF, "--dns-servers", bh.server, "--dns-timeout", "0.2", "http://x.test/"],
                timeout=30)
        check(p.returncode == 1, p.returncode)
        check(b"dns_timeout" in p.stderr, p.stderr)
        check(time.monotonic() - start < 10, "took too long")


@harness.test
def one_thread_during_a_fetch_of_many_names():
    names = {f"n{i}.test": "127.0.0.1" for i in range(50)}
    with HttpFixture() as h, Dnsmasq(names) as dns:
        urls = [f"http://{n}:{h.port}/peer-threads" for n in names]
        p = run([GF, "-c", "20", "--dns-servers", dns.server] + urls)
        check(p.returncode == 0, p.stderr)
        counts = set(p.stdout.decode().split())
        check(counts == {"1"}, counts)


@harness.test
def ten_thousand_urls_run_clean():
    # In the sanitizer build (tests/run_all.sh) this is the leak check: LeakSanitizer makes the
    # exit status non-zero and prints its report on stderr.
    with HttpFixture() as h:
        urls = "".join(h.url(f"/text/{i}") + "\n" for i in range(10000)).encode()
        p = run([GF, "-c", "50", "--per-host", "0", "--unordered", "-w", "%{http_code}\\n"],
                stdin=urls, timeout=240)
        check(p.returncode == 0, (p.returncode, p.stderr[-2000:]))
        check(p.stdout.count(b"200\n") == 10000, p.stdout[-200:])
        check(b"Sanitizer" not in p.stderr, p.stderr[-2000:])


@harness.test
def the_sample_program_prints_bodies_in_order():
    sample = os.path.join(args.build_dir, "sample_grequests")
    with HttpFixture() as h:
        p = run([sample, h.url("/delay/200"), h.url("/text/b"), h.url("/text/c")])
        check(p.returncode == 0, p.stderr)
        check(p.stdout == b"delayed 200\nhello /text/b\nhello /text/c\n", p.stdout)


@harness.test
def alternating_hosts_at_c_1_keep_their_connections():
    with HttpFixture() as a, HttpFixture() as b:
        urls = "".join(f"{a.url(f'/text/{i}')}\n{b.url(f'/text/{i}')}\n" for i in range(200))
        p = run([GF, "-c", "1", "-w", "%{num_connects}\n"], stdin=urls)
        check(p.returncode == 0, p)
        counts = [int(x) for x in p.stdout.split()]
        check(len(counts) == 400 and sum(counts) == 2, sum(counts))


if __name__ == "__main__":
    harness.main()
