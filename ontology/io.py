"""Reading and writing graphs: Turtle, N-Triples, JSON-LD, TriG and N-Quads.

TriG, N-Quads and JSON-LD keep one named graph per document; Turtle and N-Triples get
the merged graph (:func:`kg.ontology.rdf.merged_graph`). JSON-LD is written with the
project's ``@context`` (``ontology/context.jsonld``) embedded, so it reads back offline.
Files are written atomically: a reader never sees half a graph, a failed write leaves
the old file as it was.

Example
-------
>>> import tempfile, pathlib
>>> from rdflib import Graph, URIRef, Literal
>>> g = Graph()
>>> g.add((URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("x")))  # doctest: +ELLIPSIS
<Graph ...>
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.trig"
>>> save(g, path)
>>> len(load(path))
1
"""
from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import pyoxigraph
from rdflib import Dataset, Graph

from kg.ontology.namespaces import bind_prefixes
from kg.ontology.rdf import merged_graph

# format name -> (rdflib plugin, keeps named graphs, pyoxigraph format for error positions)
FORMATS = {
    "turtle": ("turtle", False, pyoxigraph.RdfFormat.TURTLE),
    "nt": ("nt", False, pyoxigraph.RdfFormat.N_TRIPLES),
    "jsonld": ("json-ld", True, pyoxigraph.RdfFormat.JSON_LD),
    "trig": ("trig", True, pyoxigraph.RdfFormat.TRIG),
    "nquads": ("nquads", True, pyoxigraph.RdfFormat.N_QUADS),
}
SUFFIXES = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".trig": "trig",
    ".nq": "nquads",
    ".nquads": "nquads",
}
_ALIASES = {
    "ttl": "turtle",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "nq": "nquads",
    "n-quads": "nquads",
}


class GraphParseError(ValueError):
    """A graph file that cannot be read, with where the problem is when the parser says."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path, self.message, self.line, self.column = Path(path), message, line, column
        where = str(path)
        if line is not None:
            where += f", line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


def format_for(path: Path | str, format: str | None = None) -> str:
    """The format name (a key of ``FORMATS``) given explicitly or by the file's suffix.

    >>> format_for("out/graph.nq"), format_for("g.txt", "ttl")
    ('nquads', 'turtle')
    """
    if format is not None:
        name = _ALIASES.get(format.lower(), format.lower())
        if name not in FORMATS:
            raise ValueError(f"unknown RDF format {format!r}; use one of {', '.join(FORMATS)}")
        return name
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: cannot tell the RDF format from suffix {suffix!r}; use one of {', '.join(SUFFIXES)}")
    return SUFFIXES[suffix]


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """The project's JSON-LD ``@context`` (the object, without the ``"@context"`` wrapper)."""
    return json.loads(files("kg.ontology").joinpath("context.jsonld").read_text("utf-8"))["@context"]


def save(graph: Dataset | Graph, path: Path | str, format: str | None = None) -> None:
    """Write ``graph`` to ``path`` atomically, in ``format`` or the one its suffix names."""
    path = Path(path)
    name = format_for(path, format)
    plugin, keeps_graphs, _ = FORMATS[name]
    if keeps_graphs and not isinstance(graph, Dataset):
        graph = _as_dataset(graph)
    elif not keeps_graphs and isinstance(graph, Dataset):
        graph = merged_graph(graph)
    options = {"context": jsonld_context(), "auto_compact": True} if name == "jsonld" else {}
    data = graph.serialize(format=plugin, encoding="utf-8", **options)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load(path: Path | str, format: str | None = None) -> Dataset:
    """Read a graph file in any supported format; triples without a graph go to the default graph.

    Raises :class:`GraphParseError` (naming the file, and the line and column where known)
    when the file is not valid in its format.
    """
    path = Path(path)
    name = format_for(path, format)
    dataset = Dataset()
    bind_prefixes(dataset)
    try:
        dataset.parse(path, format=FORMATS[name][0])
    except OSError:
        raise
    except Exception as error:  # rdflib's parsers raise many unrelated types
        raise _parse_error(path, name, error) from error
    return dataset


def _as_dataset(graph: Graph) -> Dataset:
    dataset = Dataset()
    bind_prefixes(dataset)
    dataset.default_graph += graph
    return dataset


def _parse_error(path: Path, name: str, error: Exception) -> GraphParseError:
    """Describe a parse failure; pyoxigraph pinpoints line and column in every format."""
    message = getattr(error, "_why", None) or str(error).strip() or type(error).__name__
    try:
        for _ in pyoxigraph.parse(path=str(path), format=FORMATS[name][2]):
            pass
    except SyntaxError as located:
        return GraphParseError(path, message, located.lineno, located.offset)
    except (OSError, ValueError):
        pass
    if hasattr(error, "lines"):  # rdflib's Turtle/TriG BadSyntax counts lines from 0
        return GraphParseError(path, message, error.lines + 1)
    return GraphParseError(path, message, getattr(error, "lineno", None), getattr(error, "colno", None))
