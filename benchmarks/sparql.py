"""The question library on synthetic graphs: pyoxigraph against rdflib's own SPARQL engine.

For each size (default 100k and 1M triples) this generates a contract-conforming graph
(benchmarks/synthetic.py), loads it into pyoxigraph (timed) and into rdflib, and runs
every bundled question, parameterised the way a user asks it (a person, a unit, an
honour and year drawn from the graph) and, for questions that take parameters, also
unset (the whole listing). It prints p50/p95 per question for both engines, measured in
the same run, their ratio, and whether both engines returned the same number of rows.

rdflib's engine is slow on large graphs: each of its runs happens in a forked child
that is stopped after ``--rdflib-budget`` seconds; a stopped run is shown as ">budget"
and its ratio as a lower bound.

    python benchmarks/sparql.py                      # 100k and 1M triples
    python benchmarks/sparql.py --sizes 100000 --rdflib-budget 20
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_synthetic  # noqa: E402

from kg.sparql import apply_params, execute, list_questions  # noqa: E402

PICK = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kg: <https://w3id.org/orgkg/ontology#>
PREFIX schema: <https://schema.org/>
SELECT ?person ?company ?honour ?year WHERE {
  { SELECT ?person WHERE { ?a kg:recipient ?p . ?p a schema:Person ; rdfs:label ?person
                           FILTER(LANGMATCHES(LANG(?person), "zh-Hans")) } LIMIT 1 }
  { SELECT ?company WHERE { ?c a kg:Company ; rdfs:label ?company
                            FILTER(LANGMATCHES(LANG(?company), "zh-Hans")) } LIMIT 1 }
  { SELECT ?honour ?year WHERE { ?a a kg:Award ; kg:honour/rdfs:label ?honour ; kg:date ?d
                                 FILTER(LANGMATCHES(LANG(?honour), "zh-Hans"))
                                 BIND(SUBSTR(STR(?d), 1, 4) AS ?year) } LIMIT 1 }
}"""

# Questions that use the named parameters, and which sample value each gets.
PARAMETER_SOURCES = {"name": "person", "unit": "company", "honour": "honour", "year": "year"}
# Joins over several patterns and property paths; the ≥ 20× goal applies to these.
JOIN_HEAVY = {"people-honours", "honours-of", "unit-people", "top-units", "conferred-by", "unit-tree"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_pyoxigraph(store: ox.Store, sparql: str, repetitions: int, budget: float) -> tuple[list[float], int]:
    times, rows = [], 0
    deadline = time.perf_counter() + budget
    for _ in range(repetitions):
        started = time.perf_counter()
        rows = sum(1 for _ in execute(store, sparql))
        times.append(time.perf_counter() - started)
        if time.perf_counter() > deadline:
            break
    return times, rows


_RDFLIB_GRAPH = None  # set before forking, so children share it copy-on-write


def _rdflib_run(sparql: str, conn) -> None:
    started = time.perf_counter()
    rows = sum(1 for _ in _RDFLIB_GRAPH.query(sparql))
    conn.send((time.perf_counter() - started, rows))


def time_rdflib(sparql: str, repetitions: int, budget: float) -> tuple[list[float], int | None, bool]:
    """Run times, row count and whether a run was stopped at the budget."""
    context = multiprocessing.get_context("fork")
    times, rows = [], None
    deadline = time.perf_counter() + budget
    for _ in range(repetitions):
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            break
        parent, child = context.Pipe()
        process = context.Process(target=_rdflib_run, args=(sparql, child))
        process.start()
        if parent.poll(remaining):
            elapsed, rows = parent.recv()
            times.append(elapsed)
            process.join()
        else:
            process.kill()
            process.join()
            return times, rows, True
    return times, rows, False


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def run_size(triples: int, args) -> list[dict]:
    global _RDFLIB_GRAPH
    import rdflib

    print(f"\n## {triples:,} triples", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "synthetic.nt"
        started = time.perf_counter()
        written = write_synthetic(path, triples, seed=args.seed)
        print(f"generated {written:,} triples in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        store = ox.Store()
        store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        load_ox = time.perf_counter() - started
        print(f"pyoxigraph load: {load_ox:.1f} s ({len(store):,} triples)", flush=True)
        started = time.perf_counter()
        _RDFLIB_GRAPH = rdflib.Graph()
        _RDFLIB_GRAPH.parse(path, format="nt")
        print(f"rdflib load:     {time.perf_counter() - started:.1f} s", flush=True)

    sample = next(iter(store.query(PICK)))
    values = {name: sample[source].value for name, source in PARAMETER_SOURCES.items()}
    print("parameters:", ", ".join(f"{k}={v}" for k, v in values.items()))
    print(f"{'question':38} {'rows':>7} {'ox p50':>9} {'ox p95':>9} {'rdflib p50':>10} {'rdflib p95':>10} {'ratio':>8}  same rows")
    results = []
    for question in list_questions():
        variants = [("", {})]
        if question.parameters:
            params = {p: values[p] for p in question.parameters if p in values}
            variants = [(" " + " ".join(f"{k}=…" for k in params), params), (" (unset)", {})]
        for label, params in variants:
            sparql = apply_params(question.text, params)
            ox_times, ox_rows = time_pyoxigraph(store, sparql, args.repetitions, args.ox_budget)
            rl_times, rl_rows, stopped = time_rdflib(sparql, args.rdflib_repetitions, args.rdflib_budget)
            ox_p50, ox_p95 = statistics.median(ox_times), percentile(ox_times, 0.95)
            if rl_times:
                rl_p50, rl_p95 = statistics.median(rl_times), percentile(rl_times, 0.95)
                ratio = f"{rl_p50 / ox_p50:7.0f}×"
                rl_cols = f"{_ms(rl_p50):>10} {_ms(rl_p95):>10}"
            else:
                rl_p50 = None
                ratio = f">{args.rdflib_budget / ox_p50:6.0f}×"
                rl_cols = f"{'>' + str(int(args.rdflib_budget)) + ' s':>10} {'':>10}"
            same = "?" if rl_rows is None else ("yes" if rl_rows == ox_rows else f"NO ({rl_rows})")
            name = (question.name + label)[:38]
            print(f"{name:38} {ox_rows:7} {_ms(ox_p50)} {_ms(ox_p95)} {rl_cols} {ratio:>8}  {same}"
                  + ("  (rdflib stopped)" if stopped else ""), flush=True)
            results.append({"question": question.name, "variant": label.strip(), "ox_p95": ox_p95,
                            "rdflib_p50": rl_p50, "ox_p50": ox_p50, "stopped": stopped})
    slowest = max(results, key=lambda r: r["ox_p95"])
    print(f"slowest pyoxigraph p95: {slowest['question']} {slowest['variant']} {slowest['ox_p95'] * 1000:.1f} ms; "
          f"load {load_ox:.1f} s (goals: p95 < 100 ms on 1M, load < 20 s)")
    ratios = [r["rdflib_p50"] / r["ox_p50"] for r in results if r["question"] in JOIN_HEAVY and r["rdflib_p50"]]
    if ratios:
        print(f"join-heavy questions: rdflib/pyoxigraph p50 ratio min {min(ratios):.0f}×, "
              f"median {statistics.median(ratios):.0f}× (goal ≥ 20×; stopped runs not counted)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repetitions", type=int, default=20, help="pyoxigraph runs per question")
    parser.add_argument("--ox-budget", type=float, default=10.0, help="seconds of pyoxigraph runs per question")
    parser.add_argument("--rdflib-repetitions", type=int, default=5)
    parser.add_argument("--rdflib-budget", type=float, default=60.0, help="seconds of rdflib runs per question")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for size in args.sizes:
        run_size(size, args)


if __name__ == "__main__":
    main()
