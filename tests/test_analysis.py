"""Graph questions (kg.analysis) and the kg stats / kg show commands."""
from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pytest
from kg.ontology.namespaces import PROV
from rdflib import Graph, URIRef
from typer.testing import CliRunner

import kg
from kg.analysis import (
    AmbiguousName,
    NameNotFound,
    describe,
    find,
    honours_of,
    parent_chain,
    path,
    rank_units,
    recipients,
    statistics,
    unit_tree,
)
from kg.cli import app
from kg.projection import to_networkx

SEED = Path(__file__).parents[2] / "shared" / "seeds" / "chinalco-2011-09-16.txt"
WIDE = {"COLUMNS": "200"}  # rich wraps at 80 columns when not on a terminal

TEXTS = {
    "award": "2021年6月30日，东川集团党委授予第一分公司检修厂“先进集体”称号，"
             "授予检修厂厂长亓德昌、第一分公司经理任晓兰“劳动模范”称号。",
    "branch": "2022年7月1日，東川集團第二分公司黨支部書記宓國棟榮獲“優秀黨務工作者”稱號。",
}

# A hand-made projection source: a unit with two parents, a person who is both a
# member and a post holder of one unit, two people with one name, an unmentioned unit.
TURTLE = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix kg: <https://w3id.org/orgkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix x: <urn:x:> .
x:top a org:Organization ; rdfs:label "北辰控股"@zh-Hans, "北辰控股"@zh-Hant ; prov:wasDerivedFrom x:m1 .
x:left a org:Organization ; rdfs:label "甲公司"@zh-Hans ; org:subOrganizationOf x:top ; prov:wasDerivedFrom x:m1 .
x:right a org:Organization ; rdfs:label "乙公司"@zh-Hans ; org:subOrganizationOf x:top ; prov:wasDerivedFrom x:m1 .
x:shared a org:Organization ; rdfs:label "联合实验室"@zh-Hans, "聯合實驗室"@zh-Hant ; skos:altLabel "联合室" ;
    org:subOrganizationOf x:left, x:right ; prov:wasDerivedFrom x:m1 .
x:lonely a org:Organization ; rdfs:label "无名站"@zh-Hans .
x:p1 a schema:Person ; rdfs:label "钟一鸣"@zh-Hans ; org:memberOf x:shared ;
    org:holds [ a org:Post ; org:postIn x:shared ; org:role [ rdfs:label "主任"@zh-Hans ] ] ;
    kg:awardReceived x:h ; prov:wasDerivedFrom x:m2 .
x:p2 a schema:Person ; rdfs:label "钟一鸣"@zh-Hans ; org:memberOf x:left ; prov:wasDerivedFrom x:m1 .
x:h a kg:Honour ; rdfs:label "创新能手"@zh-Hans ; prov:wasDerivedFrom x:m2 .
x:m1 nif:referenceContext x:doc ; nif:beginIndex 0 ; nif:endIndex 4 ; nif:anchorOf "北辰控股" ; kg:sentence "第一句。" .
x:m2 nif:referenceContext x:doc ; nif:beginIndex 9 ; nif:endIndex 12 ; nif:anchorOf "钟一鸣" ; kg:sentence "第二句。" .
"""


@pytest.fixture(scope="module")
def graph():
    return kg.build_texts(TEXTS)


@pytest.fixture(scope="module")
def projection(graph):
    return graph.to_networkx()


@pytest.fixture(scope="module")
def handmade():
    return to_networkx(Graph().parse(data=TURTLE, format="turtle"))


def save_seed_graph(directory: Path) -> Path:
    """Build the seed report and save its graph in ``directory`` (skip when the seed is absent)."""
    if not SEED.exists():
        pytest.skip(f"seed not found at {SEED}")
    path = directory / "graph.ttl"
    kg.build(SEED).save(path)
    return path


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory):
    return save_seed_graph(tmp_path_factory.mktemp("seed"))


def labels(nodes):
    return [n.label for n in nodes]


# -- find ------------------------------------------------------------------------------


def test_find_matches_either_script_aliases_and_iris(graph, projection):
    person = find(graph, "宓國棟")
    assert labels(person) == ["宓国栋"] and person[0].label_hant == "宓國棟"
    assert labels(find(graph, "宓国栋")) == ["宓国栋"]
    assert labels(find(graph, "檢修廠")) == ["第一分公司检修厂"]  # an alias, written in Traditional
    assert find(projection, person[0].iri) == person
    assert find(graph, "无此单位") == []


def test_find_prefers_exact_names_to_partial_ones(graph):
    assert labels(find(graph, "东川集团")) == ["东川集团"]
    partial = labels(find(graph, "分公司"))
    assert partial[0] == "第一分公司" and "东川集团第二分公司" in partial
    assert find(graph, "分公司", partial=False) == []


def test_a_name_shared_by_two_people_is_ambiguous(handmade):
    assert len(find(handmade, "钟一鸣")) == 2
    with pytest.raises(AmbiguousName) as error:
        honours_of(handmade, "钟一鸣")
    assert len(error.value.candidates) == 2
    with pytest.raises(NameNotFound):
        honours_of(handmade, "创新能手")  # an honour has no honours


# -- units ------------------------------------------------------------------------------


def test_unit_tree_lists_every_unit_below_the_root_once(graph, handmade):
    tree = unit_tree(graph, "東川集團")
    assert tree.render().splitlines() == [
        "东川集团", "  东川集团党委", "  东川集团第二分公司", "  第一分公司", "    第一分公司检修厂",
    ]
    two_parents = unit_tree(handmade, "北辰控股")
    assert sorted(labels(u for _, u in two_parents.walk())) == sorted(["北辰控股", "甲公司", "乙公司", "联合实验室"])
    assert len(two_parents) == 4
    assert labels(u for _, u in unit_tree(handmade, "甲公司").walk()) == ["甲公司", "联合实验室"]


def test_parent_chain_runs_up_to_the_top_unit(graph):
    assert labels(parent_chain(graph, "检修厂")) == ["第一分公司", "东川集团"]
    assert parent_chain(graph, "东川集团") == []


# -- honours --------------------------------------------------------------------------------


def test_honours_of_a_unit_include_its_people_and_optionally_sub_units(graph):
    everything = honours_of(graph, "东川集团")
    assert sorted(r.recipient.label for r in everything) == ["亓德昌", "任晓兰", "宓国栋", "第一分公司检修厂"]
    assert honours_of(graph, "东川集团", include_subunits=False) == []
    own = honours_of(graph, "第一分公司", include_subunits=False)
    assert [(r.recipient.label, r.honour.label, r.date) for r in own] == [("任晓兰", "劳动模范", "2021-06-30")]
    assert labels(own[0].conferred_by) == ["东川集团党委"]
    assert "任晓兰" in own[0].sources[0].sentence


def test_honours_of_a_person(graph):
    (record,) = honours_of(graph, "宓國棟")
    assert (record.honour.label, record.honour.label_hant, record.date) == ("优秀党务工作者", "優秀黨務工作者", "2022-07-01")
    assert record.conferred_by == ()
    assert "宓國棟" in record.sources[0].sentence  # the sentence as written, in Traditional


def test_recipients_by_year(graph):
    assert sorted(r.recipient.label for r in recipients(graph, "劳动模范")) == ["亓德昌", "任晓兰"]
    assert len(recipients(graph, "勞動模範", year=2021)) == 2
    assert recipients(graph, "劳动模范", year="2022") == []
    with pytest.raises(NameNotFound):
        recipients(graph, "东川集团")  # a unit is not an honour


def test_rank_units_counts_own_people_and_sub_unit_honours(graph, handmade):
    ranks = {r.unit.label: (r.own, r.people, r.total) for r in rank_units(graph)}
    assert ranks["东川集团"] == (0, 0, 4)
    assert ranks["第一分公司"] == (0, 1, 3)
    assert ranks["第一分公司检修厂"] == (1, 1, 2)
    assert ranks["东川集团党委"] == (0, 0, 0)
    assert rank_units(graph)[0].unit.label == "东川集团"
    # Member and post holder of one unit, below two parents: counted once everywhere.
    handmade_ranks = {r.unit.label: r.total for r in rank_units(handmade)}
    assert handmade_ranks == {"北辰控股": 1, "甲公司": 1, "乙公司": 1, "联合实验室": 1, "无名站": 0}


# -- connections and profiles ----------------------------------------------------------


def test_path_explains_a_connection_with_sources(graph):
    facts = path(graph, "亓德昌", "宓國棟")
    steps = [(f.subject.label, f.relation, f.object.label) for f in facts]
    assert len(facts) == 5  # a shortest one: via the honour's conferrer or up the units
    assert steps[0][0] == "亓德昌"
    assert steps[-1] == ("宓国栋", "holdsPost", "东川集团第二分公司") and facts[-1].post == "党支部书记"
    for left, right in pairwise(facts):  # consecutive facts share a node
        assert {left.subject, left.object} & {right.subject, right.object}
    assert all(f.sources for f in facts)
    assert path(graph, "亓德昌", "亓德昌") == []


def test_path_lists_every_fact_between_two_neighbours_and_fails_when_disconnected(handmade):
    member = next(n.iri for n in find(handmade, "钟一鸣") if n.iri.endswith("p1"))
    facts = path(handmade, member, "联合室")
    assert sorted(f.relation for f in facts) == ["holdsPost", "memberOf"]
    assert facts[0].sources[0].sentence in ("第一句。", "第二句。")
    with pytest.raises(nx.NetworkXNoPath, match="无名站"):
        path(handmade, "无名站", "北辰控股")


def test_describe_a_unit(graph):
    profile = describe(graph, "第一分公司")
    assert labels(profile.parents) == ["东川集团"]
    assert labels(u for _, u in profile.subunits.walk()) == ["第一分公司", "第一分公司检修厂"]
    assert [(a.person.label, a.posts) for a in profile.people] == [("任晓兰", ("经理",))]
    assert {r.recipient.label for r in profile.honours} == {"亓德昌", "任晓兰", "第一分公司检修厂"}
    conferrer = describe(graph, "东川集团党委")
    assert sorted(f.subject.label for f in conferrer.conferrals) == ["先进集体", "劳动模范"]


def test_describe_a_person_and_an_honour(graph):
    person = describe(graph, "亓德昌")
    assert [labels(a.unit_chain) for a in person.people] == [["第一分公司检修厂", "第一分公司", "东川集团"]]
    assert person.sources and "亓德昌" in person.sources[0].sentence
    honour = describe(graph, "先进集体")
    assert [r.recipient.label for r in honour.honours] == ["第一分公司检修厂"]
    assert [(f.object.label, f.date) for f in honour.conferrals] == [("东川集团党委", "2021-06-30")]


# -- statistics ------------------------------------------------------------------------------


def test_statistics_of_a_graph(graph):
    s = statistics(graph)
    assert s.documents == 2
    assert (s.first_date, s.last_date) == ("2021-06-30", "2022-07-01")
    assert s.kinds == {"organization": 5, "person": 3, "honour": 3}
    assert s.relations["awardReceived"] == 4 and s.relations["holdsPost"] == 3
    assert s.honours_by_year == {"2021": {"named": 3, "counted": 0}, "2022": {"named": 1, "counted": 0}}
    assert s.components == (11,)
    assert s.unsourced == ()
    assert [p.person.label for p in s.top_people] == ["亓德昌", "任晓兰", "宓国栋"]
    assert json.loads(json.dumps(s.as_dict(), ensure_ascii=False))["top_units"][0]["unit"]["label"] == "东川集团"


def test_statistics_report_facts_without_provenance(graph, handmade):
    assert statistics(handmade).unsourced == ("urn:x:lonely",)
    stripped = kg.KnowledgeGraph(kg.build_texts(TEXTS).dataset)
    person = find(graph, "任晓兰")[0].iri
    for context in stripped.dataset.graphs():
        context.remove((URIRef(person), PROV.wasDerivedFrom, None))
    assert statistics(stripped).unsourced == (person,)


# -- command line ----------------------------------------------------------------------------------


def test_kg_stats_ranks_the_seed_group_first(seed_file):
    result = CliRunner().invoke(app, ["stats", str(seed_file), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    top = data["top_units"]
    assert top[0]["unit"]["label"] == "中国铝业公司" and top[0]["unit"]["label_hant"] == "中國鋁業公司"
    assert top[0]["total"] > top[0]["own"] and top[0]["total"] > top[1]["total"]
    assert data["unsourced"] == []
    assert data["documents"] == 1 and data["first_date"] <= data["last_date"]

    table = CliRunner().invoke(app, ["stats", str(seed_file)], env=WIDE)
    assert table.exit_code == 0
    units = table.stdout.split("Units with the most honours")[1]
    first_row = next(line for line in units.splitlines() if "│" in line)
    assert "中国铝业公司 (中國鋁業公司)" in first_row and first_row.rstrip(" │").endswith(str(top[0]["total"]))


@pytest.mark.parametrize("name", ["闕基容", "阙基容"])
def test_kg_show_a_person_from_the_seed_in_either_script(seed_file, name):
    result = CliRunner().invoke(app, ["show", str(seed_file), name], env=WIDE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "阙基容 (闕基容)" in out
    assert "西南铝 (西南鋁)" in out
    assert "中央企业优秀共产党员 (中央企業優秀共產黨員)" in out
    assert "2011-07" in out
    sentence = next(line for line in SEED.read_text("utf-8").splitlines() if "闕基容" in line)
    assert sentence in out  # the whole source sentence, on one line


def test_kg_show_escapes_markup_and_explains_unknown_names(tmp_path):
    graph_file = tmp_path / "g.ttl"
    graph_file.write_text(TURTLE.replace('"创新能手"@zh-Hans', '"[bold]创新能手[/bold]"@zh-Hans'), "utf-8")
    shown = CliRunner().invoke(app, ["show", str(graph_file), "创新能手"], env=WIDE)
    assert shown.exit_code == 0, shown.output
    assert "[bold]创新能手[/bold]" in shown.stdout and "第二句。" in shown.stdout
    assert "钟一鸣" in shown.stdout  # the recipient
    both = CliRunner().invoke(app, ["show", str(graph_file), "钟一鸣"], env=WIDE)
    assert both.stdout.count("IRI: urn:x:p") == 2  # one name, two people: both shown
    missing = CliRunner().invoke(app, ["show", str(graph_file), "无此人"])
    assert missing.exit_code == 1
    assert "无此人" in missing.stderr
    close = CliRunner().invoke(app, ["show", str(graph_file), "公司"])
    assert close.exit_code == 1 and "甲公司" in close.stderr and "乙公司" in close.stderr


def test_commands_name_a_bad_graph_file(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle <", "utf-8")
    for args in (["stats", str(broken)], ["show", str(broken), "x"], ["stats", str(tmp_path / "absent.ttl")]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, args
        assert Path(args[1]).name in result.stderr
