#!/usr/bin/env python3
"""Pages through every user of an organization (GET /users?limit=200, following next_cursor) while sampling the
server's resident memory, and checks that every user is seen exactly once.

paging.py BASE TOKEN DB ORG PID
Prints the page latencies, the pages' count, and VmRSS at the start, its peak and at the end (sampled every 100 ms).
"""
import http.client
import json
import subprocess
import sys
import threading
import time
from urllib.parse import quote, urlparse


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS")


def main():
    base, token, db, org, pid = sys.argv[1:6]
    expected = set(subprocess.run(["psql", db, "-tAc", f"SELECT id FROM users WHERE org_id = '{org}'"],
                                  check=True, capture_output=True, text=True).stdout.split())
    samples = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            samples.append(rss_kib(pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    time.sleep(0.3)
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    first = f"/v1/orgs/{org}/users?limit=200"
    path, seen, counts, times, total = first, set(), 0, [], None
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        data = r.read()
        times.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            raise SystemExit(f"GET {path} -> {r.status} {data[:200]!r}")
        body = json.loads(data)
        total = body.get("total", total)
        for item in body["items"]:
            counts += 1
            if item["id"] in seen:
                raise SystemExit(f"user {item['id']} seen twice")
            seen.add(item["id"])
        if not body.get("next_cursor"):
            break
        path = first + "&cursor=" + quote(body["next_cursor"], safe="")
    elapsed = time.perf_counter() - started
    time.sleep(0.3)
    done.set()
    sampler.join()
    if seen != expected:
        raise SystemExit(f"paged {len(seen)} users, the table holds {len(expected)}; "
                         f"missing {len(expected - seen)}, unknown {len(seen - expected)}")
    times.sort()
    pct = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"  {len(times)} pages of 200 in {elapsed:.1f} s: every one of the {len(expected)} users seen exactly once "
          f"(total on the first page: {total})")
    print(f"  page latency (one client, serial): median {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {times[-1]:.1f} ms")
    print(f"  server VmRSS: start {samples[0] / 1024:.0f} MiB, peak {max(samples) / 1024:.0f} MiB, "
          f"end {samples[-1] / 1024:.0f} MiB ({len(samples)} samples)")


if __name__ == "__main__":
    main()
