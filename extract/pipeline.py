"""The extraction pipeline: ``spacy.blank("zh")``, an rjieba tokenizer and rule components.

Each component does one thing to the ``Doc`` and leaves its result there:

==================  =============================================================
``kg_view``         sentence starts; ``doc._.view`` (character view of the text)
``kg_units``        ``doc._.units``: unit names split into levels
``kg_titles``       ``doc._.titles``: post titles
``kg_people``       ``doc._.people``: people found by post, ``同志`` and lists
``kg_awards``       ``doc._.awards``: honours with recipients, body, date, count
``kg_facts``        ``doc._.facts``: a :class:`~kg.extract.facts.DocumentFacts`
``kg_spans``        ``doc.spans["org"|"person"|"honour"|"post"]`` and ``doc.ents``
==================  =============================================================

The ``Doc`` is made over the Simplified, pinyin-free view of the text; ``doc._.norm``
maps its offsets back to the original, and ``doc._.document`` holds the metadata.

>>> from kg.extract.reader import make_document
>>> facts = extract(make_document("d1", "检修厂厂长亓德昌荣获“劳动模范”称号。"))
>>> sorted(e.name for e in facts.entities.values())
['亓德昌', '劳动模范', '检修厂']
"""
from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.facts import Document, DocumentFacts
from kg.extract.honours import find_awards, find_quotes
from kg.extract.normalize import normalize
from kg.extract.orgs import UnitIndex, find_units, source_unit
from kg.extract.people import extend_lists, find_people, find_titles
from kg.extract.resolve import Resolver
from kg.extract.tokenizer import RJiebaTokenizer
from kg.extract.view import TextView

COMPONENTS = ("kg_view", "kg_units", "kg_titles", "kg_people", "kg_awards", "kg_facts", "kg_spans")

for _name in ("document", "norm", "view", "units", "titles", "people", "awards", "facts"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@Language.component("kg_view")
def view_component(doc: Doc) -> Doc:
    view = TextView.of(doc)
    if len(doc):
        token_starts = view.token_starts()
        flags = numpy.full(len(doc), -1, dtype="int64").astype("uint64")  # -1: not a sentence start
        for a, _ in view.sentences:
            flags[bisect_left(token_starts, a)] = 1
        flags[0] = 1
        doc.from_array([SENT_START], flags.reshape(-1, 1))
    doc._.view = view
    return doc


@Language.component("kg_units")
def units_component(doc: Doc) -> Doc:
    units = find_units(doc._.view, find_quotes(doc._.view.text))
    document = doc._.document
    source = source_unit(doc._.view, document.source) if document and document.source else None
    if source and not units.covering(source.start):
        units = UnitIndex(list(units) + [source])
    doc._.units = units
    return doc


@Language.component("kg_titles")
def titles_component(doc: Doc) -> Doc:
    doc._.titles = find_titles(doc._.view)
    return doc


@Language.component("kg_people")
def people_component(doc: Doc) -> Doc:
    people = find_people(doc._.view, doc._.titles, doc._.units)
    doc._.people = extend_lists(doc._.view, people)
    return doc


@Language.component("kg_awards")
def awards_component(doc: Doc) -> Doc:
    document = doc._.document
    doc._.awards = find_awards(doc._.view, doc._.units, doc._.people, document.date if document else None)
    return doc


@Language.component("kg_facts")
def facts_component(doc: Doc) -> Doc:
    text = doc._.view.text
    document = doc._.document or Document(id="doc", text=text)
    norm = doc._.norm or normalize(text)
    resolver = Resolver(document, norm, doc._.view)
    units = doc._.units
    resolver.choose_publisher(units)
    unit_keys = resolver.add_units(units)
    for p in doc._.people:
        resolver.add_person(p, units, unit_keys)
    for a in doc._.awards:
        resolver.add_award(a, units, unit_keys)
    doc._.facts = resolver.facts
    return doc


@Language.component("kg_spans")
def spans_component(doc: Doc) -> Doc:
    """Expose mentions as spaCy spans (``doc.spans``, ``doc.ents``).

    Where a name ends inside a jieba token (华电张某某 as 华电张|某某), the tokens are cut
    there first, so every span is exactly its mention.
    """
    recipients = [r for a in doc._.awards for r in a.recipients]
    units = [getattr(r, "unit", None) for r in recipients if hasattr(r, "name")]
    groups = {
        "org": [(u.start, u.end) for u in [*doc._.units, *(u for u in units if u is not None)]],
        "person": [(p.start, p.end) for p in [*doc._.people, *(r for r in recipients if hasattr(r, "name"))]],
        "honour": [(a.honour.start, a.honour.end) for a in doc._.awards],
        "post": [(t.start, t.end) for t in doc._.titles],
    }
    doc = _cut_tokens_at(doc, {i for spans in groups.values() for span in spans for i in span})
    for label, spans in groups.items():
        doc.spans[label] = [doc.char_span(a, b, label=label.upper()) for a, b in sorted(set(spans))]
    ents, last = [], -1
    for label in ("person", "org", "honour"):
        ents.extend(doc.spans[label])
    ents.sort(key=lambda sp: (sp.start, -len(sp)))
    kept = []
    for span in ents:
        if span.start >= last:
            kept.append(span)
            last = span.end
    doc.ents = kept
    return doc


def _cut_tokens_at(doc: Doc, cuts: set[int]) -> Doc:
    """The same text with token edges added at ``cuts``: a new ``Doc`` made in one pass
    (spaCy's retokenizer shifts the whole document once per split)."""
    words, tags = doc.user_data["rjieba"]
    edges, pos = [], 0
    for word in words:
        edges.append(pos)
        pos += len(word)
    if cuts <= set(edges) | {pos}:
        return doc
    bounds = sorted(set(edges) | {c for c in cuts if 0 < c < pos}) + [pos]
    tag_at = {a: t for a, t in zip(edges, tags)}
    new_words, new_tags, current = [], [], "x"
    text = "".join(words)
    for a, b in zip(bounds, bounds[1:]):
        current = tag_at.get(a, current)
        new_words.append(text[a:b])
        new_tags.append(current)
    sentence_starts = {a for a, _ in doc._.view.sentences}
    starts = [i == 0 or a in sentence_starts for i, a in enumerate(bounds[:-1])]
    cut = Doc(doc.vocab, words=new_words, spaces=[False] * len(new_words), tags=new_tags, sent_starts=starts)
    cut.user_data.update(doc.user_data)  # the Doc extensions live in user_data
    cut.user_data["rjieba"] = (new_words, new_tags)
    return cut


@lru_cache(maxsize=1)
def make_nlp() -> Language:
    """The pipeline: a blank Chinese model with the rjieba tokenizer and the rule components."""
    nlp = spacy.blank("zh")
    nlp.tokenizer = RJiebaTokenizer(nlp.vocab)
    for name in COMPONENTS:
        nlp.add_pipe(name)
    return nlp


def process(document: Document, nlp: Language | None = None) -> Doc:
    """Run the pipeline on one document; the ``Doc`` carries every intermediate result."""
    nlp = nlp or make_nlp()
    norm = normalize(document.text)
    doc = nlp.make_doc(norm.simplified)
    doc._.document = document
    doc._.norm = norm
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def extract(document: Document, nlp: Language | None = None) -> DocumentFacts:
    """The facts of one document."""
    return process(document, nlp)._.facts
