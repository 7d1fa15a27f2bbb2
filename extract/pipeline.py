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

A document longer than ``PART_CHARS`` is extracted in parts of whole sentences
(:func:`extract_parts`), so memory holds one part's ``Doc``, not a 50 MB one; the short
forms, publisher and unit names settled in earlier parts carry over to later ones.

>>> from kg.extract.reader import make_document
>>> facts = extract(make_document("d1", "检修厂厂长亓德昌荣获“劳动模范”称号。"))
>>> sorted(e.name for e in facts.entities.values())
['亓德昌', '劳动模范', '检修厂']
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import accumulate, count

import numpy
import spacy
from spacy.attrs import ORTH, SENT_START, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract.facts import Document, DocumentFacts, Entity, Relation, combine, join_entity, part_bounds
from kg.extract.honours import find_awards, find_quotes
from kg.extract.normalize import NormalizedText, normalize
from kg.extract.orgs import UnitIndex, company_prefixes, find_units, source_unit
from kg.extract.people import extend_lists, find_people, find_titles
from kg.extract.resolve import Resolver
from kg.extract.tokenizer import RJiebaTokenizer, make_doc
from kg.extract.view import TextView

COMPONENTS = ("kg_view", "kg_units", "kg_titles", "kg_people", "kg_awards", "kg_facts", "kg_spans")
# What only shows the mentions to spaCy users (doc.spans, doc.ents): extract() returns the
# facts alone, so it skips these (kg_spans makes a second Doc for two documents in three).
SPANS_ONLY = ("kg_spans",)
# A longer document is extracted in parts of whole sentences: a part's Doc and tables take
# under 200 MB; a whole 50 MB document's would take tens of GB.
PART_CHARS = 200_000

for _name in ("document", "norm", "view", "units", "titles", "people", "awards", "facts", "earlier"):
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
    ext = doc._  # each ``doc._`` makes a new accessor object
    view, earlier, document = ext.view, ext.earlier, ext.document
    quotes = find_quotes(view.text)
    units = find_units(view, quotes)
    if earlier:
        units = earlier.find_known_units(view, quotes, units)
    source = source_unit(view, document.source) if document and document.source else None
    if source and not units.covering(source.start):
        units = UnitIndex(list(units) + [source])
    ext.units = units
    return doc


@Language.component("kg_titles")
def titles_component(doc: Doc) -> Doc:
    ext = doc._
    ext.titles = find_titles(ext.view)
    return doc


@Language.component("kg_people")
def people_component(doc: Doc) -> Doc:
    ext = doc._
    view = ext.view
    ext.people = extend_lists(view, find_people(view, ext.titles, ext.units))
    return doc


@Language.component("kg_awards")
def awards_component(doc: Doc) -> Doc:
    ext = doc._
    document = ext.document
    ext.awards = find_awards(ext.view, ext.units, ext.people, document.date if document else None)
    return doc


@Language.component("kg_facts")
def facts_component(doc: Doc) -> Doc:
    ext = doc._
    view = ext.view
    document = ext.document or Document(id="doc", text=view.text)
    norm = ext.norm or normalize(view.text)
    resolver = Resolver(document, norm, view)
    units, earlier = ext.units, ext.earlier
    if earlier:
        resolver.alias.update(earlier.alias)
    resolver.choose_publisher(units)
    if earlier:
        earlier.keep_publisher(resolver)
    unit_keys = resolver.add_units(units)
    if earlier:
        earlier.name_known_units(resolver, units)
    for p in ext.people:
        resolver.add_person(p, units, unit_keys)
    for a in ext.awards:
        resolver.add_award(a, units, unit_keys)
    if earlier:
        earlier.settle(resolver)
    ext.facts = resolver.facts
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
    # every mention edge is a token edge now: the token index of each edge, without a search per span
    token_at = dict(zip(accumulate(map(len, doc.user_data["rjieba"][0]), initial=0), count()))
    made = {}
    for label, spans in groups.items():
        made[label] = [Span(doc, token_at[a], token_at[b], label=label.upper()) for a, b in sorted(set(spans))]
        doc.spans[label] = made[label]
    ents, last = [*made["person"], *made["org"], *made["honour"]], -1
    ents.sort(key=lambda sp: (sp.start, -len(sp)))
    kept = []
    for span in ents:
        if span.start >= last:
            kept.append(span)
            last = span.end
    doc.set_ents(kept)  # what ``doc.ents = kept`` does, without copying every span first
    return doc


def _cut_tokens_at(doc: Doc, cuts: set[int]) -> Doc:
    """The same text with token edges added at ``cuts``: a new ``Doc`` made in one pass
    (spaCy's retokenizer shifts the whole document once per split)."""
    words, tags = doc.user_data["rjieba"]
    edges = list(accumulate(map(len, words), initial=0))  # token starts, then the text's end
    inside = sorted(c for c in cuts.difference(edges) if 0 < c < edges[-1])
    if not inside:
        return doc
    splits: dict[int, list[int]] = {}  # token index -> cuts inside it
    for c in inside:
        splits.setdefault(bisect_right(edges, c) - 1, []).append(c)
    # the new Doc reuses the old one's lexemes (by orth id) and tag ids; only pieces are looked up
    orths = doc.to_array(ORTH).tolist()
    pieces = numpy.ones(len(words), dtype="int64")  # new tokens per old token
    new_words, new_tags, new_orths, done = [], [], [], 0
    for i, at in splits.items():
        new_words += words[done:i]
        new_tags += tags[done:i]
        new_orths += orths[done:i]
        bounds = [edges[i], *at, edges[i + 1]]
        parts = [words[i][a - edges[i] : b - edges[i]] for a, b in zip(bounds, bounds[1:])]
        new_words += parts
        new_orths += parts
        new_tags += [tags[i]] * len(parts)
        pieces[i] = len(parts)
        done = i + 1
    new_words += words[done:]
    new_tags += tags[done:]
    new_orths += orths[done:]
    sentence_starts = {a for a, _ in doc._.view.sentences}
    sent_starts = [a in sentence_starts for a in accumulate(map(len, new_words), initial=0)]
    sent_starts[0] = True
    cut = make_doc(doc.vocab, new_orths, numpy.repeat(doc.to_array(TAG), pieces), sent_starts[:-1])
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
    """Run the pipeline on one document; the ``Doc`` carries every intermediate result.

    spaCy refuses texts over ``nlp.max_length`` (a million characters): :func:`extract`
    takes any length.
    """
    return _run(nlp or make_nlp(), document, normalize(document.text))


def _run(nlp: Language, document: Document, norm: NormalizedText, earlier: "EarlierParts | None" = None,
         skip: tuple[str, ...] = ()) -> Doc:
    doc = nlp.make_doc(norm.simplified)
    ext = doc._
    ext.document, ext.norm, ext.earlier = document, norm, earlier
    for name, proc in nlp.pipeline:
        if name not in skip:
            doc = proc(doc)
    return doc


def extract(document: Document, nlp: Language | None = None, part_chars: int = PART_CHARS) -> DocumentFacts:
    """The facts of one document; one longer than ``part_chars`` is extracted part by part
    (:func:`extract_parts`) and the parts' facts combined."""
    if len(document.text) <= part_chars:
        return _run(nlp or make_nlp(), document, normalize(document.text), skip=SPANS_ONLY)._.facts
    return combine(document, extract_parts(document, nlp, part_chars))


def extract_parts(document: Document, nlp: Language | None = None,
                  part_chars: int = PART_CHARS) -> Iterator[DocumentFacts]:
    """The facts of ``document`` in parts of at most ``part_chars`` characters of whole
    sentences (:func:`~kg.extract.facts.part_bounds`), one at a time, so memory holds one part.

    Each part's facts carry offsets into the whole text and index their own ``sentences``
    (:func:`~kg.extract.facts.combine` joins them). Later parts know what earlier ones
    settled (:class:`EarlierParts`): an entity named in two parts is one entity.

    >>> text = "青禾能源集团有限公司（以下简称“青禾能源”）召开大会。\\n" + "会议很好。" * 6 + "\\n青禾能源检修车间主任王小明发言。"
    >>> parts = list(extract_parts(Document(id="d", text=text), part_chars=30))
    >>> len(parts), [(m.start, m.text) for m in parts[-1].entities["Organization:青禾能源集团有限公司"].mentions]
    (3, [(59, '青禾能源')])
    """
    nlp = nlp or make_nlp()
    earlier = EarlierParts()
    for number, (start, end) in enumerate(part_bounds(document.text, part_chars)):
        header = {} if number == 0 else {"title": None, "source": None}  # found in the first lines only
        part = replace(document, text=document.text[start:end], **header)
        norm = normalize(part.text)  # offsets into the whole text, so mentions need no shifting
        norm = NormalizedText(document.text, norm.text, norm.simplified, tuple(o + start for o in norm.offsets))
        facts = _run(nlp, part, norm, earlier, skip=SPANS_ONLY)._.facts
        facts.document = document
        yield facts


class EarlierParts:
    """What the earlier parts of a long document settled, for the parts after them.

    * short forms (declared, ``以下简称``, or abbreviations): a later ``青禾能源党委`` is the full name's
    * the publisher, chosen in the first part (title, source line, most named company)
    * the entity key of every unit: a later part that writes only a short form of a unit
      still names the unit as the first part did (its own name for it becomes an alias)
    """

    def __init__(self):
        self.prefixes: set[str] = set()  # company names without suffix (see find_units)
        self.alias: dict[str, str] = {}
        self.publisher: str | None = None
        self.unit_keys: dict[str, str] = {}  # unit identity -> entity key

    def find_known_units(self, view: TextView, quotes, units: UnitIndex) -> UnitIndex:
        """``units`` again if this part writes a short form declared earlier (青禾能源检修车间
        is 青禾能源 › 检修车间); the part's own short forms are kept for later parts."""
        own = set(company_prefixes(view.text, units))
        missed = {prefix for prefix in self.prefixes - own if prefix in view.text}
        self.prefixes |= own
        return find_units(view, quotes, own | missed) if missed else units

    def keep_publisher(self, resolver: Resolver) -> None:
        if self.publisher:
            resolver.publisher = self.publisher
            resolver.facts.publisher = f"Organization:{self.publisher}"

    def name_known_units(self, resolver: Resolver, units) -> None:
        """Units known from earlier parts: recipients and bare short forms of this part find them."""
        for identity, key in self.unit_keys.items():
            resolver.identity_key.setdefault(identity, key)
        entities = resolver.facts.entities
        absent = {key for key in self.unit_keys.values() if key not in entities}
        for key in absent:
            entities[key] = Entity(key, "Organization", key.split(":", 1)[1])
        resolver.add_declared_short_forms(units)
        for key in absent:
            if not entities[key].mentions:
                del entities[key]

    def settle(self, resolver: Resolver) -> None:
        """Rename this part's units to the keys earlier parts gave them; remember the rest."""
        rename = {}
        for identity, key in resolver.identity_key.items():
            known = self.unit_keys.setdefault(identity, key)
            if known != key:
                rename[key] = known
        kept = set(resolver.identity_key.values()) - set(rename)
        rename = {old: new for old, new in rename.items() if old not in kept}
        _rename_entities(resolver.facts, rename)
        self.alias.update(resolver.alias)
        publisher = resolver.facts.publisher
        self.publisher = self.publisher or (publisher.split(":", 1)[1] if publisher else None)


def _rename_entities(facts: DocumentFacts, rename: dict[str, str]) -> None:
    """Give the entities keyed ``old`` the key ``rename[old]`` (joined with an entity that has it)."""
    if not rename:
        return
    entities = {}
    for key, entity in facts.entities.items():
        new = rename.get(key, key)
        if new != key:
            entity.aliases.add(entity.name)
            entity.key, entity.name = new, new.split(":", 1)[1]
            entity.aliases.discard(entity.name)
        if new in entities:
            join_entity(entities[new], entity)
        else:
            entities[new] = entity
    facts.entities = entities
    relations: dict[tuple, Relation] = {}
    for r in facts.relations:
        s, o = rename.get(r.s, r.s), rename.get(r.o, r.o)
        if s == o:
            continue
        known = relations.setdefault((s, r.p, o, r.post), Relation(s, r.p, o, r.post))
        known.evidence += r.evidence
    facts.relations = list(relations.values())
    for a in facts.awards:
        a.honour = rename.get(a.honour, a.honour)
        a.recipients = [rename.get(k, k) for k in a.recipients]
        a.conferred_by = rename.get(a.conferred_by, a.conferred_by)
    facts.publisher = rename.get(facts.publisher, facts.publisher)
