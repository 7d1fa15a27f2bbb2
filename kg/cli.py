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
from kg.sparql import query_command

app = typer.Typer(
    help="Build knowledge graphs of organisations, people, posts and honours from Chinese news reports.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("query")(query_command)
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


def _build_into(paths: list[Path], out: Path, fmt: str, strict: bool, html: bool, title: str):
    import kg

    console = _console()
    err = _console(stderr=True)

    def progress(document):
        if _state["verbose"]:
            console.print(f"read {escape(document.path or document.id)} ({document.encoding or 'utf-8'}, "
                          f"{len(document.text)} chars, {document.script})")

    try:
        graph = kg.build(*paths, strict=strict, progress=progress)
    except kg.api.InputError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    for failure in graph.report.failures:
        err.print(f"[red]error:[/red] {escape(str(failure))}")
    for doc_id in graph.report.empty:
        err.print(f"[yellow]warning:[/yellow] {escape(doc_id)}: empty document")
    out.mkdir(parents=True, exist_ok=True)
    graph_path = out / f"graph.{FORMAT_SUFFIX[fmt]}"
    graph.save(graph_path)
    written = [graph_path]
    if html:
        written.append(graph.save_html(out / "graph.html", title=title))
    console.print(summary_table(graph))
    for path in written:
        console.print(f"wrote {escape(str(path))}")
    return graph


@app.command()
def build(
    paths: Annotated[list[Path], typer.Argument(help="Report files (.txt), directories of them, or .jsonl corpora.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory for graph.ttl and graph.html.")] = Path("kg-out"),
    format: Annotated[str, typer.Option("--format", "-f", help="turtle|nt|jsonld|trig|nquads")] = "turtle",
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first unreadable input.")] = False,
    html: Annotated[bool, typer.Option("--html/--no-html", help="Also write the interactive viewer.")] = True,
) -> None:
    """Read reports, extract facts, and write the graph (RDF) and its viewer (HTML).

    Example: kg build reports/ -o out
    """
    if format not in FORMAT_SUFFIX:
        _console(stderr=True).print(f"[red]error:[/red] unknown format {escape(format)}; use one of "
                                    f"{', '.join(sorted(FORMAT_SUFFIX))}")
        raise typer.Exit(2)
    graph = _build_into(paths, out, format, strict, html, title="Knowledge graph")
    if graph.report.failures:
        raise typer.Exit(2)


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
