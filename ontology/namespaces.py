"""Namespaces and IRI minting: the one place the project's IRIs are defined.

``KG`` is the vocabulary (classes and properties, described in ``ontology/kg.ttl``);
``KGD`` is where instance IRIs live. IRIs are minted from canonical Simplified names,
percent-encoded, so the same name gives the same IRI in every run and document.

>>> str(org_iri("中国铝业公司"))
'https://w3id.org/orgkg/id/org/%E4%B8%AD%E5%9B%BD%E9%93%9D%E4%B8%9A%E5%85%AC%E5%8F%B8'
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from rdflib import Namespace, URIRef

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
}


def _segment(text: str) -> str:
    # Percent-encode everything outside the unreserved set: no user text can break an IRI.
    return quote(text.strip(), safe="")


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def org_iri(name: str) -> URIRef:
    return KGD[f"org/{_segment(name)}"]


def person_iri(name: str, unit: str | None = None) -> URIRef:
    """People are told apart by the unit the text links them to (homonyms stay apart)."""
    if unit:
        return KGD[f"person/{_segment(unit)}/{_segment(name)}"]
    return KGD[f"person/{_segment(name)}"]


def honour_iri(name: str) -> URIRef:
    return KGD[f"honour/{_segment(name)}"]


def role_iri(title: str) -> URIRef:
    return KGD[f"role/{_segment(title)}"]


def post_iri(title: str, unit: str) -> URIRef:
    return KGD[f"post/{_segment(unit)}/{_segment(title)}"]


def doc_iri(doc_id: str) -> URIRef:
    return KGD[f"doc/{_segment(doc_id)}"]


def mention_iri(doc_id: str, start: int, end: int) -> URIRef:
    return KGD[f"doc/{_segment(doc_id)}/char={start},{end}"]


def award_iri(doc_id: str, honour: str, recipients: tuple[str, ...], date: str | None) -> URIRef:
    return KGD[f"award/{_hash(doc_id, honour, *recipients, date or '')}"]
