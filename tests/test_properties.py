"""Property-based tests of the whole pipeline: any text in, a valid graph out.

Text is drawn from the extraction rules' own tables (surnames, post titles, unit
suffixes, honour cues and heads), so the rules fire, mixed with punctuation of both
widths, pinyin annotations in odd places, markup, invisible and bidi characters and
any other code point. For every text: extraction gives mentions whose offsets point at
their text in the original; the graph serialises and parses back to the same quads in
every format; every mention's ``nif:anchorOf`` is ``original[begin:end]``; and a
sample of graphs conforms to the SHACL shapes.

``benchmarks/fuzz_extract.py`` runs the same checks with a long budget.
"""
from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset
from rdflib.namespace import XSD

from kg.extract.facts import DocumentFacts
from kg.extract.lexicon import load_lexicon
from kg.extract.normalize import normalize
from kg.extract.pipeline import extract
from kg.extract.reader import make_document, normalize_newlines
from kg.ontology import build_dataset, merged_graph
from kg.ontology.io import FORMATS, jsonld_context
from kg.ontology.namespaces import NIF, doc_iri
from kg.ontology.validate import validate

PIPELINE_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- strategies

_LEX = load_lexicon()
_COMMON_HAN = "示例青禾星河北辰机械能源检修动力质检运输安全生产先进优秀模范工作者个人集体红旗党员"
_PUNCTUATION = "，。、；：？！“”‘’《》（）【】—…·,.;:?!\"'()[]{}<>/\\|-_ \u3000\t\n\r"
_ODD = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width
    "\u202e", "\u202d", "\u200f", "\u2066", "\u2069",  # bidi controls
    "\u2028", "\u2029", "\x00", "\x1b", "\x7f", "\u00ad",  # separators, controls, soft hyphen
    "<script>", "</script>", "<img src=x onerror=alert(1)>", '"', "'", "{", "}", "&amp;", "]]>",
    "\U0001f600", "\U00020000", "\U0002a6d6",  # emoji and CJK extension B
    "ＡＢＣ１２３", "２０２０年５月４日", "\u3000\u3000",  # full-width letters, digits, spaces
]
_PINYIN = ["(chuàng)", "（yōu）", "(zhang3)", "( xiān shēng )", "(chua\u0300ng)", "(wù", "wù)", "((lǐ))", "(ā(ǎ)à)"]

cjk = st.text(st.sampled_from(_COMMON_HAN), min_size=1, max_size=4)
noise = st.one_of(
    st.sampled_from(_PUNCTUATION), st.sampled_from(_ODD), st.sampled_from(_PINYIN),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=3),
)
unit = st.builds(str.__add__, cjk, st.sampled_from([s for s, _, _ in _LEX.suffixes]))
person = st.builds(lambda surname, given: surname + given, st.sampled_from(sorted(_LEX.surnames)),
                   st.text(st.sampled_from(_COMMON_HAN), min_size=1, max_size=2))
honour = st.builds(str.__add__, cjk, st.sampled_from(_LEX.honour_heads))
title = st.sampled_from(_LEX.titles)
date = st.builds("{}年{}月{}日".format, st.integers(1949, 2030), st.integers(1, 12), st.integers(1, 31))
SENTENCES = [
    "{unit}{title}{person}荣获“{honour}”称号。",
    "{person}同志被{unit}评为“{honour}”。",
    "{date}，{unit}授予{person}、{person2}等{n}名同志“{honour}”称号。",
    "{unit}{unit2}{title}{person}出席会议并讲话。",
    "{person}（{unit}{title}）获得{honour}。",
    "{unit}表彰{n}个{honour}。",
]


@st.composite
def sentence(draw) -> str:
    template = draw(st.sampled_from(SENTENCES))
    text = template.format(unit=draw(unit), unit2=draw(unit), title=draw(title), person=draw(person),
                           person2=draw(person), honour=draw(honour), date=draw(date), n=draw(st.integers(0, 99)))
    # Noise at random places: inside names, between pieces, replacing punctuation.
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(noise) + text[at:]
    return text


@st.composite
def article(draw) -> str:
    """A report: maybe a title and header line, then sentences, with noise and odd line ends."""
    lines = []
    if draw(st.booleans()):
        lines.append(draw(sentence()).rstrip("。"))
        lines.append(f"来源：{draw(unit)}　时间：{draw(date)}　作者：{draw(person)}")
    lines.extend(draw(st.lists(sentence(), max_size=6)))
    return draw(st.sampled_from(["\n", "\r\n", "\r", ""])).join(lines)


article_text = article()
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


# ---------------------------------------------------------------- checks


def mentions_of(facts: DocumentFacts):
    for entity in facts.entities.values():
        yield from entity.mentions
    for relation in facts.relations:
        yield from relation.evidence
    for award in facts.awards:
        yield from award.evidence


def check_extraction(text: str, doc_id: str = "doc") -> tuple[DocumentFacts, Dataset]:
    """Extract ``text`` and build its graph, checking every offset on the way."""
    document = make_document(doc_id, normalize_newlines(text))
    facts = extract(document)
    original = document.text
    for mention in mentions_of(facts):
        assert 0 <= mention.start < mention.end <= len(original), mention
        assert original[mention.start:mention.end] == mention.text, mention
    for start, end in facts.sentences:
        assert 0 <= start <= end <= len(original)
    for entity in facts.entities.values():
        assert entity.name.strip(), entity
    return facts, build_dataset([facts])


def quads(dataset: Dataset) -> set:
    return {(s, p, o, g.identifier if hasattr(g, "identifier") else g) for s, p, o, g in dataset.quads()}


def check_round_trips(dataset: Dataset) -> None:
    """Every format that keeps named graphs gives back the same quads; Turtle the merged triples."""
    expected = quads(dataset)
    merged = set(merged_graph(dataset))
    for name, (plugin, keeps_graphs, _) in FORMATS.items():
        options = {"context": jsonld_context(), "auto_compact": True} if name == "jsonld" else {}
        source = dataset if keeps_graphs else merged_graph(dataset)
        data = source.serialize(format=plugin, encoding="utf-8", **options)
        parsed = Dataset()
        parsed.parse(io.BytesIO(data), format=plugin)
        if keeps_graphs:
            assert quads(parsed) == expected, name
        else:
            assert set(parsed.default_graph) == merged, name


def check_anchors(dataset: Dataset, original: str) -> set[tuple[int, int]]:
    """Every mention's ``nif:anchorOf`` is the original text between its offsets; returns the spans."""
    graph = dataset.graph(doc_iri("doc"))
    spans = set()
    for mention in graph.subjects(NIF.referenceContext, doc_iri("doc")):
        begin, end = graph.value(mention, NIF.beginIndex), graph.value(mention, NIF.endIndex)
        assert begin.datatype == end.datatype == XSD.nonNegativeInteger
        assert original[begin.toPython():end.toPython()] == str(graph.value(mention, NIF.anchorOf))
        spans.add((begin.toPython(), end.toPython()))
    return spans


# ---------------------------------------------------------------- properties


@PIPELINE_SETTINGS
@given(article_text)
def test_article_like_text_goes_through_the_whole_pipeline(text):
    facts, dataset = check_extraction(text)
    check_round_trips(dataset)
    spans = check_anchors(dataset, facts.document.text)
    # Every entity mention is in the graph; evidence of an award not written (no one, no count) is not.
    assert {(m.start, m.end) for e in facts.entities.values() for m in e.mentions} <= spans
    assert spans <= {(m.start, m.end) for m in mentions_of(facts)}


@PIPELINE_SETTINGS
@given(any_text)
def test_any_unicode_text_goes_through_the_whole_pipeline(text):
    facts, dataset = check_extraction(text)
    check_round_trips(dataset)
    check_anchors(dataset, facts.document.text)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article_text)
def test_every_graph_conforms_to_the_shapes(text):
    _, dataset = check_extraction(text)
    report = validate(dataset)
    assert report.conforms, [(v.focus_node, v.path, v.message) for v in report.violations[:5]]


@settings(max_examples=60, deadline=None)
@given(article_text, st.data())
def test_offset_map_round_trips_on_article_text(text, data):
    # Every span of the normalised text comes from an original span that normalises
    # back to it, and the map only ever moves forward.
    n = normalize(text)
    assert len(n.offsets) == len(n.text) + 1 and n.offsets[-1] == len(text)
    assert all(a < b for a, b in zip(n.offsets, n.offsets[1:]))
    assert len(n.simplified) == len(n.text)
    start = data.draw(st.integers(0, len(n.text)))
    end = data.draw(st.integers(start, len(n.text)))
    a, b = n.to_original(start, end)
    assert 0 <= a <= b <= len(text)
    assert normalize(text[a:b]).text == n.text[start:end]
