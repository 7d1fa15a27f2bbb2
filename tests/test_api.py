"""The Python API: build, load, query, views, outputs."""
from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from rdflib import RDF, URIRef
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.merge import MergeRecord, merge_dataset
from kg.ontology import build_dataset
from kg.ontology.namespaces import NIF, doc_iri

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "tests" / "data" / "grid-2019-06-28.txt"
TEXT = "標題\n來源: 宣傳部時間: 2020-07-02作者: 某人\n七一前夕，北山分公司檢修廠黨委榮獲“先進集體”稱號；華電邬明遠榮獲“勞動模範”稱號。"


def test_build_texts_gives_typed_views():
    graph = kg.build_texts({"d1": TEXT})
    people = {p.name: p for p in graph.people()}
    assert people["邬明远"].name_hant == "邬明遠" and people["邬明远"].units == ("华电",)
    awards = {a.honour: a for a in graph.awards()}
    assert awards["先进集体"].recipients == ("北山分公司检修厂党委",) and awards["先进集体"].date == "2020-07"
    units = {o.name: o for o in graph.organisations()}
    assert units["北山分公司检修厂党委"].parent == "北山分公司检修厂"
    assert {h.name for h in graph.honours()} == {"先进集体", "劳动模范"}


def test_query_returns_typed_rows_and_takes_parameters():
    graph = kg.build(ARTICLE)
    rows = graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?a a kg:Award }")
    assert isinstance(rows[0]["n"], int) and rows[0]["n"] > 0
    honours = graph.query("honours-of", name="禚海波")
    assert {r["honourLabel"] for r in honours} == {"全国五一劳动奖章"}


def test_save_load_round_trip_in_every_format(tmp_path):
    graph = kg.build(ARTICLE)
    for suffix in ("ttl", "nt", "jsonld", "trig", "nq"):
        path = graph.save(tmp_path / f"graph.{suffix}")
        again = kg.load(path)
        assert len(again.graph) == len(graph.graph), suffix
        assert {p.name for p in again.people()} == {p.name for p in graph.people()}


def test_networkx_html_and_notebook_views(tmp_path):
    graph = kg.build(ARTICLE)
    nxg = graph.to_networkx()
    assert isinstance(nxg, nx.MultiDiGraph)
    kinds = {d["kind"] for _, d in nxg.nodes(data=True)}
    assert kinds == {"organization", "person", "honour"}
    page = graph.save_html(tmp_path / "g.html")
    assert "禚海波" in page.read_text(encoding="utf-8")
    assert graph._repr_html_().startswith("<iframe")


def test_unreadable_inputs_are_reported_not_raised(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    graph = kg.build(tmp_path)
    assert [str(f.path).endswith("bad.txt") for f in graph.report.failures] == [True]
    assert graph.summary()["documents"] == 1


# Four fictional reports: "a" declares the short form "星澜集团" that "b" uses alone; "c" names the
# group, its branch and the branch's manager in Traditional script; "d" has a namesake in another company.
CORPUS = {
    "a": "星澜能源表彰先进\n来源：党委宣传部　时间：2021年6月30日　作者：林小河\n"
         "星澜能源集团有限公司(以下简称“星澜集团”)党委授予热电分公司总经理庞思远“优秀共产党员”称号。",
    "b": "星澜集团召开职代会\n来源：工会　时间：2022年3月8日　作者：苏晓\n星澜集团授予热电分公司运行部主任庞思远“劳动模范”称号。",
    "c": "星瀾能源集團表彰巾幗\n來源：工會　時間：2022年3月8日　作者：蘇曉\n"
         "星瀾能源集團有限公司工會授予熱電分公司總經理龐思遠“三八紅旗手”稱號。",
    "d": "云岭港务表彰先进\n来源：办公室　时间：2020年5月1日　作者：王一\n云岭港务有限公司授予码头分公司班长庞思远“先进工作者”称号。",
}


@pytest.fixture(scope="module")
def corpus_builds(tmp_path_factory):
    """The corpus built by ``kg.build`` and by ``kg build`` (N-Quads, read back with ``kg.load``)."""
    folder = tmp_path_factory.mktemp("corpus")
    for doc_id, text in CORPUS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(folder), "-o", str(folder / "out"), "-f", "nq", "-w", "1",
                                      "--no-html"])
    assert result.exit_code == 0, result.output
    return kg.build(folder), kg.load(folder / "out" / "graph.nq")


def quads(graph: kg.KnowledgeGraph) -> set:
    return set(graph.dataset.quads())


def test_build_merges_documents_as_kg_build_does(corpus_builds):
    api, cli = corpus_builds
    assert set(api.graph) == set(cli.graph) and len(api.graph) > 200
    assert quads(api) == quads(cli)  # the same named graph per document, on the same merged nodes


def test_build_gives_one_node_per_unit_and_person_across_documents(corpus_builds):
    graph, _ = corpus_builds
    units = {o.name: o for o in graph.organisations()}
    group = units["星澜能源集团有限公司"]
    # The short form declared in a and used alone in b, and the Traditional name in c: one node.
    assert group.name_hant == "星瀾能源集團有限公司" and "星澜集团" in group.aliases
    assert "星澜集团" not in units
    graphs_naming_group = {g for _, _, _, g in graph.dataset.quads((URIRef(group.iri), RDF.type, None, None))}
    assert graphs_naming_group == {doc_iri(d) for d in "abc"}
    # The manager of the branch in a and c is one person; the namesakes in b and d are kept apart.
    people = sorted((p.posts, p.name_hant) for p in graph.people() if p.name == "庞思远")
    assert people == [((("主任", "热电分公司运行部"),), None), ((("总经理", "热电分公司"),), "龐思遠"),
                      ((("班长", "码头分公司"),), None)]
    rules = {record.rule for record in graph.merges}
    assert {"declared alias", "namesakes in different units: kept apart"} <= rules
    assert all(isinstance(record, MergeRecord) for record in graph.merges)


def test_merge_dataset_of_the_unmerged_graphs_gives_the_same_dataset(corpus_builds):
    graph, _ = corpus_builds
    merged, records = merge_dataset(build_dataset(graph.facts))
    assert set(merged.quads()) == quads(graph)
    assert sorted(r.row() for r in records) == sorted(r.row() for r in graph.merges)


def test_a_saved_merged_graph_loads_with_its_named_graphs(corpus_builds, tmp_path):
    graph, _ = corpus_builds
    loaded = kg.load(graph.save(tmp_path / "graph.trig"))
    assert quads(loaded) == quads(graph) and loaded.merges == []
    assert {p.iri for p in loaded.people()} == {p.iri for p in graph.people()}


def test_an_honour_keeps_its_name_as_written_across_documents():
    text = "青禾机械厂检修车间主任王小明荣获“Best Team 2020”称号。\u2028星河能源公司动力车间主任赵大山荣获“劳动模范”称号，\x85他说。"
    graph = kg.build_texts({"x": text, "y": "星河能源公司动力车间主任赵大山荣获“BestTeam2020”称号。"})
    # Spellings that differ by spaces are one honour, labelled as written, not as folded for matching.
    assert sorted(h.name for h in graph.honours()) == ["Best Team 2020", "劳动模范"]
    # Line separators inside a text (U+2028, U+0085) do not cut its statements apart.
    assert str(graph.graph.value(doc_iri("x"), NIF.isString)) == text
    assert {p.name for p in graph.people()} == {"王小明", "赵大山"}
