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
import re
from functools import lru_cache
from itertools import accumulate
from importlib.resources import files
from pathlib import Path

import pyoxigraph
from kg.ontology.namespaces import PREFIXES, bind_prefixes
from kg.ontology.rdf import NTRIPLES_ESCAPES, merged_graph
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import NamespaceManager

from kg.files import atomic_write

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
# Instance IRIs (kgd:) are percent-encoded paths: written in full, they read better than escaped names.
OUTPUT_PREFIXES = {prefix: namespace for prefix, namespace in PREFIXES.items() if prefix != "kgd"}
_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_ALIASES = {
    "ttl": "turtle",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "nq": "nquads",
    "n-quads": "nquads",
}


# Levels of JSON objects and arrays a JSON-LD file may nest. Both parsers recurse per level:
# rdflib's runs out of Python stack at about 400, pyoxigraph's overflows the native stack
# (a crash, not an exception) at a few thousand, after time growing with the square of the depth.
MAX_JSON_NESTING = 200
_JSON_STRUCTURE_ONLY = bytes(b for b in range(256) if b not in b'{}[]"')  # translate() deletes the rest
_DEPTH_CHANGE = [{ord("{"): 1, ord("["): 1, ord("}"): -1, ord("]"): -1}.get(b, 0) for b in range(256)]


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
    graph = _for_output(graph, keeps_graphs)
    options = {"context": jsonld_context(), "auto_compact": True} if name == "jsonld" else {}
    data = graph.serialize(format=plugin, encoding="utf-8", **options)
    atomic_write(path, _escape_controls(data))


# Control characters but tab and line ends, as UTF-8 bytes: these bytes are no part of another character.
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escape_controls(data: bytes) -> bytes:
    """``data`` (in any of ``FORMATS``) with raw control characters escaped.

    rdflib writes them as they are inside literals, and JSON a DEL (valid, but a NUL or ESC
    makes the file look binary to other tools); the formats have them nowhere else, and
    accept these escapes in every kind of string.

    >>> print(_escape_controls(b'"a\\x00b\\x1b"@en').decode())
    "a\\u0000b\\u001B"@en
    """
    if _RAW_CONTROL.search(data) is None:
        return data
    return _RAW_CONTROL.sub(lambda control: NTRIPLES_ESCAPES[control[0][0]].encode(), data)


def load(path: Path | str, format: str | None = None) -> Dataset:
    """Read a graph file in any supported format; triples without a graph go to the default graph.

    Raises :class:`GraphParseError` (naming the file, and the line and column where known)
    when the file is not valid in its format.
    """
    path = Path(path)
    name = format_for(path, format)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such graph file")
    if name == "jsonld":
        check_json_nesting(path)
    dataset = Dataset()
    bind_prefixes(dataset)
    try:
        dataset.parse(path.resolve(), format=FORMATS[name][0])
    except OSError:
        raise
    except Exception as error:  # rdflib's parsers raise many unrelated types
        raise _parse_error(path, name, error) from error
    if name == "jsonld":
        check_jsonld_context(path)
    return dataset


def check_jsonld_context(path: Path | str) -> None:
    """Raise :class:`GraphParseError` when the JSON-LD in ``path`` is not valid, its
    ``@context`` above all: rdflib reads ``{"@vocab": 5}`` or ``{"@version": 2}`` as
    no context, and the graph as empty or partial, without a word. pyoxigraph checks
    the whole file, in a fraction of rdflib's time.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bad.jsonld"
    >>> _ = path.write_text('{"@context": {"@vocab": 5}, "@id": "urn:a", "urn:p": "x"}')
    >>> check_jsonld_context(path)
    Traceback (most recent call last):
    kg.ontology.io.GraphParseError: /.../bad.jsonld: @vocab value must be a string
    """
    try:
        for _ in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.JSON_LD):
            pass
    except SyntaxError as error:
        raise GraphParseError(path, error.msg or str(error), error.lineno, error.offset) from None


def check_json_nesting(path: Path | str, limit: int = MAX_JSON_NESTING, chunk_size: int = 1 << 20) -> None:
    """Raise :class:`GraphParseError` when the JSON in ``path`` nests objects and arrays
    deeper than ``limit``: no parser is asked to read it, as neither would survive.

    The file is read in chunks with bytes methods only (70 MB in about half a second):
    escaped backslashes and quotes are dropped, then everything but quotes and brackets;
    brackets between a quote and the next are inside a string and do not count.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "deep.jsonld"
    >>> _ = path.write_text('{"urn:p": [' * 150 + '"]]}}"' + ']}' * 150)
    >>> check_json_nesting(path)  # 300 levels
    Traceback (most recent call last):
    kg.ontology.io.GraphParseError: /.../deep.jsonld: nested too deeply to read (more than 200 levels of objects and arrays)
    """
    depth, in_string, backslash = 0, False, b""
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            chunk = backslash + chunk
            # A backslash ending the chunk (after any pairs) escapes the next chunk's first byte.
            odd = (len(chunk) - len(chunk.rstrip(b"\\"))) % 2
            chunk, backslash = (chunk[:-1], b"\\") if odd else (chunk, b"")
            if b"\\" in chunk:
                chunk = chunk.replace(b"\\\\", b"").replace(b'\\"', b"")
            structure = chunk.translate(None, _JSON_STRUCTURE_ONLY)
            # Dropping two adjacent quotes leaves every other byte inside or outside a string as it was.
            pieces = ((b'"' if in_string else b"") + structure.replace(b'""', b"")).split(b'"')
            in_string = len(pieces) % 2 == 0
            depths = list(accumulate(map(_DEPTH_CHANGE.__getitem__, b"".join(pieces[::2])), initial=depth))
            if max(depths) > limit:
                raise GraphParseError(path, f"nested too deeply to read (more than {limit} levels of objects and arrays)")
            depth = depths[-1]


class _BoundPrefixesOnly(NamespaceManager):
    """Abbreviates IRIs with the project prefixes only, and only to plain local names.

    rdflib's own manager remembers every namespace it splits off an IRI; percent-encoded
    node IRIs give one per node, which makes Turtle and TriG output quadratic (80 s for
    100,000 triples).
    """

    def __init__(self, graph: Graph):
        super().__init__(graph, bind_namespaces="none")
        for prefix, namespace in OUTPUT_PREFIXES.items():
            self.bind(prefix, namespace)
        self._longest_first = sorted(((str(ns), p) for p, ns in OUTPUT_PREFIXES.items()), key=lambda x: -len(x[0]))

    def compute_qname(self, uri: str, generate: bool = True) -> tuple[str, URIRef, str]:
        for namespace, prefix in self._longest_first:
            local = uri[len(namespace) :]
            if uri.startswith(namespace) and _LOCAL_NAME.fullmatch(local):
                return prefix, URIRef(namespace), local
        raise KeyError(f"no prefix for {uri}")


def _for_output(graph: Dataset | Graph, keeps_graphs: bool) -> Dataset | Graph:
    """A copy shaped for the format (named graphs or merged) with the output prefixes."""
    if keeps_graphs:
        out = Dataset()
        out.namespace_manager = _BoundPrefixesOnly(out)
        if isinstance(graph, Dataset):
            out.addN(graph.quads((None, None, None, None)))
        else:
            out.default_graph += graph
        return out
    out = merged_graph(graph)
    out.namespace_manager = _BoundPrefixesOnly(out)
    return out


def _parse_error(path: Path, name: str, error: Exception) -> GraphParseError:
    """Describe a parse failure; pyoxigraph pinpoints line and column in every format."""
    message = getattr(error, "_why", None) or str(error).strip() or type(error).__name__
    if isinstance(error, RecursionError):
        # rdflib's Turtle parser recurses per nested blank node; JSON-LD that deep was refused
        # before parsing (pyoxigraph would crash on it), so no parser is asked where the problem is.
        return GraphParseError(path, f"nested too deeply to read ({message})")
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
