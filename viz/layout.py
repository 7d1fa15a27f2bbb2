"""Linear-time layouts over the unit hierarchy, for graphs too large for the browser's physics.

Both layouts place the nodes of a projected graph (see ``kg.projection``) along a
spanning forest of it, the *unit tree*: a unit hangs under the unit it is part of,
a person under the unit of their first post (else the unit they are a member of,
else the first honour they received), an honour under the body that confers it.
Nodes left without a parent, or caught in a cycle, become roots.

- :func:`balloon_layout` puts every node's children on a circle around it, sized so
  sibling subtrees do not overlap: clusters of units with their people around them.
- :func:`tree_layout` draws the forest top-down, one row per level; the leaf
  children of a unit are packed into a block of rows under it so wide units stay
  compact.

Both take time linear in the number of nodes and edges (networkx' spring layout
takes ~40 s at 5,000 nodes) and return ``{node: (x, y)}`` in pixels.

>>> import networkx as nx
>>> g = nx.MultiDiGraph([
...     ("plant", "company", {"relation": "subOrganizationOf"}),
...     ("worker", "plant", {"relation": "memberOf"}),
... ])
>>> unit_forest(g)
{'company': None, 'plant': 'company', 'worker': 'plant'}
>>> pos = tree_layout(g)
>>> pos["company"][1] < pos["plant"][1] < pos["worker"][1]
True
"""
from __future__ import annotations

import math
from collections import deque

import networkx as nx

__all__ = ["unit_forest", "balloon_layout", "tree_layout"]

# Which edge makes a node's parent, best first.
_PARENT_RANK = {"subOrganizationOf": 0, "holdsPost": 1, "memberOf": 2, "conferredBy": 3, "awardReceived": 4}


def unit_forest(graph: nx.MultiDiGraph) -> dict:
    """Return ``{node: parent}`` for the unit tree of ``graph`` (``None`` for roots)."""
    return _Forest(graph).parent


class _Forest:
    """The unit tree: parents, children lists, roots and a breadth-first order."""

    def __init__(self, graph: nx.MultiDiGraph):
        wanted = {}
        for node in graph:
            best = None
            for _, target, relation in graph.out_edges(node, data="relation"):
                rank = _PARENT_RANK.get(relation)
                if rank is not None and target != node and (best is None or rank < best[0]):
                    best = (rank, target)
            wanted[node] = best[1] if best else None

        candidates = {node: [] for node in graph}
        for node, parent in wanted.items():
            if parent is not None:
                candidates[parent].append(node)

        self.parent, self.children, self.roots, self.order = {}, {}, [], []
        for start in [n for n, p in wanted.items() if p is None] + list(graph):
            if start in self.parent:
                continue
            # A node reached here that has a parent sits on a cycle: it becomes a root.
            self.parent[start] = None
            self.roots.append(start)
            queue = deque([start])
            while queue:
                node = queue.popleft()
                self.order.append(node)
                kids = [c for c in candidates[node] if c not in self.parent]
                self.children[node] = kids
                for child in kids:
                    self.parent[child] = node
                queue.extend(kids)


def balloon_layout(graph: nx.MultiDiGraph, *, spacing: float = 50.0) -> dict:
    """Place each node's children on a circle around it; roots around the origin.

    ``spacing`` is the room one leaf takes, in pixels. Returns ``{node: (x, y)}``.
    """
    forest = _Forest(graph)
    leaf_radius = spacing / 2
    radius, ring = {}, {}  # subtree radius; distance of the children from their parent
    for node in reversed(forest.order):
        radius[node], ring[node] = _balloon_size(
            [radius[c] for c in forest.children[node]], leaf_radius
        )
    root_radius, root_ring = _balloon_size([radius[r] for r in forest.roots], 0.0)

    pos = {}
    # (node, x, y, direction it was reached from); the virtual root reaches the roots.
    stack = [(None, 0.0, 0.0, 0.0)]
    while stack:
        node, x, y, heading = stack.pop()
        kids = forest.roots if node is None else forest.children[node]
        if node is not None:
            pos[node] = (round(x, 1), round(y, 1))
        if not kids:
            continue
        distance = root_ring if node is None else ring[node]
        total = sum(radius[c] for c in kids)
        # Start just past the edge back to the parent, so it runs between two subtrees.
        angle = heading + math.pi
        for child in kids:
            wedge = 2 * math.pi * radius[child] / total
            middle = angle + wedge / 2
            stack.append((child, x + distance * math.cos(middle), y + distance * math.sin(middle), middle))
            angle += wedge
    return pos


def _balloon_size(child_radii: list[float], own_radius: float) -> tuple[float, float]:
    """(radius of the whole subtree, distance of the children from its centre)."""
    if not child_radii:
        return max(own_radius, 1.0), 0.0
    largest = max(child_radii)
    ring = max(
        1.1 * sum(child_radii) / math.pi,  # the children's circles fit around the ring
        own_radius + largest,  # and clear the node itself
        largest / math.sin(math.pi / len(child_radii)) if len(child_radii) > 1 else 0.0,
    )
    return ring + largest, ring


def tree_layout(
    graph: nx.MultiDiGraph, *, dx: float = 90.0, dy: float = 160.0, leaf_dy: float = 70.0
) -> dict:
    """Draw the unit tree top-down: roots in the first row, each level ``dy`` lower.

    Leaf children of a node are packed into a block of roughly twice as many
    columns as rows (``dx`` apart, rows ``leaf_dy`` apart) under it; other children
    stand side by side. Returns ``{node: (x, y)}``.
    """
    forest = _Forest(graph)
    leaves, branches, columns, width = {}, {}, {}, {}
    for node in reversed(forest.order):
        kids = forest.children[node]
        leaves[node] = [c for c in kids if not forest.children[c]]
        branches[node] = [c for c in kids if forest.children[c]]
        columns[node] = _leaf_columns(len(leaves[node]))
        width[node] = max(1, columns[node] + sum(width[c] for c in branches[node]))

    pos = {}
    left = 0.0
    for root in forest.roots:
        stack = [(root, left, 0.0)]  # (node, left edge in slots, y)
        while stack:
            node, start, y = stack.pop()
            pos[node] = ((start + width[node] / 2) * dx, y)
            block = columns[node]
            offset = (width[node] - block - sum(width[c] for c in branches[node])) / 2
            for i, leaf in enumerate(leaves[node]):
                row, column = divmod(i, block)
                pos[leaf] = ((start + offset + column + 0.5) * dx, y + dy + row * leaf_dy)
            cursor = start + offset + block
            for child in branches[node]:
                stack.append((child, cursor, y + dy))
                cursor += width[child]
        left += width[root]
    return {node: (round(x, 1), round(y, 1)) for node, (x, y) in pos.items()}


def _leaf_columns(count: int) -> int:
    if count <= 6:
        return count
    return math.ceil(math.sqrt(2 * count))
