"""The Python API: build a knowledge graph from reports, query it, draw it, save it.

>>> import kg
>>> graph = kg.build_texts({"demo": "检修厂厂长亓德昌荣获“劳动模范”称号。"})
>>> [p.name for p in graph.people()]
['亓德昌']
>>> [(a.honour, a.recipients) for a in graph.awards()]
[('劳动模范', ('亓德昌',))]
>>> graph.query("SELECT ?n WHERE { ?h a kg:Honour ; rdfs:label ?n }")[0]["n"]
'劳动模范'
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDF, RDFS, SKOS

from kg.extract.facts import Document, DocumentFacts
from kg.extract.reader import InputError, make_document, read_documents
from kg.ontology.namespaces import KG, ORG, SCHEMA

if TYPE_CHECKING:
    from kg.merge import MergeRecord


@dataclass(frozen=True)
class Organisation:
    iri: str
    name: str
    name_hant: str | None
    org_class: str | None
    aliases: tuple[str, ...]
    parent: str | None  # name of the unit it directly belongs to


@dataclass(frozen=True)
class Person:
    iri: str
    name: str
    name_hant: str | None
    posts: tuple[tuple[str, str], ...]  # (title, unit name)
    units: tuple[str, ...]  # names of the units the person is a member of


@dataclass(frozen=True)
class Honour:
    iri: str
    name: str
    name_hant: str | None
    conferred_by: tuple[str, ...]


@dataclass(frozen=True)
class AwardRecord:
    iri: str
    honour: str
    recipients: tuple[str, ...]
    conferred_by: str | None
    date: str | None
    count: int | None


@dataclass
class BuildReport:
    """What a build did: documents read, failures, time."""

    documents: int = 0
    failures: list[InputError] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    seconds: float = 0.0
    characters: int = 0


class KnowledgeGraph:
    """A knowledge graph: an rdflib ``Dataset`` with one named graph per document.

    Built by :func:`build`, the documents' graphs share one node per unit, person and honour
    (as ``kg build`` makes them); ``merges`` lists the decisions (:class:`kg.merge.MergeRecord`).
    ``graph`` is the union view (all documents in one rdflib ``Graph``).
    """

    def __init__(self, dataset: Dataset, facts: list[DocumentFacts] | None = None, report: BuildReport | None = None,
                 merges: list[MergeRecord] | None = None):
        self.dataset = dataset
        self.facts = facts or []
        self.report = report or BuildReport()
        self.merges = merges or []
        self._graph: Graph | None = None
        self._store = None

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            from kg.ontology import merged_graph

            self._graph = merged_graph(self.dataset)
        return self._graph

    def __len__(self) -> int:
        return len(self.graph)

    # -- querying ------------------------------------------------------------------
    def store(self):
        """The graph in a pyoxigraph store (made once), for fast SPARQL."""
        if self._store is None:
            from kg.sparql import open_store

            self._store = open_store(self.dataset)
        return self._store

    def query(self, sparql: str, **params: str) -> list[dict[str, Any]]:
        """Rows of a SELECT query (text, ``@file.rq`` or a bundled question name) as dicts.

        The project prefixes (kg, org, schema, prov, nif, skos, rdfs, xsd...) are predeclared, as in ``kg query``.
        Keyword arguments fill the question's parameters.
        """
        from kg.sparql import select_rows

        return select_rows(self.store(), sparql, params)

    # -- views -------------------------------------------------------------------------
    def _label(self, node, lang: str = "zh-Hans") -> str | None:
        for label in self.graph.objects(node, RDFS.label):
            if isinstance(label, Literal) and label.language == lang:
                return str(label)
        return None

    def organisations(self) -> list[Organisation]:
        g = self.graph
        out = []
        for o in sorted(set(g.subjects(RDF.type, ORG.Organization))):
            classes = [str(c).split("#")[-1] for c in g.objects(o, RDF.type) if str(c).startswith(str(KG))]
            parent = g.value(o, ORG.subOrganizationOf)
            out.append(Organisation(str(o), self._label(o) or str(o), self._label(o, "zh-Hant"),
                                    classes[0] if classes else None,
                                    tuple(sorted(str(a) for a in g.objects(o, SKOS.altLabel))),
                                    self._label(parent) if parent is not None else None))
        return out

    def people(self) -> list[Person]:
        g = self.graph
        out = []
        for p in sorted(set(g.subjects(RDF.type, SCHEMA.Person))):
            posts = []
            for post in g.objects(p, ORG.holds):
                role, unit = g.value(post, ORG.role), g.value(post, ORG.postIn)
                posts.append((self._label(role) or "", self._label(unit) or ""))
            units = tuple(sorted(self._label(u) or str(u) for u in g.objects(p, ORG.memberOf)))
            out.append(Person(str(p), self._label(p) or str(p), self._label(p, "zh-Hant"), tuple(sorted(posts)), units))
        return out

    def honours(self) -> list[Honour]:
        g = self.graph
        return [
            Honour(str(h), self._label(h) or str(h), self._label(h, "zh-Hant"),
                   tuple(sorted(self._label(b) or str(b) for b in g.objects(h, KG.conferredBy))))
            for h in sorted(set(g.subjects(RDF.type, KG.Honour)))
        ]

    def awards(self) -> list[AwardRecord]:
        g = self.graph
        out = []
        for a in sorted(set(g.subjects(RDF.type, KG.Award))):
            honour = g.value(a, KG.honour)
            body = g.value(a, KG.conferredBy)
            date = g.value(a, KG.date)
            count = g.value(a, KG.recipientCount)
            out.append(AwardRecord(
                str(a), self._label(honour) or str(honour),
                tuple(sorted(self._label(r) or str(r) for r in g.objects(a, KG.recipient))),
                self._label(body) if body is not None else None,
                str(date) if date is not None else None,
                int(count) if count is not None else None,
            ))
        return out

    def summary(self) -> dict[str, Any]:
        """Counts of documents, entities by type and relations by predicate."""
        g = self.graph
        entities = {
            "Organization": len(set(g.subjects(RDF.type, ORG.Organization))),
            "Person": len(set(g.subjects(RDF.type, SCHEMA.Person))),
            "Honour": len(set(g.subjects(RDF.type, KG.Honour))),
            "Award": len(set(g.subjects(RDF.type, KG.Award))),
        }
        predicates = {
            "subOrganizationOf": ORG.subOrganizationOf, "memberOf": ORG.memberOf, "holds": ORG.holds,
            "awardReceived": KG.awardReceived, "conferredBy": KG.conferredBy,
        }
        relations = {name: len(list(g.triples((None, p, None)))) for name, p in predicates.items()}
        return {
            "documents": len(set(g.subjects(RDF.type, SCHEMA.NewsArticle))),
            "entities": entities,
            "relations": relations,
            "triples": len(g),
        }

    # -- output ------------------------------------------------------------------------
    def to_networkx(self):
        """The graph as a networkx ``MultiDiGraph`` (see :mod:`kg.projection` for attributes)."""
        from kg.projection import to_networkx

        return to_networkx(self.graph)

    def save(self, path: str | Path, format: str | None = None) -> Path:
        """Write the graph (format from the suffix: .ttl .nt .jsonld .trig .nq), atomically."""
        from kg.ontology import save

        save(self.dataset, path, format)
        return Path(path)

    def render_html(self, title: str = "Knowledge graph") -> str:
        from kg.viz.html import render_html

        return render_html(self.to_networkx(), title=title)

    def save_html(self, path: str | Path, title: str = "Knowledge graph") -> Path:
        """Write the interactive viewer page (one self-contained file), atomically."""
        from kg.viz.html import write_html

        return write_html(self.to_networkx(), path, title=title)

    def _repr_html_(self) -> str:
        from kg.viz.html import notebook_html

        return notebook_html(self.render_html())

    def __repr__(self) -> str:
        s = self.summary()
        return f"<KnowledgeGraph {s['documents']} documents, {s['triples']} triples>"


def build_documents(documents: Iterable[Document], *, nlp=None, strict: bool = False,
                    progress: Callable[[Document], None] | None = None) -> KnowledgeGraph:
    """Extract facts from ``Document`` objects and build their graph.

    As in ``kg build``, the same unit, person or honour named in several reports becomes one
    node (:mod:`kg.merge`; the decisions are in ``graph.merges``), and one report that breaks
    extraction does not stop the others: it is left out and listed in ``graph.report.failures``
    (raised with ``strict=True``). A report with the id of an earlier one replaces it.
    """
    from kg.extract.pipeline import extract, make_nlp
    from kg.merge import dataset_of, merge_documents, nquad_lines, read_nquads
    from kg.ontology.rdf import document_nquad_parts

    nlp = nlp or make_nlp()
    report = BuildReport()
    started = time.perf_counter()
    named: dict[str, list] = {}  # graph IRI -> the triples that name entities, which merging rewrites
    provenance: dict[str, list] = {}  # graph IRI -> the triples about the text and its mentions
    facts = []
    for document in documents:
        try:
            document_facts = extract(document, nlp)
            parts = document_nquad_parts(document_facts)
        except Exception as error:
            if strict:
                raise
            report.failures.append(InputError(document.id, f"extraction failed: {type(error).__name__}: {error}"))
            continue
        for part, lines in zip((named, provenance), parts):
            part.update(read_nquads(nquad_lines(lines)))
        if not document.text.strip():
            report.empty.append(document.id)
        facts.append(document_facts)
        report.documents += 1
        report.characters += len(document.text)
        if progress:
            progress(document)
    merged, merges = merge_documents(list(named.items()))
    dataset = dataset_of([*merged, *provenance.items()])
    report.seconds = time.perf_counter() - started
    return KnowledgeGraph(dataset, facts, report, merges)


def build(*paths: str | Path, strict: bool = False, nlp=None,
          progress: Callable[[Document], None] | None = None) -> KnowledgeGraph:
    """Build a knowledge graph from report files, directories (``*.txt``) or ``.jsonl`` corpora.

    Unreadable inputs, and reports whose extraction fails, are skipped and listed in
    ``graph.report.failures`` (or raised with ``strict=True``).
    """
    failures: list[InputError] = []
    documents = read_documents([str(p) for p in paths], strict=strict, on_error=failures.append)
    graph = build_documents(documents, nlp=nlp, strict=strict, progress=progress)
    graph.report.failures[:0] = failures  # unreadable inputs first, then failed extractions
    return graph


def build_texts(texts: dict[str, str], **fields: Any) -> KnowledgeGraph:
    """Build a graph from ``{id: text}`` (each text may start with a title and header line)."""
    return build_documents(make_document(doc_id, text, **fields) for doc_id, text in texts.items())


def load(path: str | Path, format: str | None = None) -> KnowledgeGraph:
    """Read a graph written by :meth:`KnowledgeGraph.save` (any supported format)."""
    from kg.ontology import load as load_dataset

    return KnowledgeGraph(load_dataset(path, format))


__all__ = ["KnowledgeGraph", "Organisation", "Person", "Honour", "AwardRecord", "BuildReport",
           "build", "build_documents", "build_texts", "load"]
