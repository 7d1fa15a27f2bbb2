"""kg push: the SPARQL 1.1 Graph Store HTTP Protocol against a real Oxigraph server on loopback.

The graph is built from hand-made facts about fictional units, so these tests do not depend on
extraction.
"""
from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.batch import PushError, push_graph
from kg.cli import app
from kg.extract.facts import Document, DocumentFacts, Entity, Mention, Relation
from kg.ontology import build_dataset, save
from kg.ontology.namespaces import doc_iri

OXIGRAPH = shutil.which("oxigraph")
pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the oxigraph server is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(tmp_path: Path, command: str):
    port = _free_port()
    location = tmp_path / f"oxigraph-{command}"
    if command == "serve-read-only":
        subprocess.run([OXIGRAPH, "load", "--location", str(location), "--file", str(_graph(tmp_path))], check=True,
                       capture_output=True)
    process = subprocess.Popen([OXIGRAPH, command, "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):  # up to 20 s
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("oxigraph did not start")
    return process, url


@pytest.fixture
def server(tmp_path):
    process, url = _serve(tmp_path, "serve")
    yield url
    process.terminate()
    process.wait(timeout=10)


def _document(doc_id: str, unit: str, person: str) -> DocumentFacts:
    text = f"{unit}{person}获奖"
    facts = DocumentFacts(document=Document(id=doc_id, text=text, title=f"{unit}表彰", script="Hans"),
                          sentences=[(0, len(text))])
    facts.entities = {
        "Organization:u": Entity("Organization:u", "Organization", unit, org_class="Plant",
                                 mentions=[Mention(doc_id, 0, len(unit), unit, 0)]),
        "Person:p": Entity("Person:p", "Person", person,
                           mentions=[Mention(doc_id, len(unit), len(unit) + len(person), person, 0)]),
    }
    facts.relations = [Relation("Person:p", "memberOf", "Organization:u")]
    return facts


def _graph(tmp_path: Path) -> Path:
    path = tmp_path / "graph.nq"
    if not path.exists():
        save(build_dataset([_document("d1", "青禾机械厂", "郦志远"), _document("d2", "远山电站", "甘雨辰"),
                            _document("d3", "白鹭码头", "苏晓岚")]), path)
    return path


def _select(url: str, sparql: str) -> list[dict]:
    query = urllib.parse.urlencode({"query": sparql})
    request = urllib.request.Request(f"{url}/query?{query}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["results"]["bindings"]


def _file_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            graph = line.rsplit("<", 1)[1].split(">")[0]
            counts[graph] = counts.get(graph, 0) + 1
    return counts


def _server_counts(url: str) -> dict[str, int]:
    rows = _select(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_each_document_graph_is_sent_in_batches_and_can_be_queried_back(tmp_path, server):
    graph = _graph(tmp_path)
    report = push_graph(graph, f"{server}/store", batch_size=7)
    expected = _file_counts(graph)
    assert set(expected) == {str(doc_iri(d)) for d in ("d1", "d2", "d3")}
    assert _server_counts(server) == expected
    assert report.requests > len(expected)  # several batches per graph
    assert report.triples == sum(expected.values())
    labels = _select(server, "SELECT ?l WHERE { GRAPH ?g { ?p a <https://schema.org/Person> ; "
                             "<http://www.w3.org/2000/01/rdf-schema#label> ?l } FILTER(lang(?l) = 'zh-hans') }")
    assert sorted(row["l"]["value"] for row in labels) == ["甘雨辰", "苏晓岚", "郦志远"]
    # Pushing again replaces each graph (the first batch is a PUT): nothing is doubled or lost.
    push_graph(graph, f"{server}/store", batch_size=7)
    assert _server_counts(server) == expected


def test_everything_into_one_graph(tmp_path, server):
    graph = _graph(tmp_path)
    result = CliRunner().invoke(app, ["push", str(graph), "--endpoint", f"{server}/store",
                                      "--graph", "https://example.org/all"])
    assert result.exit_code == 0, result.output
    counts = _server_counts(server)
    assert list(counts) == ["https://example.org/all"]
    assert counts["https://example.org/all"] == sum(_file_counts(graph).values())
    assert f"sent{counts['https://example.org/all']}triplesin1graph(s)" in "".join(result.output.split())


def test_a_server_that_refuses_writes_gives_a_clear_error(tmp_path):
    process, url = _serve(tmp_path, "serve-read-only")
    try:
        result = CliRunner().invoke(app, ["push", str(_graph(tmp_path)), "--endpoint", f"{url}/store"])
    finally:
        process.terminate()
        process.wait(timeout=10)
    output = "".join(result.output.split())  # rich wraps long lines, even inside a URL
    assert result.exit_code == 2
    assert re.search(r"refusedPUTofgraphhttps://w3id.org/orgkg/id/doc/d[123]:HTTP403Forbidden", output)


def test_unreachable_server_fails_after_the_retries(tmp_path):
    with pytest.raises(PushError, match=r"failed after 3 attempts"):
        push_graph(_graph(tmp_path), f"http://127.0.0.1:{_free_port()}/store", retries=2, backoff=0.01)


def test_overloaded_server_is_retried(tmp_path):
    received = []

    class Flaky(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if len(received) < 2 and not getattr(self.server, "failed", False):
                self.server.failed = len(received) == 1
                received.append(None)
                self.send_response(503)
            else:
                received.append(body)
                self.send_response(204)
            self.end_headers()

        do_POST = do_PUT

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        report = push_graph(_graph(tmp_path), f"http://127.0.0.1:{httpd.server_port}/store", backoff=0.01)
    finally:
        httpd.shutdown()
    assert report.retries == 2 and report.graphs == 3
    assert sum(body.count(b"\n") for body in received if body) == sum(_file_counts(_graph(tmp_path)).values())
