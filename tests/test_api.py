"""The Python API: build, load, query, views, outputs."""
from __future__ import annotations

from pathlib import Path

import networkx as nx

import kg

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
