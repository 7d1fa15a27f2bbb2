"""The project's vocabulary (``kg.ttl``), its SHACL shapes (``shapes.ttl``) and RDF building.

>>> from kg.ontology import build_dataset, merged_graph, save, load
>>> len(merged_graph(build_dataset([])))
0

Validation lives in :mod:`kg.ontology.validate` (``validate(graph)``), imported on demand.
"""
from kg.ontology.io import GraphParseError, load, save  # noqa: F401
from kg.ontology.namespaces import KG, KGD, NIF, ORG, PROV, SCHEMA, WDT  # noqa: F401
from kg.ontology.rdf import add_document, build_dataset, merged_graph, remove_document  # noqa: F401
