"""Turn extracted facts into RDF: one named graph per document, following the RDF contract.

Every document's facts and provenance go into the named graph ``doc_iri(document.id)``,
so a document can be replaced or removed on its own (:func:`add_document`,
:func:`remove_document`). Organisations, honours and roles are named by their canonical
Simplified name, so the same unit in two documents is one node once the graphs are merged
(:func:`merged_graph`). People are named by their name *and* the first unit the text links
them to (``memberOf`` or ``holdsPost``), so namesakes in different units stay apart.

The document node is also the ``nif:Context`` of its mentions and carries the original text
(``nif:isString``), so every ``nif:anchorOf`` can be checked against the graph alone.

Example
-------
>>> from kg.extract.facts import Document, DocumentFacts, Entity, Mention
>>> doc = Document(id="d1", text="示例厂张三获奖", script="Hans")
>>> unit = Entity(key="Organization:示例厂", type="Organization", name="示例厂",
...               mentions=[Mention("d1", 0, 3, "示例厂", 0)])
>>> facts = DocumentFacts(document=doc, entities={unit.key: unit}, sentences=[(0, 7)])
>>> ds = build_dataset([facts])
>>> g = ds.graph(doc_iri("d1"))
>>> (org_iri("示例厂"), RDF.type, ORG.Organization) in g
True
"""
from __future__ import annotations

import itertools
import pickle
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import date as _date
from typing import Any, BinaryIO
from urllib.parse import quote

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.extract.facts import ORG_CLASSES, Award, DocumentFacts, Entity, Mention, combine, part_bounds
from kg.extract.normalize import normalize
from kg.ontology.namespaces import (
    KG,
    NIF,
    ORG,
    PROV,
    SCHEMA,
    award_iri,
    bind_prefixes,
    doc_iri,
    honour_iri,
    mention_iri,
    mention_iri_prefix,
    org_iri,
    person_iri,
    post_iri,
    role_iri,
)

HANS = "zh-Hans"
HANT = "zh-Hant"
ENTITY_CLASSES = {"Person": SCHEMA.Person, "Organization": ORG.Organization, "Honour": KG.Honour}
_DATE_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Characters kept as they are when a document URL becomes an IRI (RFC 3986 reserved + '%').
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
# Terms looked up once: an rdflib namespace attribute costs a call each time.
_TYPE, _LABEL, _ALT_LABEL, _DERIVED_FROM = RDF.type, RDFS.label, SKOS.altLabel, PROV.wasDerivedFrom
_SUB_ORGANIZATION_OF, _TRANSITIVE_SUB_ORGANIZATION_OF = ORG.subOrganizationOf, ORG.transitiveSubOrganizationOf
_MEMBER_OF, _SENTENCE = ORG.memberOf, KG.sentence
_NIF_STRING, _NIF_PHRASE, _REFERENCE_CONTEXT = NIF.String, NIF.Phrase, NIF.referenceContext
_BEGIN_INDEX, _END_INDEX, _ANCHOR_OF, _NON_NEGATIVE = NIF.beginIndex, NIF.endIndex, NIF.anchorOf, XSD.nonNegativeInteger
_HOLDS, _POST, _POST_IN, _ROLE, _ROLE_CLASS = ORG.holds, ORG.Post, ORG.postIn, ORG.role, ORG.Role
_AWARD, _HONOUR, _RECIPIENT, _AWARD_RECEIVED, _CONFERRED_BY = KG.Award, KG.honour, KG.recipient, KG.awardReceived, KG.conferredBy
_ORG_CLASS_IRIS = {name: KG[name] for name in ORG_CLASSES}
_NORMALIZED_BLOCK = 1_000_000  # characters of text normalised at once when looking up how titles are written


def build_dataset(facts: Iterable[DocumentFacts]) -> Dataset:
    """A dataset with one named graph per document.

    >>> ds = build_dataset([])
    >>> len(ds)
    0
    """
    dataset = Dataset()
    bind_prefixes(dataset)
    for document_facts in facts:
        add_document(dataset, document_facts)
    return dataset


def add_document(dataset: Dataset, facts: DocumentFacts) -> URIRef:
    """Put one document's facts into ``dataset``, replacing its earlier graph; return the graph IRI."""
    graph_iri = remove_document(dataset, facts.document.id)
    graph, triples = dataset.graph(graph_iri), _DocumentTriples(facts, _rdflib_literal)
    triples.build()
    for triple in triples.triples + triples.local:
        graph.add(triple)
    return graph_iri


def document_nquads(facts: DocumentFacts) -> bytes:
    """One document's named graph as N-Quads, lines sorted and unique: the same triples as
    :func:`add_document` (language tags as written, ``zh-Hans``), without an rdflib graph.

    >>> from kg.extract.facts import Document, DocumentFacts
    >>> print(document_nquads(DocumentFacts(document=Document(id="d1", text="x"))).decode().splitlines()[0])
    <https://w3id.org/orgkg/id/doc/d1> <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#isString> "x" <https://w3id.org/orgkg/id/doc/d1> .
    """
    return b"".join(sorted(b"".join(document_nquad_parts(facts)).splitlines(keepends=True)))


def document_nquad_parts(facts: DocumentFacts) -> tuple[bytes, bytes]:
    """:func:`document_nquads` in two parts, each sorted and unique: the lines that name
    entities, and the lines about the text itself (its ``nif:isString`` and its mention
    nodes), which stay as they are when entities are merged across documents.
    """
    triples = _DocumentNQuads(facts)
    triples.build()
    texts = ("".join(_nquads(triples.triples, triples.graph)), "".join(triples.local))
    # UTF-8 keeps code point order, and bytes compare faster than strings of Chinese text;
    # no line holds a raw line break (literals escape them, IRIs percent-encode them)
    return tuple(b"".join(sorted(set(text.encode("utf-8").splitlines(keepends=True)))) for text in texts)


def write_document_nquads(parts: Iterable[DocumentFacts], entities: BinaryIO, provenance: BinaryIO,
                          spool_dir: str | None = None) -> None:
    """:func:`document_nquad_parts` of one document whose facts come in parts
    (:func:`kg.extract.pipeline.extract_parts`), written to the binary files ``entities``
    and ``provenance`` as the parts come: the same lines, each once, not sorted.

    Memory holds one part and the document's outline (entities and relations without their
    mentions), not the document's graph. A person's node depends on the first unit the whole
    text links them to, so the parts are read twice: kept in a temporary file in
    ``spool_dir`` while the outline is made, then written one by one.

    >>> import io
    >>> from kg.extract.facts import Document, DocumentFacts
    >>> facts = DocumentFacts(document=Document(id="d1", text="x", title="t"))
    >>> entities, provenance = io.BytesIO(), io.BytesIO()
    >>> write_document_nquads([facts], entities, provenance)
    >>> [sorted(f.getvalue().splitlines()) for f in (entities, provenance)] == [
    ...     sorted(part.splitlines()) for part in document_nquad_parts(facts)]
    True
    """
    parts = iter(parts)
    first = next(parts, None)
    if first is None:
        return
    document = first.document

    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        def spooled() -> Iterator[DocumentFacts]:
            for part in itertools.chain([first], parts):
                pickle.dump((part.entities, part.relations, part.awards, part.sentences), spool,
                            pickle.HIGHEST_PROTOCOL)  # not the document: its text is in the outline
                yield part

        outline = _DocumentNQuads(combine(document, spooled(), outline=True))
        outline.build()
        graph = outline.graph

        def lines(triples: Iterable[tuple]) -> Iterator[str]:
            return _nquads(triples, graph)

        stated: set[str] = set()  # lines about entities, awards and posts: a part may state them again
        _write_lines(entities, _unseen(lines(outline.triples), stated))
        _write_lines(provenance, outline.local)
        spool.seek(0)
        while True:
            try:
                part = DocumentFacts(document, *pickle.load(spool))
            except EOFError:
                break
            triples = _DocumentNQuads(part, outline)
            triples.build_part()
            derived = [t for t in triples.triples if t[1] is _DERIVED_FROM]  # a part's mentions are its own
            _write_lines(entities, _unseen(lines(derived), set()))
            _write_lines(entities, _unseen(lines(t for t in triples.triples if t[1] is not _DERIVED_FROM), stated))
            _write_lines(provenance, triples.local)  # each mention node once already


def _unseen(lines: Iterable[str], seen: set[str]) -> Iterator[str]:
    """The lines not in ``seen``, each once (``seen`` keeps them)."""
    for line in lines:
        if line not in seen:
            seen.add(line)
            yield line


def _write_lines(out: BinaryIO, lines: Iterable[str], batch: int = 10_000) -> None:
    """Write text lines (or strings of whole lines) to the binary file ``out`` a batch at a
    time (a part has 100,000s)."""
    lines = iter(lines)
    while chunk := list(itertools.islice(lines, batch)):
        out.write("".join(chunk).encode("utf-8"))


def remove_document(dataset: Dataset, doc_id: str) -> URIRef:
    """Drop the named graph of document ``doc_id`` (if any); return its IRI."""
    graph_iri = doc_iri(doc_id)
    dataset.remove_graph(graph_iri)
    return graph_iri


def merged_graph(dataset: Dataset | Graph) -> Graph:
    """The union of all graphs of ``dataset``, with the transitive sub-organisation closure.

    For serialisations without named graphs (Turtle, N-Triples) and for validation; links
    that only appear when two documents are combined get their transitive closure here.
    """
    merged = Graph()
    bind_prefixes(merged)
    if isinstance(dataset, Dataset):
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
    else:
        merged += dataset
    materialise_transitive_suborganizations(merged)
    return merged


def materialise_transitive_suborganizations(graph: Graph) -> None:
    """Add ``org:transitiveSubOrganizationOf`` for every ancestor along ``org:subOrganizationOf``."""
    for child in set(graph.subjects(ORG.subOrganizationOf, None)):
        for ancestor in graph.transitive_objects(child, ORG.subOrganizationOf):
            if ancestor != child:
                graph.add((child, ORG.transitiveSubOrganizationOf, ancestor))


def ancestor_pairs(links: Iterable[tuple]) -> set[tuple]:
    """(child, ancestor) for every ancestor along ``links`` of (child, parent), none to itself.

    >>> sorted(ancestor_pairs([("c", "b"), ("b", "a"), ("a", "c")]))[:3]
    [('a', 'b'), ('a', 'c'), ('b', 'a')]
    """
    above: dict = {}
    for child, parent in links:
        above.setdefault(child, set()).add(parent)
    pairs = set()
    for child, parents in above.items():
        stack, seen = list(parents), set()
        while stack:
            parent = stack.pop()
            if parent in seen or parent == child:
                continue
            seen.add(parent)
            pairs.add((child, parent))
            stack.extend(above.get(parent, ()))
    return pairs


def date_datatype(text: str) -> tuple[str, None, URIRef] | None:
    """(lexical form, no language, ``xsd:date``/``xsd:gYearMonth``/``xsd:gYear``) for an ISO date
    as precise as known, or None when ``text`` is not a valid one.

    >>> date_datatype("2011-07")[2] == XSD.gYearMonth
    True
    >>> date_datatype("2011-02-30") is None
    True
    """
    match = _DATE_PATTERN.fullmatch(text.strip())
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day:
            _date(int(year), int(month), int(day))
            return match.group(0), None, XSD.date
        if month:
            _date(int(year), int(month), 1)
            return match.group(0), None, XSD.gYearMonth
    except ValueError:
        return None
    return year, None, XSD.gYear


def _rdflib_literal(lexical: str, lang: str | None = None, datatype: URIRef | None = None) -> Literal:
    return Literal(lexical, lang=lang, datatype=datatype)


# Escapes in N-Triples literals: quotes, backslashes and line ends as they must be; other control
# characters but tab as pyoxigraph writes them (canonical N-Triples), for a raw NUL or ESC in a
# sentence makes the file look binary to other tools.
NTRIPLES_ESCAPES = {
    **{c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F) if c != 0x09},
    0x08: "\\b", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", ord('"'): '\\"', ord("\\"): "\\\\",
}
# the characters to escape, found by a regex: str.translate looks up every character of a
# text (a document's whole text is a literal) in the table
_TO_ESCAPE = re.compile("[" + re.escape("".join(map(chr, NTRIPLES_ESCAPES))) + "]")


def escape_lexical(lexical: str) -> str:
    """``lexical`` as the text of an N-Triples literal, between its quotes."""
    if _TO_ESCAPE.search(lexical):  # seldom but in long texts: test before copying
        return _TO_ESCAPE.sub(_escape, lexical)
    return lexical


def _escape(match: re.Match) -> str:
    return NTRIPLES_ESCAPES[ord(match.group())]


class _NTriplesLiteral(str):
    """A literal already written as N-Triples text (``"…"@zh-Hans``, ``"…"^^<…>``)."""

    @classmethod
    def of(cls, lexical: str, lang: str | None = None, datatype: URIRef | None = None) -> "_NTriplesLiteral":
        lexical = escape_lexical(lexical)
        if lang:
            return cls(f'"{lexical}"@{lang}')
        if datatype:
            return cls("".join(('"', lexical, '"^^<', datatype, ">")))  # noqa: FLY002 (an f-string formats a URIRef slowly)
        return cls(f'"{lexical}"')


def _nquads(triples: Iterable[tuple], graph: str) -> Iterator[str]:
    """N-Quads lines of ``triples`` (IRIs, or literals as :class:`_NTriplesLiteral`) in ``graph``
    (``"<iri> .\\n"``); subjects and predicates are always IRIs. ``str.join`` copies the
    ``URIRef`` strings as they are, where an f-string would call ``URIRef.__format__`` on each."""
    join, literal = "".join, _NTriplesLiteral
    return (join(("<", s, "> <", p, "> ", o, " ", graph)) if type(o) is literal
            else join(("<", s, "> <", p, "> <", o, "> ", graph)) for s, p, o in triples)


class _DocumentTriples:
    """The triples of one document's named graph, made with ``literal`` (rdflib or N-Triples text).

    IRIs are rdflib ``URIRef``; literals are whatever ``literal(lexical, lang, datatype)`` makes,
    so the same code feeds an rdflib graph (:func:`add_document`) and fast N-Quads text
    (:func:`document_nquads`). Each mention node is written once however often it is cited.
    """

    def __init__(self, facts: DocumentFacts, literal: Callable[..., Any], outline: "_DocumentTriples | None" = None):
        self.facts = facts
        self.literal = literal
        self.document = facts.document
        self.doc = doc_iri(self.document.id)
        self.hant = self.document.script == "Hant"
        # a part of a document (build_part) names its nodes as the whole document's outline does
        self.entities = outline.facts.entities if outline else facts.entities
        self.iris = outline.iris if outline else self._entity_iris()
        self.triples: list[tuple] = []  # about entities: rewritten when entities merge
        self.local: list[tuple] = []  # about the text and its mention nodes: never rewritten
        self.add = self.triples.append
        self._mentions: dict[tuple[int, int], URIRef] = {}
        self._sentences: dict[int, Any] = {}  # sentence index -> its literal
        self._links: list[tuple[URIRef, URIRef]] = []  # (unit, parent)
        self._hant_forms = None  # Simplified title -> as written, made when a role label needs it

    def build(self) -> None:
        self._add_document()
        for entity in self.facts.entities.values():
            self._add_entity(entity)
            self._add_mentions(entity)
        for relation in self.facts.relations:
            s, o = self._iri(relation.s), self._iri(relation.o)
            if relation.p == "subOrganizationOf":
                self.add((s, _SUB_ORGANIZATION_OF, o))
                self._links.append((s, o))
            elif relation.p == "memberOf":
                self.add((s, _MEMBER_OF, o))
            elif relation.p == "holdsPost":
                self._add_post(s, relation.o, relation.post, relation.evidence)
            else:
                raise self._error(f"unknown relation predicate {relation.p!r}")
        for award in self.facts.awards:
            self._add_award(award)
        self._add_transitive_suborganizations()

    def build_part(self) -> None:
        """What a part of a document adds to the outline (its entities and relations without
        mentions, built by :meth:`build`): mentions, the evidence of posts, awards."""
        for entity in self.facts.entities.values():
            self._add_mentions(entity)
        for relation in self.facts.relations:
            if relation.p == "holdsPost":
                post = post_iri(relation.post, self.entities[relation.o].name)
                for mention in relation.evidence:
                    self.add((post, _DERIVED_FROM, self._mention(mention)))
        for award in self.facts.awards:
            self._add_award(award)

    def _add_transitive_suborganizations(self) -> None:
        self.triples.extend((child, _TRANSITIVE_SUB_ORGANIZATION_OF, ancestor)
                            for child, ancestor in ancestor_pairs(self._links))

    # -- identity

    def _entity_iris(self) -> dict[str, URIRef]:
        units = {}
        for relation in self.facts.relations:
            if relation.p in ("memberOf", "holdsPost") and relation.s not in units:
                unit = self.facts.entities.get(relation.o)
                if unit is not None and unit.type == "Organization":
                    units[relation.s] = unit.name
        iris = {}
        for key, entity in self.facts.entities.items():
            if entity.type == "Person":
                iris[key] = person_iri(entity.name, units.get(key))
            elif entity.type == "Organization":
                iris[key] = org_iri(entity.name)
            elif entity.type == "Honour":
                iris[key] = honour_iri(entity.name)
            else:
                raise self._error(f"entity {key!r} has unknown type {entity.type!r}")
        return iris

    def _error(self, problem: str) -> ValueError:
        return ValueError(f"document {self.document.id!r}: {problem}")

    def _warn(self, problem: str) -> None:
        warnings.warn(str(self._error(problem)), stacklevel=4)

    def _iri(self, key: str) -> URIRef:
        try:
            return self.iris[key]
        except KeyError:
            raise self._error(f"no entity with key {key!r}") from None

    # -- nodes

    def _add_document(self) -> None:
        add, doc, document, literal = self.add, self.doc, self.document, self.literal
        add((doc, _TYPE, SCHEMA.NewsArticle))
        add((doc, _TYPE, NIF.Context))
        self._add_local(doc, NIF.isString, literal(document.text))
        if document.title:
            add((doc, SCHEMA.headline, literal(document.title, HANT if self.hant else HANS)))
        if document.date:
            self._add_date(doc, SCHEMA.datePublished, document.date)
        if document.author:
            add((doc, SCHEMA.author, literal(document.author)))
        if document.url:
            url = quote(document.url.strip(), safe=_URL_SAFE)
            if _ABSOLUTE_IRI.match(url):
                add((doc, SCHEMA.url, URIRef(url)))
            else:  # a relative IRI would be resolved against wherever the graph is read
                self._warn(f"ignoring url {document.url!r}, not an absolute URL")
        source = self._source_unit()
        if source is not None:
            add((doc, KG.sourceUnit, source))

    def _add_local(self, s: URIRef, p: URIRef, o: Any) -> None:
        self.local.append((s, p, o))

    def _source_unit(self) -> URIRef | None:
        """The publisher entity, else the organisation the header's source names."""
        if self.facts.publisher:
            return self._iri(self.facts.publisher)
        if not self.document.source:
            return None
        source = self.document.source.strip()
        for entity in self.facts.entities.values():
            names = {entity.name, entity.label_hant} | entity.forms | entity.aliases
            if entity.type == "Organization" and source in names:
                return self.iris[entity.key]
        return None

    def _add_entity(self, entity: Entity) -> None:
        add, node = self.add, self.iris[entity.key]
        add((node, _TYPE, ENTITY_CLASSES[entity.type]))
        if entity.org_class:
            if entity.org_class not in ORG_CLASSES:
                raise self._error(f"{entity.key!r} has unknown org_class {entity.org_class!r}")
            add((node, _TYPE, _ORG_CLASS_IRIS[entity.org_class]))
        self._add_labels(node, entity.name, entity.label_hant)
        for alias in sorted(entity.aliases):
            add((node, _ALT_LABEL, self.literal(alias, HANS)))

    def _add_mentions(self, entity: Entity) -> None:
        node = self.iris[entity.key]
        for mention in entity.mentions:
            self.add((node, _DERIVED_FROM, self._mention(mention)))

    def _add_labels(self, node: URIRef, name: str, label_hant: str | None) -> None:
        self.add((node, _LABEL, self.literal(name.strip(), HANS)))
        if self.hant and label_hant:
            self.add((node, _LABEL, self.literal(label_hant, HANT)))

    def _mention(self, mention: Mention) -> URIRef:
        span = (mention.start, mention.end)
        node = self._mentions.get(span)
        if node is not None:
            return node
        text = self.document.text
        if not 0 <= mention.start < mention.end <= len(text):
            raise self._error(f"mention [{mention.start}, {mention.end}) is not a span of its {len(text)} characters")
        sentence = None
        if 0 <= mention.sentence < len(self.facts.sentences):
            sentence = self._sentences.get(mention.sentence)
            if sentence is None:  # a sentence holds several mentions: its literal is made once
                sentence = self._sentences[mention.sentence] = self.literal(self.facts.sentence_text(mention.sentence))
        node = self._mentions[span] = self._add_mention_node(mention.start, mention.end, sentence)
        return node

    def _add_mention_node(self, start: int, end: int, sentence: Any) -> URIRef:
        """The mention node of ``[start, end)``: what it is, where, and its text and sentence
        (if known)."""
        node = mention_iri(self.document.id, start, end)
        literal = self.literal
        self.local += (
            (node, _TYPE, _NIF_STRING),
            (node, _TYPE, _NIF_PHRASE),
            (node, _REFERENCE_CONTEXT, self.doc),
            (node, _BEGIN_INDEX, literal(str(start), None, _NON_NEGATIVE)),
            (node, _END_INDEX, literal(str(end), None, _NON_NEGATIVE)),
            (node, _ANCHOR_OF, literal(self.document.text[start:end])),
        )
        if sentence is not None:
            self.local.append((node, _SENTENCE, sentence))
        return node

    def _add_post(self, holder: URIRef, unit_key: str, title: str | None, evidence: list[Mention]) -> None:
        if not title:
            raise self._error(f"holdsPost relation to {unit_key!r} has no post title")
        unit = self.entities[unit_key]
        post, role = post_iri(title, unit.name), role_iri(title)
        add = self.add
        add((holder, _HOLDS, post))
        add((post, _TYPE, _POST))
        add((post, _POST_IN, self._iri(unit_key)))
        add((post, _ROLE, role))
        add((post, _LABEL, self.literal(f"{unit.name.strip()}{title.strip()}", HANS)))
        add((role, _TYPE, _ROLE_CLASS))
        self._add_labels(role, title, self._surface_form(title) if self.hant else None)
        for mention in evidence:
            add((post, _DERIVED_FROM, self._mention(mention)))

    def _surface_form(self, simplified: str) -> str | None:
        """How a Simplified title is written in this (Traditional) document, pinyin removed.

        The first occurrence is taken: a title is spelt the same way throughout one report.
        Every title of the document is looked up in one pass over the text.
        """
        if self._hant_forms is None:
            titles = {r.post.strip() for r in self.facts.relations if r.p == "holdsPost" and r.post}
            self._hant_forms = _first_written_forms(self.document.text, titles)
        return self._hant_forms.get(simplified.strip())

    def _add_award(self, award: Award) -> None:
        add = self.add
        honour = self._iri(award.honour)
        body = self._iri(award.conferred_by) if award.conferred_by else None
        recipients = [self._iri(key) for key in award.recipients]
        for recipient in recipients:
            add((recipient, _AWARD_RECEIVED, honour))
        if body is not None:
            add((honour, _CONFERRED_BY, body))
        if not recipients and not award.count:
            # Nothing was conferred on anyone: only the honour's conferring body is a fact.
            return
        node = award_iri(
            self.document.id,
            str(honour),
            tuple(map(str, recipients)),
            award.date,
            None if body is None else str(body),
            award.count,
        )
        add((node, _TYPE, _AWARD))
        add((node, _HONOUR, honour))
        for recipient in recipients:
            add((node, _RECIPIENT, recipient))
        if body is not None:
            add((node, _CONFERRED_BY, body))
        if award.date:
            self._add_date(node, KG.date, award.date)
        if award.count:
            add((node, KG.recipientCount, self.literal(str(award.count), None, XSD.integer)))
        if award.recipient_kind:
            add((node, KG.recipientKind, self.literal(award.recipient_kind, HANS)))
        for mention in award.evidence:
            add((node, _DERIVED_FROM, self._mention(mention)))

    def _add_date(self, node: URIRef, predicate: URIRef, text: str) -> None:
        typed = date_datatype(text)
        if typed is None:
            self._warn(f"ignoring date {text!r}, not YYYY, YYYY-MM or YYYY-MM-DD")
            return
        self.add((node, predicate, self.literal(*typed)))


class _DocumentNQuads(_DocumentTriples):
    """:class:`_DocumentTriples` with N-Triples literals, whose ``local`` part is N-Quads
    text already (strings of whole lines): a mention node's seven lines, most of a document's
    lines, are joined at once from parts made once per document."""

    def __init__(self, facts: DocumentFacts, outline: "_DocumentNQuads | None" = None):
        super().__init__(facts, _NTriplesLiteral.of, outline)
        self.graph = graph = f"<{self.doc!s}> .\n"
        end_line = f" {graph}"
        self._node_parts = (
            f"<{_TYPE!s}> <{_NIF_STRING!s}>{end_line}",
            f"<{_TYPE!s}> <{_NIF_PHRASE!s}>{end_line}",
            f"<{_REFERENCE_CONTEXT!s}> <{self.doc!s}>{end_line}",
            f'<{_BEGIN_INDEX!s}> "',
            f'"^^<{_NON_NEGATIVE!s}>{end_line}',
            f'<{_END_INDEX!s}> "',
            f'<{_ANCHOR_OF!s}> "',
            f'"{end_line}',
            end_line,
            f"<{_SENTENCE!s}> ",
        )
        self._mention_iri_prefix = mention_iri_prefix(self.document.id)

    def _add_local(self, s: URIRef, p: URIRef, o: Any) -> None:
        self.local.extend(_nquads([(s, p, o)], self.graph))

    def _add_mention_node(self, start: int, end: int, sentence: Any) -> str:
        (is_string, is_phrase, in_context, begin, non_negative, end_index, anchor_of, anchor_end, end_line,
         in_sentence) = self._node_parts
        start_text, end_text = str(start), str(end)
        node = f"{self._mention_iri_prefix}{start_text},{end_text}"  # mention_iri's text, without a URIRef
        head = f"<{node}> "
        lines = [head, is_string, head, is_phrase, head, in_context, head, begin, start_text, non_negative,
                 head, end_index, end_text, non_negative, head, anchor_of, escape_lexical(self.document.text[start:end]),
                 anchor_end]
        if sentence is not None:
            lines += (head, in_sentence, sentence, end_line)
        self.local.append("".join(lines))
        return node


def _first_written_forms(text: str, simplified: set[str]) -> dict[str, str]:
    """Where each Simplified string of ``simplified`` first occurs in the normalised ``text``,
    how it is written there. The text is normalised a block of lines at a time (a whole
    50 MB text would take GBs of offsets).

    >>> sorted(_first_written_forms("總經理張三，副總經理李四", {"总经理", "副总经理", "厂长"}).items())
    [('副总经理', '副總經理'), ('总经理', '總經理')]
    """
    forms: dict[str, str] = {}
    for start, end in part_bounds(text, _NORMALIZED_BLOCK):
        norm = normalize(text[start:end])
        for title in sorted(simplified - forms.keys()):
            at = norm.simplified.find(title)
            if at >= 0:
                forms[title] = norm.text[at : at + len(title)]
        if len(forms) == len(simplified):
            break
    return forms
