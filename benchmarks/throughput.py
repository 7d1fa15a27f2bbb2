"""Throughput, scaling, memory and quality of batch builds on a synthetic corpus.

Prints, all measured in this run on the same text:

* the whole pipeline (documents in, triples out: ``kg.batch.build_archive``) in characters
  per second, in total and per worker, with peak memory of the client and of each worker;
* ``rjieba.tag`` over the whole corpus and ``jieba.posseg`` over a sample (it is slow;
  the sample size is printed), and the pipeline's ratio to each;
* scaling from 1 to 2 workers on a part of the corpus (wall clock, worker start-up included);
* entity F1 of extraction against the generated gold (``kg.extract.evaluate`` on a sample of
  reports), and how well cross-document merging clusters mentions of the same entity over
  the whole corpus (B-cubed precision/recall over mentions matched to gold spans), with
  the number of distinct entities the corpus mentions and the number of nodes built.

Goals (issue 7): pipeline >= 10x jieba.posseg and >= 0.25x rjieba.tag; 2 workers >= 1.7x one;
peak RSS < 1 GB per worker; entity F1 >= 0.95.

Example::

    python benchmarks/throughput.py --megabytes 20 --folder /tmp/kg-bench
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate  # noqa: E402

MB = 1_000_000


def _texts(path: Path, limit_bytes: float | None = None) -> list[str]:
    texts, size = [], 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            text = json.loads(line)["text"]
            texts.append(text)
            size += len(text.encode("utf-8"))
            if limit_bytes and size >= limit_bytes:
                break
    return texts


def _head(corpus: Path, target: Path, megabytes: float) -> Path:
    """The first reports of ``corpus`` up to ``megabytes`` of text, as another corpus."""
    size = 0
    with open(corpus, encoding="utf-8") as source, open(target, "w", encoding="utf-8") as out:
        for line in source:
            out.write(line)
            size += len(json.loads(line)["text"].encode("utf-8"))
            if size >= megabytes * MB:
                break
    return target


def _build(corpus: Path, out: Path, workers: int) -> dict:
    """Build in a fresh process so its peak memory is the build's own."""
    command = [sys.executable, __file__, "--child", str(corpus), str(out), str(workers)]
    answer = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def _child(corpus: str, out: str, workers: str) -> None:
    from kg.batch import build_archive

    started, load = time.perf_counter(), os.getloadavg()[0]
    result = build_archive([corpus], out, fmt="nquads", workers=int(workers), force=True, html=False)
    report = result.report
    print(json.dumps({
        "load": [load, os.getloadavg()[0]], "worker_cpu_seconds": report.worker_cpu_seconds,
        "documents": report.documents, "characters": report.characters, "chunks": report.chunks,
        "extract_seconds": report.extract_seconds, "assemble_seconds": report.assemble_seconds,
        "seconds": time.perf_counter() - started, "client_peak_rss_mb": report.client_peak_rss_mb,
        "worker_peak_rss_mb": report.worker_peak_rss_mb, "graph": str(result.graph_path),
        "summary": result.summary(), "merge_records": len(result.records),
    }))


def _tagger_speed(texts: list[str], tag) -> float:
    characters = sum(len(t) for t in texts)
    started = time.perf_counter()
    for text in texts:
        for _ in tag(text):
            pass
    return characters / (time.perf_counter() - started)


def _entity_f1(corpus: Path, gold_path: Path, documents: int) -> dict:
    from kg.extract.evaluate import Evaluation, evaluate
    from kg.extract.pipeline import extract, make_nlp
    from kg.extract.reader import read_documents

    golds = {}
    with open(gold_path, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number >= documents:
                break
            gold = json.loads(line)
            golds[gold["id"]] = gold
    nlp, overall = make_nlp(), Evaluation()
    for document in read_documents(corpus):
        if document.id in golds:
            overall.add(evaluate(extract(document, nlp), golds[document.id]))
        if len(golds) and document.id == max(golds):
            break
    return overall.as_dict()


def _merge_quality(graph: Path, gold_path: Path) -> dict:
    """B-cubed precision/recall of graph nodes against gold entities, over mentions matched by span."""
    import pyoxigraph as ox

    from kg.ontology.namespaces import doc_iri

    gold: dict[tuple[str, int, int], str] = {}
    with open(gold_path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            graph_name = str(doc_iri(record["id"]))
            for start, end, entity in record["mentions"]:
                gold[(graph_name, start, end)] = entity
    store = ox.Store()
    store.bulk_load(path=str(graph), format=ox.RdfFormat.N_QUADS)
    query = """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
        SELECT DISTINCT ?node ?doc ?b ?e ?type WHERE { GRAPH ?g {
            ?node a ?type ; prov:wasDerivedFrom ?m .
            ?m nif:referenceContext ?doc ; nif:beginIndex ?b ; nif:endIndex ?e .
            VALUES ?type { <http://www.w3.org/ns/org#Organization> <https://schema.org/Person>
                           <https://w3id.org/orgkg/ontology#Honour> } } }"""
    pairs: dict[str, Counter] = defaultdict(Counter)  # type -> (node, gold entity) -> mentions
    matched = Counter()
    for node, doc, begin, end, kind in store.query(query):
        kind = kind.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        entity = gold.get((doc.value, int(begin.value), int(end.value)))
        matched[(kind, entity is not None)] += 1
        if entity is not None:
            pairs[kind][(node.value, entity)] += 1
    result = {}
    for kind, counts in pairs.items():
        by_node, by_entity = Counter(), Counter()
        for (node, entity), n in counts.items():
            by_node[node] += n
            by_entity[entity] += n
        total = sum(counts.values())
        precision = sum(n * n / by_node[node] for (node, _), n in counts.items()) / total
        recall = sum(n * n / by_entity[entity] for (_, entity), n in counts.items()) / total
        result[kind] = {"precision": precision, "recall": recall,
                        "f1": 2 * precision * recall / (precision + recall), "nodes": len(by_node),
                        "entities": len(by_entity), "mentions_matched": matched[(kind, True)],
                        "mentions_unmatched": matched[(kind, False)]}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/kg-bench"))
    parser.add_argument("--megabytes", type=float, default=20.0, help="corpus size (UTF-8 text)")
    parser.add_argument("--workers", type=int, default=None, help="workers for the full build (default: cores)")
    parser.add_argument("--scaling-megabytes", type=float, default=2.0, help="part built with 1 and 2 workers")
    parser.add_argument("--jieba-megabytes", type=float, default=1.0, help="sample given to jieba.posseg")
    parser.add_argument("--f1-documents", type=int, default=400, help="reports scored with kg.extract.evaluate")
    parser.add_argument("--scaling-only", action="store_true", help="measure only the 1 -> 2 worker scaling")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    folder = args.folder
    world_path = folder / "world.json"
    if world_path.exists() and json.loads(world_path.read_text())["bytes"] >= args.megabytes * MB:
        world = json.loads(world_path.read_text())
    else:
        started = time.perf_counter()
        world = generate(folder, args.megabytes)
        print(f"generated {world['documents']} reports, {world['bytes'] / MB:.1f} MB, in "
              f"{time.perf_counter() - started:.0f} s")
    corpus, gold = folder / "corpus.jsonl", folder / "gold.jsonl"
    if args.scaling_only:
        _scaling(corpus, folder, args.scaling_megabytes)
        return
    print(f"corpus: {world['documents']} reports, {world['bytes'] / MB:.1f} MB of text (both scripts); "
          f"distinct entities mentioned: {world['entities']}")

    texts = _texts(corpus)
    characters = sum(len(t) for t in texts)
    import jieba
    import jieba.posseg
    import rjieba

    jieba.setLogLevel(60)
    jieba.initialize()
    rjieba.tag("预热")
    rjieba_speed = _tagger_speed(texts, rjieba.tag)
    sample = _texts(corpus, args.jieba_megabytes * MB)
    jieba.posseg.lcut("预热")
    # Reports alternate between scripts; jieba's HMM is far slower on Traditional text, so
    # both halves are timed and the sample's rate is their harmonic mix.
    by_script = {script: _tagger_speed(sample[start::2], jieba.posseg.cut) for start, script in ((0, "Hans"),
                                                                                               (1, "Hant"))}
    halves = [sum(len(t) for t in sample[start::2]) for start in (0, 1)]
    jieba_speed = sum(halves) / (halves[0] / by_script["Hans"] + halves[1] / by_script["Hant"])
    del texts
    print(f"rjieba.tag: {rjieba_speed:,.0f} chars/s over all {characters:,} characters")
    print(f"jieba.posseg: {jieba_speed:,.0f} chars/s over a sample of {sum(halves):,} characters "
          f"(Simplified reports {by_script['Hans']:,.0f} chars/s, Traditional {by_script['Hant']:,.0f} chars/s)")

    full = _build(corpus, folder / "out-full", workers)
    speed = full["characters"] / full["seconds"]
    print(f"pipeline, {workers} worker(s), whole corpus: {full['documents']} reports, {full['characters']:,} chars, "
          f"{full['chunks']} chunks in {full['seconds']:.0f} s (extract {full['extract_seconds']:.0f} s, merge and "
          f"write {full['assemble_seconds']:.0f} s): {speed:,.0f} chars/s, {speed / workers:,.0f} chars/s per worker")
    print(f"  ratio to jieba.posseg: {speed / jieba_speed:.2f}x on the same mix (goal >= 10), per worker "
          f"{speed / workers / jieba_speed:.2f}x; to jieba.posseg on Simplified text only: per worker "
          f"{speed / workers / by_script['Hans']:.3f}x")
    print(f"  ratio to rjieba.tag: {speed / rjieba_speed:.3f}x (goal >= 0.25); per worker "
          f"{speed / workers / rjieba_speed:.3f}x")
    print(f"  {full['characters'] / full['worker_cpu_seconds']:,.0f} chars per worker CPU-second; load average "
          f"{full['load'][0]:.1f} at the start, {full['load'][1]:.1f} at the end on {os.cpu_count()} cores")
    print(f"  peak RSS: client {full['client_peak_rss_mb']:,.0f} MB, worker {full['worker_peak_rss_mb']:,.0f} MB "
          f"(goal < 1024 MB per worker)")
    print(f"  graph: {full['summary']}")

    _scaling(corpus, folder, args.scaling_megabytes)
    _quality(corpus, gold, Path(full["graph"]), args.f1_documents)


def _scaling(corpus: Path, folder: Path, megabytes: float) -> None:
    part = _head(corpus, folder / "part.jsonl", megabytes)
    one = _build(part, folder / "out-1", 1)
    two = _build(part, folder / "out-2", 2)
    print(f"scaling on {one['characters']:,} chars ({one['documents']} reports): 1 worker "
          f"{one['characters'] / one['seconds']:,.0f} chars/s ({one['seconds']:.1f} s), 2 workers "
          f"{two['characters'] / two['seconds']:,.0f} chars/s ({two['seconds']:.1f} s): "
          f"{one['seconds'] / two['seconds']:.2f}x (goal >= 1.7); extraction only "
          f"{one['extract_seconds'] / two['extract_seconds']:.2f}x; chars per worker CPU-second "
          f"{one['characters'] / one['worker_cpu_seconds']:,.0f} and {two['characters'] / two['worker_cpu_seconds']:,.0f} "
          f"(equal when workers do not slow each other); load average {one['load'][0]:.1f} and "
          f"{two['load'][0]:.1f} at the starts")



def _quality(corpus: Path, gold: Path, graph: Path, documents: int) -> None:
    scores = _entity_f1(corpus, gold, documents)
    entity = {k: v["f1"] for k, v in scores["entities"].items()}
    relation = {k: v["f1"] for k, v in scores["relations"].items()}
    print(f"extraction F1 on {documents} reports: entities {entity} (goal >= 0.95); relations {relation}")
    for kind, quality in sorted(_merge_quality(graph, gold).items()):
        print(f"merging over the whole corpus, {kind}: B-cubed precision {quality['precision']:.4f}, recall "
              f"{quality['recall']:.4f}, F1 {quality['f1']:.4f}; {quality['nodes']} nodes for "
              f"{quality['entities']} gold entities ({quality['mentions_matched']} mentions matched to gold spans, "
              f"{quality['mentions_unmatched']} not)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
    else:
        main()
