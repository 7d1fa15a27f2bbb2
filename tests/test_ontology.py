"""The vocabulary (kg.ttl), the JSON-LD context, and the SHACL shapes catching broken graphs."""
from __future__ import annotations

import json
from importlib.resources import files

import pytest
import typer
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD
from typer.testing import CliRunner

from kg.extract.facts import ORG_CLASSES, Award, Document, DocumentFacts, Entity, Mention, Relation
from kg.ontology import namespaces as ns
from kg.ontology.io import save
from kg.ontology.namespaces import KG, NIF, ORG, SCHEMA, WDT, honour_iri
from kg.ontology.rdf import build_dataset, merged_graph
from kg.ontology.validate import validate, validate_command

TEXT = "虚构仪表厂王五荣获“技术标兵”称号。仪表厂授予20名职工“安全卫士”称号。"


def ontology() -> Graph:
    return Graph().parse(data=files("kg.ontology").joinpath("kg.ttl").read_text("utf-8"), format="turtle")


def shapes() -> Graph:
    return Graph().parse(data=files("kg.ontology").joinpath("shapes.ttl").read_text("utf-8"), format="turtle")


def span(form: str, doc_id: str = "t") -> Mention:
    start = TEXT.index(form)
    return Mention(doc_id, start, start + len(form), form, 0 if start < TEXT.index("。") else 1)


def small_facts() -> DocumentFacts:
    """A small valid document: a unit, a post holder who is awarded, and a counted award."""
    doc = Document(id="t", text=TEXT, title="虚构新闻", date="2022-01-02", source="虚构仪表厂")
    plant = Entity("O:plant", "Organization", "虚构仪表厂", aliases={"仪表厂"}, org_class="Plant",
                   mentions=[span("虚构仪表厂"), span("仪表厂授予")])
    person = Entity("P:wang", "Person", "王五", mentions=[span("王五")])
    h1 = Entity("H:1", "Honour", "技术标兵", mentions=[span("技术标兵")])
    h2 = Entity("H:2", "Honour", "安全卫士", mentions=[span("安全卫士")])
    entities = {e.key: e for e in (plant, person, h1, h2)}
    relations = [Relation("P:wang", "holdsPost", "O:plant", post="厂长")]
    awards = [
        Award("H:1", ["P:wang"], evidence=[span("荣获")]),
        Award("H:2", [], conferred_by="O:plant", count=20, date="2021-12", evidence=[span("授予")]),
    ]
    sentence_end = TEXT.index("。") + 1
    return DocumentFacts(doc, entities, relations, awards, sentences=[(0, sentence_end), (sentence_end, len(TEXT))])


@pytest.fixture()
def graph() -> Graph:
    return merged_graph(build_dataset([small_facts()]))


PLANT = ns.org_iri("虚构仪表厂")
WANG = ns.person_iri("王五", "虚构仪表厂")
MENTION = ns.mention_iri("t", TEXT.index("王五"), TEXT.index("王五") + 2)
POST = ns.post_iri("厂长", "虚构仪表厂")
DOC = ns.doc_iri("t")


def award_of(g: Graph, honour: str) -> URIRef:
    return g.value(None, KG.honour, honour_iri(honour))


# Each breaks one rule of the shapes: (mutation, focus node, property) of the expected violation;
# a focus of None stands for the award node, a property of None for a node-level constraint.
BREAKAGES = {
    "award without honour": (lambda g: g.remove((award_of(g, "技术标兵"), KG.honour, None)), None, KG.honour),
    "award with two honours": (
        lambda g: g.add((award_of(g, "技术标兵"), KG.honour, honour_iri("安全卫士"))), None, KG.honour),
    "award with no recipient or count": (lambda g: g.remove((award_of(g, "技术标兵"), KG.recipient, None)), None, None),
    "count that is not an integer": (
        lambda g: g.set((award_of(g, "安全卫士"), KG.recipientCount, Literal("20"))), None, KG.recipientCount),
    "date as a plain string": (lambda g: g.set((award_of(g, "安全卫士"), KG.date, Literal("2021-12"))), None, KG.date),
    "person without a Simplified label": (
        lambda g: g.set((WANG, RDFS.label, Literal("王五", lang="zh-Hant"))), WANG, RDFS.label),
    "honour labelled without language": (
        lambda g: g.set((honour_iri("安全卫士"), RDFS.label, Literal("安全卫士"))), honour_iri("安全卫士"), RDFS.label),
    "finer class without org:Organization": (lambda g: g.remove((PLANT, RDF.type, ORG.Organization)), PLANT, RDF.type),
    "begin not before end": (
        lambda g: g.set((MENTION, NIF.beginIndex, g.value(MENTION, NIF.endIndex))), MENTION, NIF.beginIndex),
    "offset not a non-negative integer": (lambda g: g.set((MENTION, NIF.endIndex, Literal(7))), MENTION, NIF.endIndex),
    "mention without anchor": (lambda g: g.remove((MENTION, NIF.anchorOf, None)), MENTION, NIF.anchorOf),
    "anchor not the original text": (lambda g: g.set((MENTION, NIF.anchorOf, Literal("王六"))), MENTION, NIF.anchorOf),
    "post without role": (lambda g: g.remove((POST, ORG.role, None)), POST, ORG.role),
    "member of a person": (lambda g: g.add((PLANT, ORG.memberOf, WANG)), PLANT, ORG.memberOf),
    "published date as a dateTime": (
        lambda g: g.set((DOC, SCHEMA.datePublished, Literal("2022-01-02T00:00:00", datatype=XSD.dateTime))),
        DOC,
        SCHEMA.datePublished,
    ),
}


def test_small_graph_conforms(graph):
    report = validate(graph)
    assert report.conforms, report.violations


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_shapes_catch(graph, breakage):
    mutate, focus, path = BREAKAGES[breakage]
    mutate(graph)
    report = validate(graph)
    assert not report.conforms
    focus_nodes = {str(focus)} if focus else {str(a) for a in graph.subjects(RDF.type, KG.Award)}
    found = {(v.focus_node, v.path) for v in report.violations}
    assert {(node, path and str(path)) for node in focus_nodes} & found, found
    assert all(v.message for v in report.violations)


def test_every_project_term_in_a_graph_is_declared_with_labels_and_comment(graph):
    vocabulary = ontology()
    used = {p for p in graph.predicates() if p.startswith(str(KG))}
    used |= {c for c in graph.objects(None, RDF.type) if c.startswith(str(KG))}
    assert {KG.Award, KG.Honour, KG.honour, KG.recipient, KG.recipientCount, KG.sentence, KG.Plant} <= used
    for term in used:
        languages = {label.language for label in vocabulary.objects(term, RDFS.label)}
        assert {"en", "zh-Hans"} <= languages, term
        assert vocabulary.value(term, RDFS.comment), term


def test_org_classes_are_subclasses_of_org_organization():
    vocabulary = ontology()
    for name in ORG_CLASSES:
        assert (KG[name], RDFS.subClassOf, ORG.Organization) in vocabulary, name
        assert (KG[name], RDF.type, OWL.Class) in vocabulary, name


@pytest.mark.parametrize(
    "triple",
    [
        (KG.awardReceived, OWL.equivalentProperty, WDT.P166),
        (KG.conferredBy, SKOS.closeMatch, WDT.P1027),
        (KG.date, OWL.equivalentProperty, WDT.P585),
        (ORG.holds, OWL.equivalentProperty, WDT.P39),
        (ORG.memberOf, OWL.equivalentProperty, SCHEMA.memberOf),
        (ORG.subOrganizationOf, OWL.equivalentProperty, SCHEMA.parentOrganization),
    ],
)
def test_alignments(triple):
    assert triple in ontology()


def test_shapes_only_name_declared_project_terms():
    vocabulary, shape_graph = ontology(), shapes()
    named = {o for o in shape_graph.objects(None, SH.path) if isinstance(o, URIRef)}
    named |= set(shape_graph.objects(None, SH.targetClass)) | set(shape_graph.objects(None, SH["class"]))
    for term in named:
        if term.startswith(str(KG)):
            assert (term, RDF.type, None) in vocabulary, term


def test_context_terms_expand_to_declared_or_standard_iris():
    context = json.loads(files("kg.ontology").joinpath("context.jsonld").read_text("utf-8"))["@context"]
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    vocabulary = ontology()
    for term, definition in context.items():
        if term in prefixes:
            continue
        compact = definition if isinstance(definition, str) else definition["@id"]
        prefix, local = compact.split(":", 1)
        iri = URIRef(prefixes[prefix] + local)
        if prefix == "kg":
            assert (iri, RDF.type, None) in vocabulary, term
        assert local and local[0].isalpha(), term


def test_validate_command(graph, tmp_path):
    app = typer.Typer()
    app.command()(validate_command)
    runner = CliRunner()

    good = tmp_path / "good.ttl"
    save(graph, good)
    result = runner.invoke(app, [str(good)])
    assert result.exit_code == 0 and "conforms" in result.output

    graph.remove((award_of(graph, "技术标兵"), KG.honour, None))
    bad = tmp_path / "bad.trig"
    save(graph, bad)
    result = runner.invoke(app, [str(bad)])
    assert result.exit_code == 1 and "1 violation" in result.output

    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://a.example/x> <http://a.example/y> .\n", "utf-8")
    result = runner.invoke(app, [str(broken)])
    assert result.exit_code == 2 and "broken.ttl" in result.output and "line 1" in result.output

    result = runner.invoke(app, [str(tmp_path / "missing.ttl")])
    assert result.exit_code == 2 and "missing.ttl" in result.output
