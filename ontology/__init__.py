"""The project's vocabulary (``kg.ttl``), its SHACL shapes (``shapes.ttl``) and RDF building."""
from kg.ontology.namespaces import KG, KGD, NIF, ORG, PROV, SCHEMA, WDT  # noqa: F401
