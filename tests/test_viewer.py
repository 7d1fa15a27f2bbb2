"""The viewer page, driven in a real headless Chromium with the network blocked."""
from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

from kg.projection import to_networkx
from kg.viz import notebook_html, render_html, screenshot, write_html
from kg.viz.browser import chromium_path
from kg.viz.layout import balloon_layout

FIXTURE = Path(__file__).parent / "fixtures" / "viewer_sample.ttl"
XSS = "<img src=x onerror=alert(1)>"
KGD = "https://w3id.org/orgkg/id/"


@pytest.fixture(scope="module")
def graph():
    return to_networkx(Graph().parse(FIXTURE))


def iri_of(graph, label):
    (node,) = [n for n, data in graph.nodes(data=True) if data["label"] == label]
    return node


# ---- the page as text (no browser) ----


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_document_text_cannot_break_out_of_the_data_block(graph):
    page = render_html(graph)
    data = embedded_data(page)
    # The alias "</script><!--" and the headline's U+2028 travel escaped and come back intact.
    xss = next(d for d in data["details"] if d["l"] == XSS)
    assert xss["al"] == ["</script><!--"]
    assert any("\u2028" in (headline or "") for _, headline, _ in data["docs"])
    assert "</script><!--" not in page
    assert XSS not in page
    assert "\u2028" not in page and "\u2029" not in page


def test_page_has_no_external_reference(graph):
    page = render_html(graph)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "bootstrap" not in page.lower()
    assert "default-src 'none'" in page


def test_title_is_escaped(graph):
    page = render_html(graph, title="<b>单位</b> & co")
    assert "<b>单位</b>" not in page
    assert page.count("&lt;b&gt;单位&lt;/b&gt; &amp; co") == 2  # <title> and the heading


def test_search_keys_cover_both_scripts(graph):
    data = embedded_data(render_html(graph))
    keys = {d["l"]: d["q"].split("\n") for d in data["details"]}
    assert "趙明遠" in keys["赵明远"]  # Simplified source, found by its Traditional form
    assert "陳嘉穎" in keys["陈嘉颖"] and "陈嘉颖" in keys["陈嘉颖"]
    assert "青川鋁業" in keys["青川铝业有限公司"]  # an alias, converted


def test_notebook_html_is_an_escaped_sandboxed_iframe():
    page = '<html><body><script>alert("x")</script>&amp;</body></html>'
    frame = notebook_html(page)
    assert frame.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in frame
    assert "<script>" not in frame and "&amp;amp;" in frame and "&quot;x&quot;" in frame


def test_write_html_replaces_the_file_atomically(graph, tmp_path):
    target = tmp_path / "graph.html"
    target.write_text("old")
    write_html(graph, target, title="T")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]  # no temporary left behind


# ---- in the browser ----

needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="no Chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    if chromium_path() is None:
        pytest.skip("no Chromium at /usr/bin/chromium")
    pytest.importorskip("playwright.sync_api")
    from kg.viz.browser import launch

    with launch() as running:
        yield running


@pytest.fixture(scope="module")
def page_file(graph, tmp_path_factory):
    return write_html(graph, tmp_path_factory.mktemp("viewer") / "sample.html", title="Sample")


@pytest.fixture
def viewer(browser, page_file):
    from kg.viz.browser import open_page

    offline = open_page(browser, page_file)
    offline.wait_ready(60)
    yield offline
    offline.page.close()


def index_of(viewer, iri) -> int:
    return viewer.page.evaluate("(iri) => kgView.details.findIndex((d) => d.iri === iri)", iri)


def panel_text(viewer) -> str:
    return viewer.page.inner_text("#kg-panel")


@needs_chromium
def test_page_loads_offline_and_draws_every_node_and_edge(viewer, graph):
    assert viewer.blocked == []
    assert viewer.errors == []
    counts = viewer.page.evaluate("kgView.visibleCounts()")
    assert counts == {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    assert viewer.page.evaluate("kgNetwork.physics.options.enabled") is False  # stopped once stable


@needs_chromium
@pytest.mark.parametrize(
    "query, label",
    [("赵明远", "赵明远"), ("趙明遠", "赵明远"), ("陳嘉穎", "陈嘉颖"), ("青川鋁業", "青川铝业有限公司"), ("熔铸厂党支", "第二熔铸厂党支部")],
)
def test_search_focuses_the_node_in_either_script(viewer, graph, query, label):
    viewer.page.fill("#kg-search", query)
    viewer.page.press("#kg-search", "Enter")
    expected = index_of(viewer, iri_of(graph, label))
    assert viewer.page.evaluate("kgNetwork.getSelectedNodes()") == [expected]
    assert viewer.page.inner_text("#kg-panel h2") == label


@needs_chromium
def test_clicking_a_person_shows_honours_and_source_sentence(viewer, graph):
    person = index_of(viewer, iri_of(graph, "赵明远"))
    # Centre the view on the person, then click where it is drawn.
    point = viewer.page.evaluate(
        """(i) => {
            const pos = kgNetwork.getPositions([i])[i];
            kgNetwork.moveTo({position: pos, scale: 1.5, animation: false});
            const dom = kgNetwork.canvasToDOM(pos);
            const box = document.getElementById("kg-graph").getBoundingClientRect();
            return {x: box.left + dom.x, y: box.top + dom.y};
        }""",
        person,
    )
    viewer.page.mouse.click(point["x"], point["y"])
    assert viewer.page.evaluate("kgNetwork.getSelectedNodes()") == [person]
    text = panel_text(viewer)
    assert "优秀共产党员 — 2021-07-01" in text
    assert "第二熔铸厂工人赵明远荣获“优秀共产党员”称号。" in text
    assert "趙明遠" in text  # the name in the other script
    assert viewer.page.inner_text("#kg-panel mark") == "赵明远"


@needs_chromium
def test_traditional_source_is_shown_in_its_script_with_the_mention_marked(viewer, graph):
    viewer.page.evaluate("(i) => kgView.focusNode(i)", index_of(viewer, iri_of(graph, "陈嘉颖")))
    text = panel_text(viewer)
    assert "繁體: 陳嘉穎" in text
    assert "党委书记 — 东岭分公司党委" in text
    assert "优秀共产党员 — 2021-06" in text
    assert "2021年6月，東嶺分公司黨委書記陳嘉穎榮獲“優秀共產黨員”稱號。" in text
    assert viewer.page.inner_text("#kg-panel mark") == "陳嘉穎"


@needs_chromium
def test_markup_in_names_is_shown_as_text(viewer, graph):
    viewer.page.fill("#kg-search", XSS)
    assert viewer.page.inner_text("#kg-results") .startswith(XSS)
    viewer.page.press("#kg-search", "Enter")
    assert viewer.page.inner_text("#kg-panel h2") == XSS
    text = panel_text(viewer)
    assert "</script><!--" in text
    assert f"测试单位{XSS}提交了材料。" in text
    assert viewer.page.inner_text("#kg-panel mark") == XSS
    assert viewer.page.evaluate("document.querySelectorAll('img, iframe, object').length") == 0
    assert viewer.dialogs == [] and viewer.errors == []


@needs_chromium
def test_kind_and_honour_filters_hide_nodes_and_their_edges(viewer, graph):
    page = viewer.page
    people = {n for n, d in graph.nodes(data=True) if d["kind"] == "person"}
    page.uncheck("#kg-legend input[data-category=person]")
    assert page.evaluate("kgView.visibleCounts()") == {
        "nodes": graph.number_of_nodes() - len(people),
        "edges": sum(1 for u, v in graph.edges() if u not in people and v not in people),
    }
    page.check("#kg-legend input[data-category=person]")

    honour = iri_of(graph, "优秀共产党员")
    page.select_option("#kg-honour", str(index_of(viewer, honour)))
    near = {honour} | set(graph.successors(honour)) | set(graph.predecessors(honour))
    assert page.evaluate("kgView.visibleCounts()") == {
        "nodes": len(near),
        "edges": sum(1 for u, v in graph.edges() if u in near and v in near),
    }
    page.select_option("#kg-honour", "")
    assert page.evaluate("kgView.visibleCounts()")["nodes"] == graph.number_of_nodes()


@needs_chromium
def test_unit_tree_layout_puts_units_below_their_parents(viewer, graph):
    page = viewer.page
    page.select_option("#kg-layout", "tree")
    positions = page.evaluate("kgNetwork.getPositions()")
    index = {d: i for i, d in enumerate(page.evaluate("kgView.details.map((d) => d.iri)"))}
    parts = [(u, v) for u, v, r in graph.edges(data="relation") if r == "subOrganizationOf"]
    assert parts
    for child, parent in parts:
        assert positions[str(index[child])]["y"] > positions[str(index[parent])]["y"]
    before = page.evaluate("kgNetwork.getPositions()")
    page.select_option("#kg-layout", "base")
    assert page.evaluate("kgNetwork.getPositions()") != before


@needs_chromium
def test_python_layout_draws_without_physics_at_the_computed_positions(browser, graph, tmp_path):
    from kg.viz.browser import open_page

    path = write_html(graph, tmp_path / "large.html", python_layout=True)
    viewer = open_page(browser, path)
    viewer.wait_ready(60)
    assert viewer.blocked == [] and viewer.errors == []
    assert viewer.page.evaluate("kgView.visibleCounts()") == {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
    }
    assert viewer.page.evaluate("kgNetwork.physics.options.enabled") is False
    expected = balloon_layout(graph)
    drawn = viewer.page.evaluate("kgNetwork.getPositions()")
    iris = viewer.page.evaluate("kgView.details.map((d) => d.iri)")
    for i, iri in enumerate(iris):
        assert (drawn[str(i)]["x"], drawn[str(i)]["y"]) == pytest.approx(expected[iri], abs=1)
    # Labels come once zoomed in on a node: its own, and its edges'.
    person = iris.index(iri_of(graph, "林晓风"))
    assert viewer.page.evaluate("(i) => kgView.nodes.get(i).label", person) is None
    viewer.page.evaluate("(i) => kgView.focusNode(i)", person)
    viewer.page.wait_for_function("(i) => kgView.nodes.get(i).label === '林晓风'", arg=person, timeout=10_000)
    edge_labels = viewer.page.evaluate("(i) => kgView.edges.get(kgNetwork.getConnectedEdges(i)).map((e) => e.label)", person)
    assert edge_labels == ["总经理"]
    viewer.page.close()


def unit_tree_graph(units: int, people_per_unit: int) -> nx.MultiDiGraph:
    """A projection-shaped graph of fictional units in a four-way tree, with members."""
    g = nx.MultiDiGraph()
    for i in range(units):
        g.add_node(f"urn:unit:{i}", kind="organization", org_class="Plant", label=f"第{i}车间")
        if i:
            g.add_edge(f"urn:unit:{i}", f"urn:unit:{(i - 1) // 4}", relation="subOrganizationOf")
        for j in range(people_per_unit):
            person = f"urn:person:{i}:{j}"
            g.add_node(person, kind="person", label=f"职工{i}号{j}")
            g.add_edge(person, f"urn:unit:{i}", relation="memberOf")
    return g


@needs_chromium
def test_large_graph_draws_fully_and_switches_to_the_unit_tree(browser, tmp_path):
    from kg.viz.browser import open_page

    graph = unit_tree_graph(500, 5)  # 3,000 nodes: laid out in Python
    viewer = open_page(browser, write_html(graph, tmp_path / "large.html"))
    viewer.wait_ready(120)
    page = viewer.page
    assert page.evaluate("kgNetwork.physics.options.enabled") is False
    assert page.evaluate("kgView.visibleCounts()") == {"nodes": 3000, "edges": 2999}
    page.select_option("#kg-layout", "tree")  # (moving nodes one by one used to hang here)
    y = page.evaluate("() => { const p = kgNetwork.getPositions(); return kgView.details.map((d, i) => [d.iri, p[i].y]); }")
    y = dict(y)
    for child, parent in graph.edges():
        assert y[child] > y[parent]
    assert viewer.errors == [] and viewer.blocked == []
    viewer.page.close()


@needs_chromium
def test_empty_graph_gives_a_ready_page(browser, tmp_path):
    from kg.viz.browser import open_page

    viewer = open_page(browser, write_html(nx.MultiDiGraph(), tmp_path / "empty.html"))
    viewer.wait_ready(30)
    assert viewer.page.evaluate("kgView.visibleCounts()") == {"nodes": 0, "edges": 0}
    assert viewer.errors == [] and viewer.blocked == []
    viewer.page.close()


@needs_chromium
def test_notebook_iframe_draws_the_same_graph(browser, graph, tmp_path):
    from kg.viz.browser import open_page

    host = tmp_path / "notebook.html"
    host.write_text(f"<!DOCTYPE html><html><body>{notebook_html(render_html(graph))}</body></html>", encoding="utf-8")
    viewer = open_page(browser, host)
    viewer.page.wait_for_selector("iframe")
    frame = viewer.page.frames[1]
    frame.wait_for_function("() => window.kgReady === true", timeout=60_000)
    assert frame.evaluate("kgView.visibleCounts()") == {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
    }
    assert viewer.blocked == [] and viewer.errors == []
    viewer.page.close()


@needs_chromium
def test_screenshot_is_a_png_of_the_drawn_graph(browser, page_file, tmp_path):
    with pytest.raises(RuntimeError, match="no node named"):
        screenshot(page_file, tmp_path / "none.png", select="无此人", browser=browser)
    assert not (tmp_path / "none.png").exists()
    png = screenshot(page_file, tmp_path / "graph.png", width=900, height=600, select="趙明遠", browser=browser)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (900, 600)
    pixels = zlib.decompress(b"".join(_png_chunks(data, b"IDAT")))
    assert len(set(pixels)) > 50  # drawn shapes and text, not a blank page


def _png_chunks(data: bytes, kind: bytes):
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == kind:
            yield data[offset + 8 : offset + 8 + length]
        offset += 12 + length
