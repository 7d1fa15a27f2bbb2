"""SPARQL over the knowledge graph with pyoxigraph's engine.

rdflib stays the library for building and serialising graphs; queries run on a
:class:`pyoxigraph.Store`, which answers them one to two orders of magnitude faster.
Named graphs (one per document) are visible to plain queries: the default graph
is the union of all graphs.

Example
-------
>>> store = open_store("tests/fixtures/contract_sample.ttl")   # doctest: +SKIP
>>> rows = select_rows(store, "people-honours")                  # doctest: +SKIP
>>> rows[0]["honourLabel"], rows[0]["date"]                      # doctest: +SKIP
('优秀共产党员', datetime.date(2011, 7, 1))

Bundled questions live in ``kg/questions/*.rq``. Each starts with ``#`` comment
lines (title first). A question's parameters are its ``VALUES ?name { UNDEF }``
blocks (unset: no restriction); ``--param name=VALUE`` puts VALUE in the braces, as an integer when it is one,
as an IRI when written ``<...>``, otherwise as a string literal.
"""
from __future__ import annotations

import atexit
import datetime
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Iterable, Optional, Union

import pyoxigraph as ox
import typer
from rdflib import BNode, URIRef

from kg.ontology.io import GraphParseError, check_json_nesting, check_jsonld_context
from kg.ontology.namespaces import PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Prefixes for Turtle output and for shortening IRIs in tables.
OUTPUT_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    **{name: str(ns) for name, ns in PREFIXES.items()},
}

RDF_FORMATS_BY_SUFFIX = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}
# Formats pyoxigraph does not read; rdflib parses them and the triples are copied over.
RDFLIB_FORMATS_BY_SUFFIX = {".json": "json-ld", ".hext": "hext", ".xml": "xml"}
JSON_SUFFIXES = (".jsonld", ".json")

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

_VALUES_PARAM = re.compile(r"VALUES\s+\?(?P<name>\w+)\s*\{\s*UNDEF\s*\}", re.IGNORECASE)
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_INTEGER = re.compile(r"[+-]?\d+")

Result = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]


class QueryError(ValueError):
    """A query that cannot be run: bad syntax, unknown question or parameter, missing file."""


class GraphLoadError(ValueError):
    """A graph file or store that cannot be read; the message names it and the problem."""


# ---------------------------------------------------------------- stores

# Above this file size (about 250,000 triples in N-Triples, twice as many in Turtle)
# a graph goes into an on-disk store.
# The in-memory store keeps one list of triples per term and walks the shorter list of
# a pattern's bound terms, so reading one property of a node costs time in proportion
# to the node's triples: milliseconds for an honour or a conferring body with thousands
# of mentions. The on-disk store's sorted indexes find any (subject, predicate) in
# logarithmic time; loading is slower, and on small graphs the in-memory store is faster.
ON_DISK_ABOVE_BYTES = 50_000_000


def open_store(source: Any, *, read_only: bool = False, into: str | Path | None = None) -> ox.Store:
    """A pyoxigraph store holding ``source``.

    ``source`` is a :class:`pyoxigraph.Store` (returned as is), an rdflib
    ``Graph``/``Dataset`` (copied into memory), a store directory (opened on
    disk, read-only if asked) or an RDF file whose suffix names its format
    (.ttl .nt .nq .trig .jsonld .rdf .owl .n3; .json .hext .xml via rdflib).
    Files larger than ``ON_DISK_ABOVE_BYTES`` are bulk-loaded into an on-disk store
    in a temporary directory, removed when the program exits. JSON-LD nested deeper
    than :data:`kg.ontology.io.MAX_JSON_NESTING` levels is refused before it is parsed.
    ``into`` names an empty directory for an on-disk store that receives ``source``
    (a file is bulk-loaded straight into it: a server loads a big graph once).

    >>> store = open_store("tests/fixtures/contract_sample.ttl")   # doctest: +SKIP
    >>> len(store) > 0                                               # doctest: +SKIP
    True
    """
    if isinstance(source, (str, Path)) and not Path(source).is_dir():
        return _open_path(Path(source), read_only=read_only, into=into)
    if isinstance(source, ox.Store):
        store = source
    elif isinstance(source, (str, Path)):
        store = _open_path(Path(source), read_only=read_only or into is not None)
    elif hasattr(source, "serialize") and hasattr(source, "triples"):
        store = _store_from_rdflib(source)
    else:
        raise TypeError(f"cannot make a SPARQL store from {type(source).__name__}")
    return store if into is None else _copied(store, into)


def _copied(store: ox.Store, directory: str | Path) -> ox.Store:
    disk = ox.Store(str(directory))
    disk.bulk_extend(store)
    disk.flush()
    return disk


def _open_path(path: Path, *, read_only: bool, into: str | Path | None = None) -> ox.Store:
    if path.is_dir():
        try:
            return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        except OSError as error:
            raise GraphLoadError(f"{path}: not a readable graph store ({error})") from None
    if not path.exists():
        raise GraphLoadError(f"{path}: no such file or store directory")
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        try:
            check_json_nesting(path)  # nesting that pyoxigraph's parser would crash on
            if suffix in RDFLIB_FORMATS_BY_SUFFIX:  # rdflib takes an invalid @context without a word
                check_jsonld_context(path)
        except GraphParseError as error:
            raise GraphLoadError(str(error)) from None
    if suffix in RDFLIB_FORMATS_BY_SUFFIX:
        import rdflib

        dataset = rdflib.Dataset()
        try:
            dataset.parse(path, format=RDFLIB_FORMATS_BY_SUFFIX[suffix])
        except Exception as error:  # rdflib raises many parser-specific types
            raise GraphLoadError(f"{path}: {error}") from None
        store = _store_from_rdflib(dataset)
        return store if into is None else _copied(store, into)
    if suffix not in RDF_FORMATS_BY_SUFFIX:
        known = " ".join(sorted([*RDF_FORMATS_BY_SUFFIX, *RDFLIB_FORMATS_BY_SUFFIX]))
        raise GraphLoadError(f"{path}: unknown RDF format {suffix or '(no suffix)'!r}; expected one of {known}")
    on_disk = into is not None or path.stat().st_size > ON_DISK_ABOVE_BYTES
    scratch = str(into) if into is not None else tempfile.mkdtemp(prefix="kg-store-") if on_disk else None
    try:
        if scratch:
            store = ox.Store(scratch)
            store.bulk_load(path=str(path), format=RDF_FORMATS_BY_SUFFIX[suffix])
        else:
            store = ox.Store()
            store.load(path=str(path), format=RDF_FORMATS_BY_SUFFIX[suffix])
    except (SyntaxError, OSError, ValueError) as error:
        if scratch and into is None:
            shutil.rmtree(scratch, ignore_errors=True)
        # pyoxigraph's syntax message carries the position ("between line 3 column 9 and ...").
        raise GraphLoadError(f"{path}: {error.msg if isinstance(error, SyntaxError) else error}") from None
    if into is not None:
        store.flush()
    elif scratch:
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return store


def _store_from_rdflib(graph) -> ox.Store:
    store = ox.Store()
    if hasattr(graph, "contexts"):  # Dataset / ConjunctiveGraph: keep the named graphs
        data = graph.serialize(format="nquads", encoding="utf-8")
        store.load(data, ox.RdfFormat.N_QUADS)
    else:
        data = graph.serialize(format="nt", encoding="utf-8")
        store.load(data, ox.RdfFormat.N_TRIPLES)
    return store


# ---------------------------------------------------------------- questions


@dataclass(frozen=True)
class Question:
    """A bundled SPARQL question: ``name`` (file stem), ``title``, the rest of
    its leading comment as ``description``, and its parameter names."""

    name: str
    title: str
    description: str
    parameters: tuple[str, ...]
    text: str


def _question_files() -> dict[str, Any]:
    folder = resources.files("kg") / "questions"
    return {entry.name[:-3]: entry for entry in folder.iterdir() if entry.name.endswith(".rq")}


def _parse_question(name: str, text: str) -> Question:
    comments = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comments.append(line.lstrip("#").strip())
    title = comments[0] if comments else name
    description = "\n".join(comments[1:]).strip()
    parameters = tuple(dict.fromkeys(m["name"] for m in _VALUES_PARAM.finditer(text)))
    return Question(name, title, description, parameters, text)


def list_questions() -> list[Question]:
    """The bundled questions, sorted by name.

    >>> [q.name for q in list_questions()][:2]   # doctest: +SKIP
    ['conferred-by', 'fact-sources']
    """
    files = _question_files()
    return [_parse_question(name, files[name].read_text(encoding="utf-8")) for name in sorted(files)]


def resolve_query(query: str) -> str:
    """SPARQL text from a bundled question name, ``@path`` to a file, or literal SPARQL.

    >>> resolve_query("SELECT * WHERE { ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    """
    if query.startswith("@"):
        path = Path(query[1:])
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise QueryError(f"{path}: no such query file") from None
        except (OSError, UnicodeDecodeError) as error:
            raise QueryError(f"{path}: cannot read query file ({error})") from None
    name = query.strip()
    name = name[:-3] if name.endswith(".rq") else name
    files = _question_files()
    if name in files:
        return files[name].read_text(encoding="utf-8")
    if re.fullmatch(r"[\w.-]+", name):  # a bare word is a question name, never SPARQL
        raise QueryError(f"unknown question {name!r}; known: {', '.join(sorted(files))}")
    return query


def apply_params(sparql: str, params: dict[str, str]) -> str:
    """Put parameter values into the query's ``VALUES ?name { ... }`` blocks.

    >>> apply_params('SELECT * { VALUES ?name { UNDEF } ?x ?p ?name }', {"name": '张"三'})
    'SELECT * { VALUES ?name { "张\\\\"三" } ?x ?p ?name }'
    """
    known = {m["name"] for m in _VALUES_PARAM.finditer(sparql)}
    for name in params:
        if name not in known:
            takes = ", ".join(sorted(known)) or "none"
            raise QueryError(f"the query has no parameter {name!r} (parameters: {takes})")

    def fill(match: re.Match) -> str:
        name = match["name"]
        if name not in params:
            return match[0]
        return f"VALUES ?{name} {{ {_sparql_term(params[name])} }}"

    return _VALUES_PARAM.sub(fill, sparql)


def _sparql_term(value: str) -> str:
    if _INTEGER.fullmatch(value):
        return value
    if _IRI.fullmatch(value):
        return value
    # JSON string escapes are valid SPARQL string escapes (\", \\, \n, \uXXXX).
    return json.dumps(value, ensure_ascii=False)


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """``["name=赵大伟", "year=2011"]`` → ``{"name": "赵大伟", "year": "2011"}``."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"parameter {pair!r} is not NAME=VALUE")
        params[name.strip().lstrip("?")] = value
    return params


# ---------------------------------------------------------------- queries

# Strings, IRIs and comments: text whose words and brackets are not SPARQL syntax.
OPAQUE_TEXT = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
MAX_NESTING = 200  # levels of {…} and (…); pyoxigraph's parser overflows its stack at a few thousand


def check_nesting(sparql: str) -> None:
    """Refuse a query nested deeper than ``MAX_NESTING``: a parser crash, not an answer, would follow.

    >>> check_nesting('SELECT * WHERE { { ?s ?p "{{{{" } }')
    >>> check_nesting("SELECT * WHERE " + "{" * 500 + "}" * 500)
    Traceback (most recent call last):
    kg.sparql.QueryError: query nested 500 deep; at most 200 levels of {} and () are accepted
    """
    depth = deepest = 0
    for ch in OPAQUE_TEXT.sub(" ", sparql):
        if ch in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"query nested {deepest} deep; at most {MAX_NESTING} levels of {{}} and () are accepted")


def execute(store: ox.Store, sparql: str) -> Result:
    """Run a query on ``store`` with the default graph as the union of all graphs and the
    project prefixes (``OUTPUT_PREFIXES``: kg, org, schema, prov, nif, skos, rdfs, ...)
    predeclared; a query's own ``PREFIX`` lines win. (The endpoint predeclares none.)

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("urn:h"), ox.NamedNode(OUTPUT_PREFIXES["rdfs"] + "label"), ox.Literal("x")))
    >>> [row["n"].value for row in execute(store, "SELECT ?n WHERE { ?h rdfs:label ?n }")]
    ['x']
    """
    check_nesting(sparql)
    try:
        return store.query(sparql, use_default_graph_as_union=True, prefixes=OUTPUT_PREFIXES)
    except SyntaxError as error:
        raise QueryError(f"bad SPARQL: {error.msg or error}") from None


def select_rows(store: ox.Store, query: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The rows of a SELECT query (text, ``@file`` or question name) as dicts of Python values.

    Unbound variables are left out of a row. See :func:`to_python` for the value types.
    """
    sparql = apply_params(resolve_query(query), params or {})
    result = execute(store, sparql)
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("select_rows needs a SELECT query")
    names = [v.value for v in result.variables]
    return [
        {name: to_python(solution[name]) for name in names if solution[name] is not None}
        for solution in result
    ]


_INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
        "unsignedByte",
    )
}


def to_python(term: Any) -> Any:
    """A Python value for an RDF term.

    IRIs → :class:`rdflib.URIRef` (a ``str``); blank nodes → :class:`rdflib.BNode`;
    xsd integers → ``int``; xsd:decimal → ``Decimal``; xsd:double/float → ``float``;
    xsd:boolean → ``bool``; xsd:date → ``datetime.date``; xsd:dateTime → ``datetime.datetime``;
    every other literal (strings of any language, xsd:gYear, xsd:gYearMonth) → its text.

    >>> to_python(ox.Literal("2011-07-01", datatype=ox.NamedNode(XSD + "date")))
    datetime.date(2011, 7, 1)
    >>> to_python(ox.Literal("30", datatype=ox.NamedNode(XSD + "integer")))
    30
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if not isinstance(term, ox.Literal):
        return term
    datatype = term.datatype.value
    text = term.value
    try:
        if datatype in _INTEGER_TYPES:
            return int(text)
        if datatype == XSD + "decimal":
            return Decimal(text)
        if datatype in (XSD + "double", XSD + "float"):
            return float(text)
        if datatype == XSD + "boolean":
            return text in ("true", "1")
        if datatype == XSD + "date":
            return datetime.date.fromisoformat(text)
        if datatype == XSD + "dateTime":
            return datetime.datetime.fromisoformat(text)
    except ValueError:  # an ill-typed literal keeps its text
        return text
    return text


# ---------------------------------------------------------------- output


def shorten(iri: str) -> str:
    """A display form of an IRI: a known prefix and percent-decoded local part.

    >>> shorten("https://w3id.org/orgkg/id/org/%E7%94%B2%E7%8F%AD")
    'kgd:org/甲班'
    """
    from urllib.parse import unquote

    for prefix, namespace in OUTPUT_PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{unquote(iri[len(namespace):])}"
    return iri


def _display(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def result_table(result: ox.QuerySolutions):
    """A :class:`rich.table.Table` of SELECT results (IRIs shortened, literals as text)."""
    from rich.table import Table

    names = [v.value for v in result.variables]
    table = Table(*names, show_lines=False)
    for solution in result:
        table.add_row(*(_display(solution[name]) for name in names))
    return table


def serialize_result(result: Result, format: str) -> bytes:
    """Serialise a query result: json/xml/csv/tsv for SELECT and ASK (SPARQL 1.1
    result formats), turtle/ntriples/jsonld/rdfxml for CONSTRUCT and DESCRIBE."""
    if isinstance(result, ox.QueryTriples):
        if format not in GRAPH_FORMATS:
            raise QueryError(f"a graph result is written as {', '.join(GRAPH_FORMATS)}, not {format!r}")
        return ox.serialize(result, format=GRAPH_FORMATS[format], prefixes=OUTPUT_PREFIXES)
    if format not in RESULT_FORMATS:
        raise QueryError(f"query results are written as {', '.join(RESULT_FORMATS)}, not {format!r}")
    if isinstance(result, ox.QueryBoolean) and format in ("csv", "tsv"):
        # The CSV/TSV result formats have no boolean form; write a one-cell table.
        return f"ask\n{'true' if bool(result) else 'false'}\n".encode()
    return result.serialize(format=RESULT_FORMATS[format])


# ---------------------------------------------------------------- CLI


def query_command(
    graph: Annotated[
        Optional[Path],
        typer.Argument(help="Graph file (.ttl .nt .nq .trig .jsonld ...) or store directory."),
    ] = None,
    query: Annotated[
        Optional[str],
        typer.Argument(help="SPARQL text, @file.rq, or the name of a bundled question (see --list)."),
    ] = None,
    format: Annotated[
        str,
        typer.Option("--format", "-f", help="table|json|csv|tsv|xml (CONSTRUCT/DESCRIBE: turtle|ntriples|jsonld)."),
    ] = "table",
    list_: Annotated[bool, typer.Option("--list", help="List the bundled questions and exit.")] = False,
    param: Annotated[
        Optional[list[str]],
        typer.Option("--param", "-p", help="NAME=VALUE for a question's VALUES ?NAME block; repeatable."),
    ] = None,
) -> None:
    """Ask the graph a SPARQL question.

    Example: kg query graph.ttl honours-of --param name=赵大伟 --format csv
    """
    from rich.console import Console

    console = Console()
    if list_:
        for question in list_questions():
            params = " ".join(f"--param {p}=…" for p in question.parameters)
            console.print(f"[bold]{question.name}[/bold]  {question.title}  [dim]{params}[/dim]")
            if question.description:
                console.print(f"    {question.description.replace(chr(10), chr(10) + '    ')}", highlight=False)
        return
    try:
        if graph is None or query is None:
            raise QueryError("give a GRAPH and a QUERY (or --list)")
        sparql = apply_params(resolve_query(query), parse_params(param or []))
        store = open_store(graph, read_only=graph.is_dir())
        result = execute(store, sparql)
        if isinstance(result, ox.QueryTriples):
            fmt = format if format in GRAPH_FORMATS else "turtle"
            _write_stdout(serialize_result(result, fmt))
        elif format == "table":
            if isinstance(result, ox.QueryBoolean):
                console.print("true" if bool(result) else "false")
            else:
                console.print(result_table(result))
        else:
            _write_stdout(serialize_result(result, format))
    except (QueryError, GraphLoadError, OSError) as error:  # OSError: e.g. a failing SERVICE call
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


def _write_stdout(data: bytes) -> None:
    import sys

    sys.stdout.flush()
    sys.stdout.buffer.write(data if data.endswith(b"\n") or not data else data + b"\n")
    sys.stdout.buffer.flush()
