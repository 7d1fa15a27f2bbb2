"""A read-only SPARQL 1.1 Protocol endpoint for the knowledge graph.

``/sparql`` answers GET ``?query=``, POST ``application/sparql-query`` and POST
form-encoded ``query=``, with results in JSON, XML, CSV or TSV (SELECT/ASK) and
Turtle, N-Triples, JSON-LD or RDF/XML (CONSTRUCT/DESCRIBE), chosen by the Accept
header. ``/`` serves the viewer, ``/ontology`` the ontology in Turtle, ``/health``
a JSON status.

Queries run in worker processes that open the graph read-only from an on-disk
store, so a runaway query is stopped at the time limit by ending its worker
while the other workers keep serving; a worker's memory is capped too, since a
sorting or grouping query can take gigabytes well within the time limit. Updates, ``LOAD`` and ``SERVICE`` are
refused before a query reaches a worker.

Example::

    python -m kg.server graph.ttl --port 8000
    curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
        http://127.0.0.1:8000/sparql
"""
from __future__ import annotations

import json
import multiprocessing
import os
import queue
import re
import resource
import signal
import tempfile
import threading
import sys
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Optional
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import typer

from kg.sparql import (
    GRAPH_FORMATS, OPAQUE_TEXT, OUTPUT_PREFIXES, RESULT_FORMATS, GraphLoadError, QueryError, check_nesting, open_store,
    serialize_result,
)

# Media types per result kind, in order of preference; the first is the default.
RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
CONTENT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
QUERY_KEYWORDS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

# Strings, IRIs and comments, which may contain any word without it being a keyword.
_KEYWORD = re.compile(r"(?<![\w:?$@\-])([A-Za-z]+)(?![\w:\-])")


class Refused(Exception):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status


def sparql_keywords(sparql: str) -> list[str]:
    """The bare words of a SPARQL text, upper-cased, outside strings, IRIs and comments.

    >>> sparql_keywords('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE')
    ['SELECT', 'WHERE']
    """
    code = OPAQUE_TEXT.sub(" ", sparql)
    return [word.upper() for word in _KEYWORD.findall(code)]


def check_read_only(sparql: str) -> str:
    """The query form (SELECT/CONSTRUCT/DESCRIBE/ASK) of a query the endpoint may run.

    Raises :class:`Refused` for updates (including ``LOAD``) and for ``SERVICE``,
    which would make the server fetch from other hosts.
    """
    try:
        check_nesting(sparql)
    except QueryError as error:
        raise Refused(HTTPStatus.BAD_REQUEST, str(error)) from None
    words = sparql_keywords(sparql)
    if "SERVICE" in words:
        raise Refused(HTTPStatus.FORBIDDEN, "SERVICE (federated query) is not allowed on this endpoint")
    # Update keywords are reserved words: anywhere outside strings, IRIs and names they mean an update.
    for word in words:
        if word in UPDATE_KEYWORDS:
            raise Refused(HTTPStatus.FORBIDDEN, f"this endpoint is read-only: SPARQL Update ({word}) is refused")
    for word in words:
        if word in QUERY_KEYWORDS:
            return word
    raise Refused(HTTPStatus.BAD_REQUEST, "not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK")


def negotiate(accept: str | None, form: str) -> str:
    """The output format for a query form given an Accept header (``json``, ``turtle``, ...).

    >>> negotiate("text/csv, */*;q=0.1", "SELECT")
    'csv'
    >>> negotiate(None, "CONSTRUCT")
    'turtle'
    """
    offered = GRAPH_MEDIA_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULT_MEDIA_TYPES
    default = next(iter(offered.values()))
    if not accept:
        return default
    ranges = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranges):
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    raise Refused(HTTPStatus.NOT_ACCEPTABLE, f"cannot answer a {form} query as {accept}; offered: {', '.join(offered)}")


# ---------------------------------------------------------------- workers


def _worker_main(store_dir: str, conn, max_results: int, max_memory: int | None = None) -> None:
    """Answer queries sent over ``conn`` until the pipe closes; ``max_memory``: bytes of
    heap this process may take (a query past it ends the process, which is replaced)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if max_memory:
        # RLIMIT_DATA counts the heap and anonymous maps, not the store's mapped files.
        resource.setrlimit(resource.RLIMIT_DATA, (max_memory, max_memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no multi-GB core file when it aborts
    store = ox.Store.read_only(store_dir)
    conn.send("ready")
    while True:
        try:
            sparql, output = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(store, sparql, output, max_results))


def _answer(store: ox.Store, sparql: str, output: str, max_results: int) -> tuple[int, str, bytes, bool]:
    """(status, format, body, truncated) for one query."""
    try:
        result = store.query(sparql, use_default_graph_as_union=True)
        truncated = False
        if isinstance(result, ox.QueryTriples):
            triples = _take(result, max_results)
            truncated = len(triples) > max_results
            fmt = output if output in GRAPH_FORMATS else "turtle"
            body = ox.serialize(triples[:max_results], format=GRAPH_FORMATS[fmt], prefixes=OUTPUT_PREFIXES)
        elif isinstance(result, ox.QueryBoolean):
            fmt = output if output in RESULT_FORMATS else "json"
            body = serialize_result(result, fmt)
        else:
            fmt = output if output in RESULT_FORMATS else "json"
            names = [v.value for v in result.variables]
            rows = _take(result, max_results)
            truncated = len(rows) > max_results
            body = _solutions_json(names, rows[:max_results])
            if fmt != "json":
                body = ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(format=RESULT_FORMATS[fmt])
        return 200, fmt, body, truncated
    except SyntaxError as error:
        return 400, "text", f"bad SPARQL: {error.msg or error}".encode(), False
    except (OSError, ValueError, TypeError) as error:
        return 400, "text", f"query failed: {error}".encode(), False
    except MemoryError:
        return 503, "text", b"query stopped: it needed more than the memory limit", False


def _take(iterator, limit: int) -> list:
    items = []
    for item in iterator:
        items.append(item)
        if len(items) > limit:
            break
    return items


def _term_json(term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            value["datatype"] = term.datatype.value
        return value
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {k: _term_json(getattr(term, k)) for k in ("subject", "predicate", "object")},
        }
    raise TypeError(f"unexpected term {term!r}")


def _solutions_json(names: list[str], rows: list) -> bytes:
    """SPARQL 1.1 Query Results JSON for a list of solutions."""
    bindings = [
        {name: _term_json(row[name]) for name in names if row[name] is not None} for row in rows
    ]
    return json.dumps(
        {"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False
    ).encode("utf-8")


@dataclass
class _Worker:
    process: Any
    conn: Any


@dataclass
class QueryPool:
    """Worker processes answering queries on a read-only store, each query under a time limit.

    A worker whose query runs past ``timeout`` seconds, or past ``max_memory`` bytes
    of heap, is ended and replaced in the background; the caller gets :class:`Refused` (503). Requests wait for a free
    worker up to ``queue_timeout`` seconds (then 503): since no query holds a worker
    longer than ``timeout``, the queue always moves.
    """

    store_dir: str
    size: int = 2
    timeout: float = 10.0
    max_results: int = 10_000
    max_memory: int | None = 2_000 * 2**20  # bytes of heap per worker; None: no limit
    queue_timeout: float = 60.0  # how long a request may wait for a free worker
    _idle: "queue.Queue[_Worker]" = field(default_factory=queue.Queue, init=False)
    _context: Any = field(default=None, init=False)
    _closed: bool = field(default=False, init=False)

    def __post_init__(self):
        # Workers are forked by a single-threaded fork server that has imported this module
        # once: safe to start from a threaded server, and a replacement starts in milliseconds.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["kg.server"])
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            self._await_ready(worker)
            self._idle.put(worker)

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(self.store_dir, child, self.max_results, self.max_memory), daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    @staticmethod
    def _await_ready(worker: _Worker) -> None:
        if not worker.conn.poll(60) or worker.conn.recv() != "ready":
            worker.process.kill()
            raise RuntimeError("a query worker failed to open the store")

    def _replace(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        if self._closed:
            return
        fresh = self._spawn()
        try:
            self._await_ready(fresh)
        except (RuntimeError, EOFError, OSError):
            return
        self._idle.put(fresh)

    def run(self, sparql: str, output: str) -> tuple[int, str, bytes, bool]:
        """Answer one query as (status, format, body, truncated)."""
        try:
            worker = self._idle.get(timeout=self.queue_timeout)
        except queue.Empty:
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, "all query workers are busy; try again") from None
        try:
            worker.conn.send((sparql, output))
            if worker.conn.poll(self.timeout):
                reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
        except (EOFError, OSError):  # the worker died
            worker.process.join(5)
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            if self.max_memory and worker.process.exitcode == -signal.SIGABRT:  # Rust's end when malloc fails
                raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, "query stopped: it needed more than the "
                              f"{self.max_memory // 2**20} MB memory limit") from None
            raise Refused(HTTPStatus.INTERNAL_SERVER_ERROR, "the query worker failed") from None
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
        raise Refused(
            HTTPStatus.SERVICE_UNAVAILABLE, f"query stopped: it ran longer than the {self.timeout:g} s limit"
        )

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            worker.process.kill()
            worker.process.join()


# ---------------------------------------------------------------- HTTP


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server; holds the worker pool and the pages it serves."""

    daemon_threads = True
    request_queue_size = 256  # the default 5 resets clients when many connect at once

    def __init__(self, address, pool: QueryPool, *, max_request_bytes: int, html: str | None,
                 ontology_ttl: str | None, triples: int, cleanup=None):
        self.pool = pool
        self.max_request_bytes = max_request_bytes
        self.html = html
        self.ontology_ttl = ontology_ttl
        self.triples = triples
        self._cleanup = cleanup
        super().__init__(address, SparqlHandler)

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-answer is routine for a server, not an error to print.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()
        if self._cleanup:
            self._cleanup()


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    server_version = "orgkg-sparql"
    timeout = 30  # seconds a client may take to send its request

    def log_message(self, format: str, *args) -> None:  # quiet by default; errors still go to stderr
        if os.environ.get("KG_SERVER_LOG"):
            super().log_message(format, *args)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/sparql":
            params = parse_qs(url.query, keep_blank_values=True)
            self._handle_sparql(params)
        elif url.path == "/health":
            status = {"status": "ok", "triples": self.server.triples, "workers": self.server.pool.size}
            self._send(HTTPStatus.OK, "application/json", json.dumps(status).encode())
        elif url.path == "/ontology":
            if self.server.ontology_ttl is None:
                self._send_text(HTTPStatus.NOT_FOUND, "no ontology is installed")
            else:
                self._send(HTTPStatus.OK, "text/turtle; charset=utf-8", self.server.ontology_ttl.encode())
        elif url.path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", (self.server.html or _INDEX_HTML).encode())
        else:
            self._send_text(HTTPStatus.NOT_FOUND, f"no such page: {url.path}")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._send_text(HTTPStatus.NOT_FOUND, f"no such page: {url.path}")
            return
        try:
            body = self._read_body()
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type == "application/sparql-query":
                params = parse_qs(url.query, keep_blank_values=True)
                params["query"] = [body.decode("utf-8")]
            elif content_type == "application/x-www-form-urlencoded":
                params = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            elif content_type == "application/sparql-update":
                raise Refused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
            else:
                raise Refused(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    "POST a query as application/sparql-query or application/x-www-form-urlencoded",
                )
        except UnicodeDecodeError:
            self._send_text(HTTPStatus.BAD_REQUEST, "the request body is not UTF-8")
            return
        except Refused as refusal:
            self._send_text(refusal.status, str(refusal))
            return
        self._handle_sparql(params)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
        try:
            size = int(length)
        except ValueError:
            self.close_connection = True
            raise Refused(HTTPStatus.BAD_REQUEST, "bad Content-Length") from None
        if size < 0 or size > self.server.max_request_bytes:
            self.close_connection = True  # the unread body must not be taken for a next request
            raise Refused(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request body of {size} bytes is over the {self.server.max_request_bytes}-byte limit",
            )
        return self.rfile.read(size)

    def _handle_sparql(self, params: dict[str, list[str]]) -> None:
        try:
            if "update" in params:
                raise Refused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: SPARQL Update is refused")
            queries = params.get("query", [])
            if len(queries) != 1:
                raise Refused(HTTPStatus.BAD_REQUEST, "give exactly one 'query' parameter")
            sparql = queries[0]
            if len(sparql.encode("utf-8")) > self.server.max_request_bytes:
                raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "query is over the request size limit")
            if params.get("default-graph-uri") or params.get("named-graph-uri"):
                raise Refused(HTTPStatus.BAD_REQUEST, "default-graph-uri/named-graph-uri are not supported")
            form = check_read_only(sparql)
            output = negotiate(self.headers.get("Accept"), form)
            status, fmt, body, truncated = self.server.pool.run(sparql, output)
        except Refused as refusal:
            self._send_text(refusal.status, str(refusal))
            return
        if status != 200:
            self._send(HTTPStatus(status), "text/plain; charset=utf-8", body)
            return
        headers = {"X-Result-Truncated": str(self.server.pool.max_results)} if truncated else {}
        self._send(HTTPStatus.OK, f"{CONTENT_TYPES[fmt]}; charset=utf-8", body, headers)

    def _send_text(self, status: HTTPStatus, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


_INDEX_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>orgkg SPARQL endpoint</title></head>
<body><h1>orgkg SPARQL endpoint</h1>
<ul><li><a href="/sparql">/sparql</a> SPARQL 1.1 Protocol (GET ?query=, POST)</li>
<li><a href="/ontology">/ontology</a> the ontology (Turtle)</li>
<li><a href="/health">/health</a> status</li></ul>
<form action="/sparql" method="get"><textarea name="query" rows="8" cols="80">SELECT * WHERE { ?s ?p ?o } LIMIT 10</textarea>
<br><button>Run</button></form></body></html>
"""


def _bundled_ontology() -> str | None:
    try:
        return (resources.files("kg.ontology") / "kg.ttl").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None


def make_server(
    graph: Any,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    timeout: float = 10.0,
    max_results: int = 10_000,
    max_request_bytes: int = 1_000_000,
    max_memory_mb: int | None = 2_000,
    html: str | None = None,
    ontology_ttl: str | None = None,
    workers: int | None = None,
) -> SparqlServer:
    """A bound, not yet serving, endpoint for ``graph`` (a store directory, an RDF file,
    an rdflib graph or a pyoxigraph Store). Files and in-memory graphs are copied to a
    temporary on-disk store that the workers open read-only; it is removed on close.
    ``max_memory_mb``: heap per query worker (0 or None: no limit).
    """
    cleanup = None
    if isinstance(graph, (str, Path)) and Path(graph).is_dir():
        store_dir = str(graph)
        triples = len(open_store(store_dir, read_only=True))
    else:
        scratch = tempfile.TemporaryDirectory(prefix="kg-serve-")
        store_dir = scratch.name
        try:
            disk = open_store(graph, into=store_dir)
        except BaseException:
            scratch.cleanup()
            raise
        triples = len(disk)
        del disk  # close it before the workers open it read-only
        cleanup = scratch.cleanup
    pool = QueryPool(store_dir, size=workers or min(4, max(2, os.cpu_count() or 2)), timeout=timeout,
                     max_results=max_results, max_memory=max_memory_mb * 2**20 if max_memory_mb else None)
    try:
        return SparqlServer(
            (host, port), pool, max_request_bytes=max_request_bytes, html=html,
            ontology_ttl=ontology_ttl if ontology_ttl is not None else _bundled_ontology(),
            triples=triples, cleanup=cleanup,
        )
    except OSError:
        pool.close()
        if cleanup:
            cleanup()
        raise


def serve(graph: Any, host: str = "127.0.0.1", port: int = 8000, **options) -> None:
    """Serve ``graph`` at ``http://host:port/sparql`` until interrupted (see :func:`make_server`)."""
    serve_until_stopped(make_server(graph, host, port, **options))


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def serve_until_stopped(server: SparqlServer) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop the workers and remove the scratch store."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _viewer_page(graph: Path, viewer: Path | None) -> str | None:
    """The page for ``/``: the given file, the one ``kg build`` wrote beside the graph, or a new one."""
    if viewer:
        return viewer.read_text(encoding="utf-8")
    beside = graph.with_name("graph.html")
    if graph.is_file() and beside.is_file():
        return beside.read_text(encoding="utf-8")
    if graph.is_file():
        import kg

        return kg.load(graph).render_html(title=graph.name)
    return None


def serve_command(
    graph: Annotated[Path, typer.Argument(help="Graph file (.ttl .nt .nq .trig .jsonld ...) or store directory.")],
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    timeout: Annotated[float, typer.Option(help="Seconds a query may run before it is stopped.")] = 10.0,
    max_results: Annotated[int, typer.Option(help="Most rows (or triples) in one answer.")] = 10_000,
    max_request_bytes: Annotated[int, typer.Option(help="Largest request body or query accepted.")] = 1_000_000,
    max_memory: Annotated[int, typer.Option(help="MB of memory a query worker may use (0: no limit).")] = 2_000,
    workers: Annotated[Optional[int], typer.Option(help="Query worker processes (default: 2-4 by CPUs).")] = None,
    viewer: Annotated[
        Optional[Path],
        typer.Option(help="HTML file to serve at / (default: graph.html beside GRAPH, else drawn from GRAPH)."),
    ] = None,
) -> None:
    """Serve the graph as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql, its viewer at /."""
    started = time.monotonic()
    server = None
    try:
        server = make_server(graph, host, port, timeout=timeout, max_results=max_results,
                             max_request_bytes=max_request_bytes, max_memory_mb=max_memory, workers=workers)
        server.html = _viewer_page(graph, viewer)
    except (GraphLoadError, OSError, UnicodeDecodeError, ValueError) as error:
        if server is not None:
            server.server_close()
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    bound_host, bound_port = server.server_address[:2]
    typer.echo(
        f"SPARQL endpoint http://{bound_host}:{bound_port}/sparql ({server.triples} triples, "
        f"ready in {time.monotonic() - started:.1f} s)",
        err=True,
    )
    serve_until_stopped(server)


if __name__ == "__main__":
    # Run the command from the importable module, so that the workers' code is
    # kg.server's, not this __main__ copy's.
    from kg.server import serve_command as command

    app = typer.Typer(add_completion=False)
    app.command()(command)
    app()
