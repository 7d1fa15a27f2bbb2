"""Hand the graph to other tools: Gephi (GraphML, GEXF), Cytoscape, spreadsheets (CSV) and Neo4j.

Every format carries the networkx projection (:mod:`kg.projection`): nodes with
``kind``, ``org_class``, ``label`` (Simplified) and ``label_hant`` (Traditional:
from the source, else converted with OpenCC so both scripts are always there), and
edges with ``relation``, ``date``, ``post`` and ``count``.

- ``graphml``, ``gexf``: one file. These formats hold only scalars, so list
  attributes (``aliases``, ``posts``, ``honours``, ``mentions``) and the graph's
  ``documents`` are JSON text, and missing values are left out.
- ``cytoscape``: one JSON file in the layout of :func:`networkx.cytoscape_data`
  (``name`` is the label); lists stay lists.
- ``csv``: a directory with ``nodes.csv`` and ``edges.csv``, UTF-8 with a byte-order
  mark so spreadsheet programs read Chinese correctly; lists as JSON text.
- ``neo4j``: a directory with ``nodes.csv``, ``relationships.csv`` and
  ``import.cypher``. Copy the CSV files into Neo4j's import directory and run the
  Cypher (``cypher-shell -f import.cypher``): nodes become ``:Entity`` with a
  ``:Organization``, ``:Person`` or ``:Honour`` label, keyed by ``iri``; edges become
  ``SUB_ORGANIZATION_OF``, ``MEMBER_OF``, ``HOLDS_POST``, ``AWARD_RECEIVED`` and
  ``CONFERRED_BY`` relationships.

Files are written whole or not at all (temporary file, then ``os.replace``).

>>> import kg, tempfile, networkx as nx
>>> graph = kg.build_texts({"d": "东川集团党委授予第一分公司经理任晓兰“劳动模范”称号。"})
>>> out = export(graph, "graphml", Path(tempfile.mkdtemp()) / "graph.graphml")
>>> back = nx.read_graphml(out[0])
>>> sorted((d["label"], d["label_hant"]) for _, d in back.nodes(data=True) if d["kind"] == "person")
[('任晓兰', '任曉蘭')]
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import networkx as nx
import typer

from kg.analysis import GraphLike, as_networkx, load_graph_or_exit, script_converter
from kg.files import atomic_write

__all__ = ["FORMATS", "export", "export_command", "flat_graph"]

NODE_COLUMNS = ("id", "kind", "org_class", "label", "label_hant", "aliases", "posts", "honours", "mentions")
EDGE_COLUMNS = ("source", "target", "key", "relation", "source_label", "target_label", "date", "post", "count")
DIRECTORY_FORMATS = ("csv", "neo4j")
_NEO4J_LABELS = {"organization": "Organization", "person": "Person", "honour": "Honour"}
_NEO4J_TYPES = {"subOrganizationOf": "SUB_ORGANIZATION_OF", "memberOf": "MEMBER_OF", "holdsPost": "HOLDS_POST",
                "awardReceived": "AWARD_RECEIVED", "conferredBy": "CONFERRED_BY"}
_NEO4J_SEPARATOR = "|"  # aliases in Neo4j's nodes.csv; Cypher splits them into a list property


def export(graph: GraphLike, to: str, out: str | Path) -> list[Path]:
    """Write ``graph`` in format ``to`` (one of :data:`FORMATS`) to ``out``; return the files written.

    ``out`` is a file for graphml, gexf and cytoscape, a directory (made if missing)
    for csv and neo4j.
    """
    if to not in FORMATS:
        raise ValueError(f"unknown export format {to!r}; use one of {', '.join(FORMATS)}")
    g = _with_both_scripts(as_networkx(graph))
    out = Path(out)
    files = FORMATS[to](g, out)
    if to in DIRECTORY_FORMATS:
        if out.exists() and not out.is_dir():
            raise NotADirectoryError(f"{out}: exists and is not a directory ({to} writes several files)")
        out.mkdir(parents=True, exist_ok=True)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        atomic_write(path, data)
    return list(files)


def flat_graph(graph: GraphLike) -> nx.MultiDiGraph:
    """A copy of the projection with only strings and numbers as attributes (for GraphML and GEXF)."""
    g = as_networkx(graph)
    flat = nx.MultiDiGraph(documents=_json(g.graph.get("documents", {})))
    for node, data in g.nodes(data=True):
        flat.add_node(node, **_scalars(data))
    for u, v, key, data in g.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **_scalars(data))
    return flat


def _graphml(g: nx.MultiDiGraph, out: Path) -> dict[Path, bytes]:
    return {out: _via_file(nx.write_graphml, flat_graph(g))}


def _gexf(g: nx.MultiDiGraph, out: Path) -> dict[Path, bytes]:
    return {out: _via_file(nx.write_gexf, flat_graph(g))}


def _cytoscape(g: nx.MultiDiGraph, out: Path) -> dict[Path, bytes]:
    return {out: (json.dumps(nx.cytoscape_data(g, name="label"), ensure_ascii=False, indent=1) + "\n").encode()}


def _csv(g: nx.MultiDiGraph, out: Path) -> dict[Path, bytes]:
    nodes = [[node, *(_cell(data.get(c)) for c in NODE_COLUMNS[1:])] for node, data in g.nodes(data=True)]
    return {
        out / "nodes.csv": _table(NODE_COLUMNS, nodes, "utf-8-sig"),
        out / "edges.csv": _table(EDGE_COLUMNS, _edge_rows(g), "utf-8-sig"),
    }


def _neo4j(g: nx.MultiDiGraph, out: Path) -> dict[Path, bytes]:
    nodes = []
    for node, data in g.nodes(data=True):
        row = {c: _cell(data.get(c)) for c in NODE_COLUMNS[1:]}
        row["aliases"] = _NEO4J_SEPARATOR.join(data["aliases"])
        nodes.append([node, *row.values()])
    return {
        out / "nodes.csv": _table(NODE_COLUMNS, nodes, "utf-8"),
        out / "relationships.csv": _table(EDGE_COLUMNS, _edge_rows(g), "utf-8"),
        out / "import.cypher": _cypher().encode(),
    }


FORMATS: dict[str, Callable[[nx.MultiDiGraph, Path], dict[Path, bytes]]] = {
    "graphml": _graphml, "gexf": _gexf, "cytoscape": _cytoscape, "csv": _csv, "neo4j": _neo4j,
}


def _cypher() -> str:
    """The Cypher that loads the neo4j export (empty CSV fields read as null, which sets nothing)."""
    statements = [
        "CREATE CONSTRAINT entity_iri IF NOT EXISTS FOR (n:Entity) REQUIRE n.iri IS UNIQUE;",
    ]
    for kind, label in _NEO4J_LABELS.items():
        statements.append(
            "LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row\n"
            f"WITH row WHERE row.kind = '{kind}'\n"
            f"MERGE (n:Entity {{iri: row.id}}) SET n:{label},\n"
            "  n.kind = row.kind, n.org_class = row.org_class, n.label = row.label, n.label_hant = row.label_hant,\n"
            f"  n.aliases = split(row.aliases, '{_NEO4J_SEPARATOR}'), n.posts = row.posts, n.honours = row.honours,\n"
            "  n.mentions = row.mentions;"
        )
    for relation, rel_type in _NEO4J_TYPES.items():
        statements.append(
            "LOAD CSV WITH HEADERS FROM 'file:///relationships.csv' AS row\n"
            f"WITH row WHERE row.relation = '{relation}'\n"
            "MATCH (a:Entity {iri: row.source}), (b:Entity {iri: row.target})\n"
            f"CREATE (a)-[:{rel_type} {{date: row.date, post: row.post, count: toInteger(row.count)}}]->(b);"
        )
    return "\n\n".join(statements) + "\n"


def _edge_rows(g: nx.MultiDiGraph) -> list[list[str]]:
    return [
        [u, v, str(key), data["relation"], g.nodes[u]["label"], g.nodes[v]["label"],
         *(_cell(data.get(c)) for c in EDGE_COLUMNS[6:])]
        for u, v, key, data in g.edges(keys=True, data=True)
    ]


def _with_both_scripts(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy in which every node has a Traditional label (OpenCC s2t where the source had none)."""
    g = g.copy()
    missing = [n for n, d in g.nodes(data=True) if not d.get("label_hant")]
    if missing:
        joined = "\n".join(g.nodes[n]["label"].replace("\n", " ") for n in missing)
        for node, label in zip(missing, script_converter("s2t").convert(joined).split("\n")):
            g.nodes[node]["label_hant"] = label
    return g


def _scalars(data: dict) -> dict:
    return {k: _json(v) if isinstance(v, (list, dict)) else v for k, v in data.items() if v is not None}


def _cell(value) -> str:
    if value is None:
        return ""
    return _json(value) if isinstance(value, (list, dict)) else str(value)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _table(columns: tuple[str, ...], rows: list[list[str]], encoding: str) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def _via_file(write: Callable, g: nx.MultiDiGraph) -> bytes:
    buffer = io.BytesIO()
    write(g, buffer)
    return buffer.getvalue()


def export_command(
    graph: Annotated[Path, typer.Argument(help="Graph file written by kg build (.ttl .nt .jsonld .trig .nq).")],
    to: Annotated[str, typer.Option("--to", "-t", help="graphml|gexf|cytoscape|csv|neo4j")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (graphml, gexf, cytoscape) or directory (csv, neo4j).")],
) -> None:
    """Export the graph for Gephi (graphml, gexf), Cytoscape, spreadsheets (csv) or Neo4j.

    Example: kg export out/graph.ttl --to gexf -o graph.gexf
    """
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, highlight=False, emoji=False)
    if to not in FORMATS:
        err.print(f"[red]error:[/red] unknown format {escape(to)}; use one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    loaded = load_graph_or_exit(graph)
    try:
        written = export(loaded, to, out)
    except OSError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    console = Console(highlight=False, emoji=False)
    for path in written:
        console.print(f"wrote {escape(str(path))}")
