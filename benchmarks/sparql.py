"""The question library on synthetic graphs: the project's engine against rdflib's own SPARQL engine.

For each size (default 100k and 1M triples) this generates a contract-conforming graph
(benchmarks/synthetic.py), opens it the way ``kg query`` does (:func:`kg.sparql.open_store`:
in memory, or bulk-loaded into an on-disk store for large files; timed) and parses it with
rdflib (timed), then runs every bundled question: with the parameters a user would give
(a person who has honours, a company, an honour and a year it was conferred, a conferring
body, drawn from the graph) and, where a question takes parameters, unset as well (a page
of the whole listing, or for conferred-by and top-units an aggregate over every award).
It prints p50/p95 per question for both engines, measured in the same run, their ratio
and whether both returned the same number of rows.

rdflib's engine is slow on large graphs: each rdflib run happens in a forked child that is
stopped after ``--rdflib-cap`` seconds; a stopped run is shown as ">CAP s" and its ratio as
a lower bound (">").

    python benchmarks/sparql.py                              # 100k and 1M triples
    python benchmarks/sparql.py --sizes 100000 --rdflib-cap 20
"""
from __future__ import annotations

import argparse
import json
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

from kg.sparql import ON_DISK_ABOVE_BYTES, apply_params, execute, list_questions, open_store  # noqa: E402

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kg: <https://w3id.org/orgkg/ontology#>
PREFIX schema: <https://schema.org/>
"""
# One query per parameter, each cheap on a large graph: a short scan stopped by LIMIT.
PICKS = {
    "name": """SELECT ?value WHERE { ?award kg:recipient ?who . ?who a schema:Person ; rdfs:label ?value
                                     FILTER(LANGMATCHES(LANG(?value), "zh-Hans")) } LIMIT 1""",
    "unit": """SELECT ?value WHERE { ?unit a kg:Company ; rdfs:label ?value
                                     FILTER(LANGMATCHES(LANG(?value), "zh-Hans")) } LIMIT 1""",
    "honour": """SELECT ?value WHERE { ?award kg:honour ?h . ?h rdfs:label ?value
                                       FILTER(LANGMATCHES(LANG(?value), "zh-Hans")) } LIMIT 1""",
    "body": """SELECT ?value WHERE { ?award kg:honour [] ; kg:conferredBy ?body . ?body rdfs:label ?value
                                     FILTER(LANGMATCHES(LANG(?value), "zh-Hans")) } LIMIT 1""",
}
YEAR_OF_HONOUR = """SELECT ?value WHERE { ?h rdfs:label %s . ?award kg:honour ?h ; kg:date ?date
                                          BIND(SUBSTR(STR(?date), 1, 4) AS ?value) } LIMIT 1"""
# Joins over several patterns and property paths; the ≥ 20× goal applies to these.
JOIN_HEAVY = {"people-honours", "honours-of", "unit-people", "top-units", "conferred-by", "unit-tree"}


def pick_parameters(store: ox.Store) -> dict[str, str]:
    """Realistic parameter values drawn from the graph."""
    values = {}
    for name, query in PICKS.items():
        rows = list(execute(store, _PREFIXES + query))
        if rows:
            values[name] = rows[0]["value"].value
    if "honour" in values:
        label = json.dumps(values["honour"], ensure_ascii=False) + "@zh-Hans"
        rows = list(execute(store, _PREFIXES + YEAR_OF_HONOUR % label))
        if rows:
            values["year"] = rows[0]["value"].value
    return values


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_project(store: ox.Store, sparql: str, repetitions: int, budget: float) -> tuple[list[float], int]:
    """Run times (every row read) and the row count, within ``budget`` seconds after the first run."""
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


def time_rdflib(sparql: str, repetitions: int, cap: float) -> tuple[list[float], int | None, bool]:
    """Run times, row count and whether a run was stopped at ``cap`` seconds."""
    context = multiprocessing.get_context("fork")
    times, rows = [], None
    for _ in range(repetitions):
        parent, child = context.Pipe()
        process = context.Process(target=_rdflib_run, args=(sparql, child))
        process.start()
        if not parent.poll(cap):
            process.kill()
            process.join()
            return times, rows, True
        elapsed, rows = parent.recv()
        process.join()
        times.append(elapsed)
        if sum(times) > cap:  # enough samples of a slow query
            break
    return times, rows, False


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def run_size(triples: int, args) -> list[dict]:
    global _RDFLIB_GRAPH
    import rdflib

    print(f"\n## {triples:,} triples (load average {os.getloadavg()[0]:.1f})", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "synthetic.nt"
        started = time.perf_counter()
        written = write_synthetic(path, triples, seed=args.seed)
        size = path.stat().st_size
        print(f"generated {written:,} triples ({size / 1e6:.0f} MB N-Triples) in {time.perf_counter() - started:.1f} s")
        kind = "on-disk store, bulk_load" if size > ON_DISK_ABOVE_BYTES else "in-memory store"
        started = time.perf_counter()
        store = open_store(path)
        load_project = time.perf_counter() - started
        print(f"project load (open_store: {kind}): {load_project:.1f} s ({len(store):,} triples)", flush=True)
        started = time.perf_counter()
        _RDFLIB_GRAPH = rdflib.Graph()
        _RDFLIB_GRAPH.parse(path, format="nt")
        print(f"rdflib load: {time.perf_counter() - started:.1f} s", flush=True)

    values = pick_parameters(store)
    print("parameters:", ", ".join(f"{k}={v}" for k, v in values.items()))
    print(f"rdflib runs are capped at {args.rdflib_cap:g} s each ('>' marks a stopped run; its ratio is a lower bound)")
    header = f"{'question':34} {'rows':>5} {'p50 ms':>9} {'p95 ms':>9} {'rdflib p50':>11} {'ratio':>8}  same rows"
    print(header)
    print("-" * len(header))
    results = []
    for question in list_questions():
        variants = [("", {})]
        if question.parameters:
            params = {p: values[p] for p in question.parameters if p in values}
            variants = [(" " + " ".join(params), params), (" (unset)", {})]
        for label, params in variants:
            sparql = apply_params(question.text, params)
            project_times, project_rows = time_project(store, sparql, args.repetitions, args.budget)
            rdflib_times, rdflib_rows, stopped = time_rdflib(sparql, args.rdflib_repetitions, args.rdflib_cap)
            p50, p95 = statistics.median(project_times), percentile(project_times, 0.95)
            if stopped:
                rdflib_p50 = None
                rdflib_column = f"{'>' + format(args.rdflib_cap, 'g') + ' s':>11}"
                ratio = f">{args.rdflib_cap / p50:6.0f}×"
            else:
                rdflib_p50 = statistics.median(rdflib_times)
                rdflib_column = f"{_ms(rdflib_p50):>11}"
                ratio = f"{rdflib_p50 / p50:7.0f}×"
            same = "?" if rdflib_rows is None else ("yes" if rdflib_rows == project_rows else f"NO ({rdflib_rows})")
            name = (question.name + label)[:34]
            print(f"{name:34} {project_rows:5} {_ms(p50)} {_ms(p95)} {rdflib_column} {ratio:>8}  {same}", flush=True)
            results.append({
                "question": question.name, "variant": label.strip(), "p50": p50, "p95": p95,
                "rdflib_p50": rdflib_p50, "stopped": stopped,
            })
    _summarise(results, load_project, args)
    return results


def _summarise(results: list[dict], load: float, args) -> None:
    over = [r for r in results if r["p95"] >= 0.1]
    slowest = max(results, key=lambda r: r["p95"])
    print(f"\nload {load:.1f} s (goal < 20 s); slowest p95 {slowest['question']} {slowest['variant']} "
          f"{slowest['p95'] * 1000:.0f} ms; {len(results) - len(over)} of {len(results)} runs under 100 ms"
          + (": over: " + ", ".join(f"{r['question']} {r['variant']} ({r['p95'] * 1000:.0f} ms)" for r in over)
             if over else ""))
    ratios = []
    for r in results:
        if r["question"] in JOIN_HEAVY:
            ratios.append(args.rdflib_cap / r["p50"] if r["stopped"] else r["rdflib_p50"] / r["p50"])
    if ratios:
        print(f"join-heavy questions: rdflib/project p50 ratio min {min(ratios):.0f}×, median "
              f"{statistics.median(ratios):.0f}× (goal ≥ 20×; capped runs count at the cap, a lower bound)")
    print(f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repetitions", type=int, default=20, help="project-engine runs per question")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of project-engine runs per question")
    parser.add_argument("--rdflib-repetitions", type=int, default=3)
    parser.add_argument("--rdflib-cap", type=float, default=30.0, help="seconds an rdflib run may take")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; pyoxigraph {ox.__version__}")
    for size in args.sizes:
        run_size(size, args)


if __name__ == "__main__":
    main()
