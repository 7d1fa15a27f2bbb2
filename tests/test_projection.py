"""The networkx projection of the RDF graph (kg.projection.to_networkx)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from kg.ontology.namespaces import PROV
from kg.projection import NODE_KINDS, RELATIONS, to_networkx

FIXTURE = Path(__file__).parent / "fixtures" / "viewer_sample.ttl"
XSS = "<img src=x onerror=alert(1)>"

PREFIXES = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix kg: <https://w3id.org/orgkg/ontology#> .
"""


@pytest.fixture(scope="module")
def rdf():
    return Graph().parse(FIXTURE)


@pytest.fixture(scope="module")
def graph(rdf):
    return to_networkx(rdf)


def node(graph, label):
    (found,) = [n for n, d in graph.nodes(data=True) if d["label"] == label]
    return found


def edges(graph, relation):
    return [(graph.nodes[u]["label"], graph.nodes[v]["label"], d) for u, v, d in graph.edges(data=True) if d["relation"] == relation]


def test_nodes_are_the_units_people_and_honours_with_their_classes(graph):
    kinds = Counter(d["kind"] for _, d in graph.nodes(data=True))
    assert kinds == {"organization": 9, "person": 3, "honour": 2}
    classes = {d["label"]: d["org_class"] for _, d in graph.nodes(data=True) if d["kind"] == "organization"}
    assert classes["青川实业集团"] == "Group"
    assert classes["第二熔铸厂党支部"] == "PartyBranch"
    assert classes["东岭分公司"] == "BranchCompany"
    assert classes[XSS] == "Department"
    assert all(d["org_class"] is None for _, d in graph.nodes(data=True) if d["kind"] != "organization")
    assert all(n.startswith("https://w3id.org/orgkg/id/") for n in graph)  # ids are the IRIs


def test_labels_in_both_scripts_and_aliases(graph):
    company = graph.nodes[node(graph, "青川铝业有限公司")]
    assert company["label_hant"] == "青川鋁業有限公司"
    assert company["aliases"] == ["青川铝业"]
    assert graph.nodes[node(graph, "赵明远")]["label_hant"] is None
    assert graph.nodes[node(graph, "陈嘉颖")]["label_hant"] == "陳嘉穎"
    assert graph.nodes[node(graph, XSS)]["aliases"] == ["</script><!--"]


def test_every_edge_has_a_known_relation_and_the_expected_ends(graph):
    assert {d["relation"] for _, _, d in graph.edges(data=True)} <= set(RELATIONS)
    assert {d["kind"] for _, d in graph.nodes(data=True)} <= set(NODE_KINDS)
    ends = {"subOrganizationOf": ("organization", "organization"), "memberOf": ("person", "organization"),
            "holdsPost": ("person", "organization"), "conferredBy": ("honour", "organization")}
    for u, v, d in graph.edges(data=True):
        if d["relation"] in ends:
            assert (graph.nodes[u]["kind"], graph.nodes[v]["kind"]) == ends[d["relation"]]
        else:
            assert graph.nodes[v]["kind"] == "honour"
    parts = {(child, parent) for child, parent, _ in edges(graph, "subOrganizationOf")}
    assert ("东岭分公司党委", "东岭分公司") in parts and len(parts) == 8
    assert [(s, o) for s, o, _ in edges(graph, "memberOf")] == [("赵明远", "第二熔铸厂")]


def test_posts_are_edges_with_the_title_and_node_attributes(graph):
    assert sorted((s, o, d["post"]) for s, o, d in edges(graph, "holdsPost")) == [
        ("林晓风", "青川铝业有限公司", "总经理"),
        ("陈嘉颖", "东岭分公司党委", "党委书记"),
    ]
    assert graph.nodes[node(graph, "陈嘉颖")]["posts"] == [{"title": "党委书记", "unit": node(graph, "东岭分公司党委")}]


def test_awards_give_dated_edges_once_despite_the_shortcut_triples(graph):
    received = sorted((s, o, d["date"]) for s, o, d in edges(graph, "awardReceived"))
    assert received == [
        ("第二熔铸厂党支部", "先进基层党组织", "2021-07-01"),
        ("赵明远", "优秀共产党员", "2021-07-01"),
        ("陈嘉颖", "优秀共产党员", "2021-06"),
    ]
    honour = node(graph, "优秀共产党员")
    assert graph.nodes[node(graph, "陈嘉颖")]["honours"] == [{"honour": honour, "date": "2021-06"}]


def test_conferrals_carry_count_and_date(graph):
    conferred = sorted((s, o, d["count"] or 0, d["date"]) for s, o, d in edges(graph, "conferredBy"))
    assert conferred == [
        ("优秀共产党员", "青川实业集团党委", 0, "2021-07-01"),
        ("先进基层党组织", "青川实业集团党委", 0, "2021-07-01"),
        ("先进基层党组织", "青川实业集团党委", 12, "2021-07"),
    ]


def test_mentions_point_into_their_sentences(rdf, graph):
    documents = graph.graph["documents"]
    assert documents["https://w3id.org/orgkg/id/doc/dongling-2021-06-20"]["headline"] == "東嶺分公司\u2028表彰優秀黨員"
    total = 0
    for _, data in graph.nodes(data=True):
        assert data["mentions"], data["label"]
        for m in data["mentions"]:
            total += 1
            assert m["doc"] in documents
            assert m["end"] - m["begin"] == len(m["anchor"])
            assert m["anchor"] in m["sentence"]
    derived = {(str(s), str(m)) for s, m in rdf.subject_objects(PROV.wasDerivedFrom)}
    assert total == sum(1 for s, _ in derived if s in graph) == 18
    (mention,) = graph.nodes[node(graph, "陈嘉颖")]["mentions"]
    assert mention["anchor"] == "陳嘉穎" and mention["sentence"].startswith("2021年6月，東嶺分公司黨委書記陳嘉穎")


def test_a_dataset_gives_the_same_projection_as_its_union(rdf, graph):
    dataset = Dataset()
    # Split the triples over two named graphs, with some in both.
    triples = sorted(rdf, key=str)
    first, second = dataset.graph(URIRef("urn:g:1")), dataset.graph(URIRef("urn:g:2"))
    for i, triple in enumerate(triples):
        (first if i % 2 else second).add(triple)
        if i % 5 == 0:
            first.add(triple)
    projected = to_networkx(dataset)
    assert dict(projected.nodes(data=True)) == dict(graph.nodes(data=True))
    assert sorted(map(repr, projected.edges(data=True))) == sorted(map(repr, graph.edges(data=True)))


def test_shortcut_triples_alone_still_give_edges():
    ttl = PREFIXES + """
    <urn:p> a schema:Person ; rdfs:label "甲"@zh-Hans ; kg:awardReceived <urn:h> .
    <urn:h> a kg:Honour ; rdfs:label "乙"@zh-Hant ; kg:conferredBy <urn:o> .
    <urn:o> a org:Organization ; rdfs:label "丙" .
    """
    g = to_networkx(Graph().parse(data=ttl, format="turtle"))
    assert sorted((u, v, d["relation"]) for u, v, d in g.edges(data=True)) == [
        ("urn:h", "urn:o", "conferredBy"),
        ("urn:p", "urn:h", "awardReceived"),
    ]
    assert g.nodes["urn:p"]["honours"] == [{"honour": "urn:h", "date": None}]
    assert g.nodes["urn:h"]["label"] == "乙" and g.nodes["urn:h"]["label_hant"] == "乙"
    assert g.nodes["urn:o"]["label"] == "丙"  # a label without a language tag


def test_untyped_ends_of_relations_become_nodes_of_the_implied_kind():
    ttl = PREFIXES + """
    <urn:p> a schema:Person ; org:memberOf <https://example.org/org/%E6%9F%90%E5%8E%82> .
    """
    g = to_networkx(Graph().parse(data=ttl, format="turtle"))
    unit = g.nodes["https://example.org/org/%E6%9F%90%E5%8E%82"]
    assert unit["kind"] == "organization" and unit["label"] == "某厂"
    assert g.nodes["urn:p"]["label"] == "urn:p"  # no label, no path: the IRI itself


def test_empty_graph_gives_empty_projection():
    g = to_networkx(Graph())
    assert g.number_of_nodes() == 0 and g.graph["documents"] == {}
