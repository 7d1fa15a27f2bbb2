"""Scoring extraction against gold annotations (format: ``shared/gold/README.md``).

An extracted entity matches a gold entity when the types agree and its label, in
Simplified script, equals the gold ``name``, an ``alias`` or a ``form``; matching is one to
one. A relation matches when the predicate agrees, both ends match, and for
``holdsPost`` the post agrees. Dates and counts are scored as accuracy over matched
relations that carry them in the gold.

>>> prf(8, 10, 9)
(0.8, 0.888..., 0.842...)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kg.extract.facts import ENTITY_TYPES, PREDICATES, DocumentFacts
from kg.extract.normalize import to_simplified


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Counts:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.pred += other.pred
        self.gold += other.gold

    def scores(self) -> dict:
        p, r, f = prf(self.tp, self.pred, self.gold)
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": self.tp,
                "predicted": self.pred, "gold": self.gold}


@dataclass
class Evaluation:
    entities: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in ENTITY_TYPES})
    relations: dict[str, Counts] = field(default_factory=lambda: {p: Counts() for p in PREDICATES})
    attributes: dict[str, Counts] = field(default_factory=lambda: {"date": Counts(), "count": Counts()})
    errors: list[dict] = field(default_factory=list)

    def add(self, other: "Evaluation") -> None:
        for mine, theirs in ((self.entities, other.entities), (self.relations, other.relations),
                             (self.attributes, other.attributes)):
            for k, c in theirs.items():
                mine.setdefault(k, Counts()).add(c)
        self.errors.extend(other.errors)

    def total(self, table: dict[str, Counts]) -> Counts:
        c = Counts()
        for v in table.values():
            c.add(v)
        return c

    def as_dict(self) -> dict:
        return {
            "entities": {**{k: v.scores() for k, v in self.entities.items()}, "overall": self.total(self.entities).scores()},
            "relations": {**{k: v.scores() for k, v in self.relations.items()}, "overall": self.total(self.relations).scores()},
            "attributes": {k: {"accuracy": round(v.tp / v.gold, 4) if v.gold else None, "correct": v.tp, "scored": v.gold}
                           for k, v in self.attributes.items()},
            "errors": self.errors,
        }


def load_gold(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def gold_document_path(gold_path: str | Path, gold: dict) -> Path:
    """Where the gold file's document is: relative to ``shared/`` (seed gold) or the repo root."""
    gold_path = Path(gold_path).resolve()
    rel = Path(gold["document"])
    for base in [gold_path.parent, *gold_path.parents]:
        if (base / rel).is_file():
            return base / rel
    raise FileNotFoundError(f"{gold_path}: document {gold['document']} not found near the gold file")


def _names(g: dict) -> set[str]:
    return {to_simplified(n) for n in [g["name"], *g.get("aliases", []), *g.get("form", [])]}


def evaluate(facts: DocumentFacts, gold: dict) -> Evaluation:
    """Score one document's facts against its gold annotation."""
    ev = Evaluation()
    gold_entities = gold["entities"]
    match: dict[str, str] = {}  # extracted key -> gold id
    used: set[str] = set()
    extracted = sorted(facts.entities.values(), key=lambda e: e.key)
    # exact canonical names first, then aliases and forms, so one-to-one matching is stable
    for exact in (True, False):
        for e in extracted:
            if e.key in match:
                continue
            label = to_simplified(e.name)
            for g in gold_entities:
                if g["id"] in used or g["type"] != e.type:
                    continue
                if (label == to_simplified(g["name"])) if exact else (label in _names(g)):
                    match[e.key] = g["id"]
                    used.add(g["id"])
                    break
    for t in ENTITY_TYPES:
        c = ev.entities[t]
        c.pred = sum(1 for e in extracted if e.type == t)
        c.gold = sum(1 for g in gold_entities if g["type"] == t)
        c.tp = sum(1 for e in extracted if e.type == t and e.key in match)
    for e in extracted:
        if e.key not in match:
            ev.errors.append({"kind": "spurious entity", "type": e.type, "name": e.name})
    for g in gold_entities:
        if g["id"] not in used:
            ev.errors.append({"kind": "missed entity", "type": g["type"], "name": g["name"]})

    def rel_key(r):
        return (r["p"], r["s"], r["o"], to_simplified(r.get("post") or "") if r["p"] == "holdsPost" else "")

    gold_rels = {rel_key(r): r for r in gold["relations"]}
    pred_rels = {}
    for r in facts.gold_relations():
        mapped = dict(r, s=match.get(r["s"], "?" + r["s"]), o=match.get(r["o"], "?" + r["o"]))
        pred_rels.setdefault(rel_key(mapped), mapped)
    for p in PREDICATES:
        c = ev.relations[p]
        c.pred = sum(1 for k in pred_rels if k[0] == p)
        c.gold = sum(1 for k in gold_rels if k[0] == p)
        c.tp = sum(1 for k in pred_rels if k[0] == p and k in gold_rels)
    for k, r in pred_rels.items():
        if k in gold_rels:
            for attr in ("date", "count"):
                if attr in gold_rels[k]:
                    ev.attributes[attr].gold += 1
                    ev.attributes[attr].tp += int(r.get(attr) == gold_rels[k][attr])
                    if r.get(attr) != gold_rels[k][attr]:
                        ev.errors.append({"kind": f"wrong {attr}", "gold": gold_rels[k][attr], **r})
        else:
            ev.errors.append({"kind": "spurious relation", **r})
    for k, r in gold_rels.items():
        if k not in pred_rels:
            ev.errors.append({"kind": "missed relation", **r})
    return ev


def evaluate_files(gold_paths, nlp=None) -> tuple[Evaluation, dict[str, Evaluation]]:
    """Build each gold file's document and score it; returns (overall, per file)."""
    from kg.extract.pipeline import extract
    from kg.extract.reader import read_documents

    overall, per_file = Evaluation(), {}
    for path in gold_paths:
        gold = load_gold(path)
        document = next(read_documents([gold_document_path(path, gold)], strict=True))
        ev = evaluate(extract(document, nlp), gold)
        per_file[str(path)] = ev
        overall.add(ev)
    return overall, per_file
