"""Project the RDF knowledge graph onto a networkx ``MultiDiGraph``.

The projection keeps the three kinds of things the graph is about (organisations,
people, honours) as nodes and the five relations between them as edges; posts,
awards, documents and mentions become attributes. It is what the viewer draws and
what graph analysis and exports build on, so the names below are a contract.

Nodes (id = the entity's IRI as a string)
-----------------------------------------
``kind``
    ``"organization"``, ``"person"`` or ``"honour"``.
``org_class``
    Local name of the finer project class of an organisation (``"Group"``,
    ``"Company"``, ``"BranchCompany"``, ``"Plant"``, ``"PartyBranch"``, ... see
    ``ORG_CLASSES`` in ``kg.extract.facts``); ``None`` for people, honours and
    organisations typed only ``org:Organization``.
``label``
    The ``rdfs:label`` in ``zh-Hans`` (falling back to any label, then the IRI).
``label_hant``
    The ``zh-Hant`` label when the source was Traditional, else ``None``.
``aliases``
    Sorted list of ``skos:altLabel`` values.
``posts``
    List of ``{"title": str, "unit": str | None}``: the ``zh-Hans`` label of the role
    of each post the person holds and the IRI of the unit it is in.
``honours``
    List of ``{"honour": str, "date": str | None}``: each honour received (honour
    IRI) with the date of that conferral as written in ``kg:date`` (``"2011-07"``).
``mentions``
    List of ``{"doc": str, "begin": int, "end": int, "anchor": str, "sentence":
    str | None}``: where the entity is named (document IRI, code-point offsets into
    the original text, the text itself and the sentence containing it), sorted.

Edges (``relation`` attribute; keys are 0, 1, ... per node pair)
-----------------------------------------------------------------
``"subOrganizationOf"``  unit -> the unit it directly belongs to
``"memberOf"``           person -> unit
``"holdsPost"``          person -> unit, with ``post`` (role title, ``zh-Hans``)
``"awardReceived"``      person or unit -> honour, with ``date`` (``None`` if unknown)
``"conferredBy"``        honour -> conferring body, with ``count`` (unnamed
                         recipients, ``None`` if not stated) and ``date``

Graph attribute ``documents`` maps each document IRI to ``{"headline", "date",
"author", "source_unit"}`` (values ``None`` when absent).

Example
-------
>>> from rdflib import Graph
>>> ttl = '''
... @prefix org: <http://www.w3.org/ns/org#> .
... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
... @prefix kg: <https://w3id.org/orgkg/ontology#> .
... <urn:x:plant> a org:Organization, kg:Plant ; rdfs:label "第一厂"@zh-Hans ;
...     org:subOrganizationOf <urn:x:co> .
... <urn:x:co> a org:Organization, kg:Company ; rdfs:label "示例公司"@zh-Hans .
... '''
>>> g = to_networkx(Graph().parse(data=ttl, format="turtle"))
>>> g.nodes["urn:x:plant"]["org_class"], g.nodes["urn:x:plant"]["label"]
('Plant', '第一厂')
>>> [(u, v, d["relation"]) for u, v, d in g.edges(data=True)]
[('urn:x:plant', 'urn:x:co', 'subOrganizationOf')]
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import unquote

import networkx as nx
from rdflib import RDF, RDFS, SKOS, Dataset, Graph, Literal
from rdflib.graph import ConjunctiveGraph

from kg.extract.facts import ORG_CLASSES
from kg.ontology.namespaces import KG, NIF, ORG, PROV, SCHEMA

__all__ = ["to_networkx", "NODE_KINDS", "RELATIONS"]

NODE_KINDS = ("organization", "person", "honour")
RELATIONS = ("subOrganizationOf", "memberOf", "holdsPost", "awardReceived", "conferredBy")

_CLASS_RANK = {KG[name]: rank for rank, name in enumerate(ORG_CLASSES)}
_KIND_OF_CLASS = {ORG.Organization: "organization", SCHEMA.Person: "person", KG.Honour: "honour"}
_KIND_OF_CLASS.update({cls: "organization" for cls in _CLASS_RANK})
# What each end of a relation must be, for ends the graph forgot to type.
_END_KINDS = {
    "subOrganizationOf": ("organization", "organization"),
    "memberOf": ("person", "organization"),
    "holdsPost": ("person", "organization"),
    "awardReceived": (None, "honour"),
    "conferredBy": ("honour", "organization"),
}


def to_networkx(graph: Graph | Dataset) -> nx.MultiDiGraph:
    """Return the organisations, people and honours of ``graph`` as a ``MultiDiGraph``.

    ``graph`` is an rdflib ``Graph`` or a ``Dataset`` (every named graph is read).
    Node and edge attributes are described in the module docstring. Runs in time
    linear in the triples it reads (one index lookup per predicate).
    """
    triples = _TripleReader(graph)
    kinds, org_class = _kinds(triples)
    labels = _labels(triples)
    out = nx.MultiDiGraph(documents=_documents(triples))

    def add_node(iri, kind):
        if str(iri) in out:
            return
        hans, hant, _ = labels.get(iri, (None, None, None))
        out.add_node(
            str(iri),
            kind=kind,
            org_class=org_class.get(iri),
            label=hans or hant or _local_name(iri),
            label_hant=hant,
            aliases=[],
            posts=[],
            honours=[],
            mentions=[],
        )

    for iri, kind in kinds.items():
        add_node(iri, kind)

    def add_edge(s, o, relation, **attrs):
        s_kind, o_kind = _END_KINDS[relation]
        for iri, kind in ((s, s_kind), (o, o_kind)):
            add_node(iri, kind or "organization")
        out.add_edge(str(s), str(o), relation=relation, **attrs)

    for child, parent in triples.pairs(ORG.subOrganizationOf):
        add_edge(child, parent, "subOrganizationOf")
    for person, unit in triples.pairs(ORG.memberOf):
        add_edge(person, unit, "memberOf")
    _add_posts(triples, labels, out, add_edge)
    _add_awards(triples, out, add_edge)
    _add_aliases(triples, out)
    _add_mentions(triples, out)
    return out


class _TripleReader:
    """Subject/object pairs per predicate, across every graph of a dataset."""

    def __init__(self, graph: Graph | Dataset):
        self.graph = graph
        self.is_dataset = isinstance(graph, ConjunctiveGraph)  # Dataset subclasses it

    def pairs(self, predicate) -> Iterator[tuple]:
        if self.is_dataset:
            seen = set()
            for s, _, o, _ in self.graph.quads((None, predicate, None, None)):
                if (s, o) not in seen:
                    seen.add((s, o))
                    yield s, o
        else:
            yield from self.graph.subject_objects(predicate)

    def mapping(self, predicate) -> dict:
        """Subject -> one object (the smallest, so the choice does not depend on order)."""
        result = {}
        for s, o in self.pairs(predicate):
            if s not in result or str(o) < str(result[s]):
                result[s] = o
        return result

    def multimap(self, predicate) -> dict[object, list]:
        result = defaultdict(list)
        for s, o in self.pairs(predicate):
            result[s].append(o)
        return result


def _kinds(triples: _TripleReader) -> tuple[dict, dict]:
    kinds, org_class = {}, {}
    for s, cls in triples.pairs(RDF.type):
        kind = _KIND_OF_CLASS.get(cls)
        if kind is None:
            continue
        if s not in kinds or NODE_KINDS.index(kind) > NODE_KINDS.index(kinds[s]):
            kinds[s] = kind  # a thing typed twice gets the more specific kind
        rank = _CLASS_RANK.get(cls)
        if rank is not None and (s not in org_class or rank < _CLASS_RANK[KG[org_class[s]]]):
            org_class[s] = ORG_CLASSES[rank]
    return kinds, org_class


def _labels(triples: _TripleReader) -> dict:
    """IRI -> (zh-Hans label, zh-Hant label, any other label)."""
    found = defaultdict(lambda: [None, None, None])
    for s, label in triples.pairs(RDFS.label):
        if not isinstance(label, Literal):
            continue
        lang = (label.language or "").lower()
        slot = 0 if lang == "zh-hans" else 1 if lang == "zh-hant" else 2
        text = str(label)
        if found[s][slot] is None or text < found[s][slot]:
            found[s][slot] = text
    return {s: (hans or other, hant, other) for s, (hans, hant, other) in found.items()}


def _add_posts(triples, labels, out, add_edge) -> None:
    post_unit = triples.mapping(ORG.postIn)
    post_role = triples.mapping(ORG.role)
    held = sorted(triples.pairs(ORG.holds), key=lambda pair: (str(pair[0]), str(pair[1])))
    for person, post in held:
        role = post_role.get(post)
        hans, hant, _ = labels.get(role, (None, None, None))
        title = hans or hant or (_local_name(role) if role is not None else None)
        unit = post_unit.get(post)
        if unit is not None:
            add_edge(person, unit, "holdsPost", post=title)
        elif str(person) not in out:
            continue
        out.nodes[str(person)]["posts"].append(
            {"title": title, "unit": str(unit) if unit is not None else None}
        )


def _add_awards(triples, out, add_edge) -> None:
    honour_of = triples.mapping(KG.honour)
    body_of = triples.mapping(KG.conferredBy)
    date_of = triples.mapping(KG.date)
    count_of = triples.mapping(KG.recipientCount)
    recipients = triples.multimap(KG.recipient)

    received, conferred = set(), set()
    for award in sorted(honour_of, key=str):
        honour = honour_of[award]
        date = _text(date_of.get(award))
        for recipient in sorted(recipients.get(award, ()), key=str):
            if (recipient, honour, date) not in received:
                received.add((recipient, honour, date))
                add_edge(recipient, honour, "awardReceived", date=date)
        body = body_of.get(award)
        count = count_of.get(award)
        count = int(count) if count is not None else None
        if body is not None and (honour, body, count, date) not in conferred:
            conferred.add((honour, body, count, date))
            add_edge(honour, body, "conferredBy", count=count, date=date)

    # The shortcuts, where no kg:Award already stated them.
    stated_received = {(r, h) for r, h, _ in received}
    for recipient, honour in sorted(triples.pairs(KG.awardReceived), key=_str_pair):
        if (recipient, honour) not in stated_received:
            add_edge(recipient, honour, "awardReceived", date=None)
    stated_conferred = {(h, b) for h, b, _, _ in conferred}
    for subject, body in sorted(triples.pairs(KG.conferredBy), key=_str_pair):
        is_award = subject in honour_of  # an Award's own kg:conferredBy, handled above
        if not is_award and (subject, body) not in stated_conferred:
            add_edge(subject, body, "conferredBy", count=None, date=None)

    for recipient, honour, data in out.edges(data=True):
        if data["relation"] == "awardReceived":
            out.nodes[recipient]["honours"].append({"honour": honour, "date": data["date"]})


def _add_aliases(triples, out) -> None:
    for s, alias in triples.pairs(SKOS.altLabel):
        node = out.nodes.get(str(s))
        if node is not None and str(alias) not in node["aliases"]:
            node["aliases"].append(str(alias))
    for _, node in out.nodes(data=True):
        node["aliases"].sort()


def _add_mentions(triples, out) -> None:
    doc_of = triples.mapping(NIF.referenceContext)
    begin_of = triples.mapping(NIF.beginIndex)
    end_of = triples.mapping(NIF.endIndex)
    anchor_of = triples.mapping(NIF.anchorOf)
    sentence_of = triples.mapping(KG.sentence)
    for entity, mention in triples.pairs(PROV.wasDerivedFrom):
        node = out.nodes.get(str(entity))
        if node is None or mention not in doc_of:
            continue  # awards derive from mentions too; only entities are nodes
        node["mentions"].append(
            {
                "doc": str(doc_of[mention]),
                "begin": _int(begin_of.get(mention)),
                "end": _int(end_of.get(mention)),
                "anchor": _text(anchor_of.get(mention)),
                "sentence": _text(sentence_of.get(mention)),
            }
        )
    for _, node in out.nodes(data=True):
        node["mentions"].sort(key=lambda m: (m["doc"], m["begin"] or 0, m["end"] or 0))


def _documents(triples: _TripleReader) -> dict[str, dict]:
    fields = {
        "headline": triples.mapping(SCHEMA.headline),
        "date": triples.mapping(SCHEMA.datePublished),
        "author": triples.mapping(SCHEMA.author),
        "source_unit": triples.mapping(KG.sourceUnit),
    }
    docs = sorted({s for s, cls in triples.pairs(RDF.type) if cls == SCHEMA.NewsArticle}, key=str)
    return {str(doc): {name: _text(values.get(doc)) for name, values in fields.items()} for doc in docs}


def _local_name(iri) -> str:
    text = str(iri)
    return unquote(text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]) or text


def _text(value) -> str | None:
    return None if value is None else str(value)


def _int(value) -> int | None:
    return None if value is None else int(value)


def _str_pair(pair) -> tuple[str, str]:
    return str(pair[0]), str(pair[1])
