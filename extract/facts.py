"""The facts one document yields: the interface between extraction and the graph.

Extraction (``kg.extract.pipeline``) fills a :class:`DocumentFacts`; the RDF builder
(``kg.ontology.rdf``) turns a list of them into triples; ``kg eval`` scores them
against gold annotations through :meth:`DocumentFacts.gold_relations`.

Every offset here counts code points in the document's *original* text, so
``document.text[m.start:m.end] == m.text`` for every mention ``m``.

Example
-------
>>> doc = Document(id="d1", text="張三榮獲“勞動模範”稱號")
>>> m = Mention(doc_id="d1", start=0, end=2, text="張三", sentence=0)
>>> person = Entity(key="Person:张三", type="Person", name="张三", mentions=[m])
>>> facts = DocumentFacts(document=doc, entities={person.key: person})
>>> facts.entities["Person:张三"].name
'张三'
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ENTITY_TYPES = ("Organization", "Person", "Honour")
PREDICATES = ("subOrganizationOf", "memberOf", "holdsPost", "awardReceived", "conferredBy")


@dataclass
class Document:
    """One input report: its original text and header metadata."""

    id: str
    text: str  # the original text, exactly as decoded from the file (after newline handling)
    title: str | None = None
    date: str | None = None  # ISO 8601 publication date, as precise as known
    source: str | None = None  # the publishing department/unit named in the header
    author: str | None = None
    url: str | None = None
    path: str | None = None  # file the document came from
    encoding: str | None = None  # encoding the file was decoded with
    script: str = "Hans"  # "Hant" when the text is (mostly) Traditional, else "Hans"


@dataclass(frozen=True)
class Mention:
    """A span of the original text that names an entity or states a fact."""

    doc_id: str
    start: int
    end: int
    text: str
    sentence: int  # index into DocumentFacts.sentences


@dataclass
class Entity:
    """An organisation, person or honour named in one document.

    ``key`` is unique within the document (``"<type>:<name>"``); ``name`` is the
    canonical Simplified name; ``label_hant`` the Traditional label when the source
    is Traditional; ``org_class`` a finer organisation class (see ``ORG_CLASSES``).
    """

    key: str
    type: str
    name: str
    label_hant: str | None = None
    aliases: set[str] = field(default_factory=set)  # Simplified alternative names
    forms: set[str] = field(default_factory=set)  # surface forms as written
    org_class: str | None = None
    mentions: list[Mention] = field(default_factory=list)


# Finer organisation classes (subclasses of org:Organization in ontology/kg.ttl).
ORG_CLASSES = (
    "Group",  # 集团 / top-level corporation
    "Company",  # 公司, 有限责任公司, 股份
    "BranchCompany",  # 分公司, 子公司
    "Plant",  # 厂, 矿, 车间, 工区, 区, 站, 中心, 研究院
    "Department",  # 部, 处, 室, 科
    "GovernmentAgency",  # 局, 委, 厅, 部 of the state or party centre
    "PartyCommittee",  # 党委, 党组, 党总支, 纪委
    "PartyBranch",  # 党支部
    "MassOrganization",  # 工会, 团委, 妇联
    "Team",  # 班, 班组, 队
    "Institution",  # 大学, 学院, 医院, 研究院: public institutions (事业单位)
)


@dataclass
class Relation:
    """A fact between two entities of the same document (keys into ``entities``)."""

    s: str
    p: str  # one of PREDICATES except awardReceived/conferredBy, which come from Award
    o: str
    post: str | None = None  # holdsPost: the title as written, Simplified
    evidence: list[Mention] = field(default_factory=list)


@dataclass
class Award:
    """One conferral of an honour: to named recipients and/or a count of unnamed ones."""

    honour: str  # entity key of the Honour
    recipients: list[str] = field(default_factory=list)  # entity keys
    conferred_by: str | None = None  # entity key of the conferring Organization
    date: str | None = None  # ISO 8601, as precise as the text ("2011-07", "2011-07-01")
    count: int | None = None  # number of unnamed recipients ("30个党支部")
    recipient_kind: str | None = None  # what the counted recipients are ("党支部", "同志")
    evidence: list[Mention] = field(default_factory=list)


@dataclass
class DocumentFacts:
    """Everything extracted from one document."""

    document: Document
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)  # original offsets
    publisher: str | None = None  # entity key of the publishing unit

    def sentence_text(self, index: int) -> str:
        start, end = self.sentences[index]
        return self.document.text[start:end]

    def gold_relations(self):
        """Yield facts as gold-format dicts (``s``/``p``/``o`` are entity keys).

        Awards expand to ``awardReceived`` per recipient and, when the body is
        named, one ``conferredBy`` from the honour to that body.
        """
        for r in self.relations:
            d = {"s": r.s, "p": r.p, "o": r.o}
            if r.post:
                d["post"] = r.post
            yield d
        for a in self.awards:
            for rec in a.recipients:
                d = {"s": rec, "p": "awardReceived", "o": a.honour}
                if a.date:
                    d["date"] = a.date
                yield d
            if a.conferred_by:
                d = {"s": a.honour, "p": "conferredBy", "o": a.conferred_by}
                if a.count is not None:
                    d["count"] = a.count
                if a.date:
                    d["date"] = a.date
                yield d


# -- long documents: facts in parts ------------------------------------------------------

_LINE_END = "\n"
_SENTENCE_MARKS = "。！？!?"
_CLOSING_QUOTES = "”」』’\"》〉"


def part_bounds(text: str, size: int) -> list[tuple[int, int]]:
    """Consecutive spans covering ``text``, each at most ``size`` characters (plus closing
    quotes), ending after a line break, else after a sentence mark, else anywhere.

    A long document is extracted part by part (``kg.extract.pipeline.extract_parts``):
    cutting where a sentence ends keeps every sentence whole.

    >>> text = "甲厂召开会议。乙厂表彰先进！\\n丙厂张三发言。"
    >>> [text[a:b] for a, b in part_bounds(text, 10)]
    ['甲厂召开会议。', '乙厂表彰先进！\\n', '丙厂张三发言。']
    """
    bounds, start = [], 0
    while len(text) - start > size:
        end = text.rfind(_LINE_END, start + size // 2, start + size) + 1
        if not end:
            marks = [text.rfind(mark, start, start + size) for mark in _SENTENCE_MARKS]
            end = max(max(marks) + 1, text.rfind(_LINE_END, start, start + size) + 1)
        if end <= start:
            end = start + size  # no sentence ends here: cut the run of text
        while end < len(text) and text[end] in _CLOSING_QUOTES:
            end += 1
        bounds.append((start, end))
        start = end
    bounds.append((start, len(text)))
    return bounds


def combine(document: Document, parts: Iterable[DocumentFacts], *, outline: bool = False) -> DocumentFacts:
    """One document's facts from the facts of its consecutive parts.

    Every part holds offsets into ``document.text`` and sentence indices into its own
    ``sentences``. Entities with the same key become one (aliases and forms joined, the
    first Traditional label and class kept, mentions in order), as do relations with the
    same subject, predicate, object and post (evidence joined). ``outline``: only the
    entities, relations and publisher, without mentions, evidence, awards or sentences
    (what a writer needs to name every node before the parts come again).

    >>> doc = Document(id="d", text="张三发言。张三获奖。")
    >>> parts = [DocumentFacts(doc, {"Person:张三": Entity("Person:张三", "Person", "张三",
    ...          mentions=[Mention("d", a, a + 2, "张三", 0)])}, sentences=[(a, a + 5)]) for a in (0, 5)]
    >>> facts = combine(doc, parts)
    >>> [(m.start, m.sentence) for m in facts.entities["Person:张三"].mentions], facts.sentences
    ([(0, 0), (5, 1)], [(0, 5), (5, 10)])
    """
    facts = DocumentFacts(document=document)
    relations: dict[tuple, Relation] = {}
    for part in parts:
        base = len(facts.sentences)
        shift = (lambda ms: []) if outline else (lambda ms: [_in_sentence(m, m.sentence + base) for m in ms])
        for key, entity in part.entities.items():
            known = facts.entities.get(key)
            if known is None:
                known = facts.entities[key] = Entity(key, entity.type, entity.name)
            join_entity(known, entity, shift(entity.mentions))
        for relation in part.relations:
            known = relations.get((relation.s, relation.p, relation.o, relation.post))
            if known is None:
                known = relations[relation.s, relation.p, relation.o, relation.post] = Relation(
                    relation.s, relation.p, relation.o, relation.post)
                facts.relations.append(known)
            known.evidence += shift(relation.evidence)
        if not outline:
            facts.awards += [Award(a.honour, a.recipients, a.conferred_by, a.date, a.count, a.recipient_kind,
                                   shift(a.evidence)) for a in part.awards]
            facts.sentences += part.sentences
        facts.publisher = facts.publisher or part.publisher
    return facts


def join_entity(entity: Entity, other: Entity, mentions: list[Mention] | None = None) -> None:
    """Add to ``entity`` what ``other`` (the same entity, seen elsewhere) knows: aliases and
    forms, a Traditional label or class where ``entity`` has none, and ``mentions``
    (default: ``other``'s)."""
    entity.label_hant = entity.label_hant or other.label_hant
    entity.org_class = entity.org_class or other.org_class
    entity.aliases |= other.aliases
    entity.forms |= other.forms
    entity.mentions += other.mentions if mentions is None else mentions


def _in_sentence(mention: Mention, sentence: int) -> Mention:
    return Mention(mention.doc_id, mention.start, mention.end, mention.text, sentence)
