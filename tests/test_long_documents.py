"""Long documents: extraction in parts of whole sentences and a graph written part by part.

A document longer than ``PART_CHARS`` (200,000 characters) is cut into parts; here the parts
are made small (``part_chars``) so a few hundred characters cross several part edges.
The 50 MB run is ``test_reliability.py::test_large_single_document_in_bounded_memory``.
Fictional units and people only.
"""
from __future__ import annotations

import io

import opencc
import pytest
from rdflib import RDF, Dataset

from kg.extract.facts import DocumentFacts, part_bounds
from kg.extract.pipeline import extract, extract_parts, make_nlp, process
from kg.extract.reader import make_document
from kg.ontology import rdf
from kg.ontology.namespaces import SCHEMA, person_iri
from kg.ontology.rdf import document_nquad_parts, write_document_nquads

HEADER = "星河能源集团表彰先进\n来源：星河能源集团有限公司办公室　时间：2021年5月4日　作者：林小河\n"
OPENING = "星河能源集团有限公司（以下简称“星河能源”）召开表彰大会。林大海同志作报告。\n"
FILLER = "与会人员结合工作实际进行了深入交流。\n" * 6
CLOSING = "星河能源动力厂厂长林大海荣获“劳动模范”称号。星河能源党委授予检修车间“工人先锋号”称号。\n"
TEXT = HEADER + OPENING + FILLER + CLOSING
PART_CHARS = 120  # three parts: the header and opening, the filler, the closing


def outline(facts: DocumentFacts) -> dict:
    """What the facts say, with each mention as (start, end, text, its sentence's text)."""
    def mentions(ms):
        return sorted((m.start, m.end, m.text, facts.sentence_text(m.sentence)) for m in ms)

    return {
        "publisher": facts.publisher,
        "entities": {k: (e.name, e.org_class, sorted(e.aliases), sorted(e.forms), mentions(e.mentions))
                     for k, e in facts.entities.items()},
        "relations": sorted((r.s, r.p, r.o, r.post or "", tuple(mentions(r.evidence))) for r in facts.relations),
        "awards": sorted((a.honour, tuple(a.recipients), a.conferred_by or "", a.date or "", tuple(mentions(a.evidence)))
                         for a in facts.awards),
    }


def streamed(document, part_chars: int = PART_CHARS) -> tuple[bytes, bytes]:
    entities, provenance = io.BytesIO(), io.BytesIO()
    write_document_nquads(extract_parts(document, part_chars=part_chars), entities, provenance)
    return entities.getvalue(), provenance.getvalue()


def lines(data: bytes) -> list[bytes]:
    return data.splitlines()


# ---------------------------------------------------------------------------- cutting


def test_parts_end_after_a_line_or_a_sentence_and_cover_the_text():
    text = "甲厂召开表彰大会。乙厂张三说：“今年很好。”丙厂李四发言。\n丁厂王五发言\n" + "无标点的长句" * 10 + "戊厂。"
    parts = [text[a:b] for a, b in part_bounds(text, 21)]
    assert "".join(parts) == text
    assert parts[:2] == [
        "甲厂召开表彰大会。乙厂张三说：“今年很好。”",  # after a sentence mark, with its closing quote
        "丙厂李四发言。\n丁厂王五发言\n",  # after a line break rather than the sentence mark before it
    ]
    assert [len(p) for p in parts[2:]] == [21, 21, 21]  # no sentence ends: cut at the size


def test_the_parts_of_a_short_text_are_the_text():
    assert part_bounds(TEXT, len(TEXT)) == [(0, len(TEXT))]
    assert part_bounds("", 10) == [(0, 0)]


# ---------------------------------------------------------------------------- extraction


@pytest.fixture(scope="module")
def document():
    doc = make_document("long", TEXT)
    assert len(part_bounds(doc.text, PART_CHARS)) == 3
    return doc


def test_a_document_in_parts_gives_the_facts_of_the_whole(document):
    whole, parted = extract(document), extract(document, part_chars=PART_CHARS)
    assert outline(parted) == outline(whole)
    assert parted.sentences == whole.sentences


def test_an_entity_named_in_two_parts_is_one_entity_with_exact_offsets(document):
    facts = extract(document, part_chars=PART_CHARS)
    closing = document.text.index(CLOSING)
    company = facts.entities["Organization:星河能源集团有限公司"]
    starts = [m.start for m in company.mentions]
    # the declared short form in the first part, bare and inside unit names in the last
    assert {document.text.index("星河能源”"), closing, document.text.index("星河能源党委")} <= set(starts)
    person = facts.entities["Person:林大海"]
    assert [m.start for m in person.mentions] == [document.text.index("林大海同志"), document.text.index("林大海荣获")]
    for entity in facts.entities.values():
        for m in entity.mentions:
            assert document.text[m.start : m.end] == m.text
            assert m.text in facts.sentence_text(m.sentence)
    assert facts.publisher == "Organization:星河能源集团有限公司"
    assert ("Organization:星河能源党委", "subOrganizationOf", "Organization:星河能源集团有限公司") in {
        (r.s, r.p, r.o) for r in facts.relations}


def test_no_spacy_doc_is_longer_than_a_part(document, monkeypatch):
    whole = outline(extract(document))
    nlp = make_nlp()
    monkeypatch.setattr(nlp, "max_length", PART_CHARS)
    with pytest.raises(ValueError, match="E088"):
        process(document, nlp)
    assert outline(extract(document, nlp, part_chars=PART_CHARS)) == whole


# ---------------------------------------------------------------------------- the graph


def test_the_graph_written_part_by_part_is_the_graph_of_the_whole(document):
    entity_lines, provenance_lines = streamed(document)
    whole_entities, whole_provenance = document_nquad_parts(extract(document))
    assert sorted(lines(entity_lines)) == lines(whole_entities)
    assert sorted(lines(provenance_lines)) == lines(whole_provenance)
    graph = Dataset()
    graph.parse(data=(entity_lines + provenance_lines).decode(), format="nquads")
    # named without a unit in the first part and with one in the last: one node, named by that unit
    people = {s for s, _, _, _ in graph.quads((None, RDF.type, SCHEMA.Person, None))}
    assert people == {person_iri("林大海", "星河能源动力厂")}


def test_a_traditional_document_in_parts_writes_titles_as_written(monkeypatch):
    document = make_document("hant", opencc.OpenCC("s2t").convert(TEXT))
    assert document.script == "Hant"
    whole_entities, whole_provenance = document_nquad_parts(extract(document))
    monkeypatch.setattr(rdf, "_NORMALIZED_BLOCK", 50)  # look titles up block by block
    entity_lines, provenance_lines = streamed(document)
    assert sorted(lines(entity_lines)) == lines(whole_entities)
    assert sorted(lines(provenance_lines)) == lines(whole_provenance)
    assert '"廠長"@zh-Hant'.encode() in entity_lines
