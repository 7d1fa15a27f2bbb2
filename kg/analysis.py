"""Questions about a knowledge graph, answered with networkx: who belongs where, who was honoured, how things connect.

Every function takes a :class:`kg.KnowledgeGraph` or its networkx projection
(:func:`kg.projection.to_networkx`; pass the projection when asking many questions
of a large graph, so it is made once) and returns small frozen dataclasses. Names
may be written in either script or as any alias (see :func:`find`); an IRI works too.

>>> import kg
>>> graph = kg.build_texts({"d": "2021年6月30日，东川集团党委授予第一分公司检修厂“先进集体”称号，"
...                              "授予检修厂厂长亓德昌、第一分公司经理任晓兰“劳动模范”称号。"})
>>> print(unit_tree(graph, "东川集团").render())
东川集团
  东川集团党委
  第一分公司
    第一分公司检修厂
>>> [(r.unit.label, r.total) for r in rank_units(graph)][:2]
[('第一分公司', 3), ('东川集团', 3)]

The command-line twins are ``kg stats`` and ``kg show`` (defined at the end).
"""
from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

import networkx as nx
import typer

if TYPE_CHECKING:
    from kg.api import KnowledgeGraph

__all__ = [
    "Affiliation",
    "AmbiguousName",
    "Fact",
    "GraphStatistics",
    "HonourRecord",
    "NameNotFound",
    "Node",
    "PersonRank",
    "Profile",
    "Source",
    "UnitRank",
    "UnitTree",
    "describe",
    "find",
    "honours_of",
    "parent_chain",
    "path",
    "rank_units",
    "recipients",
    "show_command",
    "statistics",
    "stats_command",
    "unit_tree",
]

GraphLike = Union["KnowledgeGraph", nx.MultiDiGraph]
_KIND_ORDER = {"organization": 0, "person": 1, "honour": 2}
_AFFILIATIONS = ("memberOf", "holdsPost")
_UNSOURCED_QUERY = """
SELECT DISTINCT ?x WHERE {
  VALUES ?type { org:Organization schema:Person kg:Honour kg:Award org:Post }
  ?x a ?type .
  FILTER NOT EXISTS { ?x prov:wasDerivedFrom ?mention }
} ORDER BY ?x
"""


class NameNotFound(LookupError):
    """No unit, person or honour has this name."""


class AmbiguousName(LookupError):
    """Several things have this name; ``candidates`` lists them."""

    def __init__(self, name: str, candidates: list[Node]):
        self.candidates = candidates
        listed = ", ".join(f"{c.display} ({c.kind}, {c.iri})" for c in candidates[:10])
        super().__init__(f"{name!r} names {len(candidates)} things: {listed}")


@dataclass(frozen=True)
class Node:
    """A unit, person or honour: its IRI, kind and labels."""

    iri: str
    kind: str
    label: str
    label_hant: str | None = None

    @property
    def display(self) -> str:
        """The label, with the Traditional one in brackets when it differs."""
        if self.label_hant and self.label_hant != self.label:
            return f"{self.label} ({self.label_hant})"
        return self.label


@dataclass(frozen=True)
class Source:
    """A sentence a fact was read from, in the script of the original text."""

    doc: str
    sentence: str


@dataclass(frozen=True)
class Fact:
    """One edge of the graph (``relation`` as in :mod:`kg.projection`) with its source sentences."""

    subject: Node
    relation: str
    object: Node
    date: str | None = None
    post: str | None = None
    count: int | None = None
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class HonourRecord:
    """One honour received by one named recipient."""

    honour: Node
    recipient: Node
    date: str | None
    conferred_by: tuple[Node, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class UnitTree:
    """A unit and, recursively, its sub-units (sorted by label)."""

    unit: Node
    children: tuple[UnitTree, ...] = ()

    def walk(self) -> Iterator[tuple[int, Node]]:
        """``(depth, unit)`` for every unit of the tree, depth first."""
        stack = [(0, self)]
        while stack:
            depth, tree = stack.pop()
            yield depth, tree.unit
            stack.extend((depth + 1, child) for child in reversed(tree.children))

    def render(self, indent: str = "  ") -> str:
        return "\n".join(indent * depth + unit.label for depth, unit in self.walk())

    def __len__(self) -> int:
        return sum(1 for _ in self.walk())


@dataclass(frozen=True)
class UnitRank:
    """Honours of a unit: its own, its people's, and everything within it including sub-units."""

    unit: Node
    own: int
    people: int
    total: int


@dataclass(frozen=True)
class PersonRank:
    person: Node
    honours: int


@dataclass(frozen=True)
class Affiliation:
    """A person's place in a unit: the posts held there and whether a member.

    ``unit_chain`` runs from the unit up to its top unit.
    """

    person: Node
    unit: Node
    posts: tuple[str, ...]
    member: bool
    unit_chain: tuple[Node, ...]


@dataclass(frozen=True)
class Profile:
    """Everything the graph says about one unit, person or honour (see :func:`describe`)."""

    node: Node
    org_class: str | None
    aliases: tuple[str, ...]
    parents: tuple[Node, ...]
    subunits: UnitTree | None
    people: tuple[Affiliation, ...]
    honours: tuple[HonourRecord, ...]
    conferrals: tuple[Fact, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class GraphStatistics:
    """What :func:`statistics` counts; ``as_dict()`` is what ``kg stats --json`` prints."""

    documents: int
    first_date: str | None
    last_date: str | None
    kinds: dict[str, int]
    relations: dict[str, int]
    top_units: tuple[UnitRank, ...]
    top_people: tuple[PersonRank, ...]
    honours_by_year: dict[str, dict[str, int]]
    components: tuple[int, ...]
    unsourced: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- looking things up ---------------------------------------------------------------


def as_networkx(graph: GraphLike) -> nx.MultiDiGraph:
    """The networkx projection of ``graph`` (made by ``to_networkx()`` unless it already is one)."""
    return graph.to_networkx() if hasattr(graph, "to_networkx") else graph


def find(graph: GraphLike, name: str, partial: bool = True) -> list[Node]:
    """Units, people and honours called ``name``, in either script or by any alias.

    The name and every label are compared in Simplified script (OpenCC ``t2s``),
    ignoring case. Exact matches come first; when there are none and ``partial`` is
    true, the things whose names contain ``name`` are returned, closest first.

    >>> import kg
    >>> graph = kg.build_texts({"d": "東川集團第二分公司黨支部書記宓國棟榮獲“優秀黨務工作者”稱號。"})
    >>> [n.display for n in find(graph, "宓国栋")]
    ['宓国栋 (宓國棟)']
    >>> [n.label for n in find(graph, "第二分公司")]
    ['东川集团第二分公司']
    """
    g = as_networkx(graph)
    if name in g:
        return [_node(g, name)]
    ids = list(g.nodes)
    names = [[d["label"], d["label_hant"] or "", *d["aliases"]] for _, d in g.nodes(data=True)]
    simplified = iter(_simplified([name.strip(), *(n for node_names in names for n in node_names)]))
    query = next(simplified)
    exact, close = [], []
    for iri, node_names in zip(ids, names):
        converted = [next(simplified) for _ in node_names]
        if query in converted:
            exact.append(iri)
        elif query and any(query in n for n in converted):
            close.append((min(len(n) for n in converted if query in n), iri))
    if exact or not partial:
        return sorted((_node(g, iri) for iri in exact), key=_node_order)
    return [_node(g, iri) for _, iri in sorted(close, key=lambda c: (c[0], _node_order(_node(g, c[1]))))]


def _resolve(g: nx.MultiDiGraph, name: str, kinds: Iterable[str] = tuple(_KIND_ORDER)) -> str:
    """The IRI of the one thing of ``kinds`` named ``name`` (exact matches win over partial ones)."""
    kinds = tuple(kinds)
    for partial in (False, True):
        matches = [n for n in find(g, name, partial=partial) if n.kind in kinds]
        if len(matches) == 1:
            return matches[0].iri
        if matches:
            raise AmbiguousName(name, matches)
    raise NameNotFound(f"no {' or '.join(kinds)} named {name!r}")


@lru_cache(maxsize=2)
def script_converter(direction: str):
    """The OpenCC converter for ``direction`` (``"t2s"``, ``"s2t"``), made once."""
    import opencc

    return opencc.OpenCC(direction)


def _simplified(texts: list[str]) -> list[str]:
    """Simplified, case-folded forms of ``texts``, converted in one OpenCC call."""
    joined = "\n".join(t.replace("\n", " ") for t in texts)
    return script_converter("t2s").convert(joined).casefold().split("\n")


def _node(g: nx.MultiDiGraph, iri: str) -> Node:
    data = g.nodes[iri]
    return Node(iri, data["kind"], data["label"], data.get("label_hant"))


def _node_order(node: Node) -> tuple:
    return _KIND_ORDER.get(node.kind, 9), node.label, node.iri


# -- provenance ----------------------------------------------------------------------------


def _sources(g: nx.MultiDiGraph, iri: str) -> tuple[Source, ...]:
    found = {(m["doc"], m["sentence"]): None for m in g.nodes[iri]["mentions"] if m.get("sentence")}
    return tuple(Source(doc, sentence) for doc, sentence in found)


def _edge_sources(g: nx.MultiDiGraph, subject: str, obj: str) -> tuple[Source, ...]:
    """The sentences naming both ends of an edge, else those naming its subject."""
    of_object = set(_sources(g, obj))
    of_subject = _sources(g, subject)
    return tuple(s for s in of_subject if s in of_object) or of_subject


def _fact(g: nx.MultiDiGraph, subject: str, obj: str, data: dict) -> Fact:
    return Fact(_node(g, subject), data["relation"], _node(g, obj), data.get("date"), data.get("post"),
                data.get("count"), _edge_sources(g, subject, obj))


# -- units -------------------------------------------------------------------------------------


def _edges(g: nx.MultiDiGraph, *relations: str) -> Iterator[tuple[str, str, int, dict]]:
    return ((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True) if d["relation"] in relations)


def _hierarchy(g: nx.MultiDiGraph) -> nx.DiGraph:
    """Every unit, with an edge from each unit to each of its direct sub-units."""
    tree = nx.DiGraph()
    tree.add_nodes_from(n for n, d in g.nodes(data=True) if d["kind"] == "organization")
    tree.add_edges_from((parent, child) for child, parent, _, _ in _edges(g, "subOrganizationOf"))
    return tree


def unit_tree(graph: GraphLike, root: str) -> UnitTree:
    """The unit ``root`` and all units below it (each unit once, even where it has two parents).

    >>> import kg
    >>> graph = kg.build_texts({"d": "东川集团党委授予第一分公司检修厂“先进集体”称号。"})
    >>> tree = unit_tree(graph, "東川集團")
    >>> [(depth, unit.label) for depth, unit in tree.walk()]
    [(0, '东川集团'), (1, '东川集团党委'), (1, '第一分公司'), (2, '第一分公司检修厂')]
    """
    g = as_networkx(graph)
    top = _resolve(g, root, ("organization",))
    spanning = nx.dfs_tree(_hierarchy(g), top)
    built: dict[str, UnitTree] = {}
    for unit in reversed(list(nx.topological_sort(spanning))):  # children before parents
        children = sorted((built[c] for c in spanning.successors(unit)), key=lambda t: _node_order(t.unit))
        built[unit] = UnitTree(_node(g, unit), tuple(children))
    return built[top]


def parent_chain(graph: GraphLike, unit: str) -> list[Node]:
    """The units above ``unit``, its direct parent first and the top unit last.

    >>> import kg
    >>> graph = kg.build_texts({"d": "东川集团党委授予第一分公司检修厂“先进集体”称号。"})
    >>> [u.label for u in parent_chain(graph, "检修厂")]
    ['第一分公司', '东川集团']
    """
    g = as_networkx(graph)
    start = _resolve(g, unit, ("organization",))
    upward = _hierarchy(g).reverse(copy=False)
    return [_node(g, u) for u in nx.dfs_preorder_nodes(upward, start) if u != start]


# -- honours -------------------------------------------------------------------------------------


def _received_at(g: nx.MultiDiGraph) -> dict[str, set[tuple]]:
    """Unit -> the awardReceived edges of the unit itself and of the people in it."""
    people = defaultdict(set)
    for person, unit, _, _ in _edges(g, *_AFFILIATIONS):
        people[person].add(unit)
    at = defaultdict(set)
    for recipient, honour, key, _ in _edges(g, "awardReceived"):
        units = people.get(recipient, ()) if g.nodes[recipient]["kind"] == "person" else (recipient,)
        for unit in units:
            at[unit].add((recipient, honour, key))
    return at


def _record(g: nx.MultiDiGraph, recipient: str, honour: str, key: int) -> HonourRecord:
    date = g.edges[recipient, honour, key].get("date")
    bodies = {body for _, body, data in g.out_edges(honour, data=True)
              if data["relation"] == "conferredBy" and (date is None or data.get("date") in (None, date))}
    return HonourRecord(_node(g, honour), _node(g, recipient), date,
                        tuple(sorted((_node(g, b) for b in bodies), key=_node_order)),
                        _edge_sources(g, recipient, honour))


def _records(g: nx.MultiDiGraph, edges: Iterable[tuple]) -> list[HonourRecord]:
    records = [_record(g, *edge) for edge in edges]
    return sorted(records, key=lambda r: (r.date or "", r.honour.label, _node_order(r.recipient)))


def honours_of(graph: GraphLike, name_or_iri: str, include_subunits: bool = True) -> list[HonourRecord]:
    """Honours received by a person, or by a unit and its people (and, by default, its sub-units).

    >>> import kg
    >>> graph = kg.build_texts({"d": "2021年6月30日，东川集团党委授予第一分公司检修厂“先进集体”称号，"
    ...                              "授予检修厂厂长亓德昌、第一分公司经理任晓兰“劳动模范”称号。"})
    >>> [(r.recipient.label, r.honour.label, r.date) for r in honours_of(graph, "第一分公司")]
    [('第一分公司检修厂', '先进集体', '2021-06-30'), ('亓德昌', '劳动模范', '2021-06-30'), ('任晓兰', '劳动模范', '2021-06-30')]
    >>> [r.recipient.label for r in honours_of(graph, "第一分公司", include_subunits=False)]
    ['任晓兰']
    >>> [b.label for b in honours_of(graph, "亓德昌")[0].conferred_by]
    ['东川集团党委']
    """
    g = as_networkx(graph)
    iri = _resolve(g, name_or_iri, ("organization", "person"))
    if g.nodes[iri]["kind"] == "person":
        return _records(g, ((iri, h, k) for _, h, k, d in g.out_edges(iri, keys=True, data=True)
                            if d["relation"] == "awardReceived"))
    units = {iri} | (nx.descendants(_hierarchy(g), iri) if include_subunits else set())
    at = _received_at(g)
    return _records(g, set().union(*(at.get(u, set()) for u in units)))


def recipients(graph: GraphLike, honour: str, year: int | str | None = None) -> list[HonourRecord]:
    """The named recipients of ``honour``, optionally only those of one year.

    >>> import kg
    >>> graph = kg.build_texts({"d": "2021年6月30日，东川集团党委授予检修厂厂长亓德昌、第一分公司经理任晓兰“劳动模范”称号。"})
    >>> [r.recipient.label for r in recipients(graph, "勞動模範", year=2021)]
    ['亓德昌', '任晓兰']
    >>> recipients(graph, "劳动模范", year=2020)
    []
    """
    g = as_networkx(graph)
    iri = _resolve(g, honour, ("honour",))
    edges = [(r, iri, k) for r, _, k, d in g.in_edges(iri, keys=True, data=True)
             if d["relation"] == "awardReceived" and (year is None or (d.get("date") or "").startswith(str(year)))]
    return _records(g, edges)


def rank_units(graph: GraphLike) -> list[UnitRank]:
    """Every unit with its honours (own, its people's, and the total within it and its sub-units), most first.

    >>> import kg
    >>> graph = kg.build_texts({"d": "东川集团党委授予第一分公司检修厂“先进集体”称号，授予第一分公司经理任晓兰“劳动模范”称号。"})
    >>> [(r.unit.label, r.own, r.people, r.total) for r in rank_units(graph)][:3]
    [('第一分公司', 0, 1, 2), ('东川集团', 0, 0, 2), ('第一分公司检修厂', 1, 0, 1)]
    """
    g = as_networkx(graph)
    hierarchy = _hierarchy(g)
    at = _received_at(g)
    ranks = []
    for unit in hierarchy:
        own = sum(1 for recipient, _, _ in at.get(unit, ()) if recipient == unit)
        within = set().union(*(at.get(u, set()) for u in nx.descendants(hierarchy, unit) | {unit}))
        ranks.append(UnitRank(_node(g, unit), own, len(at.get(unit, ())) - own, len(within)))
    return sorted(ranks, key=lambda r: (-r.total, -r.own, -r.people, _node_order(r.unit)))


# -- connections -------------------------------------------------------------------------------


def path(graph: GraphLike, a: str, b: str) -> list[Fact]:
    """How ``a`` and ``b`` are connected: the facts along a shortest path, each with its sources.

    Edges are followed in either direction; where two things on the path are linked
    by several facts (a member who also holds a post), all of them are listed. Of
    several shortest paths, the same one is chosen every time.
    Raises ``networkx.NetworkXNoPath`` when nothing connects them.

    >>> import kg
    >>> graph = kg.build_texts({"d": "东川集团党委授予检修厂厂长亓德昌、第一分公司经理任晓兰“劳动模范”称号。"})
    >>> [(f.subject.label, f.relation, f.object.label) for f in path(graph, "亓德昌", "任晓兰")]
    [('亓德昌', 'awardReceived', '劳动模范'), ('任晓兰', 'awardReceived', '劳动模范')]
    >>> path(graph, "亓德昌", "任晓兰")[0].sources[0].sentence[:8]
    '东川集团党委授予'
    """
    g = as_networkx(graph)
    start, end = _resolve(g, a), _resolve(g, b)
    links = nx.Graph()  # built in sorted order, so ties between shortest paths break the same way every time
    links.add_nodes_from(sorted(g))
    links.add_edges_from(sorted({tuple(sorted(edge)) for edge in g.edges()}))
    try:
        nodes = nx.shortest_path(links, start, end)
    except nx.NetworkXNoPath:
        raise nx.NetworkXNoPath(f"nothing connects {_node(g, start).display} and {_node(g, end).display}") from None
    facts = []
    for u, v in pairwise(nodes):
        for subject, obj in ((u, v), (v, u)):
            for data in (g.get_edge_data(subject, obj) or {}).values():
                facts.append(_fact(g, subject, obj, data))
    return facts


# -- profiles and statistics ---------------------------------------------------------------


def _affiliations(g: nx.MultiDiGraph, edges: Iterable[tuple]) -> tuple[Affiliation, ...]:
    posts, members = defaultdict(list), set()
    for person, unit, _, data in edges:
        if data["relation"] == "holdsPost":
            posts[person, unit].append(data.get("post") or "")
        elif data["relation"] == "memberOf":
            members.add((person, unit))
    pairs = sorted(set(posts) | members, key=lambda p: (_node_order(_node(g, p[0])), _node_order(_node(g, p[1]))))
    return tuple(
        Affiliation(_node(g, person), _node(g, unit), tuple(sorted(set(posts[person, unit]))),
                    (person, unit) in members, (_node(g, unit), *parent_chain(g, unit)))
        for person, unit in pairs
    )


def describe(graph: GraphLike, name_or_iri: str) -> Profile:
    """Everything about one unit, person or honour: what ``kg show`` prints.

    >>> import kg
    >>> graph = kg.build_texts({"d": "東川集團黨委授予第一分公司經理任曉蘭“勞動模範”稱號。"})
    >>> profile = describe(graph, "任晓兰")
    >>> [(a.unit.label, a.posts) for a in profile.people], [h.honour.label for h in profile.honours]
    ([('第一分公司', ('经理',))], ['劳动模范'])
    >>> [c.object.label for c in describe(graph, "劳动模范").conferrals]
    ['东川集团党委']
    """
    g = as_networkx(graph)
    iri = _resolve(g, name_or_iri)
    data = g.nodes[iri]
    kind = data["kind"]
    parents, subunits, people, honours, conferrals = (), None, (), [], ()
    if kind == "organization":
        parents = tuple(parent_chain(g, iri))
        tree = unit_tree(g, iri)
        subunits = tree if tree.children else None
        people = _affiliations(g, (e for e in g.in_edges(iri, keys=True, data=True) if e[3]["relation"] in _AFFILIATIONS))
        honours = honours_of(g, iri)
        conferrals = tuple(_fact(g, h, iri, d) for h, _, d in g.in_edges(iri, data=True) if d["relation"] == "conferredBy")
    elif kind == "person":
        people = _affiliations(g, (e for e in g.out_edges(iri, keys=True, data=True) if e[3]["relation"] in _AFFILIATIONS))
        honours = honours_of(g, iri)
    else:
        honours = recipients(g, iri)
        conferrals = tuple(_fact(g, iri, b, d) for _, b, d in g.out_edges(iri, data=True) if d["relation"] == "conferredBy")
    return Profile(_node(g, iri), data.get("org_class"), tuple(data["aliases"]), parents, subunits, people,
                   tuple(honours), tuple(sorted(conferrals, key=lambda f: (f.date or "", f.subject.label))),
                   _sources(g, iri))


def statistics(graph: GraphLike, top: int = 10) -> GraphStatistics:
    """Counts, rankings and checks over the whole graph: what ``kg stats`` prints.

    ``unsourced`` lists facts without ``prov:wasDerivedFrom`` (entities, posts and
    awards when given a KnowledgeGraph; entities without mentions for a projection).

    >>> import kg
    >>> graph = kg.build_texts({"d": "2021年6月30日，东川集团党委授予第一分公司经理任晓兰“劳动模范”称号。"})
    >>> s = statistics(graph)
    >>> s.kinds, s.honours_by_year, s.unsourced
    ({'organization': 3, 'person': 1, 'honour': 1}, {'2021': {'named': 1, 'counted': 0}}, ())
    >>> s.top_units[0].unit.label, s.top_people[0].person.label
    ('第一分公司', '任晓兰')
    """
    g = as_networkx(graph)
    kinds = Counter(d["kind"] for _, d in g.nodes(data=True))
    relations = Counter(d["relation"] for _, _, d in g.edges(data=True))
    documents = g.graph.get("documents", {})
    dates = [d["date"] for d in documents.values() if d.get("date")]
    dates += [d["date"] for _, _, d in g.edges(data=True) if d.get("date")]
    by_year: dict[str, Counter] = defaultdict(Counter)
    for _, _, d in _edges_data(g, "awardReceived"):
        by_year[_year(d.get("date"))]["named"] += 1
    for _, _, d in _edges_data(g, "conferredBy"):
        by_year[_year(d.get("date"))]["counted"] += d.get("count") or 0
    people = Counter(u for u, _, _ in _edges_data(g, "awardReceived") if g.nodes[u]["kind"] == "person")
    top_people = sorted(people.items(), key=lambda p: (-p[1], _node_order(_node(g, p[0]))))[:top]
    if hasattr(graph, "query"):
        unsourced = tuple(str(row["x"]) for row in graph.query(_UNSOURCED_QUERY))
    else:
        unsourced = tuple(sorted(n for n, d in g.nodes(data=True) if not d["mentions"]))
    return GraphStatistics(
        documents=len(documents),
        first_date=min(dates, default=None),
        last_date=max(dates, default=None),
        kinds={kind: kinds[kind] for kind in _KIND_ORDER},
        relations={relation: relations[relation] for relation in _relations()},
        top_units=tuple(r for r in rank_units(g) if r.total)[:top],
        top_people=tuple(PersonRank(_node(g, p), n) for p, n in top_people),
        honours_by_year={year: {"named": c["named"], "counted": c["counted"]} for year, c in sorted(by_year.items())},
        components=tuple(sorted((len(c) for c in nx.weakly_connected_components(g)), reverse=True)),
        unsourced=unsourced,
    )


def _edges_data(g: nx.MultiDiGraph, relation: str) -> Iterator[tuple[str, str, dict]]:
    return ((u, v, d) for u, v, _, d in _edges(g, relation))


def _year(date: str | None) -> str:
    return date[:4] if date else "unknown"


def _relations() -> tuple[str, ...]:
    from kg.projection import RELATIONS

    return RELATIONS


# -- command line: kg stats, kg show ---------------------------------------------------------


def load_graph_or_exit(path: Path) -> KnowledgeGraph:
    """Read a graph file for a command, or print why not (naming the file) and exit with 2."""
    import kg

    try:
        return kg.load(path)
    except (OSError, ValueError) as error:
        detail = str(error) if str(path) in str(error) else f"{path}: {error}"
        _err(detail)
        raise typer.Exit(2) from None


def _err(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, emoji=False).print(f"[red]error:[/red] {escape(message)}")


def _console():
    from rich.console import Console

    return Console(highlight=False, emoji=False)


def stats_command(
    graph: Annotated[Path, typer.Argument(help="Graph file written by kg build (.ttl .nt .jsonld .trig .nq).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="How many units and people to rank.")] = 10,
) -> None:
    """Count and rank: kinds, relations, documents, dates, most-honoured units and people, components.

    Example: kg stats out/graph.ttl --json
    """
    result = statistics(load_graph_or_exit(graph), top=top)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    overview = Table(title=f"{escape(str(graph))}")
    overview.add_column("what")
    overview.add_column("count", justify="right")
    overview.add_row("documents", str(result.documents))
    overview.add_row("dates", f"{result.first_date or '?'} … {result.last_date or '?'}")
    for kind, n in result.kinds.items():
        overview.add_row(f"nodes: {kind}", str(n))
    for relation, n in result.relations.items():
        overview.add_row(f"edges: {relation}", str(n))
    overview.add_row("connected components", str(len(result.components)))
    overview.add_row("largest components", ", ".join(map(str, result.components[:5])))
    overview.add_row("facts lacking provenance", str(len(result.unsourced)))
    console.print(overview)
    units = Table(title="Units with the most honours")
    for column in ("unit", "own", "people", "within (incl. sub-units)"):
        units.add_column(column, justify="left" if column == "unit" else "right")
    for rank in result.top_units:
        units.add_row(escape(rank.unit.display), str(rank.own), str(rank.people), str(rank.total))
    console.print(units)
    people = Table(title="Most-honoured people")
    people.add_column("person")
    people.add_column("honours", justify="right")
    for rank in result.top_people:
        people.add_row(escape(rank.person.display), str(rank.honours))
    console.print(people)
    years = Table(title="Honours by year")
    for column in ("year", "named recipients", "counted recipients"):
        years.add_column(column, justify="left" if column == "year" else "right")
    for year, counts in result.honours_by_year.items():
        years.add_row(year, str(counts["named"]), str(counts["counted"]))
    console.print(years)
    for iri in result.unsourced:
        console.print(f"[yellow]no provenance:[/yellow] {escape(iri)}")


def show_command(
    graph: Annotated[Path, typer.Argument(help="Graph file written by kg build.")],
    name: Annotated[str, typer.Argument(help="A unit, person or honour: name in either script, alias or IRI.")],
) -> None:
    """Everything about one unit, person or honour, with the sentences it comes from.

    Example: kg show out/graph.ttl 检修厂
    """
    g = load_graph_or_exit(graph).to_networkx()
    matches = find(g, name, partial=False)
    if not matches:
        close = find(g, name)
        if len(close) != 1:
            listed = "; ".join(f"{n.display} ({n.kind})" for n in close[:10])
            _err(f"nothing in {graph} is named {name!r}" + (f"; did you mean: {listed}" if close else ""))
            raise typer.Exit(1)
        matches = close
    console = _console()
    for node in matches:
        _print_profile(console, describe(g, node.iri))


def _print_profile(console, profile: Profile) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.tree import Tree

    node = profile.node
    kind = node.kind + (f" · {profile.org_class}" if profile.org_class else "")
    console.print(f"[bold]{escape(node.display)}[/bold]  [dim]{escape(kind)}[/dim]")
    console.print(f"IRI: {escape(node.iri)}", soft_wrap=True)
    if profile.aliases:
        console.print(f"Also called: {escape('、'.join(profile.aliases))}")
    if node.kind == "organization":
        chain = " › ".join(u.display for u in profile.parents) or "(top unit)"
        console.print(f"Part of: {escape(chain)}")
    if profile.subunits:
        tree = Tree(f"Sub-units ({len(profile.subunits) - 1})")
        branches = {0: tree}
        for depth, unit in list(profile.subunits.walk())[1:]:
            branches[depth] = branches[depth - 1].add(escape(unit.display))
        console.print(tree)
    if profile.people:
        table = Table(title="People and posts" if node.kind == "organization" else "Units and posts")
        for column in ("person", "unit", "posts", "member"):
            table.add_column(column)
        for a in profile.people:
            table.add_row(escape(a.person.display), escape(" › ".join(u.display for u in a.unit_chain)),
                          escape("、".join(a.posts)), "yes" if a.member else "")
        console.print(table)
    if profile.honours:
        table = Table(title="Honours" if node.kind != "honour" else "Recipients")
        for column in ("date", "honour", "recipient", "conferred by"):
            table.add_column(column)
        for r in profile.honours:
            table.add_row(r.date or "", escape(r.honour.display), escape(r.recipient.display),
                          escape("、".join(b.display for b in r.conferred_by)))
        console.print(table)
    if profile.conferrals:
        table = Table(title="Conferred by" if node.kind == "honour" else "Honours conferred")
        for column in ("date", "honour", "conferred by", "unnamed recipients"):
            table.add_column(column)
        for f in profile.conferrals:
            table.add_row(f.date or "", escape(f.subject.display), escape(f.object.display),
                          "" if f.count is None else str(f.count))
        console.print(table)
    if profile.sources:
        console.print("Sources:")
        for source in profile.sources:
            doc_id = source.doc.rsplit("/", 1)[-1]
            console.print(f"  [dim]{escape(doc_id)}[/dim]  {escape(source.sentence)}", soft_wrap=True)
    console.print()
