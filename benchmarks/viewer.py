"""How fast the viewer becomes interactive on synthetic graphs of 500, 5,000 and 20,000 nodes.

For each size: build a contract-conforming RDF graph of fictional units, people and
honours, project it (``kg.projection.to_networkx``), render the page
(``kg.viz.render_html``), then open it in headless Chromium with the network blocked
and time navigation until the graph is drawn and still (``window.kgTimings.ready``,
milliseconds since navigation started). Goals: 5,000 nodes < 3 s, 20,000 < 10 s.

    python benchmarks/viewer.py [--sizes 500 5000 20000] [--repeat 3] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal

from kg.ontology.namespaces import KG, NIF, ORG, PROV, SCHEMA, KGD
from kg.projection import to_networkx
from kg.viz import write_html
from kg.viz.browser import chromium_path, launch, open_page

GOALS = {5000: 3.0, 20000: 10.0}  # seconds to interactive
PLACES = "青川 东岭 北辰 南溪 西岚 云台 金沙 白石 龙湾 松涛 枫林 石门".split()
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张".replace("", " ").split()
GIVEN = "明晓文静海峰雨桐嘉颖志强丽华建国秀英伟军红梅立新".replace("", " ").split()
ROLES = ["总经理", "厂长", "党委书记", "支部书记", "主任", "班长"]
HONOURS = ["先进基层党组织", "优秀共产党员", "劳动模范", "五一劳动奖章", "青年岗位能手", "三八红旗手", "技术能手"]
CLASS_BY_DEPTH = {0: ["Group"], 1: ["Company"], 2: ["BranchCompany", "Plant"], 3: ["PartyBranch", "Department", "Team"]}


def synthetic_graph(size: int, seed: int = 1) -> Graph:
    """A graph of about ``size`` nodes: 20 % units in a six-way tree, 3 % honours, the rest
    people with memberships, posts, awards and one source mention each."""
    rng = random.Random(seed)
    g = Graph()
    n_orgs, n_honours = max(8, size // 5), max(4, size * 3 // 100)
    n_people = size - n_orgs - n_honours
    docs = [KGD[f"doc/synthetic-{i}"] for i in range(max(1, size // 40))]
    for i, doc in enumerate(docs):
        g.add((doc, RDF.type, SCHEMA.NewsArticle))
        g.add((doc, SCHEMA.headline, Literal(f"{PLACES[i % len(PLACES)]}第{i}期简报")))
        g.add((doc, SCHEMA.datePublished, Literal(f"20{10 + i % 12}-0{1 + i % 9}-15", datatype=XSD.date)))

    def mention(entity, anchor: str, sentence: str, i: int):
        doc = docs[i % len(docs)]
        begin = 40 * (i // len(docs))
        m = KGD[f"doc/synthetic-{i % len(docs)}/char={begin},{begin + len(anchor)}"]
        g.add((m, RDF.type, NIF.String))
        g.add((m, NIF.referenceContext, doc))
        g.add((m, NIF.beginIndex, Literal(begin, datatype=XSD.nonNegativeInteger)))
        g.add((m, NIF.endIndex, Literal(begin + len(anchor), datatype=XSD.nonNegativeInteger)))
        g.add((m, NIF.anchorOf, Literal(anchor)))
        g.add((m, KG.sentence, Literal(sentence)))
        g.add((entity, PROV.wasDerivedFrom, m))

    orgs, depth = [], []
    for i in range(n_orgs):
        parent = (i - 1) // 6 if i else None
        d = 0 if parent is None else min(depth[parent] + 1, 3)
        depth.append(d)
        cls = rng.choice(CLASS_BY_DEPTH[d])
        name = f"{PLACES[i % len(PLACES)]}{i}{'集团' if d == 0 else '单位'}"
        org = KGD[f"org/synthetic-{i}"]
        orgs.append((org, name))
        g.add((org, RDF.type, ORG.Organization))
        g.add((org, RDF.type, KG[cls]))
        g.add((org, RDFS.label, Literal(name, lang="zh-Hans")))
        if parent is not None:
            g.add((org, ORG.subOrganizationOf, orgs[parent][0]))
        mention(org, name, f"{name}召开工作会议。", i)

    honours = []
    for i in range(n_honours):
        name = f"{HONOURS[i % len(HONOURS)]}{i}"
        honour = KGD[f"honour/synthetic-{i}"]
        honours.append(honour)
        g.add((honour, RDF.type, KG.Honour))
        g.add((honour, RDFS.label, Literal(name, lang="zh-Hans")))
        body = orgs[rng.randrange(min(len(orgs), 43))][0]
        g.add((honour, KG.conferredBy, body))
        award = KGD[f"award/synthetic-count-{i}"]
        g.add((award, RDF.type, KG.Award))
        g.add((award, KG.honour, honour))
        g.add((award, KG.conferredBy, body))
        g.add((award, KG.recipientCount, Literal(rng.randint(5, 60))))
        mention(honour, name, f"共表彰{name}若干名。", i)

    for i in range(n_people):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        person = KGD[f"person/synthetic-{i}"]
        unit, unit_name = orgs[rng.randrange(len(orgs))]
        g.add((person, RDF.type, SCHEMA.Person))
        g.add((person, RDFS.label, Literal(name, lang="zh-Hans")))
        if i % 7 == 0:
            g.add((person, SKOS.altLabel, Literal(name[0] + "工", lang="zh-Hans")))
        g.add((person, ORG.memberOf, unit))
        sentence = f"{unit_name}{name}出席会议。"
        if rng.random() < 0.15:
            role = rng.choice(ROLES)
            post = KGD[f"post/synthetic-{i}"]
            g.add((person, ORG.holds, post))
            g.add((post, RDF.type, ORG.Post))
            g.add((post, ORG.postIn, unit))
            g.add((post, ORG.role, KGD[f"role/{role}"]))
            g.add((KGD[f"role/{role}"], RDFS.label, Literal(role, lang="zh-Hans")))
        if rng.random() < 0.35:
            honour = honours[rng.randrange(len(honours))]
            award = KGD[f"award/synthetic-{i}"]
            g.add((award, RDF.type, KG.Award))
            g.add((award, KG.honour, honour))
            g.add((award, KG.recipient, person))
            g.add((award, KG.date, Literal(f"20{10 + i % 12}-0{1 + i % 9}", datatype=XSD.gYearMonth)))
            g.add((person, KG.awardReceived, honour))
            sentence = f"{unit_name}{name}荣获荣誉称号。"
        mention(person, name, sentence, i)
    return g


def measure(browser, path: Path, repeat: int) -> tuple[float, float]:
    """Median seconds from navigation to a drawn, still graph; and wall seconds of the same."""
    ready, wall = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        page = open_page(browser, path)
        page.wait_ready(timeout=300)
        wall.append(time.perf_counter() - start)
        if page.blocked or page.errors:
            raise SystemExit(f"{path}: blocked {page.blocked[:3]}, errors {page.errors[:3]}")
        ready.append(page.page.evaluate("window.kgTimings.ready") / 1000)
        page.page.close()
    return statistics.median(ready), statistics.median(wall)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the pages in this directory")
    args = parser.parse_args(argv)
    if chromium_path() is None:
        print("no Chromium found (/usr/bin/chromium or $KG_CHROMIUM)", file=sys.stderr)
        return 1

    out_dir = args.keep or Path(tempfile.mkdtemp(prefix="kg-viewer-bench-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    header = f"{'nodes':>7} {'edges':>7} {'rdf→nx s':>9} {'html s':>7} {'MB':>6} {'B/node':>7} {'ready s':>8} {'wall s':>7}  goal"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Chromium {chromium_path()}, {os.cpu_count()} CPUs, load average {load}")
    print(header)
    failed = False
    with launch() as browser:
        for size in args.sizes:
            rdf = synthetic_graph(size)
            t0 = time.perf_counter()
            nxgraph = to_networkx(rdf)
            t1 = time.perf_counter()
            path = write_html(nxgraph, out_dir / f"viewer-{size}.html", title=f"Synthetic {size}")
            t2 = time.perf_counter()
            ready, wall = measure(browser, path, args.repeat)
            html_bytes = path.stat().st_size
            goal = GOALS.get(size)
            verdict = ""
            if goal:
                verdict = f"{ready / goal:.2f} of {goal:.0f} s"
                failed |= ready > goal
            print(
                f"{nxgraph.number_of_nodes():>7} {nxgraph.number_of_edges():>7} {t1 - t0:>9.2f} {t2 - t1:>7.2f} "
                f"{html_bytes / 1e6:>6.2f} {html_bytes / nxgraph.number_of_nodes():>7.0f} {ready:>8.2f} {wall:>7.2f}  {verdict}",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
