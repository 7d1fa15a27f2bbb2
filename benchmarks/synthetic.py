"""A realistic synthetic knowledge graph that follows the project's RDF contract.

Groups hold companies, companies plants, plants workshops, workshops teams (four levels
below the top); every company has a party committee and every plant a party branch.
People are members of units or hold posts in them. One structure report per group names
its units ("X下设Y。"); award reports tell of awards to people and units, conferred by
bodies, with dates of varied precision. Every unit, person, post, honour and award is
derived from mention nodes carrying code-point offsets and the source sentence, exactly
as the real builder writes them. All names are made up from
syllable tables; nothing here names a real organisation or person.

Example::

    python benchmarks/synthetic.py 100000 /tmp/synthetic-100k.nt
"""
from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Iterator

from kg.ontology.namespaces import (
    KG, NIF, ORG, PROV, SCHEMA, award_iri, doc_iri, honour_iri, mention_iri, org_iri, person_iri,
    post_iri, role_iri,
)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
XSD = "http://www.w3.org/2001/XMLSchema#"

PLACES = "星河北辰东岳南溪西岭青川白沙金湾云岗铁山银湖红原丰谷临江远航长林海阳"
TRADES = ["铝业", "重工", "铸造", "冶金", "能源", "建材", "机械", "矿业", "电力", "化工"]
WORKSHOPS = ["熔炼", "轧制", "铸造", "电解", "检修", "动力", "质检", "运输", "氧化", "阳极"]
TEAMS = ["甲班", "乙班", "丙班", "丁班"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力国鹏宇晓峰雨桐志海林东"
HONOURS = [
    "劳动模范", "优秀共产党员", "先进基层党组织", "优秀党务工作者", "五一劳动奖章", "青年岗位能手",
    "三八红旗手", "先进工作者", "技术能手", "安全生产先进个人", "模范职工之家", "工人先锋号",
]
POSTS = ["总经理", "副总经理", "党委书记", "厂长", "副厂长", "主任", "班长", "工会主席", "总工程师"]


def _iri(term) -> str:
    return f"<{term}>"


def _lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{XSD}{datatype}>'
    return f'"{escaped}"'


class _Writer:
    """Collects N-Triples lines and counts them."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} <{p}> {o} .\n")

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines

    def document(self, doc_id: str, headline: str, script: str, date: str, source: str, author: str) -> str:
        d = _iri(doc_iri(doc_id))
        self.add(d, RDF_TYPE, _iri(SCHEMA.NewsArticle))
        self.add(d, SCHEMA.headline, _lit(headline, script))
        self.add(d, SCHEMA.datePublished, _lit(date, datatype="date"))
        self.add(d, SCHEMA.author, _lit(author))
        self.add(d, KG.sourceUnit, _iri(org_iri(source)))
        return d

    def mention(self, doc_id: str, begin: int, end: int, anchor: str, sentence: str) -> str:
        m = _iri(mention_iri(doc_id, begin, end))
        d = _iri(doc_iri(doc_id))
        self.add(m, RDF_TYPE, _iri(NIF.String))
        self.add(m, RDF_TYPE, _iri(NIF.Phrase))
        self.add(m, NIF.referenceContext, d)
        self.add(m, NIF.beginIndex, _lit(str(begin), datatype="nonNegativeInteger"))
        self.add(m, NIF.endIndex, _lit(str(end), datatype="nonNegativeInteger"))
        self.add(m, NIF.anchorOf, _lit(anchor))
        self.add(m, KG.sentence, _lit(sentence))
        return m


def synthetic_ntriples(target: int, seed: int = 0) -> Iterator[str]:
    """N-Triples lines of a contract-conforming graph of about ``target`` triples."""
    import opencc

    to_hant = opencc.OpenCC("s2t").convert
    rng = random.Random(seed)
    out = _Writer()
    emitted = 0

    # Sizes scale with the target: about 1 unit per 170 triples, 4 people per unit.
    n_groups = max(1, target // 60_000)
    units: list[tuple[str, str, str | None]] = []  # (name, class, parent name)
    for g in range(n_groups):
        group = f"{PLACES[g % len(PLACES)]}{PLACES[(g * 7 + 3) % len(PLACES)]}{TRADES[g % len(TRADES)]}集团{_suffix(g)}"
        units.append((group, "Group", None))
        for c in range(rng.randint(3, 5)):
            company = f"{group}{PLACES[(c * 5 + g) % len(PLACES)]}{TRADES[(c + g) % len(TRADES)]}公司"
            units.append((company, "Company", group))
            units.append((company + "党委", "PartyCommittee", company))
            for p in range(rng.randint(3, 5)):
                plant = f"{company}第{p + 1}{WORKSHOPS[(p + c) % len(WORKSHOPS)][:1]}厂"
                units.append((plant, "Plant", company))
                units.append((plant + "党支部", "PartyBranch", plant))
                for w in range(rng.randint(2, 4)):
                    workshop = f"{plant}{WORKSHOPS[(w + p) % len(WORKSHOPS)]}车间"
                    units.append((workshop, "Plant", plant))
                    for t in range(rng.randint(1, 3)):
                        units.append((f"{workshop}{TEAMS[t]}", "Team", workshop))
    bodies = [f"{PLACES[i]}{PLACES[-1 - i]}市总工会" for i in range(6)] + [u[0] for u in units if u[1] == "PartyCommittee"]
    hant_units = {name for name, _, _ in units if rng.random() < 0.3}

    # Each unit is named in its group's structure report: "PARENT下设UNIT。" (or "UNIT。").
    top_of: dict[str, str] = {}
    reports: dict[str, list[tuple[str, str, str | None]]] = {}
    for name, cls, parent in units:  # parents come before their units
        top_of[name] = top_of[parent] if parent else name
        reports.setdefault(top_of[name], []).append((name, cls, parent))
    reports["各级工会"] = [(name, "MassOrganization", None) for name in bodies[:6]]
    for number, (top, members) in enumerate(reports.items()):
        doc_id = f"synthetic-structure-{number:04d}"
        source = top if top in top_of else members[0][0]
        out.document(doc_id, f"{top}组织机构", "zh-Hans", "2005-01-01", source, _person_name(rng))
        cursor = 0
        for name, cls, parent in members:
            sentence = f"{parent}下设{name}。" if parent else f"{name}。"
            begin = cursor + (len(parent) + 2 if parent else 0)
            s = _iri(org_iri(name))
            out.add(s, RDF_TYPE, _iri(ORG.Organization))
            out.add(s, RDF_TYPE, _iri(KG[cls]))
            out.add(s, RDFS_LABEL, _lit(name, "zh-Hans"))
            if name in hant_units:
                out.add(s, RDFS_LABEL, _lit(to_hant(name), "zh-Hant"))
            if parent:
                out.add(s, ORG.subOrganizationOf, _iri(org_iri(parent)))
                out.add(s, SKOS_ALT, _lit(name[len(parent):], "zh-Hans"))  # the short name used inside the parent
            out.add(s, PROV.wasDerivedFrom, out.mention(doc_id, begin, begin + len(name), name, sentence))
            cursor += len(sentence)
    for honour in HONOURS:
        s = _iri(honour_iri(honour))
        out.add(s, RDF_TYPE, _iri(KG.Honour))
        out.add(s, RDFS_LABEL, _lit(honour, "zh-Hans"))
        out.add(s, RDFS_LABEL, _lit(to_hant(honour), "zh-Hant"))
    for post in POSTS:
        out.add(_iri(role_iri(post)), RDF_TYPE, _iri(ORG.Role))
        out.add(_iri(role_iri(post)), RDFS_LABEL, _lit(post, "zh-Hans"))
        out.add(_iri(role_iri(post)), RDFS_LABEL, _lit(to_hant(post), "zh-Hant"))
    for line in out.take():
        emitted += 1
        yield line

    people_seen: set[str] = set()
    posts_seen: set[str] = set()
    honours_conferred: set[tuple[str, str]] = set()
    doc_number = 0
    while emitted < target:
        doc_number += 1
        doc_id = f"synthetic-{doc_number:06d}"
        hant = rng.random() < 0.3
        script = "zh-Hant" if hant else "zh-Hans"
        convert = to_hant if hant else (lambda text: text)
        source, _, _ = rng.choice(units)
        year = rng.randint(2005, 2015)
        month = rng.randint(1, 12)
        published = f"{year}-{month:02d}-{rng.randint(1, 28):02d}"
        out.document(doc_id, convert(f"{source}表彰先进"), script, published, source, _person_name(rng))

        text_length = 0
        for _ in range(rng.randint(3, 8)):
            unit, _, _ = rng.choice(units)
            honour = rng.choice(HONOURS)
            body = rng.choice(bodies)
            person = _person_name(rng, pool=len(units) * 3)
            post = rng.choice(POSTS) if rng.random() < 0.4 else None
            precision = rng.random()
            date = (
                f"{year}-{month:02d}-{rng.randint(1, 28):02d}" if precision < 0.5
                else f"{year}-{month:02d}" if precision < 0.8 else str(year)
            )
            date_type = {10: "date", 7: "gYearMonth", 4: "gYear"}[len(date)]
            counted = rng.randint(5, 60) if rng.random() < 0.15 else None
            # The sentence, in the report's script, and where each name sits in it.
            parts = [(body, "body"), ("授予", None)]
            if counted:
                parts += [(f"{counted}个", None), ("先进集体", None)]
            else:
                parts += [(unit, "unit")] + ([(post, "post")] if post else []) + [(person, "person")]
            parts += [("“", None), (honour, "honour"), ("”称号。", None)]
            sentence = convert("".join(text for text, _ in parts))
            start = text_length
            text_length += len(sentence)
            offsets = {}
            cursor = start
            for text, role in parts:
                if role:
                    offsets[role] = (cursor, cursor + len(text), convert(text))
                cursor += len(text)

            def mention(begin: int, end: int, anchor: str) -> str:
                return out.mention(doc_id, begin, end, anchor, sentence)

            h = _iri(honour_iri(honour))
            b = _iri(org_iri(body))
            out.add(h, PROV.wasDerivedFrom, mention(*offsets["honour"]))
            out.add(b, PROV.wasDerivedFrom, mention(*offsets["body"]))
            if (honour, body) not in honours_conferred:
                honours_conferred.add((honour, body))
                out.add(h, KG.conferredBy, b)
            recipients = []
            if not counted:
                u = _iri(org_iri(unit))
                out.add(u, PROV.wasDerivedFrom, mention(*offsets["unit"]))
                p = _iri(person_iri(person, unit))
                if p not in people_seen:
                    people_seen.add(p)
                    out.add(p, RDF_TYPE, _iri(SCHEMA.Person))
                    out.add(p, RDFS_LABEL, _lit(person, "zh-Hans"))
                    if hant:
                        out.add(p, RDFS_LABEL, _lit(to_hant(person), "zh-Hant"))
                    if post:
                        post_node = _iri(post_iri(post, unit))
                        out.add(p, ORG.holds, post_node)
                        if post_node not in posts_seen:
                            posts_seen.add(post_node)
                            out.add(post_node, RDF_TYPE, _iri(ORG.Post))
                            out.add(post_node, ORG.postIn, u)
                            out.add(post_node, ORG.role, _iri(role_iri(post)))
                            out.add(post_node, RDFS_LABEL, _lit(f"{unit}{post}", "zh-Hans"))
                        out.add(post_node, PROV.wasDerivedFrom, mention(*offsets["post"]))
                    else:
                        out.add(p, ORG.memberOf, u)
                out.add(p, PROV.wasDerivedFrom, mention(*offsets["person"]))
                # One in four awards goes to the unit rather than the person.
                recipients = [u] if rng.random() < 0.25 else [p]
            a = _iri(award_iri(doc_id, honour, tuple(recipients), date + str(start)))
            out.add(a, RDF_TYPE, _iri(KG.Award))
            out.add(a, KG.honour, h)
            out.add(a, KG.conferredBy, b)
            out.add(a, KG.date, _lit(date, datatype=date_type))
            for r in recipients:
                out.add(a, KG.recipient, r)
                out.add(r, KG.awardReceived, h)
            if counted:
                out.add(a, KG.recipientCount, _lit(str(counted), datatype="integer"))
            out.add(a, PROV.wasDerivedFrom, mention(start, start + len(sentence), sentence))
        for line in out.take():
            emitted += 1
            yield line


def _suffix(index: int) -> str:
    return "" if index < 10 else f"{index // 10}号"


def _person_name(rng: random.Random, pool: int | None = None) -> str:
    # Drawing from a bounded pool makes the same people recur across reports.
    if pool:
        rng = random.Random(rng.randrange(pool))
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def write_synthetic(path: Path, target: int, seed: int = 0) -> int:
    """Write about ``target`` triples as N-Triples to ``path``; return the count written."""
    count = 0
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for line in synthetic_ntriples(target, seed):
            out.write(line)
            count += 1
    tmp.replace(path)
    return count


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/synthetic.py TRIPLES OUT.nt")
    written = write_synthetic(Path(sys.argv[2]), int(sys.argv[1]))
    print(f"{written} triples → {sys.argv[2]}")
