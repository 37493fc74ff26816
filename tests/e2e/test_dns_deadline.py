#!/usr/bin/env python3
"""-m, --connect-timeout and --dns-timeout bound a lookup that waits for one of the
resolver's query places (64 in flight) as well as one that was sent: against a DNS server
that never answers, every URL of a burst ends at its deadline, not one deadline per 64."""
from __future__ import annotations

import json
import time

import harness
from harness import Blackhole, check, run

args = harness.parse_args()
GF = args.greenfetch

NAMES = 200


def burst(dns_server, *flags):
    urls = "".join(f"http://n{i}.queued.test/\n" for i in range(NAMES))
    start = time.monotonic()
    p = run([GF, "--dns-servers", dns_server, "-c", str(NAMES), "--unordered", "-j", *flags,
             "-i", "-"], stdin=urls, timeout=60)
    took = time.monotonic() - start
    recs = [json.loads(line) for line in p.stdout.decode().splitlines() if line.startswith("{")]
    return p, recs, took


def check_all_ended(p, recs, took, kind, limit):
    check(p.returncode == 1, p)
    check(len(recs) == NAMES, (len(recs), p.stderr[-500:].decode(errors="replace")))
    kinds = {r.get("error", {}).get("kind") for r in recs}
    check(kinds == {kind}, kinds)
    slowest = max(r["time"]["total"] for r in recs)
    # About the limit; the slack is for a loaded machine (2 cores, several test runs).
    check(slowest < limit + 1.5, slowest)
    check(took < limit + 3.0, took)


@harness.test
def max_time_ends_queued_lookups_at_their_deadline():
    with Blackhole() as bh:
        p, recs, took = burst(bh.server, "-m", "1")
        check_all_ended(p, recs, took, "timeout", 1.0)
        check(all("Resolving timed out" in r["error"]["message"] for r in recs), recs[:2])
        # The names that waited for a place were never asked once their URLs had ended.
        check(bh.queries <= 2 * 64 + 8, bh.queries)


@harness.test
def connect_timeout_ends_queued_lookups_too():
    with Blackhole() as bh:
        p, recs, took = burst(bh.server, "--connect-timeout", "1")
        check_all_ended(p, recs, took, "timeout", 1.0)


@harness.test
def dns_timeout_counts_the_wait_for_a_place():
    with Blackhole() as bh:
        p, recs, took = burst(bh.server, "--dns-timeout", "1")
        check_all_ended(p, recs, took, "dns_timeout", 1.0)


if __name__ == "__main__":
    harness.main()
