"""Exports (kg.export, kg export): each format is read back and compared with the graph."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from test_analysis import save_seed_graph
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.export import FORMATS, export

FICTIONAL = {
    "d": "2021年6月30日，东川集团党委授予第一分公司检修厂“先进集体”称号，"
         "授予检修厂厂长亓德昌、第一分公司经理任晓兰“劳动模范”称号。",
}


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory):
    return save_seed_graph(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def seed(seed_file):
    return kg.load(seed_file).to_networkx()


@pytest.fixture(scope="module")
def fictional():
    return kg.build_texts(FICTIONAL)


def run_export(graph_file: Path, to: str, out: Path):
    result = CliRunner().invoke(app, ["export", str(graph_file), "--to", to, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result


def edge_summary(graph) -> Counter:
    return Counter((u, v, d["relation"], d.get("date")) for u, v, d in graph.edges(data=True))


def assert_same_nodes(original: nx.MultiDiGraph, back, decode=json.loads):
    assert set(back.nodes) == set(original.nodes)
    for node, data in original.nodes(data=True):
        read = back.nodes[node]
        assert read["kind"] == data["kind"] and read["label"] == data["label"]
        assert read.get("org_class") == data["org_class"]
        if data["label_hant"]:
            assert read["label_hant"] == data["label_hant"]
        else:
            assert read["label_hant"]  # converted, so both scripts are always there
        assert decode(read["aliases"]) == data["aliases"]
        assert decode(read["mentions"]) == data["mentions"]


@pytest.mark.parametrize("to,read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_gephi_formats_round_trip(seed_file, seed, tmp_path, to, read):
    out = tmp_path / f"graph.{to}"
    run_export(seed_file, to, out)
    back = read(out)
    assert back.number_of_nodes() == seed.number_of_nodes()
    assert back.number_of_edges() == seed.number_of_edges()
    assert_same_nodes(seed, back)
    assert edge_summary(back) == edge_summary(seed)  # relations and dates on edges
    counts = sorted(d["count"] for _, _, d in back.edges(data=True) if "count" in d)
    assert counts == sorted(d["count"] for _, _, d in seed.edges(data=True) if d.get("count") is not None)
    assert counts  # the seed states how many were honoured
    posts = {d["post"] for _, _, d in back.edges(data=True) if d["relation"] == "holdsPost"}
    assert posts == {d["post"] for _, _, d in seed.edges(data=True) if d["relation"] == "holdsPost"}


def test_graphml_keeps_the_documents(seed_file, seed, tmp_path):
    out = tmp_path / "graph.graphml"
    run_export(seed_file, "graphml", out)
    assert json.loads(nx.read_graphml(out).graph["documents"]) == seed.graph["documents"]


def test_cytoscape_json_round_trips(seed_file, seed, tmp_path):
    out = tmp_path / "graph.cyjs"
    run_export(seed_file, "cytoscape", out)
    data = json.loads(out.read_text("utf-8"))
    assert {n["data"]["name"] for n in data["elements"]["nodes"]} == {d["label"] for _, d in seed.nodes(data=True)}
    back = nx.cytoscape_graph(data)
    assert back.number_of_nodes() == seed.number_of_nodes()
    assert back.number_of_edges() == seed.number_of_edges()
    assert_same_nodes(seed, back, decode=lambda value: value)  # lists stay lists
    assert edge_summary(back) == edge_summary(seed)


def test_csv_tables_round_trip_with_a_byte_order_mark(seed_file, seed, tmp_path):
    out = tmp_path / "tables"
    run_export(seed_file, "csv", out)
    for name in ("nodes.csv", "edges.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf")
    with open(out / "nodes.csv", encoding="utf-8-sig", newline="") as f:
        nodes = {row["id"]: row for row in csv.DictReader(f)}
    with open(out / "edges.csv", encoding="utf-8-sig", newline="") as f:
        edges = list(csv.DictReader(f))
    assert len(nodes) == seed.number_of_nodes() and len(edges) == seed.number_of_edges()
    for node, data in seed.nodes(data=True):
        row = nodes[node]
        assert (row["kind"], row["label"], row["org_class"] or None) == (data["kind"], data["label"], data["org_class"])
        assert json.loads(row["aliases"]) == data["aliases"]
        assert json.loads(row["honours"]) == data["honours"]
    summary = Counter((r["source"], r["target"], r["relation"], r["date"] or None) for r in edges)
    assert summary == edge_summary(seed)
    for row in edges:
        assert row["source_label"] == seed.nodes[row["source"]]["label"]
        assert row["target_label"] == seed.nodes[row["target"]]["label"]


def test_neo4j_files_match_their_cypher(seed_file, seed, tmp_path):
    out = tmp_path / "neo4j"
    run_export(seed_file, "neo4j", out)
    cypher = (out / "import.cypher").read_text("utf-8")
    statements = [s for s in cypher.split(";") if s.strip()]
    headers = {}
    for name in ("nodes.csv", "relationships.csv"):
        assert not (out / name).read_bytes().startswith(b"\xef\xbb\xbf")  # Neo4j reads plain UTF-8
        with open(out / name, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        headers[name] = set(rows[0])
        assert len(rows) == (seed.number_of_nodes() if name == "nodes.csv" else seed.number_of_edges())
    loads = [s for s in statements if "LOAD CSV" in s]
    for statement in loads:  # every file named exists and every column read is in its header
        (name,) = re.findall(r"file:///([\w.]+)", statement)
        assert set(re.findall(r"row\.(\w+)", statement)) <= headers[name]
    with open(out / "relationships.csv", encoding="utf-8", newline="") as f:
        relations = {row["relation"] for row in csv.DictReader(f)}
    with open(out / "nodes.csv", encoding="utf-8", newline="") as f:
        node_rows = list(csv.DictReader(f))
    kinds = {row["kind"] for row in node_rows}
    for value in relations | kinds:  # every relation and kind present has its statement
        assert any(f"= '{value}'" in s for s in loads), value
    aliased = [row for row in node_rows if row["aliases"]]
    assert aliased and all(row["aliases"].split("|") == seed.nodes[row["id"]]["aliases"] for row in aliased)


def test_export_writes_whole_files_or_nothing(fictional, tmp_path, monkeypatch):
    target = tmp_path / "graph.gexf"
    target.write_text("old", "utf-8")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr("kg.files.os.replace", fail)
    with pytest.raises(OSError):
        export(fictional, "gexf", target)
    assert target.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.gexf"]  # no temporary file left behind


def test_export_api_formats_and_errors(fictional, tmp_path):
    written = export(fictional, "csv", tmp_path / "new" / "dir")
    assert sorted(p.name for p in written) == ["edges.csv", "nodes.csv"]
    with pytest.raises(ValueError, match="unknown export format"):
        export(fictional, "xlsx", tmp_path / "x")
    blocker = tmp_path / "file"
    blocker.write_text("keep", "utf-8")
    with pytest.raises(NotADirectoryError):
        export(fictional, "neo4j", blocker)
    assert blocker.read_text("utf-8") == "keep"
    assert set(FORMATS) == {"graphml", "gexf", "cytoscape", "csv", "neo4j"}


def test_kg_export_reports_bad_input_without_writing(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("not turtle <", "utf-8")
    out = tmp_path / "out.graphml"
    result = CliRunner().invoke(app, ["export", str(broken), "--to", "graphml", "-o", str(out)])
    assert result.exit_code == 2 and "broken.ttl" in result.stderr
    assert not out.exists()
    unknown = CliRunner().invoke(app, ["export", str(broken), "--to", "xlsx", "-o", str(out)])
    assert unknown.exit_code == 2 and "xlsx" in unknown.stderr
