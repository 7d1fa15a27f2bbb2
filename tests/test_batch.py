"""Batch builds: chunks, resume after a kill, --force, kg add, workers and Dask, cross-document merging.

All units and people are fictional.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.batch import BatchError, add_documents, build_archive, chunked, pipeline_version
from kg.cli import app
from kg.extract.facts import Document, DocumentFacts, Entity, Mention, Relation
from kg.extract.pipeline import extract
from kg.extract.reader import make_document
from kg.merge import Resolver, fold, graphs_of_facts, is_generic, literal_value, readable
from kg.ontology.namespaces import NIF, doc_iri, org_iri

LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
ORG = "<http://www.w3.org/ns/org#Organization>"
PERSON = "<https://schema.org/Person>"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"

CROSS_DOCUMENT = {  # one group in both scripts, its short form and a namesake in another company
    "a": "青禾重工集团表彰先进\n来源：党委宣传部　时间：2021年6月30日　作者：林小河\n七一前夕，青禾重工集团有限公司"
         "(以下简称“青禾重工”)党委授予铸造分公司熔炼车间“先进基层党组织”称号，授予铸造分公司总经理郦志远“优秀共产党员”称号。",
    "b": "青禾重工召开职代会\n来源：工会　时间：2022年3月8日　作者：苏晓\n青禾重工工会授予铸造分公司熔炼车间主任郦志远"
         "“劳动模范”称号。青禾重工总经理甘雨辰出席会议。",
    "c": "青禾重工集團表彰巾幗\n來源：工會　時間：2022年3月8日　作者：蘇曉\n青禾重工集團有限公司工會授予鑄造分公司總經理郦志遠"
         "“三八紅旗手”稱號。",
    "d": "远山电力公司表彰先进\n来源：办公室　时间：2020年5月1日　作者：王一\n远山电力有限公司授予检修分公司班长郦志远"
         "“先进工作者”称号。",
}
COMPANIES = [("青禾重工集团有限公司", "青禾重工", "铸造分公司"), ("远山电力有限公司", "远山电力", "检修分公司"),
             ("白鹭港务集团有限公司", "白鹭港务", "码头分公司")]
PEOPLE = ["郦志远", "甘雨辰", "苏晓岚", "卢海舟", "韦青松", "柏晨曦", "蒲雪梅", "蔺国华", "訾春燕", "亢文博"]
HONOURS = ["劳动模范", "优秀共产党员", "先进工作者"]
FILLER = "会议强调，要坚持安全生产，推动企业高质量发展，做好各项重点工作。"


def report(index: int, filler: int = 2) -> str:
    full, short, branch = COMPANIES[index % len(COMPANIES)]
    person, honour = PEOPLE[index % len(PEOPLE)], HONOURS[index % len(HONOURS)]
    return (f"{short}表彰先进\n来源：办公室　时间：2021年{index % 12 + 1}月8日　作者：林小河\n"
            f"{full}(以下简称“{short}”)授予{branch}总经理{person}“{honour}”称号。" + FILLER * filler)


def write_corpus(folder: Path, count: int, filler: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"r{index:03d}.txt").write_text(report(index, filler), encoding="utf-8")
    return folder


def sorted_lines(path: Path) -> list[bytes]:
    return sorted(line for line in path.read_bytes().splitlines() if line.strip())


def rows(path: Path, sparql: str) -> list[tuple[str, ...]]:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.TURTLE)
    return [tuple(term.value for term in row) for row in store.query(sparql, use_default_graph_as_union=True)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"), 12)


# ------------------------------------------------------------------ merging across documents


def test_one_unit_across_scripts_short_forms_and_nested_names_namesakes_apart():
    graphs = list(graphs_of_facts(extract(make_document(k, t)) for k, t in CROSS_DOCUMENT.items()))
    resolver = Resolver.of(lambda: graphs)
    labels, per_language = {}, Counter()
    for graph, triples in graphs:
        for s, p, o in resolver.rewrite(graph, triples):
            if p == LABEL:
                text, language = literal_value(o)
                labels.setdefault(readable(s[1:-1]), set()).add(text)
                per_language[(graph, s, language)] += 1
    # The union named "青禾重工工会" (short form + 工会) in b is the group's union in a Traditional c.
    assert labels["org:青禾重工集团有限公司工会"] == {"青禾重工集团有限公司工会", "青禾重工集團有限公司工會"}
    assert "org:青禾重工工会" not in labels
    # The branch is one node in a (Simplified) and c (Traditional), keyed by the group.
    assert labels["org:青禾重工集团有限公司铸造分公司"] == {"铸造分公司", "鑄造分公司"}
    # Same name and same unit in a and c: one person, with both scripts' labels.
    assert labels["person:青禾重工集团有限公司铸造分公司/郦志远"] == {"郦志远", "郦志遠"}
    # The namesake in another company stays apart.
    assert "person:远山电力有限公司检修分公司/郦志远" in labels
    assert any(r.rule == "namesakes in different units: kept apart" for r in resolver.records)
    # One rdfs:label per language on every node of every document graph.
    assert max(per_language.values()) == 1


def _unit_facts(doc_id: str, units: dict[str, set[str]], parents: dict[str, str] | None = None) -> DocumentFacts:
    """A document naming ``units`` (name -> declared aliases), Group class unless nested under a parent."""
    text = "，".join(units)
    entities, position = {}, 0
    for name, aliases in units.items():
        start = text.index(name, position)
        position = start + len(name)
        org_class = "Department" if parents and name in parents else "Group"
        entities[f"Organization:{name}"] = Entity(
            key=f"Organization:{name}", type="Organization", name=name, org_class=org_class, aliases=set(aliases),
            mentions=[Mention(doc_id, start, start + len(name), name, 0)])
    relations = [Relation(f"Organization:{child}", "subOrganizationOf", f"Organization:{parent}")
                 for child, parent in (parents or {}).items()]
    return DocumentFacts(document=Document(id=doc_id, text=text), entities=entities, relations=relations,
                         sentences=[(0, len(text))])


def _resolved(*facts: DocumentFacts) -> tuple[dict[str, set[str]], Resolver]:
    graphs = list(graphs_of_facts(facts))
    resolver = Resolver.of(lambda: graphs)
    nodes: dict[str, set[str]] = {}
    for graph, triples in graphs:
        for s, p, o in resolver.rewrite(graph, triples):
            if p == TYPE and o == ORG:
                nodes.setdefault(readable(s[1:-1]), set()).add(graph.rsplit("/", 1)[1])
    return nodes, resolver


def test_declared_alias_and_legal_form_merge_ambiguous_or_contradicted_aliases_do_not():
    nodes, resolver = _resolved(
        _unit_facts("d1", {"星河机械集团有限公司": {"星河机械", "星河", "集团公司"}}),
        _unit_facts("d2", {"星河机械": set()}),  # the declared short form, used alone
        _unit_facts("d3", {"星河机械集团": set()}),  # the name without its legal form
        _unit_facts("d4", {"星河电子集团有限公司": {"星河"}}),  # "星河" is claimed by two groups
        _unit_facts("d5", {"星河": set(), "集团公司": set()}),
        # A document that names its alias as a unit of its own: the alias says nothing.
        _unit_facts("d6", {"远山电力集团有限公司": {"远山电力"}, "远山电力": set()}),
        _unit_facts("d7", {"远山电力": set()}),
    )
    assert nodes["org:星河机械集团有限公司"] == {"d1", "d2", "d3"}
    assert nodes["org:星河"] == {"d5"}  # ambiguous alias: kept apart
    assert nodes["org:集团公司"] == {"d5"}  # generic alias: never used
    assert nodes["org:远山电力"] == {"d6", "d7"} and nodes["org:远山电力集团有限公司"] == {"d6"}
    rules = {r.rule for r in resolver.records}
    assert {"declared alias", "legal form", "alias 星河 claimed by several units: kept apart"} <= rules


def test_same_bare_name_under_two_parents_is_two_units():
    nodes, resolver = _resolved(
        _unit_facts("d1", {"星河机械集团有限公司": set(), "办公室": set()}, {"办公室": "星河机械集团有限公司"}),
        _unit_facts("d2", {"远山电力集团有限公司": set(), "办公室": set()}, {"办公室": "远山电力集团有限公司"}),
        _unit_facts("d3", {"星河机械集团": set(), "星河机械集团办公室": set()}, {"星河机械集团办公室": "星河机械集团"}),
    )
    assert nodes["org:星河机械集团有限公司办公室"] == {"d1", "d3"}
    assert nodes["org:远山电力集团有限公司办公室"] == {"d2"}
    assert "org:办公室" not in nodes
    assert any(r.rule.endswith("under different parents: kept apart") for r in resolver.records)


def test_name_folding_and_generic_aliases():
    assert fold("嵩嶽電網 有限公司") == fold("嵩岳电网有限公司") == "嵩岳电网有限公司"
    assert fold("买买提•艾力") == fold("买买提·艾力")
    assert is_generic("集团公司党委") and is_generic("该公司") and not is_generic("星河机械")


# ------------------------------------------------------------------ chunks, resume, force


def test_inserting_a_document_changes_one_chunk():
    documents = [Document(id=f"doc{i:04d}", text="x" * 10) for i in range(600)]
    before = [c.key for c in chunked(documents, size=20)]
    documents.insert(300, Document(id="inserted", text="y"))
    after = [c.key for c in chunked(documents, size=20)]
    # Only the chunks around the new document change (its own, or a split of it, or one a full chunk
    # spilled into); every other chunk keeps its key, so a re-run reuses it.
    assert len(before) > 20
    assert 1 <= len(set(before) - set(after)) <= 2 and len(set(after) - set(before)) <= 3
    assert all(len(c.documents) <= 40 for c in chunked(documents, size=20))


def test_rerun_skips_finished_chunks_and_redoes_missing_ones(corpus, tmp_path):
    out = tmp_path / "out"
    first = build_archive([corpus], out, workers=1, chunk_size=3, html=False)
    graph = (out / "graph.ttl").read_bytes()
    assert first.report.skipped_chunks == 0 and first.report.processed_documents == 12
    assert first.summary()["documents"] == 12
    again = build_archive([corpus], out, workers=1, chunk_size=3, html=False)
    assert again.report.skipped_chunks == again.report.chunks > 1
    assert again.report.processed_documents == 0
    assert (out / "graph.ttl").read_bytes() == graph
    manifest = [json.loads(line) for line in (out / ".chunks" / "manifest.jsonl").read_text().splitlines()]
    lost = manifest[1]
    (out / ".chunks" / f"{lost['key']}.nq").unlink()
    redone = build_archive([corpus], out, workers=1, chunk_size=3, html=False)
    assert redone.report.processed_documents == len(lost["documents"])
    assert redone.report.skipped_chunks == redone.report.chunks - 1
    assert (out / "graph.ttl").read_bytes() == graph
    forced = build_archive([corpus], out, workers=1, chunk_size=3, html=False, force=True)
    assert forced.report.skipped_chunks == 0 and forced.report.processed_documents == 12
    assert (out / "graph.ttl").read_bytes() == graph


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from kg.cli import app; app()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "CI": "1"})


def _wait_for_finished_chunk(folder: Path, since: float, process: subprocess.Popen) -> None:
    """Until the manifest, emptied by --force, notes a chunk again."""
    manifest = folder / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if manifest.stat().st_mtime > since and manifest.read_text(encoding="utf-8").strip():
            return
        time.sleep(0.02)
    raise AssertionError("the build finished no chunk before it ended")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_build_keeps_the_previous_graph_and_resumes(tmp_path, stop):
    corpus = write_corpus(tmp_path / "corpus", 10, filler=12)
    out = tmp_path / "out"
    pipeline_version.cache_clear()  # the code hashed now, as the command will hash it
    build_archive([corpus], out, workers=1, chunk_size=1, html=False)
    graph = (out / "graph.ttl").read_bytes()
    started = time.time()
    time.sleep(0.05)
    process = _cli("build", str(corpus), "-o", str(out), "--force", "--chunk-size", "1", "-w", "1", "--no-html")
    _wait_for_finished_chunk(out / ".chunks", started, process)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    if stop == signal.SIGINT:
        assert process.returncode == 130 and b"interrupted" in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    assert (out / "graph.ttl").read_bytes() == graph  # never half a file
    assert not [p for p in out.iterdir() if p.name.startswith(".graph.ttl")]
    pipeline_version.cache_clear()
    resumed = build_archive([corpus], out, workers=1, chunk_size=1, html=False)
    assert 1 <= resumed.report.skipped_chunks < resumed.report.chunks
    assert (out / "graph.ttl").read_bytes() == graph


def test_unreadable_input_is_named_and_the_rest_is_built(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 3)
    (corpus / "broken.txt").write_bytes(b"\x00\x01binary\x00")
    result = CliRunner().invoke(app, ["build", str(corpus), "-o", str(tmp_path / "out"), "-w", "1", "--no-html"])
    assert result.exit_code == 2
    assert "broken.txt" in result.output and "binary" in result.output
    assert rows(tmp_path / "out" / "graph.ttl", "SELECT (COUNT(?d) AS ?n) WHERE { ?d a <https://schema.org/NewsArticle> }") == [("3",)]


# ------------------------------------------------------------------ workers and Dask


def test_two_workers_write_the_same_graph_as_one(corpus, tmp_path):
    one = build_archive([corpus], tmp_path / "one", fmt="nquads", workers=1, chunk_size=3, html=False)
    two = build_archive([corpus], tmp_path / "two", fmt="nquads", workers=2, chunk_size=3, html=False)
    assert two.report.chunks > 2 and two.report.worker_peak_rss_mb > 0
    assert one.graph_path.read_bytes() == two.graph_path.read_bytes()


def test_a_worker_writes_long_documents_part_by_part_to_the_same_graph(corpus, tmp_path, monkeypatch):
    whole = build_archive([corpus], tmp_path / "whole", fmt="nquads", workers=1, html=False)
    import kg.extract.pipeline

    monkeypatch.setattr(kg.extract.pipeline, "PART_CHARS", 10)  # every report counts as long
    parts = build_archive([corpus], tmp_path / "parts", fmt="nquads", workers=1, html=False)
    assert parts.report.processed_documents == 12
    assert sorted_lines(parts.graph_path) == sorted_lines(whole.graph_path)


def test_ntriples_output_holds_the_triples_of_the_nquads_output(corpus, tmp_path):
    quads = build_archive([corpus], tmp_path / "nq", fmt="nquads", workers=1, html=False)
    triples = build_archive([corpus], tmp_path / "nt", fmt="nt", workers=1, html=False)
    as_triples = {line.rsplit(" <", 1)[0] + " .\n" for line in quads.graph_path.read_text("utf-8").splitlines()}
    written = triples.graph_path.read_text("utf-8").splitlines(keepends=True)
    assert len(written) == len(set(written)) == triples.counts["triples"]  # no line twice
    assert set(written) == as_triples
    assert sum(DERIVED in line for line in written) > 100


def test_derived_lines_get_the_shared_subject_and_merged_nodes_cite_a_mention_once():
    from kg.batch import _rewrite_derived

    graph = " <https://example.org/g> .\n"
    lines = [f"<x:a> {DERIVED} <x:m1>{graph}", f"<x:b> {DERIVED} <x:m1>{graph}",
             f"<x:b> {DERIVED} <x:m2>{graph}", f"<x:c> {DERIVED} <x:m1>{graph}"]
    out = io.StringIO()
    assert _rewrite_derived(lines, {"<x:a>": "<x:ab>", "<x:b>": "<x:ab>"}, out, graph) == 3
    assert out.getvalue().splitlines() == [f"<x:ab> {DERIVED} <x:m1> .", f"<x:ab> {DERIVED} <x:m2> .",
                                           f"<x:c> {DERIVED} <x:m1> ."]
    quads = io.StringIO()
    assert _rewrite_derived(lines, {"<x:c>": "<x:d>"}, quads, "") == 4
    assert quads.getvalue().splitlines()[-1] == f"<x:d> {DERIVED} <x:m1>{graph.rstrip()}"


def test_dask_cluster_writes_the_same_graph_as_one_process(corpus, tmp_path):
    distributed = pytest.importorskip("distributed")
    one = build_archive([corpus], tmp_path / "one", fmt="nquads", workers=1, chunk_size=3, html=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB",
                                  dashboard_address=None) as cluster:
        on_dask = build_archive([corpus], tmp_path / "dask", fmt="nquads", engine="dask",
                                scheduler=cluster.scheduler_address, workers=2, chunk_size=3, html=False)
    assert on_dask.report.processed_documents == 12
    assert sorted_lines(one.graph_path) == sorted_lines(on_dask.graph_path)


# ------------------------------------------------------------------ kg add


def _cross_document_files(folder: Path, names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.txt"
        path.write_text(CROSS_DOCUMENT[name], encoding="utf-8")
        paths.append(path)
    return paths


def test_add_to_a_build_replaces_a_document_and_merges_again(tmp_path):
    out = tmp_path / "out"
    build_archive(_cross_document_files(tmp_path / "first", "ad"), out, workers=1, html=False)
    later = _cross_document_files(tmp_path / "later", "bc")
    changed = tmp_path / "later" / "a.txt"  # the same id again, now about another person
    changed.write_text(CROSS_DOCUMENT["a"].replace("郦志远", "甄向阳"), encoding="utf-8")
    result = CliRunner().invoke(app, ["add", str(out / "graph.ttl"), *map(str, later), str(changed), "-w", "1",
                                      "--explain-merges"])
    assert result.exit_code == 0, result.output
    graph = out / "graph.ttl"
    documents = rows(graph, "SELECT ?d WHERE { ?d a <https://schema.org/NewsArticle> } ORDER BY ?d")
    assert documents == [(str(doc_iri(k)),) for k in "abcd"]
    people = {readable(r[0]) for r in rows(graph, f"SELECT DISTINCT ?p WHERE {{ ?p a {PERSON} }}")}
    assert "person:青禾重工集团有限公司铸造分公司/甄向阳" in people  # from the new version of a
    assert "person:青禾重工集团有限公司铸造分公司/郦志远" in people  # from c, which names him too
    headlines = rows(graph, f"SELECT ?t WHERE {{ <{doc_iri('a')}> <https://schema.org/headline> ?t }}")
    assert len(headlines) == 1
    # the old version's text and mention nodes are gone with it (they are copied, not merged)
    texts = rows(graph, f"SELECT ?t WHERE {{ <{doc_iri('a')}> <{NIF.isString}> ?t }}")
    assert len(texts) == 1 and "甄向阳" in texts[0][0]
    anchors = rows(graph, f"SELECT ?a WHERE {{ ?m <{NIF.referenceContext}> <{doc_iri('a')}> ; <{NIF.anchorOf}> ?a }}")
    assert ("甄向阳",) in anchors and ("郦志远",) not in anchors
    units = {readable(r[0]) for r in rows(graph, f"SELECT ?o WHERE {{ ?o a {ORG} }}")}
    assert "org:青禾重工集团有限公司工会" in units and "org:青禾重工工会" not in units  # merged again
    assert "names of one unit under one parent" in (out / "merges.tsv").read_text(encoding="utf-8")


def test_add_to_an_nquads_file_and_to_an_oxigraph_store(tmp_path):
    built = build_archive(_cross_document_files(tmp_path / "first", "a"), tmp_path / "out", fmt="nquads",
                          workers=1, html=False)
    standalone = tmp_path / "graph.nq"
    shutil.copy(built.graph_path, standalone)
    store_dir = tmp_path / "store"
    store = ox.Store(str(store_dir))
    store.bulk_load(path=str(standalone), format=ox.RdfFormat.N_QUADS)
    del store
    new = _cross_document_files(tmp_path / "new", "c")
    add_documents(standalone, new, workers=1)
    graphs = {r[0] for r in rows(standalone, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == {str(doc_iri("a")), str(doc_iri("c"))}
    union = str(org_iri("青禾重工集团有限公司工会"))
    assert rows(standalone, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{union}> a {ORG} }} }}") == [(str(doc_iri("c")),)]
    add_documents(store_dir, new, workers=1)
    store = ox.Store.read_only(str(store_dir))
    assert {g.value for g in store.named_graphs()} == graphs
    assert len(store) == len(set(sorted_lines(standalone)))  # the same documents, merged the same way


def test_add_refuses_a_turtle_file_outside_its_build(tmp_path):
    built = build_archive(_cross_document_files(tmp_path / "first", "a"), tmp_path / "out", workers=1, html=False)
    lone = tmp_path / "lone.ttl"
    shutil.copy(built.graph_path, lone)
    with pytest.raises(BatchError, match="keeps no graph per document"):
        add_documents(lone, _cross_document_files(tmp_path / "new", "c"), workers=1)
    assert lone.read_bytes() == built.graph_path.read_bytes()


def test_add_refuses_a_build_whose_chunks_are_of_an_older_format(tmp_path):
    built = build_archive(_cross_document_files(tmp_path / "first", "a"), tmp_path / "out", workers=1, html=False)
    composition_path = tmp_path / "out" / ".chunks" / "graph.json"
    composition = json.loads(composition_path.read_text("utf-8"))
    del composition["chunk_format"]  # as a build made before the format was recorded
    composition_path.write_text(json.dumps(composition), "utf-8")
    before = built.graph_path.read_bytes()
    result = CliRunner().invoke(app, ["add", str(tmp_path / "out"), *map(str, _cross_document_files(tmp_path / "new", "c"))])
    assert result.exit_code == 2 and "older version" in result.output and "Traceback" not in result.output
    assert built.graph_path.read_bytes() == before


# ------------------------------------------------------------------ failed runs leave the previous output


def test_a_run_whose_every_input_fails_leaves_the_previous_graph(corpus, tmp_path):
    out = tmp_path / "out"
    build_archive([corpus], out, workers=1, html=False)
    graph = (out / "graph.ttl").read_bytes()
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\x00\x01binary\x00")
    result = CliRunner().invoke(app, ["build", str(broken), "-o", str(out), "-w", "1", "--no-html"])
    assert result.exit_code == 2
    assert "broken.txt" in result.output and "no document could be read" in result.output
    assert (out / "graph.ttl").read_bytes() == graph


def test_a_graph_too_big_for_the_viewer_removes_the_earlier_viewer(corpus, tmp_path, monkeypatch):
    import kg.batch

    out = tmp_path / "out"
    build_archive([corpus], out, workers=1, html=True)
    assert (out / "graph.html").exists()
    monkeypatch.setattr(kg.batch, "HTML_LIMIT", 10)
    result = build_archive([corpus], out, workers=1, html=True)
    assert result.html_path is None and not (out / "graph.html").exists()
    assert any("graph.html not written" in w for w in result.report.warnings)


def test_the_next_run_removes_what_a_killed_run_left_behind(corpus, tmp_path):
    out = tmp_path / "out"
    (out / ".chunks").mkdir(parents=True)
    gone = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)
    left = [out / f".graph.ttl.pid{gone}-k1.tmp", out / ".chunks" / f".abc.nq.pid{gone}-k2.tmp"]
    for path in left:
        path.write_text("half a file")
    scratch = out / f".assembly.pid{gone}-k3"
    (scratch / "part").mkdir(parents=True)
    running = out / f".graph.ttl.pid{os.getpid()}-k4.tmp"  # a run still going: left alone
    running.write_text("busy")
    build_archive([corpus], out, workers=1, html=False)
    assert not any(path.exists() for path in [*left, scratch])
    assert running.exists()
