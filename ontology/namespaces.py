"""Namespaces and IRI minting: the one place the project's IRIs are defined.

``KG`` is the vocabulary (classes and properties, described in ``ontology/kg.ttl``);
``KGD`` is where instance IRIs live. IRIs are minted from canonical Simplified names,
percent-encoded, so the same name gives the same IRI in every run and document and no
user text can break out of ``<…>``.

>>> str(org_iri("示例机械公司"))
'https://w3id.org/orgkg/id/org/%E7%A4%BA%E4%BE%8B%E6%9C%BA%E6%A2%B0%E5%85%AC%E5%8F%B8'
>>> str(person_iri("张三", "示例厂")) == str(person_iri("张三", "别的厂"))
False
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD

KG = Namespace("https://w3id.org/orgkg/ontology#")
KGD = Namespace("https://w3id.org/orgkg/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "kg": KG,
    "kgd": KGD,
    "org": ORG,
    "schema": SCHEMA,
    "prov": PROV,
    "nif": NIF,
    "wdt": WDT,
    "wd": WD,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "skos": SKOS,
    "xsd": XSD,
    "sh": SH,
}


def bind_prefixes(graph) -> None:
    """Bind the project prefixes on an rdflib ``Graph`` or ``Dataset`` (for readable output)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def _segment(text: str) -> str:
    # Percent-encode everything outside the unreserved set: no user text can break an IRI.
    text = text.strip()
    if not text:
        raise ValueError("cannot mint an IRI from an empty name")
    if set(text) == {"."}:
        # "." and ".." are path steps that IRI normalisation would remove.
        return text.replace(".", "%2E")
    return quote(text, safe="")


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1 << 16)  # names recur across a corpus' reports
def org_iri(name: str) -> URIRef:
    return KGD[f"org/{_segment(name)}"]


@lru_cache(maxsize=1 << 16)
def person_iri(name: str, unit: str | None = None) -> URIRef:
    """People are told apart by the unit the text links them to (homonyms stay apart)."""
    if unit:
        return KGD[f"person/{_segment(unit)}/{_segment(name)}"]
    return KGD[f"person/{_segment(name)}"]


@lru_cache(maxsize=1 << 16)
def honour_iri(name: str) -> URIRef:
    return KGD[f"honour/{_segment(name)}"]


@lru_cache(maxsize=1 << 16)
def role_iri(title: str) -> URIRef:
    return KGD[f"role/{_segment(title)}"]


@lru_cache(maxsize=1 << 16)
def post_iri(title: str, unit: str) -> URIRef:
    return KGD[f"post/{_segment(unit)}/{_segment(title)}"]


def doc_iri(doc_id: str) -> URIRef:
    return KGD[f"doc/{_segment(doc_id)}"]


def mention_iri(doc_id: str, start: int, end: int) -> URIRef:
    return URIRef(f"{mention_iri_prefix(doc_id)}{start},{end}")


@lru_cache(maxsize=1 << 10)  # a document has a mention node per name it holds
def mention_iri_prefix(doc_id: str) -> str:
    """The text every mention IRI of document ``doc_id`` starts with, before ``start,end``.

    >>> str(mention_iri("d1", 3, 5)) == mention_iri_prefix("d1") + "3,5"
    True
    """
    return f"{doc_iri(doc_id)!s}/char="


def award_iri(
    doc_id: str,
    honour: str,
    recipients: tuple[str, ...],
    date: str | None,
    conferred_by: str | None = None,
    count: int | None = None,
) -> URIRef:
    """One conferral in one document; everything that tells two conferrals apart goes in the hash."""
    count_text = "" if count is None else str(count)
    parts = (doc_id, honour, str(len(recipients)), *recipients, date or "", conferred_by or "", count_text)
    return KGD[f"award/{_hash(*parts)}"]
