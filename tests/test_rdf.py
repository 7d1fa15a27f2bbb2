"""RDF building, serialisation round trips and SHACL conformance, on hand-made fictional facts."""
from __future__ import annotations

import json
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.extract.facts import Award, Document, DocumentFacts, Entity, Mention, Relation
from kg.extract.normalize import normalize
from kg.ontology.io import FORMATS, GraphParseError, load, save
from kg.ontology.namespaces import KG, NIF, ORG, PROV, SCHEMA, doc_iri, honour_iri, org_iri, person_iri, role_iri
from kg.ontology.rdf import add_document, build_dataset, document_nquads, merged_graph, remove_document
from kg.ontology.validate import validate

SUFFIX = {"turtle": ".ttl", "nt": ".nt", "jsonld": ".jsonld", "trig": ".trig", "nquads": ".nq"}
HOSTILE_UNIT = '虚构<厂>"{\n\u200f第二\u202e车间'
SEED = Path(__file__).resolve().parents[2] / "shared"


class FactsBuilder:
    """Builds DocumentFacts by finding each entity's surface forms in the (normalised) text."""

    def __init__(self, doc_id: str, text: str, script: str = "Hans", **header):
        self.document = Document(id=doc_id, text=text, script=script, **header)
        self.normalized = normalize(text)
        self.facts = DocumentFacts(document=self.document, sentences=_sentences(text))

    def entity(self, type_: str, name: str, forms=(), aliases=(), org_class=None, label_hant=None) -> str:
        key = f"{type_}:{name}"
        entity = Entity(key, type_, name, label_hant=label_hant, aliases=set(aliases), org_class=org_class)
        for form in forms:
            entity.forms.add(form)
            entity.mentions.extend(self.find(form))
        assert not forms or entity.mentions, f"{forms} not in text"
        self.facts.entities[key] = entity
        return key

    def find(self, form: str) -> list[Mention]:
        found = []
        # the normalised text has no pinyin or format characters (U+200F…): neither has the form
        for match in re.finditer(re.escape(normalize(form).text), self.normalized.text):
            start, end = self.normalized.to_original(match.start(), match.end())
            found.append(Mention(self.document.id, start, end, self.document.text[start:end], self._sentence(start)))
        return found

    def _sentence(self, offset: int) -> int:
        return next(i for i, (s, e) in enumerate(self.facts.sentences) if s <= offset < e)


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^。]+。?", text)]


def hant_document() -> DocumentFacts:
    text = (
        "示例機械公司第一分廠黨委書(shū)記張三榮獲“勞動模範”稱號。\n"
        "2020年5月,示例機械公司授予第一分廠30個黨支部“先進基層黨組織”稱號。"
    )
    b = FactsBuilder("hant-1", text, "Hant", title="深化創先爭優", date="2020-06-01", source="示例機械公司",
                     author="管理員", url="http://example.org/news?id=1&x=<y>")
    company = b.entity("Organization", "示例机械公司", ["示例機械公司"], ["示例机械"], "Company", "示例機械公司")
    plant = b.entity("Organization", "示例机械公司第一分厂", ["第一分廠"], ["第一分厂"], "Plant", "第一分廠")
    committee = b.entity("Organization", "示例机械公司第一分厂党委", ["第一分廠黨委"], [], "PartyCommittee", "黨委")
    person = b.entity("Person", "张三", ["張三"], label_hant="張三")
    model = b.entity("Honour", "劳动模范", ["勞動模範"], label_hant="勞動模範")
    advanced = b.entity("Honour", "先进基层党组织", ["先進基層黨組織"], label_hant="先進基層黨組織")
    b.facts.relations += [
        Relation(plant, "subOrganizationOf", company),
        Relation(committee, "subOrganizationOf", plant),
        Relation(person, "holdsPost", committee, post="书记", evidence=b.find("書記")),
    ]
    b.facts.awards += [
        Award(model, [person], evidence=b.find("榮獲")),
        Award(advanced, [], conferred_by=company, date="2020-05", count=30, recipient_kind="党支部",
              evidence=b.find("授予")),
    ]
    return b.facts


def hans_document() -> DocumentFacts:
    text = f"示例机械公司是示例集团的子公司。示例电力公司张三获得“劳动模范”称号。{HOSTILE_UNIT}李四获评“岗位能手”。"
    b = FactsBuilder("hans/2 <b>", text, title='标题 "引号" {括号}', date="2021")
    company = b.entity("Organization", "示例机械公司", ["示例机械公司"], [], "Company")
    group = b.entity("Organization", "示例集团", ["示例集团"], [], "Group")
    power = b.entity("Organization", "示例电力公司", ["示例电力公司"], [], "Company")
    hostile = b.entity("Organization", HOSTILE_UNIT, [HOSTILE_UNIT], ['别名<"\n>'], "Plant")
    person = b.entity("Person", "张三", ["张三"])
    other = b.entity("Person", "李四", ["李四"])
    model = b.entity("Honour", "劳动模范", ["劳动模范"])
    expert = b.entity("Honour", '岗位能手', ["岗位能手"])
    b.facts.relations += [
        Relation(company, "subOrganizationOf", group),
        Relation(person, "memberOf", power),
        Relation(other, "holdsPost", hostile, post="主任{\n}"),
    ]
    b.facts.awards += [Award(model, [person], date="2021-03-04"), Award(expert, [other, hostile])]
    return b.facts


@pytest.fixture(scope="module")
def documents() -> list[DocumentFacts]:
    return [hant_document(), hans_document()]


@pytest.fixture(scope="module")
def dataset(documents) -> Dataset:
    return build_dataset(documents)


@pytest.fixture(scope="module")
def merged(dataset) -> Graph:
    return merged_graph(dataset)


def test_dataset_conforms_to_shapes(dataset):
    report = validate(dataset)
    assert report.conforms, "\n".join(f"{v.focus_node} {v.path} {v.message}" for v in report.violations)


def test_one_named_graph_per_document(dataset, documents):
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert names == {doc_iri(f.document.id) for f in documents}


def test_every_anchor_is_the_original_span(merged, documents):
    texts = {doc_iri(f.document.id): f.document.text for f in documents}
    mentions = list(merged.subjects(NIF.anchorOf, None))
    spans = {
        (f.document.id, m.start, m.end)
        for f in documents
        for m in [m for e in f.entities.values() for m in e.mentions]
        + [m for r in f.relations for m in r.evidence]
        + [m for a in f.awards for m in a.evidence]
    }
    assert len(mentions) == len(spans) > 15
    for mention in mentions:
        text = texts[merged.value(mention, NIF.referenceContext)]
        begin, end = merged.value(mention, NIF.beginIndex).toPython(), merged.value(mention, NIF.endIndex).toPython()
        assert text[begin:end] == str(merged.value(mention, NIF.anchorOf))
        assert (mention, RDF.type, NIF.Phrase) in merged and (mention, RDF.type, NIF.String) in merged
        sentence = str(merged.value(mention, KG.sentence))
        assert text[begin:end] in sentence and sentence in text


def test_pinyin_annotation_stays_inside_the_anchor(merged):
    anchors = {str(a) for a in merged.objects(None, NIF.anchorOf)}
    assert "書(shū)記" in anchors


def test_labels_in_both_scripts(merged):
    committee = org_iri("示例机械公司第一分厂党委")
    assert set(merged.objects(committee, RDFS.label)) == {
        Literal("示例机械公司第一分厂党委", lang="zh-Hans"),
        Literal("黨委", lang="zh-Hant"),
    }
    assert (org_iri("示例机械公司"), SKOS.altLabel, Literal("示例机械", lang="zh-Hans")) in merged
    # The Simplified document gives no Traditional label.
    labels = merged.objects(org_iri("示例电力公司"), RDFS.label)
    assert [label.language for label in labels] == ["zh-Hans"]


def test_post_role_labels_use_the_traditional_surface_form(merged):
    person = person_iri("张三", "示例机械公司第一分厂党委")
    (post,) = merged.objects(person, ORG.holds)
    assert merged.value(post, ORG.postIn) == org_iri("示例机械公司第一分厂党委")
    role = merged.value(post, ORG.role)
    assert role == role_iri("书记")
    assert set(merged.objects(role, RDFS.label)) == {Literal("书记", lang="zh-Hans"), Literal("書記", lang="zh-Hant")}
    assert (post, RDF.type, ORG.Post) in merged and (role, RDF.type, ORG.Role) in merged


def test_homonyms_in_different_units_are_two_people(merged):
    people = {p for p in merged.subjects(RDFS.label, Literal("张三", lang="zh-Hans"))}
    assert people == {person_iri("张三", "示例机械公司第一分厂党委"), person_iri("张三", "示例电力公司")}
    assert all((p, RDF.type, SCHEMA.Person) in merged for p in people)


def test_same_unit_in_two_documents_is_one_node(merged, documents):
    company = org_iri("示例机械公司")
    contexts = {merged.value(m, NIF.referenceContext) for m in merged.objects(company, PROV.wasDerivedFrom)}
    assert contexts == {doc_iri(f.document.id) for f in documents}
    assert set(merged.objects(company, RDF.type)) == {ORG.Organization, KG.Company}


def test_iris_are_stable_across_runs(documents, dataset):
    again = build_dataset([hant_document(), hans_document()])
    assert set(again.quads((None, None, None, None))) == set(dataset.quads((None, None, None, None)))
    assert str(org_iri("示例机械公司")) == "https://w3id.org/orgkg/id/org/" + "".join(
        f"%{b:02X}" for b in "示例机械公司".encode()
    )


def test_hostile_names_are_percent_encoded(merged):
    hostile = org_iri(HOSTILE_UNIT)
    assert not set(str(hostile)) & set('<>"{}\n \u200f\u202e')
    assert (hostile, RDFS.label, Literal(HOSTILE_UNIT, lang="zh-Hans")) in merged
    assert (hostile, SKOS.altLabel, Literal('别名<"\n>', lang="zh-Hans")) in merged


def test_award_nodes_follow_the_contract(merged):
    counted = next(merged.subjects(KG.recipientCount, None))
    assert merged.value(counted, KG.honour) == honour_iri("先进基层党组织")
    assert merged.value(counted, KG.recipientCount) == Literal(30, datatype=XSD.integer)
    assert merged.value(counted, KG.date) == Literal("2020-05", datatype=XSD.gYearMonth)
    assert merged.value(counted, KG.conferredBy) == org_iri("示例机械公司")
    assert (honour_iri("先进基层党组织"), KG.conferredBy, org_iri("示例机械公司")) in merged
    assert str(merged.value(merged.value(counted, PROV.wasDerivedFrom), NIF.anchorOf)) == "授予"

    zhang = person_iri("张三", "示例电力公司")
    assert (zhang, KG.awardReceived, honour_iri("劳动模范")) in merged
    award = next(a for a in merged.subjects(KG.recipient, zhang))
    assert merged.value(award, KG.date) == Literal("2021-03-04", datatype=XSD.date)
    expert = set(merged.subjects(KG.awardReceived, honour_iri("岗位能手")))
    assert expert == {person_iri("李四", HOSTILE_UNIT), org_iri(HOSTILE_UNIT)}


def test_document_node(merged):
    doc = doc_iri("hant-1")
    assert (doc, RDF.type, SCHEMA.NewsArticle) in merged
    assert merged.value(doc, SCHEMA.headline) == Literal("深化創先爭優", lang="zh-Hant")
    assert merged.value(doc, SCHEMA.datePublished) == Literal("2020-06-01", datatype=XSD.date)
    assert merged.value(doc, SCHEMA.author) == Literal("管理員")
    assert merged.value(doc, KG.sourceUnit) == org_iri("示例机械公司")
    assert merged.value(doc, SCHEMA.url) == URIRef("http://example.org/news?id=1&x=%3Cy%3E")
    assert merged.value(doc_iri("hans/2 <b>"), SCHEMA.datePublished) == Literal("2021", datatype=XSD.gYear)


def test_transitive_sub_organisations_across_documents(dataset, merged):
    plant, group = org_iri("示例机械公司第一分厂"), org_iri("示例集团")
    assert (plant, ORG.transitiveSubOrganizationOf, group) in merged
    assert (plant, ORG.subOrganizationOf, group) not in merged
    # Within one document the closure is materialised in that document's graph.
    hant = dataset.graph(doc_iri("hant-1"))
    assert (org_iri("示例机械公司第一分厂党委"), ORG.transitiveSubOrganizationOf, org_iri("示例机械公司")) in hant


def _quads(dataset: Dataset) -> set:
    return {(s, p, o, g.identifier if isinstance(g, Graph) else g) for s, p, o, g in dataset.quads()}


def test_nquads_text_holds_the_same_quads_as_the_dataset(documents, dataset):
    parts = [document_nquads(facts) for facts in documents]
    for part in parts:  # each document's lines sorted and unique, ready for a merge
        lines = part.decode("utf-8").splitlines()
        assert lines == sorted(set(lines))
    data = b"".join(parts)
    assert '"@zh-Hant' in data.decode() and "@zh-hant" not in data.decode()  # tags as written, not lowercased
    assert _quads(Dataset().parse(data=data, format="nquads")) == _quads(dataset)


def test_add_document_replaces_its_graph(documents):
    dataset = build_dataset(documents)
    changed = hans_document()
    del changed.entities["Person:李四"]
    changed.relations = [r for r in changed.relations if r.s != "Person:李四"]
    changed.awards = changed.awards[:1]
    add_document(dataset, changed)
    merged = merged_graph(dataset)
    assert person_iri("李四", HOSTILE_UNIT) not in set(merged.subjects())
    assert org_iri("示例机械公司第一分厂") in set(merged.subjects())
    remove_document(dataset, "hant-1")
    assert org_iri("示例机械公司第一分厂") not in set(merged_graph(dataset).subjects())


def test_dangling_entity_key_is_a_clear_error():
    facts = hans_document()
    facts.relations.append(Relation("Person:nobody", "memberOf", "Organization:示例集团"))
    with pytest.raises(ValueError, match="Person:nobody"):
        build_dataset([facts])


def test_invalid_date_is_dropped_with_a_warning():
    facts = hans_document()
    facts.awards[0].date = "2021-02-30"
    with pytest.warns(UserWarning, match="2021-02-30"):
        merged = merged_graph(build_dataset([facts]))
    assert not list(merged.objects(None, KG.date))
    assert validate(merged).conforms


def test_relative_url_is_dropped_with_a_warning():
    facts = hans_document()
    facts.document.url = "news/1.html"
    with pytest.warns(UserWarning, match="news/1.html"):
        merged = merged_graph(build_dataset([facts]))
    assert not list(merged.objects(None, SCHEMA.url))


@pytest.mark.parametrize("name", FORMATS)
def test_round_trip_loses_nothing(dataset, merged, tmp_path, name):
    path = tmp_path / f"graph{SUFFIX[name]}"
    save(dataset, path)
    loaded = load(path)
    if FORMATS[name][1]:  # keeps named graphs
        for graph in dataset.graphs():
            assert isomorphic(loaded.graph(graph.identifier), graph), graph.identifier
    assert isomorphic(merged_graph(loaded), merged)
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temporary file left


def test_jsonld_uses_the_published_context(dataset, tmp_path):
    path = tmp_path / "g.jsonld"
    save(dataset, path)
    data = json.loads(path.read_text("utf-8"))
    assert data["@context"]["subOrganizationOf"] == {"@id": "org:subOrganizationOf", "@type": "@id"}
    assert "beginIndex" in path.read_text("utf-8")


def test_graph_saved_as_quads_lands_in_the_default_graph(merged, tmp_path):
    save(merged, tmp_path / "g.nq")
    assert isomorphic(load(tmp_path / "g.nq").default_graph, merged)


def test_failed_save_keeps_the_old_file(merged, tmp_path):
    path = tmp_path / "g.ttl"
    path.write_text("old", "utf-8")
    with mock.patch("kg.files.os.replace", side_effect=OSError("disk full")), pytest.raises(OSError):
        save(merged, path)
    assert path.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"]


@pytest.mark.parametrize(
    ("suffix", "content", "line"),
    [
        (".ttl", '@prefix a: <http://a.example/> .\na:x a:y a:z .\n\na:x a:y "unterminated .\n', 4),
        (".nt", "<http://a.example/x> <http://a.example/y> <http://a.example/z> .\n<http://a.example/x> y z .\n", 2),
        (".trig", "<http://g.example/> {\n  <http://a.example/x> <http://a.example/y> .\n}\n", 2),
        (".jsonld", '{"@id": "http://a.example/x",\n "http://a.example/y": }', 2),
    ],
)
def test_malformed_file_gives_parse_error_with_line(tmp_path, suffix, content, line):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content, "utf-8")
    with pytest.raises(GraphParseError) as caught:
        load(path)
    assert caught.value.path == path and caught.value.line == line
    assert str(path) in str(caught.value) and f"line {line}" in str(caught.value)


def test_undecodable_or_missing_file(tmp_path):
    path = tmp_path / "latin1.ttl"
    path.write_bytes('<http://a.example/x> <http://a.example/y> "名".\n'.encode("gb18030"))
    with pytest.raises(GraphParseError, match="latin1.ttl, line 1"):
        load(path)
    with pytest.raises(FileNotFoundError, match="missing.nq"):
        load(tmp_path / "missing.nq")


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match="suffix"):
        save(Graph(), tmp_path / "g.xyz")


# Names as hostile as text can be (no surrogates: they cannot be encoded as UTF-8).
NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(str.strip)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=NAMES, person=NAMES, title=NAMES)
def test_any_names_round_trip_in_every_format(tmp_path, unit, person, title):
    text = f"{unit}。{person}。"
    doc = Document(id=unit, text=text, title=title)
    u = Entity("Organization:u", "Organization", unit, mentions=[Mention(unit, 0, len(unit), unit, 0)])
    p = Entity("Person:p", "Person", person, aliases={title})
    facts = DocumentFacts(doc, {u.key: u, p.key: p}, [Relation(p.key, "holdsPost", u.key, post=title)],
                          sentences=[(0, len(unit) + 1), (len(unit) + 1, len(text))])
    dataset = build_dataset([facts])
    assert _quads(Dataset().parse(data=document_nquads(facts), format="nquads")) == _quads(dataset)
    for name in FORMATS:
        path = tmp_path / f"h{SUFFIX[name]}"
        save(dataset, path)
        assert isomorphic(merged_graph(load(path)), merged_graph(dataset)), name


def _facts_from_gold(gold_path: Path) -> DocumentFacts:
    """DocumentFacts made from a hand annotation, so the seed's graph can be checked without extraction."""
    gold = json.loads(gold_path.read_text("utf-8"))
    text = (SEED / gold["document"]).read_text("utf-8")
    meta = gold["metadata"]
    b = FactsBuilder(gold_path.stem, text, "Hant", title=meta.get("title"), date=meta.get("date"),
                     source=meta.get("source"), author=meta.get("author"))
    keys = {}
    for e in gold["entities"]:
        forms = [f for f in e.get("form", []) if b.find(f)]
        keys[e["id"]] = b.entity(e["type"], e["name"], forms, e.get("aliases", []))
    for r in gold["relations"]:
        s, o = keys[r["s"]], keys[r["o"]]
        if r["p"] == "awardReceived":
            b.facts.awards.append(Award(o, [s], date=r.get("date")))
        elif r["p"] == "conferredBy":
            b.facts.awards.append(Award(s, [], conferred_by=o, date=r.get("date"), count=r.get("count")))
        else:
            b.facts.relations.append(Relation(s, r["p"], o, post=r.get("post")))
    return b.facts


@pytest.mark.skipif(not (SEED / "gold").is_dir(), reason="shared seed and gold annotation not present")
def test_seed_annotation_graph_conforms():
    facts = [_facts_from_gold(p) for p in sorted((SEED / "gold").glob("*.gold.json"))]
    dataset = build_dataset(facts)
    report = validate(dataset)
    assert report.conforms, "\n".join(f"{v.focus_node} {v.path} {v.message}" for v in report.violations[:10])
    merged = merged_graph(dataset)
    for f in facts:
        for mention in merged.subjects(NIF.referenceContext, doc_iri(f.document.id)):
            begin, end = (merged.value(mention, p).toPython() for p in (NIF.beginIndex, NIF.endIndex))
            assert f.document.text[begin:end] == str(merged.value(mention, NIF.anchorOf))
