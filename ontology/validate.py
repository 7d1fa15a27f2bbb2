"""Check a graph against the project's SHACL shapes (``ontology/shapes.ttl``) with pyshacl.

One check is done outside SHACL because it would run once per mention there: every
mention's ``nif:anchorOf`` must be its context's ``nif:isString`` between ``nif:beginIndex``
and ``nif:endIndex`` (code points, as NIF and SPARQL ``SUBSTR`` count).

>>> from rdflib import Graph, Literal
>>> from rdflib.namespace import RDF, RDFS
>>> from kg.ontology.namespaces import KG, KGD
>>> g = Graph()
>>> _ = g.add((KGD["honour/x"], RDF.type, KG.Honour))
>>> report = validate(g)
>>> report.conforms, report.violations[0].path
(False, 'http://www.w3.org/2000/01/rdf-schema#label')
>>> _ = g.add((KGD["honour/x"], RDFS.label, Literal("先进", lang="zh-Hans")))
>>> validate(g).conforms
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer
from rdflib import Dataset, Graph
from rdflib.namespace import RDF, SH
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.ontology.io import load
from kg.ontology.namespaces import NIF
from kg.ontology.rdf import merged_graph

_MISPLACED_ANCHORS = """
SELECT ?mention ?anchor WHERE {
    ?mention nif:referenceContext ?context ;
             nif:beginIndex ?begin ;
             nif:endIndex ?end ;
             nif:anchorOf ?anchor .
    ?context nif:isString ?text .
    FILTER (SUBSTR(?text, ?begin + 1, ?end - ?begin) != STR(?anchor))
}
"""


@dataclass(frozen=True)
class Violation:
    """One result of validation: which node, along which property, what is wrong."""

    focus_node: str
    path: str | None
    message: str
    severity: str  # "Violation", "Warning" or "Info"
    value: str | None = None
    shape: str | None = None


@dataclass
class ValidationReport:
    """Whether a graph conforms, and each violation when it does not."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    text: str = ""  # pyshacl's own report, for logs


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(data=files("kg.ontology").joinpath("shapes.ttl").read_text("utf-8"), format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    return Graph().parse(data=files("kg.ontology").joinpath("kg.ttl").read_text("utf-8"), format="turtle")


def validate(graph: Graph | Dataset) -> ValidationReport:
    """Validate ``graph`` (a dataset is validated as the union of its graphs)."""
    import pyshacl  # a second to import: only validation pays for it, not every CLI start

    data = merged_graph(graph) if isinstance(graph, Dataset) else graph
    conforms, results, text = pyshacl.validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none", allow_warnings=True
    )
    violations = [_violation(results, result) for result in results.subjects(RDF.type, SH.ValidationResult)]
    for mention, anchor in data.query(_MISPLACED_ANCHORS, initNs={"nif": NIF}):
        message = "nif:anchorOf is not the context's text between nif:beginIndex and nif:endIndex"
        violations.append(Violation(str(mention), str(NIF.anchorOf), message, "Violation", str(anchor)))
    violations.sort(key=lambda v: (v.focus_node, v.path or "", v.message))
    conforms = bool(conforms) and not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms=conforms, violations=violations, text=text)


def _violation(results: Graph, result) -> Violation:
    def value(predicate) -> str | None:
        node = results.value(result, predicate)
        return None if node is None else str(node)

    severity = value(SH.resultSeverity) or str(SH.Violation)
    return Violation(
        focus_node=value(SH.focusNode),
        path=value(SH.resultPath),
        message=value(SH.resultMessage) or "",
        severity=severity.rsplit("#", 1)[-1],
        value=value(SH.value),
        shape=value(SH.sourceShape),
    )


def validate_command(
    graph: Annotated[Path, typer.Argument(help="Graph file (.ttl, .nt, .jsonld, .trig, .nq).", dir_okay=False)],
) -> None:
    """Check GRAPH against the orgkg SHACL shapes; exit 1 when it does not conform."""
    console = Console(stderr=True)
    try:
        dataset = load(graph)
    except (OSError, ValueError) as error:  # unreadable file, unknown suffix, GraphParseError
        console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from error
    report = validate(dataset)
    if report.conforms:
        Console().print(f"[green]{escape(str(graph))}: conforms[/green]", highlight=False)
        return
    table = Table(title=escape(f"{graph}: {len(report.violations)} violation(s)"))
    for column in ("focus node", "path", "message", "value"):
        table.add_column(column, overflow="fold")
    for v in report.violations:
        table.add_row(*(escape(cell or "") for cell in (v.focus_node, v.path, v.message, v.value)))
    Console().print(table)
    raise typer.Exit(1)
