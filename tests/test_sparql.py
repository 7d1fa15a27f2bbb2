"""SPARQL on pyoxigraph: opening graphs, typed rows, the question library and ``kg query``."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import typer
from typer.testing import CliRunner

from kg.sparql import (
    GraphLoadError, QueryError, apply_params, list_questions, open_store, parse_params, query_command,
    resolve_query, select_rows,
)

SAMPLE = Path(__file__).parent / "fixtures" / "contract_sample.ttl"
QUESTIONS = {
    "people-honours", "honours-of", "recipients-by-year", "unit-tree", "unit-people", "conferred-by",
    "top-units", "fact-sources",
}


@pytest.fixture(scope="module")
def store():
    return open_store(SAMPLE)


def ask(store, question, **params):
    return select_rows(store, question, params)


# ---------------------------------------------------------------- opening graphs


def _sample_triples() -> int:
    return len(rdflib.Graph().parse(SAMPLE))


@pytest.mark.parametrize("fmt, suffix", [("nt", ".nt"), ("json-ld", ".jsonld"), ("xml", ".rdf"), ("trig", ".trig")])
def test_open_store_reads_each_format_by_suffix(tmp_path, fmt, suffix):
    path = tmp_path / f"graph{suffix}"
    rdflib.Graph().parse(SAMPLE).serialize(path, format=fmt)
    assert len(open_store(path)) == _sample_triples()


def test_named_graphs_are_visible_to_plain_queries(tmp_path):
    dataset = rdflib.Dataset()
    per_document = dataset.graph(rdflib.URIRef("https://w3id.org/orgkg/id/doc/xinghe-2011-07-02"))
    for triple in rdflib.Graph().parse(SAMPLE):
        per_document.add(triple)
    path = tmp_path / "graph.nq"
    dataset.serialize(path, format="nquads")
    for source in (dataset, path):
        names = {row["personLabel"] for row in ask(open_store(source), "people-honours")}
        assert names == {"赵大伟", "周文静", "陈雨桐"}


def test_open_store_from_rdflib_graph_and_store_directory(tmp_path):
    graph = rdflib.Graph().parse(SAMPLE)
    assert len(open_store(graph)) == len(graph)
    disk = ox.Store(str(tmp_path / "store"))
    disk.bulk_load(path=str(SAMPLE))
    disk.flush()
    del disk
    store = open_store(tmp_path / "store", read_only=True)
    assert len(store) == len(graph)
    assert {r["personLabel"] for r in ask(store, "people-honours")} == {"赵大伟", "周文静", "陈雨桐"}


@pytest.mark.parametrize("suffix", [".ttl", ".rdf"])
def test_open_store_into_a_directory_keeps_the_graph_there(tmp_path, suffix):
    graph = rdflib.Graph().parse(SAMPLE)
    path = tmp_path / f"graph{suffix}"
    graph.serialize(path, format="xml" if suffix == ".rdf" else "turtle")
    store = open_store(path, into=tmp_path / "store")
    assert len(store) == len(graph)
    del store  # a server's workers reopen the directory read-only
    assert len(ox.Store.read_only(str(tmp_path / "store"))) == len(graph)
    assert len(open_store(graph, into=tmp_path / "from-rdflib")) == len(graph)


def test_bad_graphs_name_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix x: <http://x/> .\nx:a x:b "unterminated .\n', encoding="utf-8")
    with pytest.raises(GraphLoadError, match=r"bad\.ttl.*line 2"):
        open_store(bad)
    with pytest.raises(GraphLoadError, match="no such file"):
        open_store(tmp_path / "missing.ttl")
    odd = tmp_path / "graph.csv"
    odd.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(GraphLoadError, match="unknown RDF format"):
        open_store(odd)


# ---------------------------------------------------------------- typed rows


def test_rows_have_typed_values(store):
    rows = ask(store, "recipients-by-year", year="2011")
    by_recipient = {row.get("recipientLabel"): row for row in rows}
    zhao = by_recipient["赵大伟"]
    assert zhao["date"] == datetime.date(2011, 7, 1)
    assert zhao["awardYear"] == 2011
    assert isinstance(zhao["recipient"], rdflib.URIRef)
    assert zhao["recipient"].startswith("https://w3id.org/orgkg/id/person/")
    counted = by_recipient[None]
    assert counted["recipientCount"] == 30 and counted["date"] == "2011-07"  # gYearMonth stays text


# ---------------------------------------------------------------- question library


def test_the_library_has_every_question_with_a_title():
    questions = {q.name: q for q in list_questions()}
    assert QUESTIONS <= set(questions)
    for question in questions.values():
        assert question.title and not question.title.startswith("PREFIX")
    assert questions["honours-of"].parameters == ("name",)
    assert set(questions["recipients-by-year"].parameters) == {"honour", "year"}


def test_people_honours(store):
    pairs = {(r["personLabel"], r["honourLabel"], str(r["date"])) for r in ask(store, "people-honours")}
    assert pairs == {
        ("赵大伟", "优秀共产党员", "2011-07-01"), ("赵大伟", "劳动模范", "2010"),
        ("周文静", "劳动模范", "2012-05"), ("陈雨桐", "优秀共产党员", "2012-05"),
    }


def test_honours_of_a_person_in_either_script_and_of_a_unit(store):
    assert [r["honourLabel"] for r in ask(store, "honours-of", name="陳雨桐")] == ["优秀共产党员"]
    assert [r["honourLabel"] for r in ask(store, "honours-of", name="陈雨桐")] == ["优秀共产党员"]
    unit = ask(store, "honours-of", name="北辰铸造厂党支部")
    assert [(r["honourLabel"], r["conferredByLabel"]) for r in unit] == [("先进基层党组织", "星河重工党委")]
    assert ask(store, "honours-of", name="无此人") == []
    assert len(ask(store, "honours-of")) == 5  # unset: every recipient


def test_recipients_of_an_honour_by_year(store):
    rows = ask(store, "recipients-by-year", honour="勞動模範")
    assert [(r["awardYear"], r["recipientLabel"]) for r in rows] == [(2010, "赵大伟"), (2012, "周文静")]
    assert {r.get("recipientCount") for r in ask(store, "recipients-by-year", year="2011")} == {None, 30}


def test_unit_tree_gives_depths(store):
    rows = ask(store, "unit-tree", unit="北辰铸造厂")
    assert {(r["subUnitLabel"], r["depth"], r["parentLabel"]) for r in rows} == {
        ("熔炼车间", 1, "北辰铸造厂"), ("北辰铸造厂党支部", 1, "北辰铸造厂"), ("甲班", 2, "熔炼车间"),
    }
    roots = {r["rootLabel"] for r in ask(store, "unit-tree")}
    assert roots == {"星河重工股份有限公司"}  # the only top-level unit with units below


def test_people_of_a_unit_include_its_sub_units(store):
    rows = ask(store, "unit-people", unit="熔炼车间")
    assert {(r["personLabel"], r["unitLabel"]) for r in rows} == {("陈雨桐", "熔炼车间"), ("赵大伟", "甲班")}
    by_alias = ask(store, "unit-people", unit="星河重工")  # an alias of the company
    posts = {r["personLabel"]: r.get("postLabel") for r in by_alias}
    assert posts == {"林晓峰": "总经理", "周文静": "厂长", "陈雨桐": None, "赵大伟": None}
    everyone = ask(store, "unit-people")  # unset: under each top-level unit, once
    assert sorted((r["topLabel"], r["personLabel"]) for r in everyone) == [
        ("星河重工股份有限公司", name) for name in sorted(posts)
    ]


def test_who_conferred_what(store):
    rows = {(r["conferredByLabel"], r["honourLabel"]): r for r in ask(store, "conferred-by")}
    branch = rows[("星河重工党委", "先进基层党组织")]
    assert (branch["awards"], branch["namedRecipients"], branch["countedRecipients"]) == (2, 1, 30)
    assert rows[("星河市总工会", "劳动模范")]["awards"] == 1
    assert len(rows) == 3


def test_units_with_the_most_honours_count_sub_units_and_people(store):
    rows = ask(store, "top-units")
    totals = {r["unitLabel"]: (r["own"], r["subUnits"], r["people"], r["total"]) for r in rows}
    assert totals["北辰铸造厂"] == (0, 1, 4, 5)
    assert totals["北辰铸造厂党支部"] == (1, 0, 0, 1)
    assert totals["甲班"] == (0, 0, 2, 2)
    assert rows[0]["total"] == 5


def test_fact_sources_give_exact_spans(store):
    rows = ask(store, "fact-sources", name="赵大伟")
    kinds = {r["kind"] for r in rows}
    assert kinds == {"person", "award"}
    for row in rows:
        assert row["end"] - row["begin"] == len(row["anchor"])
        assert row["anchor"] in row["sentence"]
        assert "赵大伟" in row["sentence"]
    hant = ask(store, "fact-sources", name="周文静")
    assert {r["anchor"] for r in hant if r["kind"] == "person"} == {"周文靜"}  # original script


# ---------------------------------------------------------------- resolving and parameters


def test_resolve_query_from_name_file_or_text(tmp_path):
    assert "kg:Award" in resolve_query("people-honours")
    assert resolve_query("people-honours.rq") == resolve_query("people-honours")
    path = tmp_path / "q.rq"
    path.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    assert resolve_query(f"@{path}") == "ASK { ?s ?p ?o }"
    with pytest.raises(QueryError, match="no such query file"):
        resolve_query(f"@{tmp_path / 'missing.rq'}")
    with pytest.raises(QueryError, match="unknown question 'no-such-question'"):
        resolve_query("no-such-question")


def test_parameters_cannot_inject_sparql(store):
    hostile = '" } } ; DROP ALL ; SELECT * { ?s ?p "'
    assert ask(store, "honours-of", name=hostile) == []
    assert ask(store, "honours-of", name='a"b\\c\nd') == []
    with pytest.raises(QueryError, match="no parameter 'who'"):
        apply_params(resolve_query("honours-of"), {"who": "x"})
    assert parse_params(["name=a=b", "?year=2011"]) == {"name": "a=b", "year": "2011"}
    with pytest.raises(QueryError):
        parse_params(["novalue"])


# ---------------------------------------------------------------- kg query


@pytest.fixture
def run():
    app = typer.Typer()
    app.command()(query_command)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_cli_formats(run):
    result = run(SAMPLE, "honours-of", "--param", "name=赵大伟", "--format", "json")
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert {b["honourLabel"]["value"] for b in bindings} == {"优秀共产党员", "劳动模范"}
    csv_out = run(SAMPLE, "honours-of", "-p", "name=赵大伟", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("recipientLabel,honourLabel") and len(csv_out) == 3
    tsv_out = run(SAMPLE, "honours-of", "-p", "name=赵大伟", "--format", "tsv").stdout.splitlines()
    assert tsv_out[0].startswith("?recipientLabel\t?honourLabel")
    assert "<sparql" in run(SAMPLE, "people-honours", "--format", "xml").stdout
    table = run(SAMPLE, "people-honours").stdout
    assert "赵大伟" in table and "劳动模范" in table


def test_cli_construct_prints_turtle(run):
    query = "CONSTRUCT { ?a <https://w3id.org/orgkg/ontology#honour> ?h } WHERE { ?a <https://w3id.org/orgkg/ontology#honour> ?h }"
    result = run(SAMPLE, query)
    assert result.exit_code == 0
    assert len(rdflib.Graph().parse(data=result.stdout, format="turtle")) == 6


def test_cli_predeclares_the_project_prefixes_as_the_api_does(run):
    import kg

    query = "SELECT ?n WHERE { ?p a schema:Person ; rdfs:label ?n FILTER(langMatches(lang(?n), 'zh-Hans')) } ORDER BY ?n"
    result = run(SAMPLE, query, "--format", "csv")
    assert result.exit_code == 0, result.output  # before: bad SPARQL, "schema" not declared
    names = result.stdout.split()[1:]
    assert names == ["周文静", "林晓峰", "赵大伟", "陈雨桐"]
    # The API predeclares them too, also for a query that declares some of its own (before: none then).
    declares_kg = "PREFIX kg: <https://w3id.org/orgkg/ontology#>\n" + query
    assert [row["n"] for row in kg.load(SAMPLE).query(declares_kg)] == names
    # A query's own declaration wins over the predeclared one.
    own = run(SAMPLE, "PREFIX kg: <urn:other#> SELECT (kg:x AS ?x) {}", "--format", "csv")
    assert own.stdout.split()[1:] == ["urn:other#x"]


def test_cli_lists_questions(run):
    result = run("--list")
    assert result.exit_code == 0
    for name in QUESTIONS:
        assert name in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        ((SAMPLE, "SELECT * WHERE { ?s ?p }"), "bad SPARQL"),
        (("missing.ttl", "people-honours"), "missing.ttl: no such file"),
        ((SAMPLE, "@missing.rq"), "missing.rq: no such query file"),
        ((SAMPLE, "honours-of", "-p", "who=x"), "no parameter 'who'"),
        ((SAMPLE,), "give a GRAPH and a QUERY"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.strip().count("\n") == 0


def test_real_pipeline_output_answers_the_questions():
    import kg

    if not hasattr(kg, "build_texts"):
        pytest.skip("kg.build_texts is not available")
    text = "7月1日，星河重工党委授予北辰铸造厂厂长周文静“劳动模范”称号。"
    graph = kg.build_texts({"fixture-doc": text})
    store = open_store(graph.dataset)
    rows = ask(store, "honours-of", name="周文静")
    assert [r["honourLabel"] for r in rows] == ["劳动模范"]
    sources = ask(store, "fact-sources", name="周文静")
    assert sources and all(text[r["begin"]:r["end"]] == r["anchor"] for r in sources)
