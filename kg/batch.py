"""Batch builds for whole archives: streaming, parallel, resumable, and on a Dask cluster.

Documents are read lazily and cut into chunks (about ``chunk_size`` documents, at most
twice that or ``MAX_CHUNK_CHARS`` characters). Each chunk goes to a worker process that
runs the extraction pipeline (loaded once per worker) and returns the chunk's graphs as
N-Quads, one named graph per document; the client writes them to ``OUT/.chunks/<key>.nq``
(atomically) and notes the chunk in ``OUT/.chunks/manifest.jsonl``. A chunk's key hashes
its documents (id, text and metadata) and the pipeline's code and tables, so a re-run
skips every finished chunk and redoes missing ones; ``force=True`` redoes all.

Assembly reads the chunk files (three streaming passes), resolves entities across
documents (:mod:`kg.merge`) and writes the final graph and viewer atomically: an
interrupted run leaves the previous output, or none, never half a file.

Memory: the client holds at most ``2 * workers + 1`` chunks of documents, the assembly
one document's graph plus the resolution tables (a few hundred bytes per distinct unit,
person and name); each worker holds one chunk. Merged formats (Turtle, N-Triples) are
collected in an on-disk Oxigraph store; N-Quads and TriG stream straight to the file.
JSON-LD is made in memory from the N-Quads (use it for small graphs).

On a Dask cluster the client reads the documents, sends each chunk to a worker and writes
what comes back, so workers need the package but not the files::

    dask scheduler                                        # prints tcp://HOST:8786
    dask worker tcp://HOST:8786 --nworkers 4 --nthreads 1 # on each machine, orgkg installed
    kg build /archive -o out --engine dask --scheduler tcp://HOST:8786

Server-class stores take the N-Quads (one graph per document) or N-Triples output in bulk:
``oxigraph load --location db --file out/graph.nq`` (then ``oxigraph serve``), QLever's
``qlever index`` with ``graph.nt`` as its input file, Virtuoso's ``ld_dir('out',
'graph.nq', 'https://w3id.org/orgkg/')`` then ``rdf_loader_run()``; or, over HTTP to any
Graph Store Protocol endpoint, ``kg push out/graph.nq --endpoint URL`` (:func:`push_graph`).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("检修厂厂长亓德昌荣获“劳动模范”称号。", encoding="utf-8")
>>> result = build_archive([folder], folder / "out", workers=1, html=False)
>>> result.summary()["entities"]["Person"], (folder / "out" / "graph.ttl").is_file()
(1, True)
>>> build_archive([folder], folder / "out", workers=1, html=False).report.skipped_chunks
1
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import heapq
import io
import itertools
import json
import multiprocessing
import os
import pickle
import re
import resource
import shutil
import signal
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from kg.files import atomic_file, atomic_write, remove_stale_temporaries, signals_blocked, temporary_prefix
from kg.extract.facts import Document
from kg.extract.reader import InputError, read_documents
from kg.merge import (
    DERIVED_FROM,
    SUB_ORGANIZATION,
    DocumentGraph,
    MergeRecord,
    Resolver,
    index_lines,
    nquad_lines,
    read_nquads,
    transitive_links,
)
from kg.ontology.namespaces import KG, ORG, PREFIXES, RDF, SCHEMA, doc_iri

CHUNK_SIZE = 200
CHUNK_FORMAT = 3  # bump when what a worker writes changes
MAX_CHUNK_CHARS = 4_000_000
ProvenanceSource = Callable[[], Iterator[bytes]]  # blocks of N-Quads lines
HTML_LIMIT = 200_000  # triples; a bigger graph gets no viewer page (it would not be readable)
CHUNKS = ".chunks"
FORMATS = {  # name -> (suffix, pyoxigraph format, keeps one graph per document)
    "turtle": ("ttl", ox.RdfFormat.TURTLE, False),
    "nt": ("nt", ox.RdfFormat.N_TRIPLES, False),
    "nquads": ("nq", ox.RdfFormat.N_QUADS, True),
    "trig": ("trig", ox.RdfFormat.TRIG, True),
    "jsonld": ("jsonld", None, True),
}
FORMAT_ALIASES = {"ttl": "turtle", "ntriples": "nt", "nq": "nquads", "json-ld": "jsonld"}
_SUFFIX_FORMAT = {suffix: name for name, (suffix, _, _) in FORMATS.items()}
# Vocabulary prefixes for Turtle/TriG; instance IRIs stay whole (their paths hold '/').
_PREFIXES = {name: str(PREFIXES[name]) for name in ("rdf", "rdfs", "skos", "xsd", "org", "schema", "prov", "nif", "kg")}
# pyoxigraph writes language tags in lower case; the contract spells them zh-Hans / zh-Hant.
_LANGUAGE_TAG = re.compile(rb'(?<!\\)"@zh-han([st])\b')


class BatchError(Exception):
    """A batch build that cannot go on; the message says what and where."""


def format_name(name: str) -> str:
    """The canonical output format name for ``name`` (``ttl`` -> ``turtle``); ValueError if unknown."""
    name = FORMAT_ALIASES.get(name.lower(), name.lower())
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; use one of {', '.join(sorted(set(FORMATS) | set(FORMAT_ALIASES)))}")
    return name


# ------------------------------------------------------------------ identities and chunks


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """A hash of the versions of the package and the libraries that shape its output, and of
    every file of the extraction and RDF-building code and tables."""
    digest = hashlib.sha256(f"chunk format {CHUNK_FORMAT};".encode())
    for distribution in ("orgkg", "spacy", "rjieba", "opencc", "rdflib"):
        try:
            digest.update(f"{distribution}={metadata.version(distribution)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{distribution}=?;".encode())
    for package in ("kg.extract", "kg.ontology"):
        for entry in sorted(_package_files(resources.files(package)), key=lambda e: str(e)):
            digest.update(str(entry.name).encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:16]


def _package_files(folder) -> Iterator:
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name != "__pycache__":
            yield from _package_files(entry)
        elif entry.is_file() and entry.name.rsplit(".", 1)[-1] in ("py", "txt", "tsv", "ttl", "jsonld"):
            yield entry


def document_identity(document: Document) -> str:
    """A hash of everything about ``document`` that reaches the graph."""
    fields = [document.id, document.text, document.title, document.date, document.source, document.author,
              document.url]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Chunk:
    """Documents processed together; ``key`` names the chunk file."""

    key: str
    documents: list[Document]

    @property
    def characters(self) -> int:
        return sum(len(d.text) for d in self.documents)


def chunked(documents: Iterable[Document], size: int = CHUNK_SIZE, max_chars: int = MAX_CHUNK_CHARS) -> Iterator[Chunk]:
    """Cut ``documents`` into chunks of about ``size`` documents.

    A chunk ends after a document whose id hashes to 0 modulo ``size``, so inserting or
    removing a document changes the one chunk it falls in, not every chunk after it; a
    chunk never exceeds ``2 * size`` documents or ``max_chars`` characters.

    >>> from kg.extract.facts import Document
    >>> chunks = list(chunked((Document(id=str(i), text="x") for i in range(1000)), size=50))
    >>> sum(len(c.documents) for c in chunks), max(len(c.documents) for c in chunks) <= 100
    (1000, True)
    """
    current: list[Document] = []
    characters = 0
    version = pipeline_version()
    for document in documents:
        current.append(document)
        characters += len(document.text)
        ends = int(hashlib.sha1(document.id.encode()).hexdigest()[:8], 16) % size == 0
        if ends or len(current) >= 2 * size or characters >= max_chars:
            yield _chunk(current, version)
            current, characters = [], 0
    if current:
        yield _chunk(current, version)


def _chunk(documents: list[Document], version: str) -> Chunk:
    digest = hashlib.sha256(version.encode())
    for document in documents:
        digest.update(document_identity(document).encode())
    return Chunk(digest.hexdigest()[:32], documents)


# ------------------------------------------------------------------ the worker side


@dataclass
class ChunkResult:
    """What a worker returns for one chunk."""

    nquads: bytes  # the lines that name entities, which merging rewrites
    documents: list[tuple[str, int]]  # (id, characters) of every document in the graph
    provenance: bytes = b""  # the lines about the texts and their mention nodes, never rewritten
    index: bytes = b""  # what entity resolution reads: a line of JSON per document
    failures: list[tuple[str, str]] = field(default_factory=list)  # (id, problem)
    warnings: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this worker's CPU time on the chunk (contention does not count)
    peak_rss_mb: float = 0.0
    worker: int = 0
    written: bool = False  # the worker wrote the chunk's files itself


def extract_chunk(documents: list[Document], folder: str | None = None, key: str = "") -> ChunkResult:
    """Extract and build one chunk: N-Quads with one named graph per document.

    Runs in a worker (process pool or Dask); the pipeline is made once per process.
    A document whose extraction fails is reported and left out; the others go on.
    With ``folder`` (a :class:`ChunkStore` this worker can reach) the worker writes the
    chunk's files itself as it goes and returns only the account, so big outputs never
    cross a pipe, and a document longer than ``PART_CHARS`` is written part by part
    (:func:`kg.ontology.rdf.write_document_nquads`): memory holds one part, not its graph.
    """
    from kg.extract.pipeline import PART_CHARS, extract, extract_parts, make_nlp
    from kg.ontology.rdf import document_nquad_parts, write_document_nquads

    started, cpu_started = time.perf_counter(), time.process_time()
    nlp = make_nlp()
    result = ChunkResult(b"", [], worker=os.getpid())
    with contextlib.ExitStack() as stack:
        if folder is None:  # a Dask worker: the client writes the files
            files = _ChunkFiles(io.BytesIO(), io.BytesIO(), io.BytesIO())
        else:
            store = ChunkStore(Path(folder))
            # the chunk file is entered first so it is renamed last: its presence means complete
            files = _ChunkFiles(*(stack.enter_context(atomic_file(path)) for path in
                                  (store.path(key), store.provenance_path(key), store.index_path(key))))
        for document in documents:
            marks = files.marks()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    if len(document.text) > PART_CHARS:
                        write_document_nquads(extract_parts(document, nlp), files, files.provenance,
                                              spool_dir=folder)
                    else:
                        data, local = document_nquad_parts(extract(document, nlp))
                        files.write(data)
                        files.provenance.write(local)
                    files.end_document(document)
                except Exception as error:  # noqa: BLE001 - one bad document must not stop an archive
                    files.rewind(marks)
                    result.failures.append((document.id, f"extraction failed: {type(error).__name__}: {error}"))
                    continue
            result.warnings.extend(f"{document.id}: {w.message}" for w in caught
                                   if not issubclass(w.category, DeprecationWarning))
            if not document.text.strip():
                result.empty.append(document.id)
            result.documents.append((document.id, len(document.text)))
        if folder is None:
            result.nquads, result.provenance, result.index = (f.getvalue() for f in
                                                              (files.nquads, files.provenance, files.index))
    result.written = folder is not None
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu_started
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


class _ChunkFiles:
    """A chunk's files being written: its entity lines (``write``), their index (a line of
    JSON per document: what entity resolution reads, see :meth:`kg.merge.DocumentGraph.to_json`,
    made here in the worker so the client does not parse N-Quads twice) and its provenance
    lines (``provenance``)."""

    def __init__(self, nquads: BinaryIO, provenance: BinaryIO, index: BinaryIO):
        self.nquads, self.provenance, self.index = nquads, provenance, index
        self._indexed: list[bytes] = []  # the current document's lines resolution reads

    def write(self, data: bytes) -> None:
        """Whole N-Quads lines of the current document that name entities."""
        self.nquads.write(data)
        self._indexed.append(index_lines(data))

    def end_document(self, document: Document) -> None:
        """Write the index line of the document whose lines were written since the last call."""
        graph = str(doc_iri(document.id))
        triples = [t for _, run in read_nquads(nquad_lines(b"".join(self._indexed))) for t in run]
        self.index.write(DocumentGraph.of(graph, triples).to_json().encode("utf-8") + b"\n")
        self._indexed = []

    def marks(self) -> tuple[int, int, int]:
        return self.nquads.tell(), self.provenance.tell(), self.index.tell()

    def rewind(self, marks: tuple[int, int, int]) -> None:
        """Drop what was written after ``marks`` (by a document that failed)."""
        for file, mark in zip((self.nquads, self.provenance, self.index), marks):
            file.seek(mark)
            file.truncate()
        self._indexed = []


def _init_worker(preload: bool = True) -> None:
    # The client handles Ctrl-C and stops the pool; workers just load the pipeline.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if preload:
        from kg.extract.pipeline import make_nlp

        make_nlp()


@contextlib.contextmanager
def terminate_as_interrupt():
    """Within the block SIGTERM raises KeyboardInterrupt, so a killed run cleans up as Ctrl-C does."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _scratch_folder(parent: Path):
    """A temporary folder removed however the block ends; a signal cannot land between its
    creation and the cleanup being in place, nor during the cleanup (Ctrl-C or kill right
    then left it behind)."""
    folder = None
    try:
        with signals_blocked():  # a pending signal lands once the cleanup below is in place
            folder = Path(tempfile.mkdtemp(prefix=temporary_prefix("assembly"), dir=parent))
        yield folder
    finally:
        if folder is not None:  # nor can one cut the cleanup short (it lands once it is done)
            with signals_blocked():
                shutil.rmtree(folder, ignore_errors=True)


class _InlineExecutor(cf.Executor):
    """Runs each task in this process when it is submitted (``workers=1``)."""

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
            if not isinstance(error, Exception):
                raise
        return future


@contextlib.contextmanager
def _executor(engine: str, workers: int, scheduler: str | None, preload: bool = True):
    """A ``concurrent.futures`` executor for ``engine``: "local" processes or a Dask cluster.

    ``preload``: local workers load the extraction pipeline when they start."""
    if engine == "dask":
        from distributed import Client, LocalCluster

        with contextlib.ExitStack() as stack:
            if scheduler:
                client = stack.enter_context(Client(scheduler, timeout="30s"))
            else:
                cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                           dashboard_address=None))
                client = stack.enter_context(Client(cluster))
            yield client.get_executor(pure=False)
    elif engine != "local":
        raise BatchError(f"unknown engine {engine!r}; use local or dask")
    elif workers <= 1:
        yield _InlineExecutor()
    else:
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["kg.extract.pipeline" if preload else "kg.merge"])  # forked per worker
        else:
            context = multiprocessing.get_context("spawn")
        before = set(multiprocessing.active_children())
        pool = cf.ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                      initargs=(preload,))
        try:
            yield pool
        except BaseException:  # Ctrl-C or a failure: stop now rather than after the running chunks
            pool.shutdown(wait=False, cancel_futures=True)
            stopped = set(multiprocessing.active_children()) - before
            for worker in stopped:
                worker.terminate()
            for worker in stopped:  # gone before the caller removes folders they write into
                worker.join(timeout=10)
            raise
        pool.shutdown(wait=True)


# ------------------------------------------------------------------ the chunk directory


class ChunkStore:
    """``OUT/.chunks``: chunk files, the manifest of finished chunks and the graph's composition.

    The composition (``graph.json``) lists the chunks the final graph is made of: those of
    the last build, then those added by ``kg add`` (a document in a later chunk replaces the
    same document in an earlier one), and the output settings.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / "manifest.jsonl"
        self.composition_path = self.folder / "graph.json"

    def create(self) -> "ChunkStore":
        self.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.folder)
        return self

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.nq"

    def provenance_path(self, key: str) -> Path:
        """The chunk's lines about its texts and mention nodes (written as they are)."""
        return self.folder / f"{key}.prov.nq"

    def index_path(self, key: str) -> Path:
        """What entity resolution reads of the chunk: a line of JSON per document."""
        return self.folder / f"{key}.index"

    def finished(self) -> dict[str, dict]:
        """Manifest entries whose chunk file exists, by key (a torn last line is ignored)."""
        entries = {}
        if self.manifest_path.exists():
            for line in self.manifest_path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if self.path(entry["key"]).exists():
                    entries[entry["key"]] = entry
        return entries

    def write(self, key: str, result: ChunkResult) -> dict:
        """Write the chunk's files (unless its worker did) and note it as finished."""
        if not result.written:
            self.write_files(key, result)
        return self.note(key, result)

    def write_files(self, key: str, result: ChunkResult) -> None:
        """The chunk's index and provenance, then its file (whose presence means complete)."""
        atomic_write(self.index_path(key), result.index)
        atomic_write(self.provenance_path(key), result.provenance)
        atomic_write(self.path(key), result.nquads)

    def note(self, key: str, result: ChunkResult) -> dict:
        entry = {"key": key, "documents": result.documents, "failures": result.failures, "empty": result.empty,
                 "warnings": result.warnings, "seconds": round(result.seconds, 3),
                 "cpu_seconds": round(result.cpu_seconds, 3)}
        with open(self.manifest_path, "a", encoding="utf-8") as manifest:
            manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
            manifest.flush()
            os.fsync(manifest.fileno())
        return entry

    def forget(self) -> None:
        """Mark every chunk unfinished (their files stay until the next tidy)."""
        atomic_write(self.manifest_path, b"")

    def composition(self) -> dict | None:
        if not self.composition_path.exists():
            return None
        return json.loads(self.composition_path.read_text(encoding="utf-8"))

    def set_composition(self, composition: dict) -> None:
        atomic_write(self.composition_path, json.dumps(composition, ensure_ascii=False, indent=1).encode())

    def tidy(self, keep: Iterable[str]) -> None:
        """Drop chunk files and manifest lines the composition no longer uses."""
        keep = set(keep)
        entries = [e for k, e in self.finished().items() if k in keep]
        atomic_write(self.manifest_path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode())
        for path in [*self.folder.glob("*.nq"), *self.folder.glob("*.index")]:
            if path.name.split(".", 1)[0] not in keep:
                path.unlink(missing_ok=True)


class _LanguageCaseWriter:
    """A binary writer that restores ``zh-Hans``/``zh-Hant`` in complete lines of RDF text."""

    def __init__(self, out):
        self.out, self.pending = out, b""

    def write(self, data) -> int:
        data = bytes(data)
        self.pending += data
        cut = self.pending.rfind(b"\n") + 1
        if cut:
            self.out.write(_restore_language_case(self.pending[:cut]))
            self.pending = self.pending[cut:]
        return len(data)

    def flush(self) -> None:  # the serialiser may flush mid-line: keep the partial line
        self.out.flush()

    def finish(self) -> None:
        self.out.write(_restore_language_case(self.pending))
        self.pending = b""


def _restore_language_case(data: bytes) -> bytes:
    return _LANGUAGE_TAG.sub(lambda m: b'"@zh-Han' + m.group(1), data)


# ------------------------------------------------------------------ progress


@dataclass
class BatchReport:
    """What a batch build did."""

    documents: int = 0
    characters: int = 0
    chunks: int = 0
    skipped_chunks: int = 0
    processed_documents: int = 0
    processed_characters: int = 0
    failures: list[InputError] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    extract_seconds: float = 0.0
    assemble_seconds: float = 0.0
    worker_cpu_seconds: float = 0.0  # summed over the chunks processed in this run
    worker_peak_rss_mb: float = 0.0
    client_peak_rss_mb: float = 0.0
    workers: int = 1


def _progress(enabled: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Rates(ProgressColumn):
        def render(self, task) -> Text:
            elapsed = task.elapsed or 0
            if not elapsed or not task.completed:
                return Text("")
            chars = task.fields.get("chars", 0)
            return Text(f"{task.completed / elapsed:,.1f} docs/s {chars / elapsed / 1000:,.1f}k chars/s")

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), Rates(),
                        TimeRemainingColumn(), disable=not enabled, transient=False)
    return progress


def progress_enabled(quiet: bool = False) -> bool:
    """A progress bar only on a terminal, outside CI, and not when asked to be quiet."""
    from rich.console import Console

    return not quiet and not os.environ.get("CI") and Console(stderr=True).is_terminal


def count_documents(paths: Iterable[Path]) -> int:
    """How many documents ``paths`` hold, cheaply (files counted, ``.jsonl`` lines counted)."""
    total = 0
    for path in map(Path, paths):
        if path.is_dir():
            total += sum(1 for p in path.rglob("*") if p.suffix.lower() == ".txt" and p.is_file())
        elif path.suffix.lower() == ".jsonl" and path.is_file():
            with open(path, "rb") as lines:
                total += sum(1 for line in lines if line.strip())
        elif path.is_file():
            total += 1
    return total


# ------------------------------------------------------------------ processing


def process_chunks(
    documents: Iterable[Document],
    store: ChunkStore,
    *,
    workers: int,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    force: bool = False,
    total: int | None = None,
    show_progress: bool = False,
    report: BatchReport,
) -> list[str]:
    """Make a chunk file for every chunk of ``documents`` not finished yet; return all chunk keys in order.

    ``force`` forgets every finished chunk first, so a forced run that is stopped resumes
    from what it redid itself.
    """
    if force:
        store.forget()
    finished = store.finished()
    keys: list[str] = []
    window = max(2, 2 * workers)
    pending: dict[cf.Future, Chunk] = {}
    progress = _progress(show_progress)
    started = time.perf_counter()
    characters = 0

    def collect(future: cf.Future, chunk: Chunk) -> None:
        try:
            result = future.result()
        except Exception as error:
            first, last = chunk.documents[0].id, chunk.documents[-1].id
            raise BatchError(f"a worker failed on the chunk of documents {first} .. {last}: "
                             f"{type(error).__name__}: {error}") from error
        nonlocal characters
        entry = store.write(chunk.key, result)
        _account(report, entry, processed=True)
        report.worker_peak_rss_mb = max(report.worker_peak_rss_mb, result.peak_rss_mb)
        report.worker_cpu_seconds += result.cpu_seconds
        characters += chunk.characters
        progress.update(task, advance=len(chunk.documents), chars=characters)

    with progress, _executor(engine, workers, scheduler) as executor:
        task = progress.add_task("extracting", total=total, chars=0)
        try:
            for chunk in chunked(documents, chunk_size):
                keys.append(chunk.key)
                report.chunks += 1
                if chunk.key in finished:
                    report.skipped_chunks += 1
                    _account(report, finished[chunk.key], processed=False)
                    if total is not None:  # the bar and its rates count the work still to do
                        total = max(0, total - len(chunk.documents))
                        progress.update(task, total=total)
                    continue
                while len(pending) >= window:
                    done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        collect(future, pending.pop(future))
                # Local workers share this file system: they write the chunk files themselves.
                folder = str(store.folder) if engine == "local" else None
                pending[executor.submit(extract_chunk, chunk.documents, folder, chunk.key)] = chunk
            for future in cf.as_completed(list(pending)):
                collect(future, pending.pop(future))
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    report.extract_seconds += time.perf_counter() - started
    return keys


def _account(report: BatchReport, entry: dict, processed: bool) -> None:
    characters = sum(n for _, n in entry["documents"])
    report.documents += len(entry["documents"])
    report.characters += characters
    if processed:
        report.processed_documents += len(entry["documents"])
        report.processed_characters += characters
    report.failures.extend(InputError(doc_id, problem) for doc_id, problem in entry["failures"])
    report.empty.extend(entry["empty"])
    report.warnings.extend(entry["warnings"])


# ------------------------------------------------------------------ assembly


@dataclass
class BatchResult:
    """The outcome of a batch build or add: where the graph went, counts, merges."""

    graph_path: Path
    html_path: Path | None
    report: BatchReport
    records: list[MergeRecord]
    counts: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """Counts in the shape of :meth:`kg.KnowledgeGraph.summary`."""
        return self.counts

    def load(self):
        """The written graph as a :class:`kg.KnowledgeGraph` (read into memory)."""
        import kg

        return kg.load(self.graph_path)

    def query(self, sparql: str, **params: str) -> list[dict[str, Any]]:
        """Rows of a SELECT query over the written graph (see :meth:`kg.KnowledgeGraph.query`)."""
        return self.load().query(sparql, **params)

    def write_merge_report(self, path: str | Path) -> Path:
        """The merge decisions as a tab-separated file (kind, rule, members, into, evidence)."""
        rows = [["kind", "rule", "members", "into", "evidence"]] + [r.row() for r in self.records]
        text = "".join("\t".join(cell.replace("\t", " ") for cell in row) + "\n" for row in rows)
        atomic_write(Path(path), text.encode("utf-8"))
        return Path(path)


def chunk_index(store: ChunkStore, keys: list[str],
                replaced: dict[str, int] | None = None) -> Callable[[], Iterator[DocumentGraph]]:
    """A re-iterable source of the indexed document graphs of ``keys``' chunks (a chunk without
    an index, made from an existing graph by ``kg add``, is read whole).

    ``replaced`` maps a document graph IRI to the index of the chunk that holds its latest
    version; the same graph in other chunks is skipped.
    """
    replaced = replaced or {}

    def graphs(key: str) -> Iterator[DocumentGraph]:
        if store.index_path(key).exists():
            with open(store.index_path(key), encoding="utf-8") as lines:
                yield from map(DocumentGraph.from_json, lines)
        else:
            with open(store.path(key), encoding="utf-8") as lines:
                yield from itertools.starmap(DocumentGraph.of, read_nquads(lines))

    def documents():
        for number, key in enumerate(keys):
            yield from (doc for doc in graphs(key) if replaced.get(doc.name, number) == number)

    return documents


def chunk_provenance(store: ChunkStore, keys: list[str], replaced: dict[str, int] | None = None,
                     block_bytes: int = 1 << 24) -> ProvenanceSource:
    """A re-iterable source of the chunks' provenance lines (N-Quads bytes) in blocks of about
    ``block_bytes``, skipping the graphs ``replaced`` by a later chunk."""
    replaced = replaced or {}

    def blocks():
        for number, key in enumerate(keys):
            stale = {f" <{g}> .".encode() for g, n in replaced.items() if n != number}
            with open(store.provenance_path(key), "rb") as lines:
                while block := lines.readlines(block_bytes):
                    if stale:
                        block = [line for line in block if line[line.rfind(b" <"):].rstrip(b"\n") not in stale]
                    yield b"".join(block)

    return blocks


def assemble(chunks: list[Path], graph_path: Path, fmt: str, *, html: bool, title: str, report: BatchReport,
             index: Callable[[], Iterator[DocumentGraph]], replaced: dict[str, int] | None = None,
             provenance: ProvenanceSource = lambda: iter(()), workers: int = 1) -> BatchResult:
    """Resolve entities across the documents of ``chunks`` and write the graph (and viewer) atomically.

    ``index`` yields every document's graph indexed for resolution; it is read twice
    to decide which nodes are one. Then each chunk's documents are rewritten onto the shared
    nodes (in ``workers`` processes; the decisions go to each once): the chunk's N-Quads and a
    sorted N-Triples run of its triples (its ``prov:wasDerivedFrom`` lines, each unique, are
    written apart, unsorted). The runs and the cross-document
    ``org:transitiveSubOrganizationOf`` links are merged into one sorted, unique union, so
    memory stays bounded whatever the corpus size. ``provenance`` yields the lines merging
    leaves alone (texts and mention nodes, most of a graph): they are copied as bytes,
    unsorted (their subjects are unique to a document). ``replaced`` maps a document graph
    IRI to the number of the chunk holding its latest version.
    """
    started = time.perf_counter()
    resolver = Resolver.of_graphs(index)
    graph_path = Path(graph_path)
    _, ox_format, per_document = FORMATS[fmt]
    with _scratch_folder(graph_path.parent) as scratch:
        links: set[tuple[str, str]] = set()
        derived = 0  # prov:wasDerivedFrom lines, written apart from the sorted union
        decisions = pickle.dumps(resolver, protocol=pickle.HIGHEST_PROTOCOL)
        tasks = [(decisions, str(path), number, replaced or {}, str(scratch / f"part-{number}"), per_document)
                 for number, path in enumerate(chunks)]
        with _executor("local", min(workers, len(tasks)), None, preload=False) as executor:
            pending: set[cf.Future] = set()
            for task in tasks:  # a few at a time: each carries the decisions
                if len(pending) >= 2 * workers:
                    done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    derived += _collect_rewritten(done, links)
                pending.add(executor.submit(_rewrite_chunk, *task))
            derived += _collect_rewritten(pending, links)
        runs = [scratch / f"part-{number}.nt" for number in range(len(tasks))]
        runs.append(_write_unique(sorted(f"{s} {p} {o} .\n".encode() for s, p, o in transitive_links(links)),
                                  scratch / "transitive.nt"))
        union = merge_runs(runs, scratch)
        counts = _counts(union)
        counts["triples"] += derived
        parts = [scratch / f"part-{number}.nq" for number in range(len(tasks))]
        texts = parts if per_document else [union, *(scratch / f"part-{n}.derived.nt" for n in range(len(tasks)))]
        if ox_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):  # the text is the output already
            statements = graph_path
            with atomic_file(graph_path) as out:
                counts["triples"] += _write_statements(out, texts, provenance, per_document)
        else:
            statements = scratch / ("graph.nq" if per_document else "graph.nt")
            with open(statements, "wb") as out:
                counts["triples"] += _write_statements(out, texts, provenance, per_document)
            if fmt == "jsonld":  # rdflib writes it with the project's @context, atomically, in memory
                from kg.ontology import load, save

                save(load(statements, "nquads"), graph_path, "jsonld")
            else:
                with atomic_file(graph_path) as out:
                    writer = _LanguageCaseWriter(out)
                    read_as = ox.RdfFormat.N_QUADS if per_document else ox.RdfFormat.N_TRIPLES
                    ox.serialize(ox.parse(path=str(statements), format=read_as), writer, ox_format,
                                 prefixes=_PREFIXES)
                    writer.finish()
        html_path = None
        if html and counts["triples"] <= HTML_LIMIT:
            html_path = _write_html(statements, per_document, graph_path.parent / "graph.html", title)
        elif html:
            (graph_path.parent / "graph.html").unlink(missing_ok=True)  # it would show an earlier graph
            report.warnings.append(f"graph.html not written: {counts['triples']} triples is more than a viewer "
                                   f"shows ({HTML_LIMIT}); draw a part with kg viz")
    report.assemble_seconds += time.perf_counter() - started
    return BatchResult(graph_path, html_path, report, resolver.records, counts)


_resolver_cache: tuple[bytes, Resolver] | None = None  # a rewrite worker's copy of the decisions


def _rewrite_chunk(decisions: bytes, path: str, number: int, replaced: dict[str, int], stem: str,
                   per_document: bool) -> tuple[set[tuple[str, str]], int]:
    """Rewrite one chunk's documents onto the shared nodes; return its ``org:subOrganizationOf``
    links and how many ``prov:wasDerivedFrom`` lines it wrote. Writes ``stem``.nq (its graphs,
    when the format keeps them), ``stem``.nt (its triples other than ``prov:wasDerivedFrom``,
    sorted, unique) and, when the graphs are not kept, ``stem``.derived.nt (those triples, as
    they come: their mention nodes are unique to a document).

    The ``prov:wasDerivedFrom`` lines, most of a graph, only get their subject replaced: they
    wait in a spool file (on disk past 32 MB) while the rest of their graph is rewritten, so a
    huge document is not held in memory.
    """
    global _resolver_cache
    if _resolver_cache is None or _resolver_cache[0] != decisions:
        _resolver_cache = (decisions, pickle.loads(decisions))
    resolver = _resolver_cache[1]
    links, triples, written = set(), set(), 0
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(open(path, encoding="utf-8"))
        per_graph = stack.enter_context(open(f"{stem}.nq", "w", encoding="utf-8"))
        derived = per_graph if per_document else stack.enter_context(open(f"{stem}.derived.nt", "w",
                                                                           encoding="utf-8"))
        spool = stack.enter_context(tempfile.SpooledTemporaryFile(1 << 25, "w+", encoding="utf-8",
                                                                  dir=Path(stem).parent))
        for ending, lines in itertools.groupby(source, key=lambda line: line[line.rfind(" <"):]):
            graph = ending[2:ending.rindex(">")]
            if replaced.get(graph, number) != number:
                continue  # a later chunk holds this document's latest version
            spool.seek(0)
            spool.truncate()
            entity_lines = []
            for line in lines:
                if line.startswith(DERIVED_FROM, line.index(" ") + 1):
                    spool.write(line)
                else:
                    entity_lines.append(line)
            rewritten, nodes = resolver.rewrite_entities(graph, [t for _, run in read_nquads(entity_lines)
                                                                 for t in run])
            if per_document:
                per_graph.writelines(f"{s} {p} {o}{ending}" for s, p, o in rewritten)
            triples.update(rewritten)
            links.update((s, o) for s, p, o in rewritten if p == SUB_ORGANIZATION)
            spool.seek(0)
            written += _rewrite_derived(spool, nodes, derived, "" if per_document else ending)
    _write_unique(sorted(f"{s} {p} {o} .\n".encode() for s, p, o in triples), Path(f"{stem}.nt"))
    return links, written


def _rewrite_derived(lines: Iterable[str], nodes: dict[str, str], out, ending: str) -> int:
    """Write the ``prov:wasDerivedFrom`` ``lines`` of one graph with their subjects on the
    shared ``nodes``, as quads (or, with the graph's line ``ending`` given, as triples). Two
    nodes of a graph that became one may cite one mention: only their lines are checked for
    repeats."""
    merged = {node for node, sources in Counter(nodes.values()).items() if sources > 1}
    seen: set[tuple[str, str]] = set()
    written = 0
    for line in lines:
        cut = line.index(" ")
        subject = nodes.get(line[:cut], line[:cut])
        rest = line[cut:len(line) - len(ending)] + " .\n" if ending else line[cut:]
        if subject in merged:
            if (subject, rest) in seen:
                continue
            seen.add((subject, rest))
        out.write(subject + rest)
        written += 1
    return written


def _collect_rewritten(futures: Iterable[cf.Future], links: set[tuple[str, str]]) -> int:
    """Add the links of finished :func:`_rewrite_chunk` calls to ``links``; return their derived-line count."""
    count = 0
    for future in futures:
        chunk_links, derived = future.result()
        links.update(chunk_links)
        count += derived
    return count


def merge_runs(runs: list[Path], scratch: Path, fan_in: int = 64) -> Path:
    """One file of the lines of sorted files ``runs``, sorted and unique (the runs are removed),
    merged ``fan_in`` files at a time so few files are open whatever their number.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> runs = [folder / name for name in "xyz"]
    >>> for run, text in zip(runs, ["a\\nb\\n", "b\\nc\\n", "a\\nd\\n"]):
    ...     _ = run.write_text(text)
    >>> merge_runs(runs, folder, fan_in=2).read_text().split()
    ['a', 'b', 'c', 'd']
    """
    if not runs:
        return _write_unique([], scratch / "run-empty")
    generation = 0
    while len(runs) > 1:
        merged = []
        for start in range(0, len(runs), fan_in):
            group = runs[start:start + fan_in]
            with contextlib.ExitStack() as stack:
                files = [stack.enter_context(open(run, "rb")) for run in group]
                merged.append(_write_unique(heapq.merge(*files), scratch / f"merge-{generation}-{len(merged)}"))
            for run in group:
                run.unlink()
        runs, generation = merged, generation + 1
    return runs[0]


def _write_unique(lines: Iterable[bytes], path: Path) -> Path:
    with open(path, "wb") as out:
        last = None
        for line in lines:
            if line != last:
                out.write(line)
                last = line
    return path


def _write_statements(out, texts: list[Path], provenance: ProvenanceSource, per_document: bool) -> int:
    """Write the merged statements to binary ``out``: the ``texts`` (N-Quads or N-Triples files,
    copied) then the provenance lines (as quads, or as triples when not ``per_document``);
    return how many provenance lines were written."""
    for text in texts:
        with open(text, "rb") as lines:
            shutil.copyfileobj(lines, out)
    written = 0
    for block in provenance():
        written += block.count(b"\n")
        if per_document:
            out.write(block)
        else:
            out.writelines(line[:line.rfind(b" <")] + b" .\n" for line in block.splitlines())
    return written


def _write_html(statements: Path, quads: bool, path: Path, title: str) -> Path:
    from rdflib import Dataset, Graph

    import kg

    graph = Dataset() if quads else Graph()
    graph.parse(statements, format="nquads" if quads else "nt")
    return kg.KnowledgeGraph(graph).save_html(path, title=title)


def _counts(union: Path) -> dict[str, Any]:
    """Documents, entities by type, relations by predicate and triples of the sorted, unique union."""
    classes, predicates = Counter(), Counter()
    triples = 0
    rdf_type = f"<{RDF.type}>".encode()
    with open(union, "rb") as lines:
        for line in lines:
            triples += 1
            _, predicate, rest = line.split(b" ", 2)
            predicates[predicate] += 1
            if predicate == rdf_type:
                classes[rest.rsplit(b" ", 1)[0]] += 1

    def term(iri) -> bytes:
        return f"<{iri}>".encode()

    relations = {"subOrganizationOf": ORG.subOrganizationOf, "memberOf": ORG.memberOf, "holds": ORG.holds,
                 "awardReceived": KG.awardReceived, "conferredBy": KG.conferredBy}
    return {
        "documents": classes[term(SCHEMA.NewsArticle)],
        "entities": {"Organization": classes[term(ORG.Organization)], "Person": classes[term(SCHEMA.Person)],
                     "Honour": classes[term(KG.Honour)], "Award": classes[term(KG.Award)]},
        "relations": {name: predicates[term(iri)] for name, iri in relations.items()},
        "triples": triples,
    }


# ------------------------------------------------------------------ build and add


def build_archive(
    paths: Iterable[str | Path],
    out: str | Path,
    *,
    fmt: str = "turtle",
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    force: bool = False,
    strict: bool = False,
    html: bool = True,
    title: str = "Knowledge graph",
    show_progress: bool = False,
    on_error: Callable[[InputError], None] | None = None,
) -> BatchResult:
    """Build the graph of every report under ``paths`` into ``out`` (resuming a killed run).

    Writes ``out/graph.<suffix>`` and, when asked and small enough, ``out/graph.html``.
    Unreadable inputs are skipped and listed in ``result.report.failures`` (raised with
    ``strict=True``); ``on_error`` also sees each as it happens.
    """
    fmt = format_name(fmt)
    paths = [Path(p) for p in paths]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    store = ChunkStore(out / CHUNKS).create()
    with _batch_run(paths, strict, on_error, workers, show_progress) as (report, documents, total):
        if engine == "local":  # no more workers than chunks: a small build starts no pool
            report.workers = min(report.workers, 1 + (total or count_documents(paths)) // chunk_size)
        keys = process_chunks(documents, store, workers=report.workers, engine=engine, scheduler=scheduler,
                              chunk_size=chunk_size, force=force, total=total, show_progress=show_progress,
                              report=report)
        _check_something_read(report, out)
        composition = {"pipeline": pipeline_version(), "chunk_format": CHUNK_FORMAT, "build": keys, "added": [],
                       "format": fmt,
                       "graph": f"graph.{FORMATS[fmt][0]}", "html": html, "title": title}
        store.set_composition(composition)
        result = _assemble_composition(store, composition, out / composition["graph"], report, engine)
        store.tidy(keys)
    return result


@contextlib.contextmanager
def _batch_run(paths, strict: bool, on_error, workers: int | None, show_progress: bool):
    """(report, lazily read documents, document count for the progress bar); times the run."""
    report = BatchReport(workers=workers or os.cpu_count() or 1)
    started = time.perf_counter()

    def failed(error: InputError) -> None:
        report.failures.append(error)
        if on_error:
            on_error(error)

    paths = [Path(p) for p in paths]
    documents = read_documents(paths, strict=strict, on_error=failed)
    yield report, documents, count_documents(paths) if show_progress else None
    report.seconds = time.perf_counter() - started
    report.client_peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _assemble_composition(store: ChunkStore, composition: dict, graph_path: Path, report: BatchReport,
                          engine: str = "local") -> BatchResult:
    """Assemble the chunks of ``composition``; an added document replaces its earlier versions.

    Rewriting runs in local processes; with a Dask cluster it stays on the client, whose
    files the cluster's machines may not see."""
    keys = composition["build"] + composition["added"]
    missing = [k for k in keys if not store.path(k).exists()]
    if missing:
        raise BatchError(f"{store.folder}: {len(missing)} chunk file(s) of the graph are missing; run kg build again")
    replaced: dict[str, int] = {}
    entries = store.finished() if composition["added"] else {}
    for index in range(len(composition["build"]), len(keys)):
        for doc_id, _ in entries[keys[index]]["documents"]:
            replaced[str(doc_iri(doc_id))] = index
    return assemble([store.path(k) for k in keys], graph_path, composition["format"], html=composition["html"],
                    title=composition["title"], report=report, replaced=replaced,
                    index=chunk_index(store, keys, replaced),
                    provenance=chunk_provenance(store, keys, replaced),
                    workers=report.workers if engine == "local" else 1)


def add_documents(
    target: str | Path,
    paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    strict: bool = False,
    show_progress: bool = False,
    on_error: Callable[[InputError], None] | None = None,
) -> BatchResult:
    """Add the reports under ``paths`` to an existing graph and merge entities again.

    ``target`` is a ``kg build`` output directory (or its graph file), a graph file that
    keeps one named graph per document (``.nq``, ``.trig``, ``.jsonld``) or an Oxigraph
    store directory. A document whose id is already in the graph replaces it.
    """
    target = Path(target)
    build_dir = _build_directory(target)
    with _batch_run(paths, strict, on_error, workers, show_progress) as (report, documents, total):
        options = dict(workers=report.workers, engine=engine, scheduler=scheduler, total=total,
                       show_progress=show_progress, report=report)
        if build_dir is not None:
            remove_stale_temporaries(build_dir)
            store = ChunkStore(build_dir / CHUNKS).create()
            composition = store.composition()
            if composition.get("chunk_format") != CHUNK_FORMAT:
                raise BatchError(f"{build_dir}: built by an older version of kg, whose chunks this one cannot "
                                 "merge; run kg build on its sources again, then add")
            keys = process_chunks(documents, store, **options)
            _check_something_read(report, build_dir)
            composition["added"] = [k for k in composition["added"] if k not in keys] + keys
            store.set_composition(composition)
            result = _assemble_composition(store, composition, build_dir / composition["graph"], report, engine)
            store.tidy(composition["build"] + composition["added"])
        else:
            result = _add_to_graph(target, documents, options)
    return result


def _check_something_read(report: BatchReport, out: Path) -> None:
    """Stop when every input failed: the previous output stays as it was, not replaced by an empty graph."""
    if report.failures and not report.documents:
        raise BatchError("\n".join(map(str, report.failures))
                         + f"\n{out}: no document could be read; the previous output is left as it was")


def _build_directory(target: Path) -> Path | None:
    folder = target if target.is_dir() else target.parent
    composition = ChunkStore(folder / CHUNKS).composition()
    if composition is None or (not target.is_dir() and composition["graph"] != target.name):
        return None
    return folder


def _add_to_graph(target: Path, documents: Iterable[Document], options: dict) -> BatchResult:
    """Add to a graph file or store: its documents become the first chunk, the new ones follow."""
    is_store = target.is_dir()
    if not is_store:
        if not target.is_file():
            raise BatchError(f"{target}: no such graph file, store or kg build directory")
        fmt = _SUFFIX_FORMAT.get(target.suffix.lower().lstrip("."))
        if fmt is None or not FORMATS[fmt][2]:
            raise BatchError(f"{target}: {target.suffix or 'this file'} keeps no graph per document, so documents "
                             "cannot be replaced; add to the kg build directory or to a .nq, .trig or .jsonld graph")
    with tempfile.TemporaryDirectory(prefix=temporary_prefix("kg-add"), dir=target.parent) as scratch:
        store = ChunkStore(Path(scratch) / CHUNKS).create()
        base = _existing_chunk(target, store)
        added = process_chunks(documents, store, **options)
        _check_something_read(options["report"], target)
        composition = {"build": [base], "added": added,
                       "format": "nquads" if is_store else fmt, "html": False, "title": ""}
        written = _assemble_composition(store, composition, Path(scratch) / "graph.nq" if is_store else target,
                                        options["report"], options["engine"])
        if is_store:
            _replace_store(target, written.graph_path)
            written.graph_path = target
        return written


def _existing_chunk(target: Path, store: ChunkStore) -> str:
    """Copy the documents of a graph file or store into one chunk file, each graph's quads together."""
    key = "existing"
    with tempfile.TemporaryDirectory(dir=store.folder) as scratch:
        if target.is_dir():
            try:
                existing = ox.Store.read_only(str(target))
            except OSError as error:
                raise BatchError(f"{target}: not a readable Oxigraph store ({error})") from None
        else:
            existing = ox.Store(str(Path(scratch) / "store"))
            try:
                if target.suffix.lower() == ".jsonld":
                    from kg.ontology import load

                    existing.load(load(target).serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS)
                else:
                    existing.bulk_load(path=str(target), format=FORMATS[_SUFFIX_FORMAT[target.suffix.lower()[1:]]][1])
            except (SyntaxError, ValueError) as error:
                raise BatchError(f"{target}: not a valid graph: {error}") from None
        if next(iter(existing.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
            raise BatchError(f"{target}: has triples outside named graphs; kg add needs one named graph per document")
        with atomic_file(store.path(key)) as out:
            for graph in sorted(existing.named_graphs(), key=lambda g: g.value):
                ox.serialize(existing.quads_for_pattern(None, None, None, graph), out, ox.RdfFormat.N_QUADS)
        del existing
    atomic_write(store.provenance_path(key), b"")  # its mention nodes stay in the chunk file
    store.note(key, ChunkResult(b"", []))
    return key


def _replace_store(target: Path, nquads: Path) -> None:
    """Swap ``target`` for a new store loaded from ``nquads`` (the old one is removed only after)."""
    fresh = target.with_name(f".{target.name}.new")
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(fresh, ignore_errors=True)
    store = ox.Store(str(fresh))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------ push (SPARQL Graph Store protocol)


class PushError(Exception):
    """The server refused a request, or could not be reached after every retry."""


@dataclass
class PushReport:
    graphs: int = 0
    triples: int = 0
    requests: int = 0
    retries: int = 0


def push_graph(
    path: str | Path,
    endpoint: str,
    *,
    graph: str | None = None,
    batch_size: int = 50_000,
    retries: int = 4,
    timeout: float = 60.0,
    backoff: float = 0.5,
    on_batch: Callable[[str, int], None] | None = None,
) -> PushReport:
    """Send a graph file to a SPARQL 1.1 Graph Store HTTP Protocol endpoint.

    Each document's named graph goes to ``endpoint?graph=<its IRI>``; with ``graph`` (or for
    a file without named graphs: the default graph) everything goes to that one graph.
    The first batch of a graph replaces it (PUT), the next ones add to it (POST), so a
    push can be repeated. Connection failures and 5xx/429 answers are retried with
    exponential back-off; any other refusal raises :class:`PushError` at once.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in _SUFFIX_FORMAT or _SUFFIX_FORMAT[suffix] == "jsonld":
        raise PushError(f"{path}: push reads .ttl, .nt, .nq or .trig files")
    report = PushReport()
    seen: set[str] = set()
    try:
        quads = ox.parse(path=str(path), format=FORMATS[_SUFFIX_FORMAT[suffix]][1])
        for name, batch in _batches(quads, graph, batch_size):
            method = "POST" if name in seen else "PUT"
            seen.add(name)
            body = _restore_language_case(ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES))
            _send(endpoint, name, method, body, retries, timeout, backoff, report)
            report.triples += len(batch)
            if on_batch:
                on_batch(name, len(batch))
    except (SyntaxError, OSError) as error:  # reading the file (urllib's errors are handled in _send)
        raise PushError(f"{path}: cannot read the graph: {error}") from None
    report.graphs = len(seen)
    return report


def _batches(quads: Iterable[ox.Quad], graph: str | None, size: int) -> Iterator[tuple[str, list[ox.Triple]]]:
    """(target graph, triples) runs of at most ``size`` triples; "" is the default graph."""
    current, batch = None, []
    for quad in quads:
        name = graph if graph is not None else ("" if isinstance(quad.graph_name, ox.DefaultGraph)
                                                  else quad.graph_name.value)
        if batch and (name != current or len(batch) >= size):
            yield current, batch
            batch = []
        current = name
        batch.append(ox.Triple(quad.subject, quad.predicate, quad.object))
    if batch:
        yield current, batch


def _send(endpoint: str, graph: str, method: str, body: bytes, retries: int, timeout: float, backoff: float,
          report: PushReport) -> None:
    query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
    url = f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": "application/n-triples; charset=utf-8"})
    for attempt in range(retries + 1):
        report.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
                return
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace").strip()
            if error.code < 500 and error.code != 429:
                raise PushError(f"{endpoint} refused {method} of graph {graph or '(default)'}: HTTP {error.code} "
                                f"{error.reason}" + (f": {detail}" if detail else "")) from None
            problem = f"HTTP {error.code} {error.reason}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            problem = str(getattr(error, "reason", error))
        if attempt == retries:
            raise PushError(f"{endpoint}: {method} of graph {graph or '(default)'} failed after {retries + 1} "
                            f"attempts: {problem}")
        report.retries += 1
        time.sleep(backoff * 2 ** attempt)
