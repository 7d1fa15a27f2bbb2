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
