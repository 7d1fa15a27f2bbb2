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

import re
import warnings
from collections.abc import Iterable
from datetime import date as _date
from urllib.parse import quote

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.extract.facts import ORG_CLASSES, Award, DocumentFacts, Entity, Mention
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
    _DocumentGraph(dataset.graph(graph_iri), facts).build()
    return graph_iri


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


def typed_date(text: str) -> Literal | None:
    """``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` for an ISO date as precise as known.

    >>> typed_date("2011-07").datatype == XSD.gYearMonth
    True
    >>> typed_date("2011-02-30") is None
    True
    """
    match = _DATE_PATTERN.fullmatch(text.strip())
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day:
            _date(int(year), int(month), int(day))
            return Literal(match.group(0), datatype=XSD.date)
        if month:
            _date(int(year), int(month), 1)
            return Literal(match.group(0), datatype=XSD.gYearMonth)
    except ValueError:
        return None
    return Literal(year, datatype=XSD.gYear)


class _DocumentGraph:
    """Writes the triples of one document into its named graph."""

    def __init__(self, graph: Graph, facts: DocumentFacts):
        self.graph = graph
        self.facts = facts
        self.document = facts.document
        self.doc = graph.identifier
        self.hant = self.document.script == "Hant"
        self.iris = self._entity_iris()
        self._hant_text = None  # normalised view of the text, made when a role label needs it

    def build(self) -> None:
        self._add_document()
        for entity in self.facts.entities.values():
            self._add_entity(entity)
        for relation in self.facts.relations:
            s, o = self._iri(relation.s), self._iri(relation.o)
            if relation.p == "subOrganizationOf":
                self.graph.add((s, ORG.subOrganizationOf, o))
            elif relation.p == "memberOf":
                self.graph.add((s, ORG.memberOf, o))
            elif relation.p == "holdsPost":
                self._add_post(s, relation.o, relation.post, relation.evidence)
            else:
                raise self._error(f"unknown relation predicate {relation.p!r}")
        for award in self.facts.awards:
            self._add_award(award)
        materialise_transitive_suborganizations(self.graph)

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
        warnings.warn(str(self._error(problem)), stacklevel=3)

    def _iri(self, key: str) -> URIRef:
        try:
            return self.iris[key]
        except KeyError:
            raise self._error(f"no entity with key {key!r}") from None

    # -- nodes

    def _add_document(self) -> None:
        add, doc, document = self.graph.add, self.doc, self.document
        add((doc, RDF.type, SCHEMA.NewsArticle))
        add((doc, RDF.type, NIF.Context))
        add((doc, NIF.isString, Literal(document.text)))
        if document.title:
            add((doc, SCHEMA.headline, Literal(document.title, lang=HANT if self.hant else HANS)))
        if document.date:
            self._add_date(doc, SCHEMA.datePublished, document.date)
        if document.author:
            add((doc, SCHEMA.author, Literal(document.author)))
        if document.url:
            url = quote(document.url.strip(), safe=_URL_SAFE)
            if _ABSOLUTE_IRI.match(url):
                add((doc, SCHEMA.url, URIRef(url)))
            else:  # a relative IRI would be resolved against wherever the graph is read
                self._warn(f"ignoring url {document.url!r}, not an absolute URL")
        source = self._source_unit()
        if source is not None:
            add((doc, KG.sourceUnit, source))

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
        add, node = self.graph.add, self.iris[entity.key]
        add((node, RDF.type, ENTITY_CLASSES[entity.type]))
        if entity.org_class:
            if entity.org_class not in ORG_CLASSES:
                raise self._error(f"{entity.key!r} has unknown org_class {entity.org_class!r}")
            add((node, RDF.type, KG[entity.org_class]))
        self._add_labels(node, entity.name, entity.label_hant)
        for alias in sorted(entity.aliases):
            add((node, SKOS.altLabel, Literal(alias, lang=HANS)))
        for mention in entity.mentions:
            add((node, PROV.wasDerivedFrom, self._mention(mention)))

    def _add_labels(self, node: URIRef, name: str, label_hant: str | None) -> None:
        self.graph.add((node, RDFS.label, Literal(name.strip(), lang=HANS)))
        if self.hant and label_hant:
            self.graph.add((node, RDFS.label, Literal(label_hant, lang=HANT)))

    def _mention(self, mention: Mention) -> URIRef:
        text = self.document.text
        if not 0 <= mention.start < mention.end <= len(text):
            raise self._error(f"mention [{mention.start}, {mention.end}) is not a span of its {len(text)} characters")
        node = mention_iri(self.document.id, mention.start, mention.end)
        add = self.graph.add
        add((node, RDF.type, NIF.String))
        add((node, RDF.type, NIF.Phrase))
        add((node, NIF.referenceContext, self.doc))
        add((node, NIF.beginIndex, Literal(mention.start, datatype=XSD.nonNegativeInteger)))
        add((node, NIF.endIndex, Literal(mention.end, datatype=XSD.nonNegativeInteger)))
        add((node, NIF.anchorOf, Literal(text[mention.start : mention.end])))
        if 0 <= mention.sentence < len(self.facts.sentences):
            add((node, KG.sentence, Literal(self.facts.sentence_text(mention.sentence))))
        return node

    def _add_post(self, holder: URIRef, unit_key: str, title: str | None, evidence: list[Mention]) -> None:
        if not title:
            raise self._error(f"holdsPost relation to {unit_key!r} has no post title")
        unit = self.facts.entities[unit_key]
        post, role = post_iri(title, unit.name), role_iri(title)
        add = self.graph.add
        add((holder, ORG.holds, post))
        add((post, RDF.type, ORG.Post))
        add((post, ORG.postIn, self._iri(unit_key)))
        add((post, ORG.role, role))
        add((post, RDFS.label, Literal(f"{unit.name.strip()}{title.strip()}", lang=HANS)))
        add((role, RDF.type, ORG.Role))
        self._add_labels(role, title, self._surface_form(title) if self.hant else None)
        for mention in evidence:
            add((post, PROV.wasDerivedFrom, self._mention(mention)))

    def _surface_form(self, simplified: str) -> str | None:
        """How a Simplified title is written in this (Traditional) document, pinyin removed.

        The first occurrence is taken: a title is spelt the same way throughout one report.
        """
        if self._hant_text is None:
            self._hant_text = normalize(self.document.text)
        start = self._hant_text.simplified.find(simplified.strip())
        if start < 0:
            return None
        return self._hant_text.text[start : start + len(simplified.strip())]

    def _add_award(self, award: Award) -> None:
        add = self.graph.add
        honour = self._iri(award.honour)
        body = self._iri(award.conferred_by) if award.conferred_by else None
        recipients = [self._iri(key) for key in award.recipients]
        for recipient in recipients:
            add((recipient, KG.awardReceived, honour))
        if body is not None:
            add((honour, KG.conferredBy, body))
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
        add((node, RDF.type, KG.Award))
        add((node, KG.honour, honour))
        for recipient in recipients:
            add((node, KG.recipient, recipient))
        if body is not None:
            add((node, KG.conferredBy, body))
        if award.date:
            self._add_date(node, KG.date, award.date)
        if award.count:
            add((node, KG.recipientCount, Literal(award.count, datatype=XSD.integer)))
        if award.recipient_kind:
            add((node, KG.recipientKind, Literal(award.recipient_kind, lang=HANS)))
        for mention in award.evidence:
            add((node, PROV.wasDerivedFrom, self._mention(mention)))

    def _add_date(self, node: URIRef, predicate: URIRef, text: str) -> None:
        literal = typed_date(text)
        if literal is None:
            self._warn(f"ignoring date {text!r}, not YYYY, YYYY-MM or YYYY-MM-DD")
            return
        self.graph.add((node, predicate, literal))
