"""Load test of the SPARQL endpoint: many concurrent clients, good, slow and bad queries.

Starts ``python -m kg.server`` on a synthetic graph (or on GRAPH) on a free loopback port,
then runs CLIENTS threads for at most DURATION seconds or REQUESTS requests in all. Each
request is drawn from a mix: good (library questions and small lookups; answers are
checked), slow (a query that takes a noticeable while but ends within the time limit),
bad (syntax errors, updates, SERVICE, oversized bodies: each must get its 4xx) and
runaway (a cartesian product that the server must stop with 503 at its time limit).

It prints requests served, the count per kind and status, unexpected outcomes (any 5xx
other than a runaway's 503, a dropped connection, a wrong answer) and the p50/p95
latency of good queries. Exit status 1 when anything unexpected happened.

    python benchmarks/loadtest.py --clients 32 --duration 30
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_synthetic  # noqa: E402

from kg.sparql import apply_params, resolve_query  # noqa: E402

COUNT_PEOPLE = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://schema.org/Person> }"
SLOW = resolve_query("people-honours")  # the heaviest listing: slow, but within the limit
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BAD = [
    ("SELECT * WHERE { ?s ?p }", 400),
    ("INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }", 403),
    ("LOAD <http://127.0.0.1:1/x.ttl>", 403),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", 403),
]


def post(base: str, query: str, accept: str = "application/sparql-results+json", timeout: float = 120):
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        base + "/sparql", data, {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start_server(graph: Path, timeout: float, max_request_bytes: int, workers: int | None):
    command = [sys.executable, "-W", "ignore", "-m", "kg.server", str(graph), "--port", "0",
               "--timeout", str(timeout), "--max-request-bytes", str(max_request_bytes)]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = process.stderr.readline()
    match = re.search(r"(http://[\d.]+:\d+)/sparql", line)
    if not match:
        process.kill()
        sys.exit(f"server did not start: {line}{process.stderr.read()}")
    return process, match[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", nargs="?", type=Path, help="graph to serve (default: synthetic)")
    parser.add_argument("--triples", type=int, default=50_000, help="size of the synthetic graph")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds, at most")
    parser.add_argument("--requests", type=int, default=2000, help="requests in all, at most")
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query time limit")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        graph = args.graph
        if graph is None:
            graph = Path(scratch) / "synthetic.nt"
            write_synthetic(graph, args.triples)
        max_request_bytes = 100_000
        process, base = start_server(graph, args.timeout, max_request_bytes, args.workers)
        try:
            run(base, args, max_request_bytes)
        finally:
            process.terminate()
            process.wait(timeout=30)


def run(base: str, args, max_request_bytes: int) -> None:
    expected_people = json.loads(post(base, COUNT_PEOPLE)[1])["results"]["bindings"][0]["n"]["value"]
    started = time.monotonic()
    post(base, SLOW)
    print(f"slow query alone: {time.monotonic() - started:.2f} s (limit {args.timeout:g} s)")
    question = apply_params(resolve_query("honours-of"), {"name": "nobody"})

    outcomes: Counter = Counter()
    unexpected: list[str] = []
    good_latencies: list[float] = []
    lock = threading.Lock()
    issued = iter(range(args.requests))
    deadline = time.monotonic() + args.duration

    def one(rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.6:
            kind, query, expect = "good", rng.choice([COUNT_PEOPLE, question]), 200
        elif roll < 0.75:
            kind, query, expect = "slow", SLOW, 200
        elif roll < 0.95:
            kind = "bad"
            query, expect = rng.choice(BAD + [("SELECT * {} #" + "x" * max_request_bytes, 413)])
        else:
            kind, query, expect = "runaway", RUNAWAY, 503
        began = time.monotonic()
        try:
            status, body = post(base, query)
        except (OSError, urllib.error.URLError) as error:  # dropped or refused connection
            status, body = None, str(error).encode()
        elapsed = time.monotonic() - began
        problem = None
        # A slow query may wait behind runaway ones past the limit: its 503 is counted, not hidden.
        if status != expect and not (kind == "slow" and status == 503):
            problem = f"{kind}: expected {expect}, got {status}: {body[:120]!r}"
        elif query == COUNT_PEOPLE:
            value = json.loads(body)["results"]["bindings"][0]["n"]["value"]
            if value != expected_people:
                problem = f"wrong answer: {value} people, expected {expected_people}"
        with lock:
            outcomes[(kind, status)] += 1
            if problem:
                unexpected.append(problem)
            if kind == "good" and status == 200:
                good_latencies.append(elapsed)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            with lock:
                if next(issued, None) is None:
                    return
            one(rng)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began

    served = sum(outcomes.values())
    print(f"{served} requests from {args.clients} clients in {elapsed:.1f} s ({served / elapsed:.1f}/s)")
    for (kind, status), count in sorted(outcomes.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        print(f"  {kind:8} {status}: {count}")
    if good_latencies:
        p95 = sorted(good_latencies)[int(0.95 * (len(good_latencies) - 1))]
        print(f"good queries: p50 {statistics.median(good_latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    server_errors = sum(c for (kind, status), c in outcomes.items()
                        if status is None or (status >= 500 and kind != "runaway" and kind != "slow"))
    print(f"unexpected: {len(unexpected)} (5xx or dropped outside runaway/slow queries: {server_errors})")
    for problem in unexpected[:10]:
        print("  ", problem)
    if unexpected:
        sys.exit(1)


if __name__ == "__main__":
    main()
