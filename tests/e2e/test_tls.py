"""TLS and HTTP/2 options against a real nginx on loopback (self-signed certificates made here):
--cacert, --capath, -k, -E/--key, ALPN HTTP/2 with multiplexing, --http1.1, bench --streams;
and -4/-6 against the fixture on ::1."""
import json
import os
import shutil
import time

import harness
from harness import HttpFixture, check, openssl, run

args = harness.parse_args()
GF = args.greenfetch


def prepare_site(d):
    """A client certificate, a CA path holding the server's certificate, and 30 small files."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=greenfetch-client", "-keyout", f"{d}/client.key", "-out", f"{d}/client.pem")
    os.makedirs(f"{d}/capath")
    shutil.copy(f"{d}/server.pem", f"{d}/capath/server.pem")
    openssl("rehash", f"{d}/capath")
    os.makedirs(f"{d}/www")
    for i in range(30):
        with open(f"{d}/www/{i}.txt", "w") as f:
            f.write(f"file {i}\n")


def Nginx():
    """TLS with HTTP/2 and a client-certificate check."""
    return harness.TlsNginx(
        http2=True, prepare=prepare_site, prefix="gf-tls-",
        server_conf="ssl_verify_client optional_no_ca; root {dir}/www;\n"
        "    location = /whoami { default_type text/plain; "
        "return 200 \"$ssl_client_verify $ssl_client_s_dn\\n\"; }")


@harness.test
def certificates_are_verified_with_cacert_or_capath():
    with Nginx() as n:
        p = run([GF, "-w", "%{http_code} %{http_version}\\n", "--cacert", f"{n.dir}/server.pem",
                 n.url("/1.txt")])
        check(p.returncode == 0 and p.stdout == b"200 2\n", p)
        p = run([GF, "-w", "%{http_code}\\n", "--capath", f"{n.dir}/capath", n.url("/1.txt")])
        check(p.returncode == 0 and p.stdout == b"200\n", p)
        p = run([GF, "-j", n.url("/1.txt")])
        check(p.returncode == 1 and json.loads(p.stdout)["error"]["kind"] == "tls", p)
        p = run([GF, "-k", "-w", "%{http_code}\\n", n.url("/1.txt")])
        check(p.returncode == 0 and p.stdout == b"200\n", p)


@harness.test
def http2_by_alpn_multiplexes_one_connection():
    with Nginx() as n:
        urls = [n.url(f"/{i}.txt") for i in range(30)]
        p = run([GF, "-c", "30", "--per-host", "0", "--cacert", f"{n.dir}/server.pem", "-w",
                 "%{http_version} %{num_connects}\\n"] + urls)
        check(p.returncode == 0, p)
        lines = p.stdout.decode().splitlines()
        check(len(lines) == 30 and all(l.startswith("2 ") for l in lines), lines)
        connects = sum(int(l.split()[1]) for l in lines)
        check(connects == 1, f"{connects} connections for 30 HTTP/2 requests")
        p = run([GF, "--http1.1", "--cacert", f"{n.dir}/server.pem", "-w", "%{http_version}\\n",
                 n.url("/1.txt")])
        check(p.stdout == b"1.1\n", p)


@harness.test
def a_client_certificate_is_sent():
    with Nginx() as n:
        p = run([GF, "--cacert", f"{n.dir}/server.pem", "-E", f"{n.dir}/client.pem", "--key",
                 f"{n.dir}/client.key", n.url("/whoami")])
        check(p.returncode == 0 and b"CN=greenfetch-client" in p.stdout, p)
        p = run([GF, "--cacert", f"{n.dir}/server.pem", n.url("/whoami")])
        check(p.stdout.startswith(b"NONE"), p)


@harness.test
def bench_streams_share_connections():
    with Nginx() as n:
        # -c 1 --streams 10: one connection, ten requests in flight on it
        p = run([GF, "bench", "-j", "-n", "100", "-c", "1", "--http2", "--streams", "10",
                 "--cacert", f"{n.dir}/server.pem", n.url("/1.txt")], timeout=60)
        check(p.returncode == 0, p)
        r = json.loads(p.stdout)
        check(r["requests"] == 100 and r["statuses"] == {"200": 100}, r)
        check(r["connections"]["opened"] == 1, r["connections"])
        check(r["phases_us"]["tls"]["count"] > 0, r["phases_us"])
        # -c 3 --streams 5: three connections at most
        p = run([GF, "bench", "-j", "-n", "150", "-c", "3", "--streams", "5",
                 "--cacert", f"{n.dir}/server.pem", n.url("/1.txt")], timeout=60)
        r = json.loads(p.stdout)
        check(p.returncode == 0 and 1 <= r["connections"]["opened"] <= 3, r["connections"])


@harness.test
def bench_c_means_connections_over_http2_too():
    with Nginx() as n:
        for _ in range(3):  # it was 1, 2 or 21 across runs when ALPN chose multiplexing
            p = run([GF, "bench", "-j", "-n", "400", "-c", "20", "--cacert",
                     f"{n.dir}/server.pem", n.url("/1.txt")], timeout=60)
            check(p.returncode == 0, p)
            r = json.loads(p.stdout)
            check(r["statuses"] == {"200": 400}, r)
            check(r["connections"]["opened"] == 20, r["connections"])
            check(r["bytes"]["received"] > r["bytes"]["body"] > 0, r["bytes"])


@harness.test
def ipv4_and_ipv6_only():
    with HttpFixture(bind="::1") as h:
        url = f"http://localhost:{h.port}/text/six"
        p = run([GF, "-6", "-w", "%{remote_ip}\\n", url])
        check(p.returncode == 0 and p.stdout == b"::1\n", p)
        p = run([GF, "-4", url])
        check(p.returncode == 1 and b"connect" in p.stderr, p)


if __name__ == "__main__":
    harness.main()
