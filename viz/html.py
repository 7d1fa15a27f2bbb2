"""One self-contained, offline HTML page that draws a projected knowledge graph.

:func:`render_html` turns the networkx projection (``kg.projection.to_networkx``)
into a page built on pyvis' ``Network`` (nodes, edges, vis-network options) with
vis-network (from pyvis' bundled ``lib/vis-9.1.2``) and the viewer's own script and
style inlined: no CDN, no Bootstrap, no request of any kind (a Content-Security-Policy
forbids them, and allows only the page's own two scripts). vis-network's stylesheet
is left out: it styles only its tooltip, navigation, manipulation and configurator
widgets, which the page does not use, and parsing its 220 kB delayed every load. Every name and sentence travels as JSON data and is put
on screen as text, never as HTML.

The page shows node kinds by colour and shape with a legend, sizes nodes by degree
and honours, labels edges, and has a details panel (names in both scripts, aliases,
posts, honours with dates, source sentences with the mention marked), a search box
(either script), filters by kind and by honour, and a force or cluster layout
beside a top-down "unit tree". Up to ``PYTHON_LAYOUT_ABOVE`` nodes the browser lays
the graph out with physics, which stops once stable; above that positions come from
:mod:`kg.viz.layout` and the browser only draws.

For tests and tools the page sets ``window.kgNetwork`` (the vis ``Network``; its
node ids are indices into ``kgView.details``, whose ``iri`` is the node's IRI),
``window.kgView`` (details, search, select/focus, filters, layouts, visible counts),
``window.kgTimings`` (milliseconds since navigation at each start-up step) and
``window.kgReady = true`` once the graph is drawn and still.

Example
-------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("urn:x:a", kind="organization", org_class="Company", label="示例公司")
>>> page = render_html(g, title="Example")
>>> "https://" in page.split('id="kg-data"')[0], page.count("</script>")
(False, 3)
"""
from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import math
import os
import re
from functools import lru_cache
from pathlib import Path

import networkx as nx
import opencc

from kg.files import atomic_write
from kg.viz.layout import balloon_layout, tree_layout

__all__ = ["render_html", "write_html", "notebook_html", "PYTHON_LAYOUT_ABOVE"]

PYTHON_LAYOUT_ABOVE = 2000  # nodes; beyond this browser physics takes too long

_STATIC = Path(__file__).parent / "static"

# category: (legend text, colour, vis shape). Organisations go by their finer class.
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "Group": ("Group 集团", "#6a1b9a", "hexagon"),
    "Company": ("Company 公司", "#1565c0", "square"),
    "BranchCompany": ("Branch 分公司", "#42a5f5", "square"),
    "Plant": ("Plant 厂矿", "#00897b", "triangle"),
    "Department": ("Department 部门", "#7cb342", "triangleDown"),
    "Team": ("Team 班组", "#afb42b", "triangleDown"),
    "GovernmentAgency": ("Agency 机关", "#6d4c41", "hexagon"),
    "Institution": ("Institution 事业单位", "#00838f", "hexagon"),
    "PartyCommittee": ("Party body 党委", "#c62828", "diamond"),
    "PartyBranch": ("Party branch 党支部", "#ef7a78", "diamond"),
    "MassOrganization": ("Mass org. 群团", "#fb8c00", "square"),
    "Organization": ("Other unit 单位", "#78909c", "square"),
    "person": ("Person 人物", "#37474f", "dot"),
    "honour": ("Honour 荣誉", "#f9a825", "star"),
}
# relation: (edge label, colour)
RELATION_STYLES: dict[str, tuple[str, str]] = {
    "subOrganizationOf": ("part of", "#90a4ae"),
    "memberOf": ("member of", "#b0bec5"),
    "holdsPost": ("post", "#5c6bc0"),
    "awardReceived": ("received", "#f9a825"),
    "conferredBy": ("conferred by", "#ef6c00"),
}
_BASE_SIZE = {"Group": 26, "Company": 22, "BranchCompany": 18, "person": 10, "honour": 16}


def render_html(
    nxgraph: nx.MultiDiGraph,
    *,
    title: str = "Knowledge graph",
    python_layout: bool | None = None,
) -> str:
    """Return the viewer page for ``nxgraph`` as one self-contained HTML string.

    ``nxgraph`` has the node and edge attributes of :mod:`kg.projection`.
    ``python_layout`` chooses who places the nodes: ``None`` (default) lets the
    browser's physics do it up to ``PYTHON_LAYOUT_ABOVE`` nodes and computes a
    cluster layout in Python beyond; ``True``/``False`` force either way.
    """
    from pyvis.network import Network  # imports IPython: a second, so only when drawing

    if python_layout is None:
        python_layout = nxgraph.number_of_nodes() > PYTHON_LAYOUT_ABOVE
    ids = list(nxgraph)
    index = {node: i for i, node in enumerate(ids)}
    clusters = balloon_layout(nxgraph)
    tree = tree_layout(nxgraph)

    net = Network(directed=True)
    net.node_ids = _IndexedIds()
    degree = dict(nxgraph.degree())
    for i, node in enumerate(ids):
        data = nxgraph.nodes[node]
        category = _category(data)
        _, colour, shape = CATEGORIES[category]
        x, y = clusters[node]
        net.add_node(
            i,
            label=data.get("label") or str(node),
            shape=shape,
            color=colour,
            size=_size(category, degree[node], len(data.get("honours") or ())),
            x=x,
            y=y,
        )
    for k, (u, v, data) in enumerate(nxgraph.edges(data=True)):
        net.add_edge(index[u], index[v], id=k, **_edge_fields(data))
    # (pyvis drops every space of the JSON, inside strings too: no option value has one)
    net.set_options(json.dumps(_vis_options(nxgraph.number_of_nodes(), python_layout)))
    nodes, edges, _, _, _, options = net.get_network_data()
    if python_layout:
        # Measuring 20,000 labels would hold the first drawing up for seconds, and they
        # are too small to read until zoomed in: the page labels what is in view then.
        for item in nodes:
            del item["label"]
        for item in edges:
            item["caption"] = item.pop("label")

    payload = {
        "physics": not python_layout,
        "lazyLabels": python_layout,
        "options": json.loads(options),
        "nodes": nodes,
        "edges": edges,
        "tree": [coordinate for node in ids for coordinate in tree[node]],
        "legend": _legend(nxgraph),
        "relations": [[name, label, colour] for name, (label, colour) in RELATION_STYLES.items()],
        **_details(nxgraph, ids, index),
    }
    return _page(title, payload)


def write_html(nxgraph: nx.MultiDiGraph, path: str | os.PathLike, **options) -> Path:
    """Write :func:`render_html` of ``nxgraph`` to ``path`` atomically; return the path.

    ``options`` are passed to :func:`render_html`. The page is written to a temporary
    file beside ``path`` and renamed over it, so readers never see half a page.
    """
    path = Path(path)
    atomic_write(path, render_html(nxgraph, **options).encode("utf-8"))
    return path


def notebook_html(page: str, *, height: int = 640) -> str:
    """Wrap a viewer page in an isolated ``<iframe srcdoc>`` for notebooks.

    pyvis' own notebook output stays blank in VS Code and Colab; an iframe holding
    the whole offline page works in every front end, and its sandbox keeps the page's
    script away from the notebook.
    """
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ddd" '
        'title="Knowledge graph viewer"></iframe>'
    )


class _IndexedIds(list):
    """pyvis keeps node ids in a list and searches it on every add_node and add_edge;
    a set beside it makes building a 20,000-node network linear instead of quadratic."""

    def __init__(self):
        super().__init__()
        self._members = set()

    def append(self, item):
        super().append(item)
        self._members.add(item)

    def __contains__(self, item):
        return item in self._members


def _category(data: dict) -> str:
    kind = data.get("kind")
    if kind in ("person", "honour"):
        return kind
    org_class = data.get("org_class")
    return org_class if org_class in CATEGORIES else "Organization"


def _size(category: str, degree: int, honours: int) -> float:
    base = _BASE_SIZE.get(category, 14)
    return round(min(base + 2.5 * math.sqrt(degree) + 3 * honours, 60), 1)


def _edge_fields(data: dict) -> dict:
    relation = data.get("relation")
    label, colour = RELATION_STYLES.get(relation, (str(relation), "#9e9e9e"))
    fields = {"rel": relation, "color": colour}
    if relation == "holdsPost" and data.get("post"):
        label = data["post"]
        fields["post"] = data["post"]
    for name in ("date", "count"):
        if data.get(name) is not None:
            fields[name] = data[name]
    extras = [str(fields[name]) for name in ("date", "count") if name in fields]
    fields["label"] = " ".join([label, *extras])
    return fields


def _vis_options(node_count: int, python_layout: bool) -> dict:
    large = node_count > 500
    options = {
        "nodes": {
            "font": {"size": 14, "strokeWidth": 3, "strokeColor": "#ffffff"},
            "borderWidth": 1,
            # labels (and edge labels) vanish once smaller than this on screen
            "scaling": {"label": {"drawThreshold": 9 if large else 6}},
        },
        "edges": {
            "smooth": False,
            "width": 1,
            "font": {"size": 10, "align": "middle", "color": "#546e7a"},
            "scaling": {"label": {"drawThreshold": 9 if large else 6}},
            "selectionWidth": 2,
        },
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "interaction": {
            "hover": True,
            "tooltipDelay": 300,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
        },
    }
    if python_layout:
        options["physics"] = {"enabled": False}
    else:
        options["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90, "avoidOverlap": 0.4},
            # Starts from the cluster layout, so few iterations settle it; the budget
            # (about 20,000 node-steps) keeps stabilising near a second on a slow machine.
            "stabilization": {
                "enabled": True,
                "iterations": max(20, min(300, 20_000 // max(node_count, 1))),
                "updateInterval": 25,
                "fit": True,
            },
        }
    return options


def _legend(nxgraph: nx.MultiDiGraph) -> list:
    counts = {}
    for _, data in nxgraph.nodes(data=True):
        category = _category(data)
        counts[category] = counts.get(category, 0) + 1
    return [
        [category, text, colour, shape, counts[category]]
        for category, (text, colour, shape) in CATEGORIES.items()
        if category in counts
    ]


def _details(nxgraph: nx.MultiDiGraph, ids: list, index: dict) -> dict:
    """Per-node data for the panel and the search, with shared tables of documents and
    sentences (a sentence naming ten entities is stored once)."""
    documents = nxgraph.graph.get("documents") or {}
    doc_rows, doc_index = [], {}
    sentences, sentence_index = [], {}

    def doc_ref(iri):
        if iri not in doc_index:
            info = documents.get(iri) or {}
            doc_index[iri] = len(doc_rows)
            doc_rows.append([iri, info.get("headline"), info.get("date")])
        return doc_index[iri]

    def sentence_ref(text):
        if text not in sentence_index:
            sentence_index[text] = len(sentences)
            sentences.append(text)
        return sentence_index[text]

    names = [_names(nxgraph.nodes[node]) for node in ids]
    converted = _convert_all(names)
    details = []
    for i, node in enumerate(ids):
        data = nxgraph.nodes[node]
        label = data.get("label") or str(node)
        hant = data.get("label_hant")
        item = {"iri": str(node), "kind": data.get("kind"), "c": _category(data), "l": label}
        if data.get("org_class"):
            item["cls"] = data["org_class"]
        if hant:
            item["lt"] = hant
        elif converted[i]["s2t"][0] != label:
            item["tc"] = converted[i]["s2t"][0]  # Traditional by OpenCC, not from a source
        if data.get("aliases"):
            item["al"] = list(data["aliases"])
        if data.get("posts"):
            item["posts"] = [[p.get("title"), index.get(p.get("unit"), -1)] for p in data["posts"]]
        if data.get("honours"):
            item["hon"] = [[index.get(h["honour"], -1), h.get("date")] for h in data["honours"]]
        mentions, seen = [], set()
        for m in data.get("mentions") or ():
            sentence, anchor = m.get("sentence"), m.get("anchor") or ""
            if sentence is None:
                sentence = anchor
            start = sentence.find(anchor) if anchor else -1
            row = [doc_ref(m.get("doc")), sentence_ref(sentence), *_utf16_span(sentence, start, len(anchor))]
            if tuple(row) not in seen:
                seen.add(tuple(row))
                mentions.append(row)
        if mentions:
            item["men"] = mentions
        keys = dict.fromkeys(
            name.lower() for name in names[i] + converted[i]["s2t"] + converted[i]["t2s"] if name
        )
        item["q"] = "\n".join(keys)
        details.append(item)
    return {"details": details, "docs": doc_rows, "sentences": sentences}


def _names(data: dict) -> list[str]:
    return [data.get("label") or "", data.get("label_hant") or "", *(data.get("aliases") or ())]


def _convert_all(names: list[list[str]]) -> list[dict]:
    """Both script conversions of every name, in one OpenCC call per direction."""
    flat = [name.replace("\n", " ") for group in names for name in group]
    joined = "\n".join(flat)
    result = [{} for _ in names]
    for direction in ("s2t", "t2s"):
        converted = iter(_converter(direction).convert(joined).split("\n") if flat else ())
        for group, out in zip(names, result):
            out[direction] = [next(converted) for _ in group]
    return result


@lru_cache(maxsize=2)
def _converter(direction: str) -> opencc.OpenCC:
    return opencc.OpenCC(direction)


def _utf16_span(text: str, start: int, length: int) -> list[int]:
    """Code-point span -> UTF-16 span, since JavaScript strings index UTF-16 units."""
    if start < 0:
        return [-1, -1]
    before = len(text[:start].encode("utf-16-le")) // 2
    return [before, before + len(text[start : start + length].encode("utf-16-le")) // 2]


def _script_json(value) -> str:
    """JSON safe inside ``<script>``: no ``</script>``, ``<!--`` or raw U+2028/2029."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    # pyvis bundles vis-network; find it without importing pyvis.
    vis = Path(importlib.util.find_spec("pyvis").submodule_search_locations[0]) / "lib" / "vis-9.1.2"
    assets = {
        "vis_js": (vis / "vis-network.min.js").read_text(encoding="utf-8"),
        "viewer_js": (_STATIC / "viewer.js").read_text(encoding="utf-8"),
        "viewer_css": (_STATIC / "viewer.css").read_text(encoding="utf-8"),
        "template": (_STATIC / "viewer.html").read_text(encoding="utf-8"),
    }
    for name in ("vis_js", "viewer_js"):
        if re.search(r"</script|<!--", assets[name], re.IGNORECASE):
            raise ValueError(f"{name} cannot be inlined: it contains '</script' or '<!--'")
    return assets


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _page(title: str, payload: dict) -> str:
    assets = _assets()
    # Nothing may load from anywhere; only the page's own two scripts may run.
    csp = (
        "default-src 'none'; "
        f"script-src {_csp_hash(assets['vis_js'])} {_csp_hash(assets['viewer_js'])}; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:"
    )
    fields = {
        "csp": html.escape(csp, quote=False),  # no double quote in it: safe in the attribute
        "title": html.escape(title),
        "data": _script_json(payload),
        "vis_js": assets["vis_js"],
        "viewer_js": assets["viewer_js"],
        "viewer_css": assets["viewer_css"],
    }
    # One pass, so text put in is never scanned for further placeholders.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m.group(1)], assets["template"])
