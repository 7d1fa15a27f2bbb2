"""Bad input never crashes, corrupts or leaks: documents, graphs, queries and hostile text.

Every case here is a row of the table in ``docs/reliability.md``. The command line is
driven as users drive it: the ``kg`` console script in a subprocess where exit codes,
signals and crashes matter, ``typer.testing.CliRunner`` elsewhere. Tests marked
``xfail(strict=True)`` pin a known problem in code outside this file's owner's reach;
they fail loudly once the problem is fixed, so the marker can go.

The 50 MB document runs only with ``KG_SLOW=1`` (size: ``KG_SLOW_MB``).
"""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, URIRef
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.ontology.io import GraphParseError, check_json_nesting, load
from kg.ontology.namespaces import KG, NIF, RDF, RDFS, SCHEMA
from kg.ontology.validate import validate

# Fictional units and people only.
ARTICLE = (
    "青禾机械厂表彰先进\n"
    "来源：青禾机械厂办公室　时间：2020年5月4日　作者：林小河\n"
    "青禾机械厂检修车间主任王小明荣获“劳动模范”称号。\n"
)
ARTICLE_HANT = (
    "青禾機械廠表彰先進\n"
    "來源：青禾機械廠辦公室　時間：2020年5月4日　作者：林小河\n"
    "青禾機械廠檢修車間主任王小明榮獲“勞動模範”稱號。\n"
)
SENTENCE = "星河能源公司动力车间主任赵大山荣获“先进工作者”称号。"
CONTRACT_SAMPLE = Path(__file__).parent / "fixtures" / "contract_sample.ttl"
ENV = {**os.environ, "COLUMNS": "80", "PYTHONWARNINGS": "ignore"}  # rich's width when not on a terminal


def kg_command() -> list[str]:
    """The installed ``kg`` console script (or the same app run by this Python)."""
    script = shutil.which("kg")
    return [script] if script else [sys.executable, "-c", "from kg.cli import app; app(prog_name='kg')"]


def run_kg(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*kg_command(), *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)


def invoke(*args: str):
    """Run the CLI in this process (the pipeline is loaded once for all tests)."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "80"})


def lines_naming(stderr: str, name: str) -> list[str]:
    return [line for line in stderr.splitlines() if name in line]


def leftovers(folder: Path) -> list[str]:
    """Temporary files and scratch folders a write may leave behind."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.endswith(".tmp") or p.name.startswith((".assembly.", ".kg-add.", "tmp")))


def people(graph_file: Path) -> set[str]:
    return {p.name for p in kg.load(graph_file).people()}


# ================================================================ bad documents


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    """One ``kg build`` over good and bad inputs of every kind (relative paths: short lines)."""
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "good.txt").write_text(ARTICLE, "utf-8")
    (folder / "traditional.txt").write_bytes(ARTICLE_HANT.encode("big5"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "undecodable.txt").write_bytes("前言".encode("utf-8") + b" \xff\xfe\xff abc \xff")
    (folder / "nodocs").mkdir()
    (folder / "nodocs" / "notes.md").write_text("not a report", "utf-8")
    records = [
        json.dumps({"id": "line-1", "text": SENTENCE}, ensure_ascii=False),
        '{"id": "line-2", "text": "unterminated',
        json.dumps({"id": "line-3"}),
        "[1, 2, 3]",
        json.dumps({"id": "line-5", "text": "北辰电力公司运行部经理钱小燕荣获“三八红旗手”称号。"}, ensure_ascii=False),
    ]
    (folder / "corpus.jsonl").write_text("\n".join(records) + "\n", "utf-8")
    inputs = ["good.txt", "traditional.txt", "empty.txt", "binary.txt", "undecodable.txt", "nodocs", "corpus.jsonl"]
    result = run_kg("build", *inputs, "-o", "out", "--workers", "1", "--no-html", cwd=folder)
    return folder, result


def test_bad_documents_exit_2_without_a_traceback(mixed_run):
    _, result = mixed_run
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("binary.txt", "binary file"),
        ("undecodable.txt", "undecodable"),
        ("nodocs", "no .txt files"),
        ("corpus.jsonl: line 2", "invalid JSON"),
        ("corpus.jsonl: line 3", "'text' missing"),
        ("corpus.jsonl: line 4", "expected a JSON object"),
    ],
)
def test_each_bad_input_gets_one_line_naming_it_and_the_reason(mixed_run, name, reason):
    _, result = mixed_run
    (line,) = lines_naming(result.stderr, name)
    assert line.startswith("error:") and reason in line


def test_the_other_documents_are_still_processed(mixed_run):
    folder, result = mixed_run
    graph_file = folder / "out" / "graph.ttl"
    assert people(graph_file) == {"王小明", "赵大山", "钱小燕"}
    assert "empty" in " ".join(lines_naming(result.stderr, "warning:"))
    report = validate(load(graph_file))
    assert report.conforms, report.violations[:3]


def test_empty_file_gives_a_warning_and_an_empty_valid_graph():
    graph = kg.build_texts({"empty": ""})
    assert graph.report.empty == ["empty"]
    assert graph.summary()["entities"] == {"Organization": 0, "Person": 0, "Honour": 0, "Award": 0}
    assert validate(graph.dataset).conforms


def test_strict_stops_at_the_first_bad_input(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "good.txt").write_text(ARTICLE, "utf-8")
    result = invoke("build", "--strict", str(tmp_path / "binary.txt"), str(tmp_path / "good.txt"),
                    "-o", str(tmp_path / "out"), "--workers", "1", "--no-html")
    assert result.exit_code == 2
    assert "binary.txt" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_error_line_stays_one_line_for_a_long_path(tmp_path):
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 2)
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00" * 10)
    result = invoke("build", "--strict", str(folder / "binary.txt"), "-o", str(tmp_path / "out"), "--workers", "1")
    assert result.exit_code == 2
    assert len(lines_naming(result.stderr, "binary file")) == 1
    assert str(folder / "binary.txt") in lines_naming(result.stderr, "binary file")[0]


ENCODED = {
    "utf-8": ARTICLE.encode("utf-8"),
    "utf-8 with BOM": ARTICLE.encode("utf-8-sig"),
    "utf-16 LE with BOM": b"\xff\xfe" + ARTICLE.encode("utf-16-le"),
    "utf-16 BE with BOM": b"\xfe\xff" + ARTICLE.encode("utf-16-be"),
    "gb18030": ARTICLE.encode("gb18030"),
    "big5": ARTICLE_HANT.encode("big5"),
    "traditional in gb18030": ARTICLE_HANT.encode("gb18030"),
    "crlf": ARTICLE.replace("\n", "\r\n").encode("utf-8"),
    "cr": ARTICLE.replace("\n", "\r").encode("utf-8"),
}


@pytest.mark.parametrize("encoding", ENCODED)
def test_every_encoding_gives_the_same_facts(tmp_path, encoding):
    path = tmp_path / "report.txt"
    path.write_bytes(ENCODED[encoding])
    graph = kg.build(path)
    document = graph.facts[0].document
    assert not graph.report.failures
    assert (document.date, document.author) == ("2020-05-04", "林小河")
    assert document.title in ("青禾机械厂表彰先进", "青禾機械廠表彰先進")
    assert [p.name for p in graph.people()] == ["王小明"]
    assert [h.name for h in graph.honours()] == ["劳动模范"]
    assert "\r" not in document.text
    assert_anchors_match(graph, document.text)


def assert_anchors_match(graph, original: str) -> None:
    mentions = list(graph.graph.subjects(NIF.referenceContext, None))
    for mention in mentions:
        begin, end, anchor = (graph.graph.value(mention, p) for p in (NIF.beginIndex, NIF.endIndex, NIF.anchorOf))
        assert original[int(begin):int(end)] == str(anchor)


# Odd text: what each gives (people, honours); None = no expectation beyond "no crash, valid graph".
ODD_TEXTS = {
    "full-width punctuation": ("青禾机械厂检修车间主任王小明荣获＂劳动模范＂称号．王小明表示：＂感谢！＂", {"王小明"}),
    "full-width letters and digits": ("２０２０年５月，ＡＢＣ青禾机械厂检修车间主任王小明荣获“劳动模范”称号。", {"王小明"}),
    "full-width spaces": ("青禾机械厂　检修车间主任　王小明　荣获“劳动模范”称号。", None),
    "mixed scripts": ("青禾機械廠检修车间主任王小明荣获“劳动模范”稱號，Team Alpha 및 チーム。", {"王小明"}),
    "pinyin inside a name": ("青禾机械厂检修车间主任王(wáng)小明荣获“劳(láo)动模范”称号。", {"王小明"}),
    "pinyin at the start": ("(chuàng)青禾机械厂检修车间主任王小明荣获“劳动模范”称号。", {"王小明"}),
    "pinyin after Latin letters": ("ABC(chuàng)青禾机械厂检修车间主任王小明荣获“劳动模范”称号。", {"王小明"}),
    "pinyin nested": ("青禾机械厂检修车间主任王小明(wáng(xiǎo))荣获“劳动模范”称号。", None),
    "pinyin unbalanced": ("青禾机械厂检修车间主任王(wáng小明荣获“劳动模范”称号。（yōu", None),
    "zero-width space in a name": ("青禾机械厂检修车间主任王\u200b小明荣获“劳动模范”称号。", {"王小明"}),
    "RTL override": ("青禾机械厂检修车间主任\u202e王小明荣获“劳动模范”称号。", {"王小明"}),
    "English": ("The Qinghe Machinery Plant's workshop director Wang Xiaoming won the model worker title.", set()),
    "Arabic": ("حصل وانغ شياو مينغ على لقب العامل النموذجي", set()),
    "emoji and controls": ("🎉\U0001F600\x1b[31m\x07\u2028\u2029\ufeff", set()),
    "punctuation only": ("。。。，，，“”“”！！《》（）", set()),
    "whitespace only": (" \n\t\u3000\n ", set()),
}


@pytest.mark.parametrize("case", ODD_TEXTS)
def test_odd_text_gives_a_correct_or_empty_valid_graph(case):
    text, expected = ODD_TEXTS[case]
    graph = kg.build_texts({"odd": text})
    if expected is not None:
        assert {p.name for p in graph.people()} == expected
    assert_anchors_match(graph, graph.facts[0].document.text)
    report = validate(graph.dataset)
    assert report.conforms, report.violations[:3]


# Format characters (Unicode category Cf): zero-width, joiners, word joiner, BOM, soft hyphen, bidi controls.
FORMAT_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Control characters (Cc) other than tab and line ends: NUL, bell, backspace, vertical tab, form feed,
# ESC, unit separator, DEL, next line (C1). Before, they split a name (王小\x00明 was 王小, with no award).
CONTROL_CHARACTERS = "\x00\x07\x08\x0b\x0c\x1b\x1f\x7f\x85"


@pytest.mark.parametrize("char", FORMAT_CHARACTERS + CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_format_or_control_character_in_or_before_a_name_hides_nothing(char):
    text = f"青禾机械厂检修车间主任王{char}小明荣获“劳动模范”称号。星河能源公司动力车间主任{char}赵大山荣获“先进工作者”称号。"
    graph = kg.build_texts({"odd": text})
    mentions = {e.name: [(m.start, m.end, m.text) for m in e.mentions] for e in graph.facts[0].entities.values()}
    # Inside a name the character stays in the anchor; before it, it stays out.
    assert mentions["王小明"] == [(11, 15, f"王{char}小明")]
    assert mentions["赵大山"] == [(text.index("赵"), text.index("赵") + 3, "赵大山")]
    assert {h.name for h in graph.honours()} == {"劳动模范", "先进工作者"}
    assert_anchors_match(graph, text)


def test_a_very_long_line(tmp_path):
    # 5,000 characters of clauses with no sentence end, then a line of 5,000 letters.
    line = "青禾机械厂检修车间主任王小明，星河能源公司动力车间主任赵大山，" * 170
    path = tmp_path / "long.txt"
    path.write_text(line + "\n" + "a" * 5000 + "\n" + SENTENCE + "\n", "utf-8")
    graph = kg.build(path)
    assert {p.name for p in graph.people()} == {"王小明", "赵大山"}
    assert {o.name for o in graph.organisations()} >= {"星河能源公司", "星河能源公司动力车间"}
    assert_anchors_match(graph, graph.facts[0].document.text)


def test_a_long_line_without_a_sentence_mark_gives_a_graph_linear_in_its_length():
    # Every mention carries its sentence (kg:sentence): a line of clauses with no sentence
    # mark made the graph grow with the square of its length (a 1 MB line: terabytes).
    clauses = "青禾机械厂检修车间主任王小明，星河能源公司动力车间主任赵大山，"
    sizes = []
    for repeats in (100, 300):
        graph = kg.build_texts({"long": clauses * repeats})
        sizes.append(len(graph.dataset.serialize(format="nquads").encode()))
    assert sizes[1] < 4 * sizes[0]  # 3 times the text; was 9 times the graph
    assert {p.name for p in graph.people()} == {"王小明", "赵大山"}
    assert max(len(str(s)) for s in graph.graph.objects(None, KG.sentence)) <= 1000
    assert_anchors_match(graph, clauses * 300)


def test_a_jsonl_line_cut_short_gives_the_column_where_it_ends(tmp_path):
    corpus = tmp_path / "cut.jsonl"
    corpus.write_text('{"id": "a", "text": "王小明荣获“劳动模范”称号。"}\n{"id": "b", "text": \n', "utf-8")
    result = invoke("build", str(corpus), "-o", str(tmp_path / "out"), "--workers", "1")
    assert result.exit_code == 2
    assert "line 2: invalid JSON: Expecting value (column 21)" in result.output  # was "column 1"


def test_a_long_run_of_unit_names():
    graph = kg.build_texts({"run": "青禾机械厂检修车间" * 555})
    assert not graph.report.failures, graph.report.failures
    assert max(len(o.name) for o in graph.organisations()) <= 50


def test_a_report_that_breaks_extraction_is_listed_and_the_rest_built(tmp_path, monkeypatch):
    import kg.extract.pipeline

    real_extract = kg.extract.pipeline.extract

    def extract(document, nlp=None):
        if document.id == "breaks":
            raise RecursionError("maximum recursion depth exceeded")
        return real_extract(document, nlp)

    monkeypatch.setattr(kg.extract.pipeline, "extract", extract)
    (tmp_path / "breaks.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "fine.txt").write_text(SENTENCE, "utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00" * 10)
    graph = kg.build(tmp_path)
    assert [str(f) for f in graph.report.failures] == [
        f"{tmp_path / 'binary.txt'}: binary file (contains NUL bytes)",
        "breaks: extraction failed: RecursionError: maximum recursion depth exceeded"]
    assert [p.name for p in graph.people()] == ["赵大山"] and graph.report.documents == 1
    assert validate(graph.dataset).conforms
    with pytest.raises(RecursionError):
        kg.build(tmp_path / "breaks.txt", strict=True)


def big_report(megabytes: float) -> tuple[str, set[str]]:
    """About ``megabytes`` MB (UTF-8) of varied fictional award sentences, and the people in them."""
    places, trades = "青禾星河北辰东岳南溪西岭", ["机械厂", "能源公司", "电力公司", "建材厂"]
    surnames, given = "王李张刘陈杨赵黄周吴", "伟芳敏静强磊军洋勇艳"
    sentences, names = [], set()
    for k in range(len(places) * len(trades)):
        place, trade = places[k // 4], trades[k % 4]
        name = surnames[k % 10] + given[k // 10] + given[k * 3 % 10]  # unique: its first two characters give k
        names.add(name)
        sentences.append(f"{place}{places[(k // 4 + 1) % 12]}{trade}检修车间主任{name}荣获“劳动模范”称号。")
    block = "\n".join(sentences) + "\n"
    copies = max(1, int(megabytes * 1e6 / len(block.encode("utf-8"))))
    return "青禾机械厂年度表彰汇编\n" + block * copies, names


@pytest.mark.skipif(not os.environ.get("KG_SLOW"), reason="set KG_SLOW=1 to build a ~50 MB document")
def test_large_single_document_in_bounded_memory(tmp_path):
    megabytes = float(os.environ.get("KG_SLOW_MB", "50"))
    path = tmp_path / "big.txt"
    text, names = big_report(megabytes)
    path.write_text(text, "utf-8")
    # A parent process that reports its child's peak memory, so nothing else in this run counts.
    measure = textwrap.dedent("""
        import resource, subprocess, sys, time
        started = time.monotonic()
        code = subprocess.call(sys.argv[1:])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{code} {peak:.0f} {time.monotonic() - started:.1f}")
    """)
    result = subprocess.run(
        [sys.executable, "-c", measure, *kg_command(), "build", str(path), "-o", str(tmp_path / "out"),
         "--workers", "1", "--no-html", "--format", "nquads"],
        env=ENV, capture_output=True, text=True, timeout=float(os.environ.get("KG_SLOW_TIMEOUT", "7200")))
    code, peak_mb, seconds = result.stdout.split()[-3:]
    print(f"{path.stat().st_size / 1e6:.2f} MB document: exit {code}, peak {peak_mb} MB, {seconds} s")
    assert code == "0"
    assert float(peak_mb) < float(os.environ.get("KG_SLOW_MAX_MB", "1000"))
    assert people_in_nquads(tmp_path / "out" / "graph.nq") == names


def people_in_nquads(path: Path) -> set[str]:
    """The Simplified labels of the people of an N-Quads file read a line at a time: a 50 MB
    document's graph takes GBs of text, too much for a graph in memory."""
    typed, label = f"<{RDF.type}> <{SCHEMA.Person}> ".encode(), f"<{RDFS.label}> ".encode()
    people, labels = set(), {}
    with open(path, "rb") as lines:
        for line in lines:
            subject, rest = line.split(b" ", 1)
            if rest.startswith(typed):
                people.add(subject)
            elif rest.startswith(label) and b'"@zh-Hans ' in rest:
                labels.setdefault(subject, set()).add(rest[len(label) + 1 : rest.index(b'"@zh-Hans ')].decode())
    return {name for person in people for name in labels.get(person, ())}


# ================================================================ output atomicity


@pytest.fixture
def previous_output(tmp_path):
    """An output folder holding a previous run's files (made-up content) and one new report."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.ttl").write_text("# the previous graph\n", "utf-8")
    (out / "graph.html").write_text("<!-- the previous page -->", "utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "report.txt").write_text(ARTICLE, "utf-8")
    return tmp_path


def assert_previous_output_intact(out: Path) -> None:
    assert (out / "graph.ttl").read_text("utf-8") == "# the previous graph\n"
    assert (out / "graph.html").read_text("utf-8") == "<!-- the previous page -->"
    assert leftovers(out) == []


def fail_when_replacing(monkeypatch, name: str, error: BaseException) -> None:
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(target).name == name:
            raise error
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def test_interrupt_while_saving_keeps_the_previous_output(previous_output, monkeypatch):
    fail_when_replacing(monkeypatch, "graph.ttl", KeyboardInterrupt())
    result = invoke("build", str(previous_output / "in"), "-o", str(previous_output / "out"), "--workers", "1")
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert_previous_output_intact(previous_output / "out")


def test_disk_full_while_saving_keeps_the_previous_output(previous_output, monkeypatch):
    fail_when_replacing(monkeypatch, "graph.ttl", OSError(28, "No space left on device"))
    invoke("build", str(previous_output / "in"), "-o", str(previous_output / "out"), "--workers", "1")
    assert_previous_output_intact(previous_output / "out")


def test_disk_full_while_saving_is_one_error_line(previous_output, monkeypatch):
    fail_when_replacing(monkeypatch, "graph.ttl", OSError(28, "No space left on device"))
    result = invoke("build", str(previous_output / "in"), "-o", str(previous_output / "out"), "--workers", "1")
    assert result.exit_code == 2 and "No space left" in result.stderr
    assert not isinstance(result.exception, OSError)


def test_api_save_failing_midway_keeps_the_old_files(tmp_path, monkeypatch):
    graph = kg.build_texts({"a": ARTICLE})
    for name in ("graph.ttl", "graph.jsonld", "graph.html"):
        (tmp_path / name).write_text("old", "utf-8")
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "I/O error")))
    for name in ("graph.ttl", "graph.jsonld"):
        with pytest.raises(OSError):
            graph.save(tmp_path / name)
    monkeypatch.setattr(os, "chmod", lambda *a: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(OSError):
        graph.save_html(tmp_path / "graph.html")
    assert {p.name: p.read_text("utf-8") for p in tmp_path.iterdir()} == {
        "graph.ttl": "old", "graph.jsonld": "old", "graph.html": "old"}


def signal_during_assembly(folder: Path, signum: int) -> subprocess.CompletedProcess:
    """Start ``kg build`` and send ``signum`` once it is writing the graph (its scratch folder exists)."""
    out = folder / "out"
    process = subprocess.Popen(
        [*kg_command(), "build", "in", "-o", "out", "--workers", "1"], cwd=folder, env=ENV, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a background job may ignore SIGINT
    deadline = time.monotonic() + 120
    while process.poll() is None and not list(out.glob(".assembly.pid*")) and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def terminated_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("terminated")
    (folder / "out").mkdir()
    (folder / "out" / "graph.ttl").write_text("# the previous graph\n", "utf-8")
    (folder / "in").mkdir()
    (folder / "in" / "report.txt").write_text(ARTICLE, "utf-8")
    return folder, signal_during_assembly(folder, signal.SIGTERM)


def test_kill_while_writing_keeps_the_previous_graph(terminated_run):
    folder, result = terminated_run
    assert result.returncode != 0
    assert (folder / "out" / "graph.ttl").read_text("utf-8") == "# the previous graph\n"
    assert not list((folder / "out").glob("*.tmp"))


def test_kill_while_writing_leaves_no_scratch_folder(terminated_run):
    folder, _ = terminated_run
    assert leftovers(folder / "out") == []


# ================================================================ bad graphs and queries

MALFORMED = {  # content, line and column of the error
    "bad.ttl": ('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n', 3, 11),
    "bad.jsonld": ('{"@id": "http://example.org/a",\n  "http://example.org/b": [1, }\n', 2, 31),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_load_names_line_and_column(tmp_path, name):
    content, line, column = MALFORMED[name]
    (tmp_path / name).write_text(content, "utf-8")
    with pytest.raises(GraphParseError) as caught:
        kg.load(tmp_path / name)
    assert (caught.value.line, caught.value.column) == (line, column)


@pytest.mark.parametrize("name", MALFORMED)
@pytest.mark.parametrize("command", [["query", "{graph}", "SELECT * WHERE { ?s ?p ?o }"], ["validate", "{graph}"],
                                     ["viz", "{graph}", "-o", "{folder}/page.html"], ["stats", "{graph}"]])
def test_commands_on_a_malformed_graph_exit_2_with_line_and_column(tmp_path, name, command):
    content, line, column = MALFORMED[name]
    graph = tmp_path / name
    graph.write_text(content, "utf-8")
    args = [a.replace("{graph}", str(graph)).replace("{folder}", str(tmp_path)) for a in command]
    result = CliRunner().invoke(app, args,
                                env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = " ".join(result.stderr.split())
    assert str(graph) in message
    assert re.search(rf"line {line}\b", message) and re.search(rf"column {column}\b", message), message
    assert not (tmp_path / "page.html").exists()


# Contexts rdflib reads without a word, as no context (an empty or partial graph); pyoxigraph's reasons.
INVALID_CONTEXTS = {
    "vocab-number": ({"@vocab": 5}, "@vocab value must be a string"),
    "term-number": ({"name": 5}, "Term definition value must be null, a string or a map"),
    "version-2": ({"@version": 2}, "The only supported @version value is 1.1"),
}


def invalid_context_graph(folder: Path, case: str, suffix: str = ".jsonld") -> Path:
    path = folder / f"context-{case}{suffix}"
    node = {"@context": INVALID_CONTEXTS[case][0], "@id": "http://example.org/a", "http://example.org/b": "x"}
    path.write_text(json.dumps(node), "utf-8")
    return path


@pytest.mark.parametrize("case", INVALID_CONTEXTS)
def test_load_refuses_an_invalid_jsonld_context(tmp_path, case):
    path = invalid_context_graph(tmp_path, case)
    with pytest.raises(GraphParseError) as caught:
        kg.load(path)
    assert str(caught.value).startswith(f"{path}: {INVALID_CONTEXTS[case][1]}")


@pytest.mark.parametrize("suffix", [".jsonld", ".json"])  # kg query reads .json with rdflib
@pytest.mark.parametrize("command", [["query", "{graph}", "SELECT * WHERE { ?s ?p ?o }"], ["validate", "{graph}"],
                                     ["viz", "{graph}", "-o", "{folder}/page.html"], ["stats", "{graph}"]])
def test_commands_on_an_invalid_jsonld_context_exit_2_with_the_reason(tmp_path, command, suffix):
    # Before, kg validate said "conforms", kg viz drew an empty page and kg stats counted nothing.
    graph = invalid_context_graph(tmp_path, "vocab-number", suffix)
    args = [a.replace("{graph}", str(graph)).replace("{folder}", str(tmp_path)) for a in command]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {graph}: @vocab value must be a string"
    assert result.stdout == "" and not (tmp_path / "page.html").exists()


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter: a crash there cannot take the test run down."""
    return subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=timeout)


def nested_jsonld(path: Path, depth: int = 8000) -> Path:
    path.write_text('{"@id": "http://example.org/a", "http://example.org/b": ' * depth + "1" + "}" * depth, "utf-8")
    return path


def test_load_of_a_deeply_nested_graph_is_an_error_not_a_crash(tmp_path):
    path = nested_jsonld(tmp_path / "deep.jsonld")
    result = run_python(f"import kg\ntry:\n    kg.load({str(path)!r})\nexcept ValueError as e:\n    print(e)")
    assert result.returncode == 0, f"crashed with {result.returncode}"
    assert "deep.jsonld" in result.stdout and "nested too deeply" in result.stdout


@pytest.mark.parametrize("suffix", [".jsonld", ".json"])  # read by pyoxigraph and by rdflib
def test_query_on_a_deeply_nested_graph_is_an_error_not_a_crash(tmp_path, suffix):
    # Unchecked, pyoxigraph's parser crashes (SIGSEGV) on this after 10-30 s.
    path = nested_jsonld(tmp_path / f"deep{suffix}")
    started = time.monotonic()
    result = run_kg("query", str(path), "SELECT * WHERE { ?s ?p ?o }", cwd=tmp_path, timeout=60)
    assert result.returncode == 2, f"exit {result.returncode}"
    assert f"deep{suffix}: nested too deeply to read" in " ".join(result.stderr.split())
    assert time.monotonic() - started < 5


def json_depth(value) -> int:
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    return 0 if children is None else 1 + max(map(json_depth, children), default=0)


_JSON_TEXT = st.text(st.sampled_from('"\\{}[]:,x王\n'), max_size=6)  # quotes, backslashes and brackets in strings
_JSON = st.recursive(st.none() | st.integers() | _JSON_TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_JSON_TEXT, inner, max_size=3), max_leaves=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_JSON, chunk_size=st.integers(1, 9), ensure_ascii=st.booleans())
def test_the_nesting_check_counts_brackets_outside_strings_only(tmp_path, value, chunk_size, ensure_ascii):
    # Small chunks end inside strings, inside escapes and between backslashes.
    path = tmp_path / "value.json"
    path.write_text(json.dumps(value, ensure_ascii=ensure_ascii), "utf-8")
    depth = json_depth(value)
    check_json_nesting(path, limit=depth, chunk_size=chunk_size)
    if depth:
        with pytest.raises(GraphParseError, match="nested too deeply"):
            check_json_nesting(path, limit=depth - 1, chunk_size=chunk_size)


DEEP_QUERY = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000  # 10 kB


def test_deeply_nested_query_is_an_error_not_a_crash(tmp_path):
    result = run_kg("query", str(CONTRACT_SAMPLE), DEEP_QUERY, cwd=tmp_path)
    assert result.returncode == 2, f"exit {result.returncode}"


# ---------------------------------------------------------------- the endpoint (what tests/test_server.py leaves out)


@pytest.fixture(scope="module")
def endpoint():
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "kg.server", str(CONTRACT_SAMPLE), "--port", "0", "--workers", "2",
         "--timeout", "5"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    match = re.search(r"http://([\d.]+):(\d+)/sparql", process.stderr.readline())
    assert match, "server did not start"
    yield match[1], int(match[2])
    process.terminate()
    process.wait(timeout=20)


def ask(endpoint, query: str) -> tuple[int, bytes]:
    host, port = endpoint
    url = f"http://{host}:{port}/sparql?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_a_query_that_crashes_its_worker_does_not_stop_the_endpoint(endpoint):
    status, _ = ask(endpoint, DEEP_QUERY)
    assert status != 200
    for _ in range(4):  # every worker, including the replacement, answers
        status, body = ask(endpoint, COUNT)
        assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 0


def test_a_deeply_nested_query_is_refused_as_a_client_error(endpoint):
    status, _ = ask(endpoint, DEEP_QUERY)
    assert 400 <= status < 500


def test_a_client_that_never_finishes_its_request_blocks_no_one(endpoint):
    stalled = [socket.create_connection(endpoint) for _ in range(8)]
    try:
        for connection in stalled:
            connection.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n")  # and then nothing
        status, _ = ask(endpoint, COUNT)
        assert status == 200
    finally:
        for connection in stalled:
            connection.close()


# ================================================================ hostile content

# Honours the extractor takes from quotes as they are, markup and all.
HOSTILE_HONOURS = {"<img src=x onerror=alert(1)>{}", "&lt;b&gt;{x}"}
HOSTILE_TEXT = (
    "x</script><!--<script>alert(1)</script>标题\n"
    "青禾机械厂检修车间主任王小明荣获“<img src=x onerror=alert(1)>{}”称号。\n"
    "星河能源公司动力车间主任赵大山荣获“&lt;b&gt;\u202e{x}”称号，他说：\"</script><b>\"\n"
)
HOSTILE_ID = 'a<b>"{c}|^`\\ \u202e\u200bd'
HOSTILE_RECORD = {"id": 'line\n"break" <x>', "title": 'ends in quotes ""\n\\"', "author": "\u202eevil\u200b",
                  "text": "北辰电力公司运行部经理钱小燕荣获“三八红旗手”称号。"}


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "in").mkdir()
    (folder / "in" / f"{HOSTILE_ID}.txt").write_text(HOSTILE_TEXT, "utf-8")
    (folder / "corpus.jsonl").write_text(json.dumps(HOSTILE_RECORD, ensure_ascii=False) + "\n", "utf-8")
    return kg.build(folder / "in", folder / "corpus.jsonl"), folder


def test_hostile_names_reach_the_graph_intact(hostile_graph):
    graph, _ = hostile_graph
    assert {h.name for h in graph.honours()} >= HOSTILE_HONOURS
    # The override is left out of the label but kept in the anchor, which is the original text.
    assert "&lt;b&gt;\u202e{x}" in {str(anchor) for anchor in graph.graph.objects(None, NIF.anchorOf)}
    assert {f.document.id for f in graph.facts} == {HOSTILE_ID, HOSTILE_RECORD["id"]}
    for s, p, o in graph.graph:
        for term in (s, p, o):
            if isinstance(term, URIRef):
                assert not re.search(r'[\s<>"{}|^`\\\u200b\u202e]', str(term)), term


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".trig", ".nq", ".jsonld"])
def test_hostile_names_round_trip_in_every_format(hostile_graph, suffix):
    graph, folder = hostile_graph
    loaded = load(graph.save(folder / f"graph{suffix}"))
    assert {(s, p, o) for s, p, o, _ in loaded.quads()} == set(graph.graph)


CONTROL_RECORD = {"id": "controls", "title": "标题\x1b[31m", "author": "作\x00者",
                  "text": "青禾机械厂党委授予检修车间主任王小\x00明“劳动模范”称号。\x1b[0m他说\x07：\x7f好\x0c。"}
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@pytest.mark.parametrize("fmt, suffix", [("nquads", ".nq"), ("turtle", ".ttl"), ("nt", ".nt"), ("trig", ".trig"),
                                         ("jsonld", ".jsonld")])
def test_a_control_character_in_a_sentence_is_escaped_in_every_format(tmp_path, fmt, suffix):
    # Before, rdflib's writers and kg build's N-Quads lines left NUL, ESC, BEL, DEL and FF raw in literals.
    corpus = tmp_path / "controls.jsonl"
    corpus.write_text(json.dumps(CONTROL_RECORD, ensure_ascii=False) + "\n", "utf-8")
    built = invoke("build", str(corpus), "-o", str(tmp_path / "out"), "--format", fmt, "--workers", "1", "--no-html")
    assert built.exit_code == 0, built.output
    graph = kg.build(corpus)
    for path in (tmp_path / "out" / f"graph{suffix}", graph.save(tmp_path / f"saved{suffix}")):
        assert RAW_CONTROL.search(path.read_bytes()) is None, path
        loaded = kg.load(path)
        assert {p.name for p in loaded.people()} == {"王小明"}
        assert {str(o) for o in loaded.graph.objects(None, NIF.anchorOf)} >= {"王小\x00明"}
    assert {(s, p, o) for s, p, o, _ in load(tmp_path / f"saved{suffix}").quads()} == set(graph.graph)


def test_hostile_names_stay_text_in_the_viewer(hostile_graph):
    graph, folder = hostile_graph
    page = graph.save_html(folder / "graph.html", title='<script>alert("title")</script>').read_text("utf-8")
    # Three script elements (vis-network, the data island, the viewer) and no markup from the text.
    assert page.count("</script") == 3
    assert "<img" not in page and "<script>alert" not in page and "<!--" not in page
    island = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    data = json.loads(island.group(1))
    assert {item["l"] for item in data["details"]} >= HOSTILE_HONOURS
    assert any('"</script><b>"' in sentence for sentence in data["sentences"])
    assert any("</script><!--<script>" in (headline or "") for _, headline, _ in data["docs"])
