"""The SPARQL endpoint, started as a subprocess and used through a real HTTP client."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rdflib

from kg.server import check_read_only, negotiate, Refused

SAMPLE = Path(__file__).parent / "fixtures" / "contract_sample.ttl"
PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kg: <https://w3id.org/orgkg/ontology#>
PREFIX schema: <https://schema.org/>
"""
PEOPLE = PREFIXES + 'SELECT ?name WHERE { ?p a schema:Person ; rdfs:label ?name FILTER(LANG(?name) = "zh-hans") } ORDER BY ?name'
PEOPLE_NAMES = ["周文静", "林晓峰", "赵大伟", "陈雨桐"]
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
TIMEOUT = 2.0


class Endpoint:
    def __init__(self, base: str):
        self.base = base

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        """(status, headers, body) for one request; HTTP errors are returned, not raised."""
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get(self, query: str, accept: str | None = None):
        headers = {"Accept": accept} if accept else {}
        return self.request("/sparql?" + urllib.parse.urlencode({"query": query}), headers=headers)

    def post_query(self, query: str, accept: str | None = None):
        headers = {"Content-Type": "application/sparql-query", **({"Accept": accept} if accept else {})}
        return self.request("/sparql", query.encode("utf-8"), headers)

    def post_form(self, fields: dict, accept: str | None = None):
        headers = {"Content-Type": "application/x-www-form-urlencoded", **({"Accept": accept} if accept else {})}
        return self.request("/sparql", urllib.parse.urlencode(fields).encode(), headers)


def _start(*args: str):
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "kg.server", str(SAMPLE), "--port", "0", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    line = process.stderr.readline()  # "SPARQL endpoint http://HOST:PORT/sparql (...)"
    match = re.search(r"http://([\d.]+):(\d+)/sparql", line)
    if not match:
        process.kill()
        raise AssertionError(f"server did not start: {line}{process.stderr.read()}")
    return process, match


@pytest.fixture(scope="module")
def endpoint():
    started = time.monotonic()
    process, match = _start("--timeout", str(TIMEOUT), "--max-results", "50", "--max-request-bytes", "20000")
    startup = time.monotonic() - started
    yield Endpoint(f"http://{match[1]}:{match[2]}"), match, startup
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def server(endpoint):
    return endpoint[0]


def test_binds_loopback_by_default_and_starts_quickly(endpoint):
    _, match, startup = endpoint
    assert match[1] == "127.0.0.1"
    # Generous against a loaded test machine; the goal is < 3 s on an idle one.
    assert startup < 15


def test_health(server):
    status, headers, body = server.request("/health")
    assert status == 200
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["triples"] == len(rdflib.Graph().parse(SAMPLE))


@pytest.mark.parametrize("form", ["get", "post_query", "post_form"])
def test_each_protocol_form_answers(server, form):
    if form == "post_form":
        status, headers, body = server.post_form({"query": PEOPLE})
    else:
        status, headers, body = getattr(server, form)(PEOPLE)
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    data = json.loads(body)
    assert [b["name"]["value"] for b in data["results"]["bindings"]] == PEOPLE_NAMES
    assert data["results"]["bindings"][0]["name"]["xml:lang"].lower() == "zh-hans"


def test_results_as_xml(server):
    status, headers, body = server.get(PEOPLE, "application/sparql-results+xml")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    names = [e.text for e in ET.fromstring(body).findall(".//r:binding/r:literal", ns)]
    assert names == PEOPLE_NAMES


@pytest.mark.parametrize("media, delimiter", [("text/csv", ","), ("text/tab-separated-values", "\t")])
def test_results_as_csv_and_tsv(server, media, delimiter):
    status, headers, body = server.get(PEOPLE, media)
    assert status == 200 and headers["Content-Type"].startswith(media)
    text = body.decode("utf-8")
    # TSV cells are RDF terms and are not quoted as CSV is.
    rows = list(csv.reader(io.StringIO(text))) if delimiter == "," else [r.split("\t") for r in text.splitlines()]
    assert rows[0] == (["name"] if media == "text/csv" else ["?name"])
    values = [row[0] for row in rows[1:]]
    # TSV writes RDF terms ("周文静"@zh-Hans), CSV plain values.
    assert values == (PEOPLE_NAMES if media == "text/csv" else [f"\"{n}\"@zh-hans" for n in PEOPLE_NAMES])


def test_accept_quality_values_choose_the_format(server):
    status, headers, _ = server.get(PEOPLE, "application/sparql-results+json;q=0.5, text/csv")
    assert headers["Content-Type"].startswith("text/csv")


def test_ask(server):
    status, _, body = server.get(PREFIXES + "ASK { ?a a kg:Award ; kg:recipientCount 30 }")
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("media, fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt")])
def test_construct_and_describe_as_graphs(server, media, fmt):
    construct = PREFIXES + "CONSTRUCT { ?a kg:honour ?h } WHERE { ?a a kg:Award ; kg:honour ?h }"
    status, headers, body = server.get(construct, media)
    assert status == 200 and headers["Content-Type"].startswith(media)
    graph = rdflib.Graph().parse(data=body.decode("utf-8"), format=fmt)
    assert len(graph) == 6
    status, _, body = server.post_query("DESCRIBE <https://w3id.org/orgkg/id/award/a4>", media)
    graph = rdflib.Graph().parse(data=body.decode("utf-8"), format=fmt)
    counts = list(graph.objects(predicate=rdflib.URIRef("https://w3id.org/orgkg/ontology#recipientCount")))
    assert counts == [rdflib.Literal(30)]


def test_unacceptable_format_is_406(server):
    status, _, body = server.get(PEOPLE, "image/png")
    assert status == 406 and b"offered" in body


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
        "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:1/data.ttl>",
        "# a comment\nCLEAR ALL",
        "DROP GRAPH <http://x/g>",
    ],
)
def test_updates_are_refused(server, query):
    for status, _, body in (server.get(query), server.post_query(query), server.post_form({"query": query})):
        assert status == 403, body
        assert b"read-only" in body
    assert server.get(PEOPLE)[0] == 200


def test_update_operations_are_refused(server):
    status, _, body = server.post_form({"update": "INSERT DATA { <http://x/a> <http://x/b> 1 }"})
    assert status == 403
    status, _, body = server.request(
        "/sparql", b"CLEAR ALL", {"Content-Type": "application/sparql-update"}
    )
    assert status == 403
    # Nothing was changed.
    assert json.loads(server.get(PEOPLE)[2])["results"]["bindings"][0]["name"]["value"] == "周文静"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o . SERVICE\n<http://127.0.0.1:1/sparql>{?s ?p ?o} }",
    ],
)
def test_service_is_refused(server, query):
    status, _, body = server.get(query)
    assert status == 403 and b"SERVICE" in body


def test_service_inside_strings_iris_and_comments_is_allowed(server):
    query = PREFIXES + (
        'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:1/>" AS ?x) '
        "FILTER(?x != <http://example.org/SERVICE>) } # SERVICE"
    )
    status, _, body = server.get(query)
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


def test_bad_sparql_is_400_with_the_position(server):
    status, _, body = server.get("SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert b"bad SPARQL" in body and b"1:" in body


def test_missing_query_and_wrong_content_type(server):
    assert server.request("/sparql")[0] == 400
    status, _, _ = server.request("/sparql", b"SELECT * {}", {"Content-Type": "text/plain"})
    assert status == 415


def test_oversized_request_is_413(server):
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 30_000
    assert server.post_query(query)[0] == 413
    assert server.post_form({"query": query})[0] == 413
    assert server.get(PEOPLE)[0] == 200


def test_result_size_limit_truncates_and_says_so(server):
    status, headers, body = server.get("SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 50
    assert headers["X-Result-Truncated"] == "50"
    status, headers, body = server.get(PEOPLE)
    assert "X-Result-Truncated" not in headers


def test_runaway_query_is_stopped_and_others_are_served(server):
    with ThreadPoolExecutor(4) as pool:
        runaway = pool.submit(server.get, CARTESIAN)
        time.sleep(0.2)
        # While the runaway query runs, another client is served.
        started = time.monotonic()
        status, _, body = server.get(PEOPLE)
        assert status == 200 and time.monotonic() - started < TIMEOUT
        started = time.monotonic()
        status, _, body = runaway.result()
    assert status == 503 and b"limit" in body
    assert time.monotonic() - started < TIMEOUT + 5
    # The worker was replaced: every worker answers again.
    for _ in range(4):
        assert server.get(PEOPLE)[0] == 200


def test_a_query_past_the_memory_limit_is_stopped_long_before_the_time_limit():
    # Sorting a cartesian product takes about 0.5 GB a second: within the time limit
    # (30 s here, 10 by default) every worker could take gigabytes.
    process, match = _start("--timeout", "30", "--max-memory", "300", "--workers", "1")
    try:
        server = Endpoint(f"http://{match[1]}:{match[2]}")
        started = time.monotonic()
        status, _, body = server.get("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?d ?g ?j")
        assert status == 503 and b"300 MB memory limit" in body
        assert time.monotonic() - started < 20
        status, _, body = server.get(PEOPLE)  # the worker was replaced
        assert status == 200 and [row["name"]["value"] for row in json.loads(body)["results"]["bindings"]] == PEOPLE_NAMES
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_fifty_concurrent_queries_are_all_answered_correctly(server):
    queries = []
    for i in range(50):
        if i % 3 == 0:
            queries.append((PEOPLE, PEOPLE_NAMES))
        elif i % 3 == 1:
            q = PREFIXES + 'SELECT ?h WHERE { ?a kg:honour/rdfs:label ?h ; kg:recipientCount ?n FILTER(LANG(?h)="zh-hans") }'
            queries.append((q, ["先进基层党组织"]))
        else:
            q = PREFIXES + f"SELECT ?n WHERE {{ BIND({i} * 2 AS ?n) }}"
            queries.append((q, [str(i * 2)]))

    def ask(item):
        query, expected = item
        status, _, body = server.post_form({"query": query})
        values = [next(iter(b.values()))["value"] for b in json.loads(body)["results"]["bindings"]]
        return status, values, expected

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(ask, queries))
    assert [(status, values) for status, values, _ in answers] == [(200, exp) for _, _, exp in answers]


def test_viewer_and_ontology_pages(server):
    status, headers, body = server.request("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    status, headers, body = server.request("/ontology")
    if status == 200:
        assert headers["Content-Type"].startswith("text/turtle")
        assert len(rdflib.Graph().parse(data=body.decode("utf-8"), format="turtle")) > 0
    else:
        assert status == 404
    assert server.request("/nothing-here")[0] == 404


def test_check_read_only_classifies_queries():
    assert check_read_only("PREFIX select: <http://x/> ASK { ?s select:p ?o }") == "ASK"
    assert check_read_only("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert check_read_only("SELECT ?insert WHERE { ?insert ?p 'DELETE' }") == "SELECT"
    with pytest.raises(Refused):
        check_read_only("WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    with pytest.raises(Refused):
        check_read_only("SELECT * { ?s ?p ?o } ; LOAD <http://x/>")


def test_negotiate_falls_back_to_the_default_for_wildcards():
    assert negotiate("text/html, */*;q=0.8", "SELECT") == "json"
    assert negotiate("application/n-triples", "DESCRIBE") == "ntriples"
    with pytest.raises(Refused):
        negotiate("text/csv", "CONSTRUCT")


def test_serve_rejects_a_bad_graph_with_one_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b \"unterminated .\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "kg.server", str(bad), "--port", "0"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "bad.ttl" in result.stderr and "line 2" in result.stderr


def test_the_readme_names_every_limit_of_kg_serve_with_its_default():
    import inspect

    from kg.server import serve_command

    readme = Path(__file__).parents[1] / "README.md"
    if not readme.exists():
        pytest.skip("no README.md beside the tests")
    section = readme.read_text("utf-8").split("### SPARQL over HTTP", 1)[1].split("```", 1)[0]
    defaults = {name: p.default for name, p in inspect.signature(serve_command).parameters.items()}
    for name in ("timeout", "max_results", "max_request_bytes", "max_memory"):
        option = "--" + name.replace("_", "-")
        default = f"{defaults[name]:,}" if isinstance(defaults[name], int) else f"{defaults[name]:g}"
        # The option, then its default within the same sentence.
        assert re.search(rf"`{option}`[^.]*?\b{re.escape(default)}\b", section), (option, default)
