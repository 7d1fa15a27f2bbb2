"""The ``kg`` command line: build, query, serve, draw, validate and evaluate graphs."""
from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.analysis import show_command, stats_command
from kg.export import export_command
from kg.ontology.validate import validate_command
from kg.server import serve_command
from kg.sparql import query_command

app = typer.Typer(
    help="Build knowledge graphs of organisations, people, posts and honours from Chinese news reports.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("query")(query_command)
app.command("serve")(serve_command)
app.command("validate")(validate_command)
app.command("stats")(stats_command)
app.command("show")(show_command)
app.command("export")(export_command)

_state = {"verbose": False, "quiet": False}
FORMAT_SUFFIX = {"turtle": "ttl", "ttl": "ttl", "nt": "nt", "ntriples": "nt", "jsonld": "jsonld",
                 "trig": "trig", "nquads": "nq", "nq": "nq"}
DEMO_QUESTION = "people-honours"


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, quiet=_state["quiet"] and not stderr, highlight=False)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say more: encodings, per-document counts.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    _state["verbose"], _state["quiet"] = verbose, quiet


def summary_table(graph, title: str = "Knowledge graph") -> Table:
    s = graph.summary()
    table = Table(title=title)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("documents", str(s["documents"]))
    for name, n in s["entities"].items():
        table.add_row(f"entities: {name}", str(n))
    for name, n in s["relations"].items():
        table.add_row(f"relations: {name}", str(n))
    table.add_row("triples", str(s["triples"]))
    if graph.report.seconds:
        table.add_row("seconds", f"{graph.report.seconds:.2f}")
    return table


def _build_into(paths: list[Path], out: Path, fmt: str, strict: bool, html: bool, title: str, *,
                workers: int | None = None, engine: str = "local", scheduler: str | None = None,
                chunk_size: int | None = None, force: bool = False, explain_merges: bool = False):
    """Batch-build ``paths`` into ``out`` (resuming a killed run) and print what happened."""
    from kg.batch import CHUNK_SIZE, build_archive, progress_enabled

    result = _run_batch(out, lambda: build_archive(
        paths, out, fmt=fmt, workers=workers, engine=engine, scheduler=scheduler, chunk_size=chunk_size or CHUNK_SIZE,
        force=force, strict=strict, html=html, title=title, show_progress=progress_enabled(_state["quiet"])))
    _print_batch(result, explain_merges, out / "merges.tsv")
    return result


def _run_batch(out: Path, run):
    """``run()``, with bad input, a failed write, Ctrl-C or SIGTERM reported in one line (exit 2 or 130)."""
    from kg.batch import BatchError, terminate_as_interrupt
    from kg.extract.reader import InputError

    err = _console(stderr=True)
    try:
        with terminate_as_interrupt():
            return run()
    except (InputError, BatchError) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
    except OSError as error:
        err.print(f"[red]error:[/red] {escape(str(error.filename or out))}: {escape(error.strerror or str(error))}",
                  soft_wrap=True)
    except KeyboardInterrupt:
        err.print(f"[yellow]interrupted:[/yellow] finished chunks are kept in {escape(str(out))}; "
                  "run the same command again to go on")
        raise typer.Exit(130) from None
    raise typer.Exit(2)


def _print_batch(result, explain_merges: bool, merges_path: Path) -> None:
    """Problems, the summary, throughput, merges and the files written by a batch build or add."""
    console, err = _console(), _console(stderr=True)
    report = result.report
    for failure in report.failures:
        err.print(f"[red]error:[/red] {escape(str(failure))}", soft_wrap=True)
    for doc_id in report.empty:
        err.print(f"[yellow]warning:[/yellow] {escape(doc_id)}: empty document")
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    console.print(summary_table(result))
    seconds = max(report.extract_seconds, 1e-9)
    console.print(
        f"{report.documents} documents in {report.chunks} chunks ({report.skipped_chunks} already done); "
        f"extracted {report.processed_documents} with {report.workers} worker(s): "
        f"{report.processed_documents / seconds:,.1f} docs/s, {report.processed_characters / seconds:,.0f} chars/s; "
        f"merged in {report.assemble_seconds:.1f} s; peak memory {report.client_peak_rss_mb:,.0f} MB here, "
        f"{report.worker_peak_rss_mb:,.0f} MB per worker")
    if explain_merges:
        table = Table(title=f"Merges ({len(result.records)} decisions)")
        for column in ("kind", "rule", "members", "into", "document"):
            table.add_column(column)
        for record in result.records[:50]:
            table.add_row(*map(escape, record.row()))
        console.print(table)
        if len(result.records) > 50:
            console.print(f"... {len(result.records) - 50} more in {escape(str(merges_path))}")
        console.print(f"wrote {escape(str(result.write_merge_report(merges_path)))}")
    for path in (result.graph_path, result.html_path):
        if path is not None:
            console.print(f"wrote {escape(str(path))}")


_WORKERS_HELP = "Worker processes (default: one per CPU core)."
_ENGINE_HELP = "local (processes on this machine) or dask (a Dask cluster)."
_SCHEDULER_HELP = "With --engine dask: the scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)."


@app.command()
def build(
    paths: Annotated[list[Path], typer.Argument(help="Report files (.txt), directories of them, or .jsonl corpora.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory for graph.ttl and graph.html.")] = Path("kg-out"),
    format: Annotated[str, typer.Option("--format", "-f", help="turtle|nt|jsonld|trig|nquads")] = "turtle",
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first unreadable input.")] = False,
    html: Annotated[bool, typer.Option("--html/--no-html", help="Also write the interactive viewer.")] = True,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help=_WORKERS_HELP)] = None,
    chunk_size: Annotated[Optional[int], typer.Option("--chunk-size", min=1, help="Documents per chunk (about).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every chunk, even those a previous run finished.")] = False,
    engine: Annotated[str, typer.Option("--engine", help=_ENGINE_HELP)] = "local",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help=_SCHEDULER_HELP)] = None,
    explain_merges: Annotated[bool, typer.Option("--explain-merges", help="Print and write (merges.tsv) which "
                                                 "entities were merged across documents and why.")] = False,
    store: Annotated[Optional[Path], typer.Option("--store", help="Also load the graph into an on-disk "
                                                  "Oxigraph store here, to query large graphs without re-parsing "
                                                  "(kg query DIR …, kg serve DIR).")] = None,
) -> None:
    """Read reports, extract facts, and write the graph (RDF) and its viewer (HTML).

    Documents are processed in chunks by parallel workers; a run that was stopped goes
    on where it stopped (finished chunks are kept in OUT/.chunks).

    Example: kg build reports/ -o out --workers 4
    """
    if format not in FORMAT_SUFFIX:
        _console(stderr=True).print(f"[red]error:[/red] unknown format {escape(format)}; use one of "
                                    f"{', '.join(sorted(FORMAT_SUFFIX))}")
        raise typer.Exit(2)
    if engine not in ("local", "dask"):
        _console(stderr=True).print(f"[red]error:[/red] unknown engine {escape(engine)}; use local or dask")
        raise typer.Exit(2)
    graph = _build_into(paths, out, format, strict, html, title="Knowledge graph", workers=workers, engine=engine,
                        scheduler=scheduler, chunk_size=chunk_size, force=force, explain_merges=explain_merges)
    if store is not None:
        _load_store(store, out / f"graph.{FORMAT_SUFFIX[format]}")
    if graph.report.failures:
        raise typer.Exit(2)


def _load_store(store: Path, graph_file: Path) -> None:
    """Bulk-load the written graph into an on-disk pyoxigraph store (one named graph per document kept)."""
    import pyoxigraph

    from kg.sparql import RDF_FORMATS_BY_SUFFIX

    suffix = graph_file.suffix.lower()
    if suffix not in RDF_FORMATS_BY_SUFFIX:
        _console(stderr=True).print(f"[red]error:[/red] --store needs a graph Oxigraph reads; {suffix} is not one "
                                    f"(use --format turtle, nt, trig or nquads)")
        raise typer.Exit(2)
    try:
        target = pyoxigraph.Store(str(store))
        target.clear()
        target.bulk_load(path=str(graph_file), format=RDF_FORMATS_BY_SUFFIX[suffix])
        target.flush()
    except (OSError, SyntaxError) as error:
        _console(stderr=True).print(f"[red]error:[/red] {escape(str(store))}: {escape(str(error))}")
        raise typer.Exit(2) from None
    _console().print(f"loaded {escape(str(graph_file))} into the store {escape(str(store))} ({len(target)} quads)")


@app.command()
def add(
    target: Annotated[Path, typer.Argument(help="A kg build output directory (or its graph file), a .nq/.trig/"
                                           ".jsonld graph, or an Oxigraph store directory.")],
    paths: Annotated[list[Path], typer.Argument(help="Reports to add: files, directories or .jsonl corpora.")],
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first unreadable input.")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help=_WORKERS_HELP)] = None,
    engine: Annotated[str, typer.Option("--engine", help=_ENGINE_HELP)] = "local",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help=_SCHEDULER_HELP)] = None,
    explain_merges: Annotated[bool, typer.Option("--explain-merges", help="Print and write merges.tsv.")] = False,
) -> None:
    """Add reports to an existing graph and merge entities again.

    A report whose id is already in the graph replaces it (its named graph is rebuilt).

    Example: kg add kg-out new-reports/
    """
    from kg.batch import add_documents, progress_enabled

    folder = target if target.is_dir() else target.parent
    result = _run_batch(folder, lambda: add_documents(target, paths, workers=workers, engine=engine,
                                                      scheduler=scheduler, strict=strict,
                                                      show_progress=progress_enabled(_state["quiet"])))
    _print_batch(result, explain_merges, folder / "merges.tsv")
    if result.report.failures:
        raise typer.Exit(2)


@app.command()
def push(
    graph: Annotated[Path, typer.Argument(help="Graph file (.nq, .trig, .ttl, .nt), e.g. kg-out/graph.nq.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Graph Store HTTP Protocol endpoint, "
                                          "e.g. http://127.0.0.1:7878/store.")],
    into: Annotated[Optional[str], typer.Option("--graph", help="Put everything into this graph IRI "
                                                "(default: each document's own named graph).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Triples per request.")] = 50_000,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Retries of a failed request.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each answer.")] = 60.0,
) -> None:
    """Send a graph to a SPARQL server (Oxigraph, Fuseki, GraphDB, Virtuoso...) in batches.

    Example: kg push kg-out/graph.nq --endpoint http://127.0.0.1:7878/store
    """
    from kg.batch import PushError, push_graph

    try:
        report = push_graph(graph, endpoint, graph=into, batch_size=batch_size, retries=retries, timeout=timeout)
    except PushError as error:
        _console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    _console().print(f"sent {report.triples} triples in {report.graphs} graph(s) with {report.requests} requests "
                     f"({report.retries} retried) to {escape(endpoint)}")


@app.command()
def viz(
    graph: Annotated[Path, typer.Argument(help="Graph file written by kg build (.ttl, .nt, .jsonld, .trig, .nq).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("graph.html"),
    title: Annotated[str, typer.Option(help="Page title.")] = "Knowledge graph",
) -> None:
    """Draw a graph as one self-contained, offline HTML page.

    Example: kg viz out/graph.ttl -o graph.html
    """
    import kg

    try:
        loaded = kg.load(graph)
    except (OSError, ValueError) as error:
        _console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    path = loaded.save_html(out, title=title)
    _console().print(f"wrote {escape(str(path))}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("kg-out"),
) -> None:
    """Build the bundled sample reports into ./kg-out and answer one question about them."""
    samples = resources.files("kg").joinpath("samples")
    with resources.as_file(samples) as folder:
        graph = _build_into([Path(folder)], out, "turtle", True, True, title="kg demo")
    console = _console()
    rows = graph.query(DEMO_QUESTION)
    table = Table(title="Who received which honour (question: people-honours)")
    for column in ("person", "honour", "date"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row.get("personLabel", "")), str(row.get("honourLabel", "")), str(row.get("date", "")))
    console.print(table)
    console.print(f"Try: kg query {out / 'graph.ttl'} --list")


@app.command("eval")
def eval_command(
    gold: Annotated[list[Path], typer.Argument(help="Gold annotation files (*.gold.json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    errors: Annotated[bool, typer.Option("--errors", help="List missed and spurious facts.")] = False,
) -> None:
    """Score extraction against gold annotations: precision, recall and F1 per type and predicate.

    Example: kg eval ../shared/gold/chinalco-2011-09-16.gold.json
    """
    from kg.extract.evaluate import evaluate_files

    try:
        overall, per_file = evaluate_files(gold)
    except (OSError, ValueError, KeyError) as error:
        _console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    result = overall.as_dict()
    if as_json:
        result["files"] = {f: {k: v for k, v in ev.as_dict().items() if k != "errors"} for f, ev in per_file.items()}
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    console = _console()
    for section in ("entities", "relations"):
        table = Table(title=f"{section} ({len(gold)} document{'s' if len(gold) > 1 else ''})")
        for column in ("", "precision", "recall", "F1", "tp", "predicted", "gold"):
            table.add_column(column, justify="right" if column else "left")
        for name, s in result[section].items():
            table.add_row(name, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                          str(s["tp"]), str(s["predicted"]), str(s["gold"]))
        console.print(table)
    for attr, s in result["attributes"].items():
        if s["scored"]:
            console.print(f"{attr} accuracy: {s['accuracy']:.3f} ({s['correct']}/{s['scored']})")
    if errors:
        for e in result["errors"]:
            console.print(escape(json.dumps(e, ensure_ascii=False)))
