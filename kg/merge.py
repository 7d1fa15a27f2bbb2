"""Cross-document entity resolution: one node per unit, person and honour across documents.

Each document's facts live in their own named graph, with IRIs minted from the names that
document used (:mod:`kg.ontology.namespaces`). Across documents the same unit can go by
several names and the same name can denote several units. :class:`Resolver` reads the
per-document graphs (three streaming passes, one document in memory at a time) and rewrites
every document's graph onto shared nodes:

* **Names** (units at the top of a document's tree): script and width variants of one name
  (``嵩嶽電網`` = ``嵩岳电网``); legal-form extensions (``X集团`` = ``X集团有限公司``); and
  aliases a document declares (``skos:altLabel``, e.g. from ``(以下简称“X”)``) when another
  document uses the alias as a unit's name. An alias is used only when it is distinctive:
  not made of unit suffixes alone (``公司``, ``集团公司党委``), not the tail of its own unit's
  name (``调度室`` for ``…分公司调度室``), claimed by one unit only, and not a unit of its own
  in the document that declares it.
* **Nested units** (departments, plants, branches, committees, teams) are identified by their
  parent and the rest of their name: ``嵩岳电网输电运检分公司`` under ``嵩岳电网有限公司`` and
  ``嵩岳电网有限公司输电运检分公司`` are one unit (nested-name prefixes), while a bare
  ``工会`` under two different companies is two units. Companies, groups and government
  agencies keep their own names wherever they appear.
* **People** with the same name are one person when they share a unit (their key unit, a
  ``memberOf`` unit or a post's unit); a person named without a unit belongs with the
  publisher of the report. Namesakes in different units stay apart.
* **Honours** are one node per name after script and width folding, labelled with a name as
  written (``Best Team``, not the folded ``BestTeam`` its IRI is minted from).

A merged node's ``rdfs:label`` is the longest name used for it (one per language); every
other name becomes a ``skos:altLabel``. IRIs are minted from the full name (a nested unit's
parent name plus its own tail). :attr:`Resolver.records` explains each decision.

Example
-------
>>> from kg.extract.facts import Document, DocumentFacts, Entity, Mention
>>> def unit_facts(doc_id, text, name, aliases=()):
...     doc = Document(id=doc_id, text=text)
...     unit = Entity(key="Organization:" + name, type="Organization", name=name, org_class="Group",
...                   aliases=set(aliases), mentions=[Mention(doc_id, 0, len(name), name, 0)])
...     return DocumentFacts(document=doc, entities={unit.key: unit}, sentences=[(0, len(text))])
>>> a = unit_facts("a", "青禾重工集团有限公司(以下简称“青禾重工”)", "青禾重工集团有限公司", {"青禾重工"})
>>> b = unit_facts("b", "青禾重工召开大会", "青禾重工")
>>> documents = lambda: graphs_of_facts([a, b])
>>> resolver = Resolver.of(documents)
>>> sorted({readable(s[1:-1]) for graph, triples in documents()
...         for s, p, o in resolver.rewrite(graph, triples) if "/org/" in s})
['org:青禾重工集团有限公司']
>>> resolver.records[0].rule
'declared alias'
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

from rdflib import BNode, Dataset, Literal, URIRef

from kg.extract.lexicon import load_lexicon
from kg.extract.normalize import to_simplified
from kg.ontology.namespaces import (
    KG,
    KGD,
    ORG,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    bind_prefixes,
    honour_iri,
    org_iri,
    person_iri,
    post_iri,
)
from kg.ontology.rdf import ancestor_pairs, escape_lexical

Triple = tuple[str, str, str]  # subject, predicate, object in N-Triples syntax ("<iri>", '"text"@zh-Hans')
DocumentTriples = tuple[str, list[Triple]]  # (graph IRI, the triples of that document's graph)
DocumentSource = Callable[[], Iterable[DocumentTriples]]

HANS, HANT = "zh-hans", "zh-hant"  # language tags compare in lower case (BCP 47)
_TAG_CASE = {HANS: "zh-Hans", HANT: "zh-Hant"}  # and are written as the contract spells them


def _term(iri) -> str:
    return f"<{iri}>"


_TYPE, _LABEL, _ALT = _term(RDF.type), _term(RDFS.label), _term(SKOS.altLabel)
_SUB, _TRANSITIVE = _term(ORG.subOrganizationOf), _term(ORG.transitiveSubOrganizationOf)
SUB_ORGANIZATION = _SUB
_MEMBER, _HOLDS, _POST_IN = _term(ORG.memberOf), _term(ORG.holds), _term(ORG.postIn)
_SOURCE_UNIT = _term(KG.sourceUnit)
DERIVED_FROM = _term(PROV.wasDerivedFrom)
_KINDS = {_term(ORG.Organization): "org", _term(SCHEMA.Person): "person", _term(KG.Honour): "honour",
          _term(ORG.Post): "post"}
# Units known by their own (legal or official) name wherever they appear.
GLOBAL_CLASSES = frozenset(_term(KG[c]) for c in ("Company", "Group", "GovernmentAgency"))
# "X集团" and "X集团有限公司" name one company; the stem must itself be a company or group name.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")
_DOTS = str.maketrans({"•": "·", "‧": "·", "・": "·", "∙": "·"})
_PREFIX = {kind: f"{KGD}{kind}/" for kind in ("org", "person", "honour", "post", "doc")}


@lru_cache(maxsize=200_000)
def fold(name: str) -> str:
    """The form two spellings of one name share: NFKC, Simplified, no spaces, one middle dot.

    >>> fold("嵩嶽電網　有限公司"), fold("ＡＢ公司")
    ('嵩岳电网有限公司', 'AB公司')
    """
    text = unicodedata.normalize("NFKC", name).translate(_DOTS)
    return to_simplified("".join(text.split()))


@lru_cache(maxsize=50_000)
def is_generic(alias: str) -> bool:
    """True for names made of unit suffixes alone (``集团公司党委``) or one character plus them.

    >>> is_generic("集团公司党委"), is_generic("该公司"), is_generic("青禾重工")
    (True, True, False)
    """
    lexicon = load_lexicon()
    rest = alias
    while suffix := lexicon.unit_suffix(rest):
        rest = rest[: -len(suffix[0])]
    return len(rest) <= 1


def _tail(iri: str, kind: str) -> list[str]:
    return [unquote(part) for part in iri[len(_PREFIX[kind]):].split("/")]


def readable(iri: str) -> str:
    """``org:青禾重工`` for an instance IRI (names decoded), the IRI itself otherwise."""
    for kind in _PREFIX:
        if iri.startswith(_PREFIX[kind]):
            return f"{kind}:{'/'.join(_tail(iri, kind))}"
    return iri


@dataclass
class MergeRecord:
    """One resolution decision, for ``kg build --explain-merges``.

    ``rule`` says why; ``members`` are the IRIs (or labels) involved; ``into`` the IRI they
    became (empty when they were kept apart); ``evidence`` the document that showed it.
    """

    kind: str  # "Organization", "Person" or "Honour"
    rule: str
    members: tuple[str, ...]
    into: str
    evidence: str = ""

    def row(self) -> list[str]:
        return [self.kind, self.rule, " | ".join(map(readable, self.members)), readable(self.into), self.evidence]


@dataclass
class DocumentGraph:
    """One document's named graph, indexed by what resolution needs (nodes are bare IRIs)."""

    name: str
    triples: list[Triple]
    kinds: dict[str, str] = field(default_factory=dict)  # node -> org/person/honour/post
    classes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # node -> class terms
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))  # node -> lang -> label
    alt_labels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # Simplified aliases
    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    member_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    holds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    post_unit: dict[str, str] = field(default_factory=dict)
    publisher: str | None = None

    @classmethod
    def of(cls, name: str, triples: list[Triple]) -> "DocumentGraph":
        doc = cls(name, triples)
        for s, p, o in triples:
            s = s[1:-1]
            if p == _TYPE:
                if o in _KINDS:
                    doc.kinds[s] = _KINDS[o]
                doc.classes[s].add(o)
            elif p == _LABEL or p == _ALT:
                value, language = literal_value(o)
                if language and p == _LABEL:
                    doc.labels[s].setdefault(language, value.strip())
                elif language and language != HANT:
                    doc.alt_labels[s].add(value.strip())
            elif p == _SUB and o[1:-1] != s:
                doc.parents[s].add(o[1:-1])
            elif p == _MEMBER:
                doc.member_of[s].add(o[1:-1])
            elif p == _HOLDS:
                doc.holds[s].add(o[1:-1])
            elif p == _POST_IN:
                doc.post_unit[s] = o[1:-1]
            elif p == _SOURCE_UNIT:
                doc.publisher = o[1:-1]
        return doc

    _SET_FIELDS = ("classes", "alt_labels", "parents", "member_of", "holds")

    def to_json(self) -> str:
        """The graph as one line of JSON, without its triples (what resolution reads).

        >>> doc = DocumentGraph.of("g", [("<x:a>", _TYPE, _term(ORG.Organization)), ("<x:a>", _SUB, "<x:b>")])
        >>> DocumentGraph.from_json(doc.to_json()) == DocumentGraph("g", [], {"x:a": "org"},
        ...     {"x:a": {_term(ORG.Organization)}}, parents={"x:a": {"x:b"}})
        True
        """
        fields = {name: {node: sorted(values) for node, values in getattr(self, name).items()}
                  for name in self._SET_FIELDS}
        return json.dumps({"name": self.name, "kinds": self.kinds, "labels": self.labels, "post_unit": self.post_unit,
                           "publisher": self.publisher, **fields}, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> "DocumentGraph":
        """The graph :meth:`to_json` wrote (``triples`` empty)."""
        data = json.loads(line)
        doc = cls(data["name"], [], data["kinds"], labels=defaultdict(dict, data["labels"]),
                  post_unit=data["post_unit"], publisher=data["publisher"])
        for name in cls._SET_FIELDS:
            setattr(doc, name, defaultdict(set, {node: set(values) for node, values in data[name].items()}))
        return doc

    @property
    def doc_id(self) -> str:
        return unquote(self.name[len(_PREFIX["doc"]):]) if self.name.startswith(_PREFIX["doc"]) else self.name

    def nodes(self, kind: str) -> list[str]:
        return sorted(n for n, k in self.kinds.items() if k == kind)

    def name_of(self, node: str) -> str:
        """The Simplified label of a node, else the name its IRI was minted from."""
        label = self.labels.get(node, {}).get(HANS)
        if label:
            return label
        kind = self.kinds.get(node, "org")
        return _tail(node, kind)[-1] if node.startswith(_PREFIX.get(kind, "\0")) else node


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        low, high = sorted((ra, rb), key=repr)
        self.parent[high] = low
        return True


Identity = str  # a unit's full name: its top unit's canonical name, then each level's own tail
PersonKey = tuple[str, Identity | None]  # (folded name, unit identity)


class Resolver:
    """Decides which nodes of which documents are one, then rewrites documents onto them.

    Build with :meth:`of` (reads every document twice, keeping tables of names, not
    documents), then call :meth:`rewrite` on each document's quads.
    """

    def __init__(self):
        self.records: list[MergeRecord] = []
        # pass A: unit names
        self._by_fold: dict[str, set[str]] = defaultdict(set)  # folded name -> raw org IRIs
        self._global: set[str] = set()  # raw IRIs of companies, groups and agencies
        self._claims: dict[str, dict[str, bool]] = defaultdict(dict)  # folded alias -> claimant -> usable
        self._claim_doc: dict[tuple[str, str], str] = {}
        self._units = _UnionFind()
        self._root_name: dict[str, str] = {}  # cluster root -> canonical folded name
        self._root_names: dict[str, set[str]] = defaultdict(set)  # cluster root -> every folded name
        self._prefixes: dict[str, str] = {}  # folded name or alias of a company -> cluster root
        # pass B: identities in context
        self._labels: dict[Identity, Counter] = defaultdict(Counter)  # Simplified labels used
        self._hant: dict[Identity, Counter] = defaultdict(Counter)  # (Simplified, Traditional) pairs
        self._nested: dict[tuple[str, Identity], str] = {}  # (raw IRI, identity in context) -> first document
        self._people = _UnionFind()
        self._person_keys: Counter = Counter()  # how often a (name, unit) was a person's key
        self._person_hant: dict[PersonKey, Counter] = defaultdict(Counter)
        self._person_links: list[tuple[PersonKey, Identity, str, str]] = []  # unions made, for the report
        self._person_iri: dict[PersonKey, str] = {}
        self._unit_label: dict[Identity, tuple[str, str | None]] = {}
        self._honour_labels: dict[str, Counter] = defaultdict(Counter)  # folded name -> Simplified labels used

    @classmethod
    def of(cls, documents: DocumentSource) -> "Resolver":
        """A resolver that has read every document ``documents()`` yields (it is called twice)."""
        return cls.of_graphs(lambda: (DocumentGraph.of(name, quads) for name, quads in documents()))

    @classmethod
    def of_graphs(cls, graphs: Callable[[], Iterable["DocumentGraph"]]) -> "Resolver":
        """:meth:`of` documents already indexed (``graphs()`` is called twice)."""
        resolver = cls()
        for doc in graphs():
            resolver.observe_names(doc)
        resolver.settle_names()
        for doc in graphs():
            resolver.observe_identities(doc)
        resolver.settle()
        return resolver

    # ------------------------------------------------------------------ pass A: names
    def observe_names(self, doc: DocumentGraph) -> None:
        names = {node: fold(doc.name_of(node)) for node in doc.nodes("org")}
        for node, name in names.items():
            self._by_fold[name].add(node)
            if doc.classes.get(node, set()) & GLOBAL_CLASSES:
                self._global.add(node)
            for alias in map(fold, doc.alt_labels.get(node, ())):
                if alias == name or len(alias) < 2 or name.endswith(alias) or is_generic(alias):
                    continue
                # A document that names the alias as a unit of its own says it is another unit.
                own_unit = any(other_name == alias for other, other_name in names.items() if other != node)
                self._claims[alias][node] = self._claims[alias].get(node, True) and not own_unit
                self._claim_doc.setdefault((alias, node), doc.doc_id)

    def settle_names(self) -> None:
        """Cluster unit names: variants, legal forms, then declared aliases."""
        lexicon = load_lexicon()
        for name, nodes in self._by_fold.items():
            ordered = sorted(nodes)
            for other in ordered[1:]:
                if self._units.union(ordered[0], other):
                    self._record("Organization", "script or width variant", (ordered[0], other), "")
        for name, nodes in sorted(self._by_fold.items()):
            for form in LEGAL_FORMS:
                stem = name[: -len(form)]
                suffix = lexicon.unit_suffix(stem) if name.endswith(form) and len(stem) >= 2 else None
                if suffix and suffix[1] in ("Group", "Company") and stem in self._by_fold:
                    short, full = min(self._by_fold[stem]), min(nodes)
                    if self._units.union(short, full):
                        self._record("Organization", "legal form", (short, full), "")
                    break
        aliases = {}
        for alias, claimants in sorted(self._claims.items()):
            usable = sorted(c for c, ok in claimants.items() if ok)
            if not usable:
                continue
            if len({self._units.find(c) for c in usable}) > 1:
                self._record("Organization", f"alias {alias} claimed by several units: kept apart", tuple(usable), "",
                             self._claim_doc[(alias, usable[0])])
                continue
            aliases[alias] = usable[0]
            if alias in self._by_fold and self._units.union(usable[0], min(self._by_fold[alias])):
                self._record("Organization", "declared alias", (min(self._by_fold[alias]), usable[0]), "",
                             self._claim_doc[(alias, usable[0])])
        for name, nodes in self._by_fold.items():
            self._root_names[self._units.find(min(nodes))].add(name)
        for root, names in self._root_names.items():
            self._root_name[root] = min(names, key=lambda n: (-len(n), n))  # the fullest name
        companies = {self._units.find(node) for node in self._global}
        for name, node in [*((n, min(nodes)) for n, nodes in self._by_fold.items()), *aliases.items()]:
            if self._units.find(node) in companies:
                self._prefixes.setdefault(name, self._units.find(node))
        for record in self.records:
            if not record.into and "kept apart" not in record.rule:
                record.into = str(org_iri(self._root_identity(record.members[0])))

    def _root_identity(self, node: str) -> Identity:
        root = self._units.find(node)
        if root not in self._root_name:  # a unit first seen after the names were settled
            return fold(_tail(node, "org")[-1]) if node.startswith(_PREFIX["org"]) else node
        return self._root_name[root]

    # ------------------------------------------------------------------ pass B: identities
    def identities(self, doc: DocumentGraph) -> tuple[dict[str, Identity], set[str]]:
        """Each unit of ``doc`` with its identity, and the units identified through a unit above them.

        Companies, groups and agencies, and units with several parents, are known by their
        own name. Any other unit with a parent is the parent's identity plus the rest of its
        name; one without a parent whose name starts with a company's name or alias is that
        company's identity plus the rest.
        """
        found: dict[str, Identity] = {}
        nested: set[str] = set()

        def identity(node: str, seen: frozenset) -> Identity:
            if node in found:
                return found[node]
            result = self._root_identity(node)
            name = fold(doc.name_of(node))
            parents = {p for p in doc.parents.get(node, ()) if doc.kinds.get(p) == "org"}
            if node in seen or doc.classes.get(node, set()) & GLOBAL_CLASSES or len(parents) > 1:
                pass
            elif parents:
                parent = next(iter(parents))
                if self._units.find(parent) != self._units.find(node):
                    above = identity(parent, seen | {node})
                    tail = self._tail_below(name, parent, above, doc)
                    if tail:
                        result = above + tail
                        nested.add(node)
            elif (company := self._company_prefix(name, node)) is not None:
                result = self._root_name[company[0]] + name[company[1]:]
                nested.add(node)
            found[node] = result
            return result

        for node in doc.nodes("org"):
            identity(node, frozenset())
        return found, nested

    def _tail_below(self, name: str, parent: str, above: Identity, doc: DocumentGraph) -> str:
        """``name`` without the longest name of its parent it starts with (all of it when bare)."""
        names = {fold(doc.name_of(parent)), above} | {fold(a) for a in doc.alt_labels.get(parent, ())}
        if self._root_name.get(self._units.find(parent)) == above:
            names |= self._root_names[self._units.find(parent)]
        prefixes = [n for n in names if n and name.startswith(n) and len(n) <= len(name)]
        return name[len(max(prefixes, key=len)):] if prefixes else name

    def _company_prefix(self, name: str, node: str) -> tuple[str, int] | None:
        """(company cluster, length) of the longest company name or alias ``name`` starts with."""
        lexicon = load_lexicon()
        for end in range(len(name) - 1, 1, -1):
            company = self._prefixes.get(name[:end])
            if company is not None and company != self._units.find(node) and lexicon.unit_suffix(name[end:]):
                return company, end
        return None

    def observe_identities(self, doc: DocumentGraph) -> None:
        units, nested = self.identities(doc)
        for node, ident in units.items():
            labels = doc.labels.get(node, {})
            hans = labels.get(HANS) or doc.name_of(node)
            self._labels[ident][hans] += 1
            if labels.get(HANT):
                self._hant[ident][(hans, labels[HANT])] += 1
            if node in nested:
                self._nested.setdefault((node, ident), doc.doc_id)
        for node in doc.nodes("honour"):
            self._honour_labels[fold(doc.name_of(node))][doc.name_of(node)] += 1
        for node in doc.nodes("person"):
            key, linked, rule = self._person_units(doc, node, units)
            self._person_keys[key] += 1
            hant = doc.labels.get(node, {}).get(HANT)
            if hant:
                self._person_hant[key][hant] += 1
            self._people.find(key)
            for unit in sorted(linked - {key[1]}):
                if self._people.union(key, (key[0], unit)):
                    self._person_links.append((key, unit, rule, doc.doc_id))

    def _person_units(self, doc: DocumentGraph, node: str, units: dict[str, Identity]):
        """(key, linked unit identities, rule) of one person of ``doc``."""
        name = fold(doc.name_of(node))

        def unit_identity(unit: str) -> Identity:
            return units.get(unit) or self._root_identity(unit)

        linked = {unit_identity(u) for u in doc.member_of.get(node, ())}
        linked |= {unit_identity(doc.post_unit[p]) for p in doc.holds.get(node, ()) if p in doc.post_unit}
        parts = _tail(node, "person") if node.startswith(_PREFIX["person"]) else [name]
        if len(parts) == 2:
            return (name, unit_identity(str(org_iri(parts[0])))), linked, "same name, shared unit"
        if not linked and doc.publisher:
            return (name, unit_identity(doc.publisher)), set(), "same name, publisher"
        return (name, None), linked, "same name, shared unit"

    def settle(self) -> None:
        """Choose each person's IRI and each unit's labels once every document was read."""
        clusters = defaultdict(list)
        for key in self._person_keys:
            clusters[self._people.find(key)].append(key)
        # A person's IRI names the unit most often their key unit.
        best = {root: min(keys, key=lambda k: (-self._person_keys[k], k[1] or ""))
                for root, keys in clusters.items()}
        for key in self._person_keys:
            name, unit = best[self._people.find(key)]
            self._person_iri[key] = str(person_iri(name, unit))
        for key, unit, rule, doc_id in self._person_links:
            members = tuple(f"{key[0]} of {u}" for u in (key[1] or "?", unit))
            self._record("Person", rule, members, self._person_iri[key], doc_id)
        self._person_links.clear()
        names = defaultdict(set)
        for key, iri in self._person_iri.items():
            names[key[0]].add(iri)
        for name, iris in sorted(names.items()):
            if len(iris) > 1:
                self._record("Person", "namesakes in different units: kept apart", tuple(sorted(iris)), "")
        for ident, labels in self._labels.items():
            hans = _preferred_label(labels)
            pairs = Counter({hant: n for (h, hant), n in self._hant.get(ident, Counter()).items() if h == hans})
            self._unit_label[ident] = (hans, _most_common(pairs))
        raws, idents = defaultdict(set), defaultdict(set)
        for node, ident in self._nested:
            raws[ident].add(node)
            idents[node].add(ident)
        for ident, nodes in sorted(raws.items()):
            if len(nodes) > 1:
                self._record("Organization", "names of one unit under one parent", tuple(sorted(nodes)),
                             str(org_iri(ident)), self._nested[(min(nodes), ident)])
        for node, found in sorted(idents.items()):
            if len(found) > 1:
                self._record("Organization", f"{readable(node)} under different parents: kept apart",
                             tuple(sorted(str(org_iri(i)) for i in found)), "")
        self._nested.clear()

    def _record(self, kind: str, rule: str, members: tuple[str, ...], into: str, evidence: str = "") -> None:
        self.records.append(MergeRecord(kind, rule, members, into, evidence))

    # ------------------------------------------------------------------ pass C: rewrite
    def rewrite(self, name: str, triples: list[Triple]) -> list[Triple]:
        """The triples of one document's graph with every entity on its shared node, sorted."""
        derived = [t for t in triples if t[1] == DERIVED_FROM]
        rewritten, nodes = self.rewrite_entities(name, [t for t in triples if t[1] != DERIVED_FROM])
        return sorted({*rewritten, *((nodes.get(s, s), p, o) for s, p, o in derived)})

    def rewrite_entities(self, name: str, triples: list[Triple]) -> tuple[list[Triple], dict[str, str]]:
        """:meth:`rewrite` of a graph's triples other than ``prov:wasDerivedFrom`` (most of a
        graph, they do not change who is who), and the term map for those lines' subjects:
        a huge document's mentions can then be rewritten as they stream by."""
        doc = DocumentGraph.of(name, triples)
        node_map, preferred = self._targets(doc)
        post_labels = {}
        for post, unit in doc.post_unit.items():
            title = _tail(post, "post")[-1] if post.startswith(_PREFIX["post"]) else doc.name_of(post)
            unit_node = node_map.get(unit, unit)
            node_map[post] = str(post_iri(title, unquote(unit_node.rsplit("/", 1)[-1])))
            post_labels[node_map[post]] = preferred.get(unit_node, (doc.name_of(unit), None))[0] + title
        terms = {_term(old): _term(new) for old, new in node_map.items()}
        out: set[Triple] = set()
        hant_used = set()
        for s, p, o in triples:
            s = terms.get(s, s)
            node = s[1:-1]
            if p == _TRANSITIVE:
                continue  # recomputed below over the merged nodes
            if p == _LABEL and node in post_labels:
                out.add((s, p, make_literal(post_labels[node], HANS)))
            elif (p == _LABEL or p == _ALT) and node in preferred and o.startswith('"'):
                # One rdfs:label per language on a merged node; every other name is an alias.
                value, language = literal_value(o)
                value = value.strip()
                best = dict(zip((HANS, HANT), preferred[node]))
                if p == _LABEL and language == HANT:
                    hant_used.add(node)
                    if best[HANT] is None:
                        preferred[node] = (preferred[node][0], value)
                        continue
                if value != best.get(language):
                    out.add((s, _ALT, make_literal(value, language)))
            else:
                o = terms.get(o, o)
                if not (p == _SUB and o == s):
                    out.add((s, p, o))
        for node in {node_map[n] for n in doc.labels if n in node_map and doc.kinds.get(n) != "post"}:
            hans, hant = preferred[node]
            out.add((_term(node), _LABEL, make_literal(hans, HANS)))
            if hant and node in hant_used:
                out.add((_term(node), _LABEL, make_literal(hant, HANT)))
        out |= transitive_links({(s, o) for s, p, o in out if p == _SUB})
        return sorted(out), terms

    def _targets(self, doc: DocumentGraph) -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
        """Raw entity IRI -> shared IRI, and shared IRI -> preferred (Simplified, Traditional) label."""
        units, _ = self.identities(doc)
        node_map, preferred = {}, {}
        for node, ident in units.items():
            node_map[node] = str(org_iri(ident))
            preferred[node_map[node]] = self._unit_label.get(ident) or (doc.name_of(node), None)
        for node in doc.nodes("person"):
            key, _, _ = self._person_units(doc, node, units)
            node_map[node] = self._person_iri.get(key, node)
            preferred[node_map[node]] = (key[0], _most_common(self._person_hant.get(key, Counter())))
        for node in doc.nodes("honour"):
            name = fold(doc.name_of(node))
            node_map[node] = str(honour_iri(name))
            # Labelled with a name as written (spaces, width), not the folded form the IRI is minted from.
            labels = self._honour_labels.get(name)
            preferred[node_map[node]] = (_preferred_label(labels) if labels else doc.name_of(node), None)
        return node_map, preferred


def _preferred_label(labels: Counter) -> str:
    """The label a merged node shows: the longest name used for it, then the most used, then the smallest."""
    return min(labels, key=lambda label: (-len(label), -labels[label], label))


def _most_common(counts: Counter) -> str | None:
    """The most frequent key, ties to the smallest; None when empty."""
    return min(counts, key=lambda k: (-counts[k], k)) if counts else None


def transitive_links(links: Iterable[tuple[str, str]]) -> set[Triple]:
    """``org:transitiveSubOrganizationOf`` triples for every ancestor along ``links`` (child, parent)."""
    return {(child, _TRANSITIVE, ancestor) for child, ancestor in ancestor_pairs(links)}


# ---------------------------------------------------------------------- N-Quads lines

_ESCAPE = re.compile(r'\\(["\\nrtbf]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})')
_UNESCAPED = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def literal_value(term: str) -> tuple[str, str | None]:
    """(text, lower-case language tag or None) of an N-Triples literal term.

    >>> literal_value('"青禾\\"重工\\""@zh-Hans')
    ('青禾"重工"', 'zh-hans')
    """
    end = term.rfind('"')
    suffix = term[end + 1:]
    text = term[1:end]
    if "\\" in text:
        text = _ESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)
    return text, suffix[1:].lower() if suffix.startswith("@") else None


def make_literal(text: str, language: str | None) -> str:
    """``text`` as an N-Triples literal, escaped as the graph writer escapes it (so a label
    rewritten here and the same label written by a worker are one line).

    >>> print(make_literal('王小' + chr(0) + '明 "A"', "zh-hans"))
    "王小\\u0000明 \\"A\\""@zh-Hans
    """
    return f'"{escape_lexical(text)}"' + (f"@{_TAG_CASE.get(language, language)}" if language else "")


def parse_quad(line: str) -> tuple[str, str, str, str]:
    """(subject, predicate, object, graph) of one N-Quads line whose last term is a graph IRI.

    Language tags ``zh-hans``/``zh-hant`` come back spelt ``zh-Hans``/``zh-Hant``.

    >>> parse_quad('<a:s> <a:p> "x y"@zh-hans <a:g> .')
    ('<a:s>', '<a:p>', '"x y"@zh-Hans', '<a:g>')
    """
    body = line.rstrip()
    cut = body.rfind(" <")
    if not body.endswith(".") or cut < 0:
        raise ValueError(f"not an N-Quads line with a named graph: {line[:120]!r}")
    graph_end = body.rfind(">")
    subject, predicate, rest = body[:cut].split(" ", 2)
    if rest.endswith(("@zh-hans", "@zh-hant")):
        rest = rest[:-4] + rest[-4:].replace("han", "Han")
    return subject, predicate, rest, body[cut + 1: graph_end + 1]


def read_nquads(lines: Iterable[str]) -> Iterator[DocumentTriples]:
    """Each run of consecutive lines in the same named graph, as (graph IRI, triples)."""
    current, ending, run = None, None, []
    for line in lines:
        if ending and line.endswith(ending):  # the graph of the line before: split the rest only
            s, p, o = line[: -len(ending)].split(" ", 2)
            if o.endswith(("@zh-hans", "@zh-hant")):
                o = o[:-4] + o[-4:].replace("han", "Han")
            run.append((s, p, o))
            continue
        if not line.strip() or line.startswith("#"):
            continue
        s, p, o, g = parse_quad(line)
        if g != current:
            if run:
                yield current[1:-1], run
            current, run = g, []
            ending = f" {g} .\n"
        run.append((s, p, o))
    if run:
        yield current[1:-1], run


# What resolution reads (see DocumentGraph.of): a chunk's index holds these lines only.
_INDEX_PREDICATES = frozenset(p.encode() for p in (_LABEL, _ALT, _SUB, _MEMBER, _HOLDS, _POST_IN, _SOURCE_UNIT))
_INDEX_CLASSES = (f"<{KG}".encode(), *(k.encode() for k in _KINDS))


def index_lines(nquads: bytes) -> bytes:
    """The lines of ``nquads`` that entity resolution reads (labels, types, parents, posts...)."""
    kept = []
    for line in nquads.splitlines(keepends=True):
        parts = line.split(b" ", 3)
        if len(parts) == 4 and (parts[1] in _INDEX_PREDICATES
                                or parts[1] == _TYPE.encode() and parts[2].startswith(_INDEX_CLASSES)):
            kept.append(line)
    return b"".join(kept)


def nquad_lines(data: bytes) -> list[str]:
    """The lines of N-Quads text, split at line feeds only (``str.splitlines`` would also cut
    a literal at a raw U+2028, U+0085 or other separator, which N-Quads leaves unescaped)."""
    return list(io.StringIO(data.decode("utf-8"), newline="\n"))


def graphs_of_facts(facts: Iterable) -> Iterator[DocumentTriples]:
    """Each document's graph as triples (from :class:`~kg.extract.facts.DocumentFacts`)."""
    from kg.ontology.rdf import document_nquads

    for document_facts in facts:
        yield from read_nquads(nquad_lines(document_nquads(document_facts)))


def merge_documents(documents: list[DocumentTriples]) -> tuple[list[DocumentTriples], list[MergeRecord]]:
    """Every document's graph rewritten onto shared nodes, as ``kg build`` does, and the decisions."""
    resolver = Resolver.of(lambda: documents)
    return [(graph, resolver.rewrite(graph, triples)) for graph, triples in documents], resolver.records


def nt_term(term) -> str:
    """An rdflib term in N-Triples syntax, literals escaped as the project writes them.

    >>> from rdflib import Literal
    >>> print(nt_term(Literal('青禾 "重工"', lang="zh-Hans")))
    "青禾 \\"重工\\""@zh-Hans
    """
    if isinstance(term, Literal):
        text = make_literal(str(term), None)
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    return f"_:{term}" if isinstance(term, BNode) else f"<{term}>"


def rdflib_term(term: str):
    """The rdflib term of an N-Triples term (IRI, blank node or literal), language tag as written.

    >>> rdflib_term('"2021-06"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>').datatype[-10:]
    'gYearMonth'
    """
    if term.startswith("<"):
        return URIRef(term[1:-1])
    if term.startswith("_:"):
        return BNode(term[2:])
    text, _ = literal_value(term)
    suffix = term[term.rfind('"') + 1:]
    if suffix.startswith("^^"):
        return Literal(text, datatype=URIRef(suffix[3:-1]))
    return Literal(text, lang=suffix[1:] or None)


def dataset_of(documents: Iterable[DocumentTriples]) -> Dataset:
    """An rdflib ``Dataset`` with each document's triples (N-Triples terms) in its named graph."""
    dataset = Dataset()
    bind_prefixes(dataset)
    terms: dict[str, object] = {}  # each term made once: rdflib checks every IRI it is given

    def term(text: str):
        found = terms.get(text)
        if found is None:
            found = terms[text] = rdflib_term(text)
        return found

    for graph, triples in documents:
        named = dataset.graph(URIRef(graph))
        named.addN((term(s), term(p), term(o), named) for s, p, o in triples)
    return dataset


def merge_dataset(dataset: Dataset) -> tuple[Dataset, list[MergeRecord]]:
    """An rdflib ``Dataset`` (one named graph per document) merged across documents, and the records.

    The same decisions and triples as ``kg build`` and ``kg.build`` (which merge N-Quads text as
    they extract it); for a dataset made some other way. Statements in the default graph,
    which belong to no document, are kept as they are.

    >>> from kg.extract.pipeline import extract
    >>> from kg.extract.reader import make_document
    >>> from kg.ontology import build_dataset
    >>> texts = {"a": "青禾重工集团有限公司(以下简称“青禾重工”)授予铸造分公司总经理郦志远“劳动模范”称号。",
    ...          "b": "青禾重工工会授予铸造分公司熔炼车间“工人先锋号”称号。"}
    >>> merged, records = merge_dataset(build_dataset(extract(make_document(k, t)) for k, t in texts.items()))
    >>> from kg.ontology.namespaces import ORG, RDF
    >>> units = {readable(str(s)) for s, _, _, _ in merged.quads((None, RDF.type, ORG.Organization, None))}

    b's 青禾重工工会 is the group's union; b's 铸造分公司, named with no parent, is not assumed to be a's:

    >>> sorted(units)  # doctest: +NORMALIZE_WHITESPACE
    ['org:铸造分公司', 'org:铸造分公司熔炼车间', 'org:青禾重工集团有限公司', 'org:青禾重工集团有限公司工会',
     'org:青禾重工集团有限公司铸造分公司']
    """
    default = dataset.default_graph.identifier
    documents = [(str(graph.identifier), [(nt_term(s), nt_term(p), nt_term(o)) for s, p, o in graph])
                 for graph in sorted(dataset.graphs(), key=lambda graph: str(graph.identifier))
                 if graph.identifier != default]
    rewritten, records = merge_documents(documents)
    merged = dataset_of(rewritten)
    merged.default_graph += dataset.default_graph  # statements of no document stay as they are
    return merged, records
