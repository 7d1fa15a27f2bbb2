"""A synthetic corpus of organisational news, both scripts, with gold annotations.

A fictional world of groups and companies, each with branches, plants, workshops, teams,
departments and a party committee, and people holding posts in them, is made from
syllable tables with a fixed seed. Every report is about one company: a header line, the
company named in full with its short form declared, then award, meeting and speech
sentences drawn from templates, with neutral filler between them. About half the reports
are converted to Traditional script. Some people share a name with someone in another
company, and every company has an 办公室 and a 财务部, so cross-document merging must keep
them apart.

Writes ``corpus.jsonl`` (one report per line), ``gold.jsonl`` (per report, the gold format
of ``shared/gold/README.md`` plus ``mentions``: ``[start, end, entity id]`` spans, entity ids
being ids of the world so they hold across reports) and ``world.json`` (how many distinct
entities of each type the corpus mentions).

Example::

    python benchmarks/corpus.py /tmp/kg-corpus --megabytes 20
"""
from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import opencc

PLACE_FIRST = "青白远星临云金银丰长岳岭澄澜汀沐"
PLACE_SECOND = "禾山鹭河川峰湾湖原谷林阳江溪岚屿"
TRADES = ["重工", "电力", "港务", "化工", "建材", "矿业", "能源", "机械", "物流", "纺织", "水务", "钢铁"]
BRANCH_PLACES = ["东港", "西岭", "南湖", "北塘", "河东", "滨海", "江北", "高新", "城西", "临港"]
PLANT_WORDS = ["铸造", "检修", "动力", "运输", "质检", "装配", "机加", "电解", "热处理", "仓储"]
TEAM_WORDS = ["甲", "乙", "丙", "丁"]
DEPARTMENTS = ["办公室", "财务部", "安全环保部", "人力资源部"]  # the same names in every company
SURNAMES = "郦甘苏卢韦柏蒲蔺訾亢邴宓逄仝冼鄢覃庹乜禚阚佘竺莘钮郁桂诸葛"
GIVEN = "志远雨辰晓岚海舟青松晨曦雪梅国华春燕文博建军丽萍卫秀兰振宇明轩思源嘉怡"
HONOURS = ["劳动模范", "优秀共产党员", "先进工作者", "青年岗位能手", "技术能手", "安全生产先进个人"]
UNIT_HONOURS = ["先进基层党组织", "工人先锋号", "先进集体", "青年文明号"]
FESTIVALS = ["七一前夕", "五一前夕", "国庆前夕", "年终总结会上"]
FILLER = [
    "会议强调，要坚持安全生产，推动企业高质量发展。",
    "与会人员结合工作实际，围绕降本增效、科技创新等议题进行了深入交流。",
    "下一步，要进一步压实责任，抓好各项重点任务的落实。",
    "活动现场气氛热烈，广大职工纷纷表示要立足岗位、争创一流。",
    "近年来，各单位坚持问题导向，持续完善制度建设，管理水平稳步提升。",
]


@dataclass
class Unit:
    id: str
    name: str  # as the extractor names it: the nested name, written with its parent
    parent: "Unit | None" = None
    kind: str = "unit"


@dataclass
class Company:
    full: str
    short: str
    unit: Unit
    branches: list[Unit] = field(default_factory=list)
    plants: list[Unit] = field(default_factory=list)  # below branches
    teams: list[Unit] = field(default_factory=list)  # below plants
    departments: list[Unit] = field(default_factory=list)
    people: list[tuple[str, str, Unit, str]] = field(default_factory=list)  # (id, name, unit, post)


class World:
    """The fictional companies, units and people, made once from the seed."""

    def __init__(self, companies: int, seed: int):
        self.random = random.Random(seed)
        self.companies: list[Company] = []
        names = [a + b for a in PLACE_FIRST for b in PLACE_SECOND]
        self.random.shuffle(names)
        counter = iter(range(10**9))
        used_people: list[str] = []
        for index in range(companies):
            place, trade = names[index % len(names)], TRADES[index % len(TRADES)]
            full = f"{place}{trade}集团有限公司" if index % 2 else f"{place}{trade}有限公司"
            company = Company(full, f"{place}{trade}", Unit(f"org:{next(counter)}", full, kind="company"))
            for branch_place in self.random.sample(BRANCH_PLACES, 3):
                branch = Unit(f"org:{next(counter)}", f"{branch_place}分公司", company.unit)
                company.branches.append(branch)
                for word in self.random.sample(PLANT_WORDS, 2):
                    plant = Unit(f"org:{next(counter)}", f"{branch.name}{word}车间", branch)
                    company.plants.append(plant)
                    company.teams.append(Unit(f"org:{next(counter)}", f"{plant.name}{self.random.choice(TEAM_WORDS)}班",
                                              plant))
            company.departments = [Unit(f"org:{next(counter)}", d, company.unit) for d in DEPARTMENTS]
            posts = ([(company.unit, "总经理"), (company.unit, "党委书记")]
                     + [(b, "总经理") for b in company.branches] + [(p, "主任") for p in company.plants]
                     + [(t, "班长") for t in company.teams] + [(d, "主任") for d in company.departments[:2]])
            for unit, post in posts:
                if used_people and self.random.random() < 0.03:  # a namesake of someone elsewhere
                    name = self.random.choice(used_people)
                else:
                    name = self._new_name(used_people)
                company.people.append((f"person:{next(counter)}", name, unit, post))
            self.companies.append(company)

    def _new_name(self, used: list[str]) -> str:
        taken = set(used)
        while True:
            name = self.random.choice(SURNAMES) + "".join(self.random.sample(GIVEN, 2))
            if name not in taken:
                used.append(name)
                return name


class Report:
    """One report being written: its text, gold entities, relations and mention spans."""

    def __init__(self, doc_id: str, company: Company):
        self.id, self.company = doc_id, company
        self.text = ""
        self.entities: dict[str, dict] = {}
        self.relations: list[dict] = []
        self.mentions: list[list] = []

    def write(self, text: str) -> None:
        self.text += text

    def entity(self, entity_id: str, kind: str, name: str, *, form: str | None = None, aliases=()) -> None:
        entry = self.entities.setdefault(entity_id, {"id": entity_id, "type": kind, "name": name, "aliases": [],
                                                    "form": []})
        for alias in aliases:
            if alias not in entry["aliases"] and alias != name:
                entry["aliases"].append(alias)
        if form and form not in entry["form"]:
            entry["form"].append(form)
        if form:
            start = self.text.rindex(form)
            self.mentions.append([start, start + len(form), entity_id])

    def relation(self, s: str, p: str, o: str, **extra) -> None:
        relation = {"s": s, "p": p, "o": o, **extra}
        if relation not in self.relations:
            self.relations.append(relation)

    def unit(self, unit: Unit) -> str:
        """Write a unit's name (its nested name) and note it and its ancestors below the company."""
        self.write(unit.name)
        self._unit_entity(unit, unit.name)
        return unit.id

    def _unit_entity(self, unit: Unit, form: str | None) -> None:
        self.entity(unit.id, "Organization", unit.name, form=form)
        parent = unit.parent
        if parent is not None and parent.kind != "company":
            prefix = form[: len(parent.name)] if form and form.startswith(parent.name) else None
            self._unit_entity(parent, None)
            if prefix:
                start = self.text.rindex(form)
                self.mentions.append([start, start + len(prefix), parent.id])
                self.entities[parent.id]["form"] = sorted(set(self.entities[parent.id]["form"]) | {prefix})
        if parent is not None:
            self.relation(unit.id, "subOrganizationOf", parent.id)

    def person(self, person_id: str, name: str) -> None:
        self.write(name)
        self.entity(person_id, "Person", name, form=name)

    def honour(self, name: str) -> str:
        self.write(f"“{name}”")
        honour_id = f"honour:{name}"
        self.entity(honour_id, "Honour", name, form=name)
        return honour_id


def write_report(world: World, number: int, rng: random.Random, sentences: int) -> Report:
    company = rng.choice(world.companies)
    report = Report(f"report-{number:06d}", company)
    c = company.unit.id
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    source = rng.choice(["办公室", "党委宣传部"])
    report.write(f"{company.short}表彰先进\n来源：{source}　时间：2021年{month}月{day}日　作者：林小河\n")
    report.write(f"{rng.choice(FESTIVALS)}，")
    report.write(company.full)
    report.entity(c, "Organization", company.full, form=company.full, aliases=[company.short])
    report.write(f"(以下简称“{company.short}”)")
    report.entity(c, "Organization", company.full, form=company.short, aliases=[company.short])
    report.write("召开表彰大会。")
    if source == "党委宣传部":
        _committee(report, None)
        report.entity(f"{c}/党委宣传部", "Organization", f"{company.full}党委宣传部", aliases=["党委宣传部"])
        report.relation(f"{c}/党委宣传部", "subOrganizationOf", f"{c}/党委")
    else:
        office = company.departments[0]
        report.entity(office.id, "Organization", office.name, aliases=[f"{company.full}{office.name}"])
        report.relation(office.id, "subOrganizationOf", c)
    for _ in range(sentences):
        rng.choice(EVENTS)(report, rng)
        report.write(rng.choice(FILLER))
    return report


def _committee(report: Report, form: str | None) -> str:
    """The company's party committee, written as ``form`` (or only named in the header)."""
    company = report.company
    committee = f"{company.unit.id}/党委"
    if form:
        report.write(form)
    report.entity(committee, "Organization", f"{company.full}党委", form=form,
                  aliases=[f"{company.short}党委", "公司党委", "党委"])
    report.relation(committee, "subOrganizationOf", company.unit.id)
    return committee


def _conferring_body(report: Report, rng: random.Random) -> str:
    body = _committee(report, rng.choice([f"{report.company.short}党委", "公司党委"]))
    report.write("授予")
    return body


def _person_award(report: Report, rng: random.Random) -> None:
    company = report.company
    person_id, name, unit, post = rng.choice([p for p in company.people if p[2] is not company.unit])
    body = _conferring_body(report, rng)
    unit_id = report.unit(unit)
    report.write(post)
    report.person(person_id, name)
    honour = report.honour(rng.choice(HONOURS))
    report.write("称号。")
    report.relation(person_id, "holdsPost", unit_id, post=post)
    report.relation(person_id, "awardReceived", honour)
    report.relation(honour, "conferredBy", body)


def _unit_award(report: Report, rng: random.Random) -> None:
    company = report.company
    unit = rng.choice(company.plants + company.teams)
    body = _conferring_body(report, rng)
    unit_id = report.unit(unit)
    honour = report.honour(rng.choice(UNIT_HONOURS))
    report.write("称号。")
    report.relation(unit_id, "awardReceived", honour)
    report.relation(honour, "conferredBy", body)


def _list_award(report: Report, rng: random.Random) -> None:
    company = report.company
    first, second = rng.sample([p for p in company.people if p[2] is not company.unit], 2)
    body = _conferring_body(report, rng)
    for index, (person_id, name, unit, post) in enumerate((first, second)):
        if index:
            report.write("、")
        report.relation(person_id, "holdsPost", report.unit(unit), post=post)
        report.write(post)
        report.person(person_id, name)
    honour = report.honour(rng.choice(HONOURS))
    report.write("称号。")
    for person_id, *_ in (first, second):
        report.relation(person_id, "awardReceived", honour)
    report.relation(honour, "conferredBy", body)


def _member_speech(report: Report, rng: random.Random) -> None:
    person_id, name, unit, _ = rng.choice([p for p in report.company.people if p[2] in report.company.teams])
    report.write("会上，")
    unit_id = report.unit(unit)
    report.person(person_id, name)
    report.write("同志作为受表彰代表发言。")
    report.relation(person_id, "memberOf", unit_id)


def _speech(report: Report, rng: random.Random) -> None:
    company = report.company
    person_id, name, unit, post = rng.choice([p for p in company.people if p[2] is company.unit])
    report.write(f"{company.short}{post}")
    report.entity(company.unit.id, "Organization", company.full, form=company.short)
    report.person(person_id, name)
    report.write("出席会议并讲话。")
    report.relation(person_id, "holdsPost", company.unit.id, post=post)


EVENTS = (_person_award, _person_award, _list_award, _unit_award, _speech, _member_speech)


def generate(folder: Path, megabytes: float, seed: int = 7, companies: int = 60) -> dict:
    """Write the corpus, its gold and the world's counts into ``folder``; return the counts."""
    folder.mkdir(parents=True, exist_ok=True)
    world = World(companies, seed)
    rng = random.Random(seed + 1)
    s2t = opencc.OpenCC("s2t")
    target = megabytes * 1_000_000
    size = 0
    mentioned: dict[str, set[str]] = {"Organization": set(), "Person": set(), "Honour": set()}
    documents = 0
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as corpus, \
            open(folder / "gold.jsonl", "w", encoding="utf-8") as gold:
        while size < target:
            report = write_report(world, documents, rng, sentences=rng.randint(3, 8))
            text = report.text
            if documents % 2:
                converted = s2t.convert(text)
                text = converted if len(converted) == len(text) else "".join(s2t.convert(ch) for ch in text)
            line = json.dumps({"id": report.id, "text": text}, ensure_ascii=False) + "\n"
            corpus.write(line)
            size += len(text.encode("utf-8"))
            gold.write(json.dumps({"id": report.id, "entities": list(report.entities.values()),
                                   "relations": report.relations, "mentions": report.mentions},
                                  ensure_ascii=False) + "\n")
            for entity in report.entities.values():
                mentioned[entity["type"]].add(entity["id"])
            documents += 1
    counts = {"documents": documents, "bytes": size, "entities": {k: len(v) for k, v in mentioned.items()}}
    (folder / "world.json").write_text(json.dumps(counts, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--megabytes", type=float, default=20.0, help="UTF-8 size of the report texts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--companies", type=int, default=60)
    args = parser.parse_args()
    print(json.dumps(generate(args.folder, args.megabytes, args.seed, args.companies), ensure_ascii=False))


if __name__ == "__main__":
    main()
