"""From mentions to facts: canonical names, aliases, the publisher, and relations.

* The publisher is the company the report is about: the most-mentioned top-level company
  or group (counting its short forms), else the one in the header's source line. The
  bare ``公司``/``本公司`` (and ``集团``) stands for it; ``该公司`` for the last company named.
* Short forms merge into their full names: declared ones (``(以下简称“X”)``) and
  abbreviations by rule: same first character, same unit suffix, and the short form's
  characters appear in order in the full one (``中X公司`` ⊂ ``中国X业公司``).
* Nested names give one entity per level, each ``subOrganizationOf`` the level above; a
  top-level branch, department or plant with no named parent belongs to the publisher.

Example: see ``kg.extract.pipeline.extract``.
"""
from __future__ import annotations

from functools import lru_cache

import opencc

from kg.extract.facts import Award, DocumentFacts, Entity, Mention, Relation
from kg.extract.lexicon import load_lexicon
from kg.extract.normalize import to_simplified
from kg.extract.orgs import DECLARED_SHORT_FORM

_TOP_CLASSES = ("Company", "Group")
_LEGAL_TAILS = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "集团有限责任公司", "集团股份有限公司", "公司")
_PUBLISHER_CLASSES = ("Company", "Group", "Institution", "GovernmentAgency")
_ATTACH_TO_PUBLISHER = ("BranchCompany", "Department", "Plant", "Team", "PartyCommittee", "PartyBranch", "MassOrganization")


@lru_cache(maxsize=1 << 16)  # names recur across documents; OpenCC's cost per call is many times a lookup's
def _traditional(name: str) -> str:
    return _s2t().convert(name)


@lru_cache(maxsize=1)
def _s2t():
    return opencc.OpenCC("s2t")


def is_abbreviation(short: str, full: str) -> bool:
    """True when ``short`` abbreviates ``full`` (same first character and suffix, characters in order).

    >>> is_abbreviation("中钢公司", "中国钢铁公司"), is_abbreviation("华电", "华北电力公司")
    (True, True)
    >>> is_abbreviation("北京公司", "华北电力公司")
    False
    """
    if len(short) >= len(full) or short[0] != full[0]:
        return False
    if full.startswith(short) and full[len(short):] in _LEGAL_TAILS:
        return True  # 某某集团 = 某某集团有限公司
    s_head, s_kind = _head_and_kind(short)
    f_head, f_kind = _head_and_kind(full)
    if s_kind and s_kind != f_kind:
        return False
    if len(s_head) < 2:
        return False
    it = iter(f_head)
    return all(ch in it for ch in s_head)


def _head_and_kind(name: str) -> tuple[str, str | None]:
    """A name without its unit suffix, and the suffix (company forms count as one: 公司)."""
    for legal in _LEGAL_TAILS:
        if name.endswith(legal) and len(name) > len(legal):
            return name[: -len(legal)], "公司"
    row = load_lexicon().unit_suffix(name)
    if row and len(name) > len(row[0]):
        return name[: -len(row[0])], "公司" if row[1] in ("Company", "Group") else row[0]
    return name, None


class Resolver:
    """Builds a :class:`DocumentFacts` from the mentions the pipeline found."""

    def __init__(self, document, norm, view):
        self.document = document
        self.norm = norm
        self.view = view
        self.facts = DocumentFacts(document=document)
        self.facts.sentences = [norm.to_original(a, b) for a, b in view.sentences]
        self.alias: dict[str, str] = {}  # Simplified surface name -> canonical name
        self._relations: dict[tuple, Relation] = {}
        self._mentioned: set[tuple[str, int, int]] = set()
        self._mentions: dict[tuple[int, int], Mention] = {}  # the same span is evidence of several facts
        self.publisher: str | None = None

    # -- mentions and entities -------------------------------------------------
    def mention(self, start: int, end: int) -> Mention:
        m = self._mentions.get((start, end))
        if m is None:
            a, b = self.norm.to_original(start, end)
            m = Mention(self.document.id, a, b, self.norm.original[a:b], self.view.sentence_of(start))
            self._mentions[start, end] = m
        return m

    def entity(self, type_: str, name: str, start: int, end: int, org_class: str | None = None) -> Entity:
        key = f"{type_}:{name}"
        ent = self.facts.entities.get(key)
        if ent is None:
            ent = Entity(key=key, type=type_, name=name, org_class=org_class)
            self.facts.entities[key] = ent
        surface, simplified = self.norm.text[start:end], self.norm.simplified[start:end]
        ent.forms.add(surface)
        if self.document.script == "Hant" and ent.label_hant is None:
            ent.label_hant = surface if simplified == name else _traditional(name)
        if simplified != name:
            ent.aliases.add(simplified)
        ent.org_class = ent.org_class or org_class
        if (key, start, end) not in self._mentioned:
            self._mentioned.add((key, start, end))
            ent.mentions.append(self.mention(start, end))
        return ent

    # -- organisations ------------------------------------------------------------
    def canon(self, name: str) -> str:
        """Follow short form -> full name links to the fullest name."""
        seen = set()
        while name in self.alias and name not in seen:
            seen.add(name)
            name = self.alias[name]
        return name

    def choose_publisher(self, units) -> None:
        s = self.view.text
        tops = [(u.level_names()[0], u.classes[0]) for u in units if u.anaphor is None and u.classes[0] in _PUBLISHER_CLASSES]
        names = {n for n, _ in tops}
        for short in names:
            for full in names:
                if is_abbreviation(short, full):
                    self.alias[short] = full
        for u in units:  # declared short forms: XX公司(以下简称“X”)
            m = DECLARED_SHORT_FORM.match(s, u.end)
            if m and u.anaphor is None and m.group(1) != u.level_names()[-1]:
                self.alias[m.group(1)] = u.level_names()[-1]
        counts: dict[str, tuple[int, int, int]] = {}
        for order, (name, cls) in enumerate(tops):
            canon = self.canon(name)
            rank, n, first = counts.get(canon, (int(cls in _TOP_CLASSES), 0, -order))
            counts[canon] = (rank, n + 1, first)
        source = to_simplified(self.document.source or "")
        from_source = [c for c in counts if source.startswith(c) or any(source.startswith(a) for a, t in self.alias.items() if t == c)]
        from_title = self._title_unit(units, prefixes=[a for a in self.alias] + list(counts))
        if from_title:
            self.publisher = from_title
        elif from_source:
            self.publisher = max(from_source, key=len)
        elif counts:
            self.publisher = max(counts, key=lambda c: counts[c])
        self.facts.publisher = f"Organization:{self.publisher}" if self.publisher else None

    def _title_unit(self, units, prefixes) -> str | None:
        """The unit a report's title opens with is its publisher (某某公司召开…, 某某分公司表彰…)."""
        if not self.document.title or not self.view.sentences:
            return None
        lo, hi = self.view.sentences[0]
        if self.view.text[lo:hi].strip() != to_simplified(self.document.title).strip():
            return None
        for u in units:
            if lo <= u.start < hi and u.anaphor is None and u.start - lo <= 2:
                if u.classes[-1] in _PUBLISHER_CLASSES + ("BranchCompany",):
                    names = u.level_names()
                    return self.canon(self.canon(names[0]) + names[-1][len(names[0]):])
        title = self.view.text[lo:hi].lstrip()
        starts = [p for p in prefixes if title.startswith(p)]
        return self.canon(max(starts, key=len)) if starts else None

    def _identities(self, units) -> list[list[str]]:
        """Per unit, per level: the name that identifies the unit within the document."""
        out, last_company = [], None
        for u in units:
            literal = u.level_names()
            if u.anaphor is not None:
                target = (last_company if u.anaphor.startswith("该") else None) or self.publisher or u.anaphor
                idents = [target + n[len(u.anaphor):] for n in literal]
            else:
                top = self.canon(literal[0])
                idents = [top + n[len(literal[0]):] for n in literal]
                companies = [i for i, c in zip(idents, u.classes) if c in _TOP_CLASSES]
                if companies:
                    last_company = companies[-1]  # 该公司: the company named last, at its deepest level
            out.append(idents)
        return out

    def add_units(self, units) -> dict[int, str]:
        """Entities and part-of links for every unit; returns unit start -> deepest entity key."""
        identities = self._identities(units)
        nested = {i for idents in identities for i in idents[1:]}
        parents = {i for idents in identities for i in idents[:-1]}
        redirect: dict[str, str] = {}
        under_parent: dict[str, set[str]] | None = None  # x -> nested names parent + x
        for u, idents in zip(units, identities):
            # a unit named alone is the nested one of the same name (检修车间 = 某段检修车间)
            x = idents[0]
            if u.anaphor is not None or u.classes[0] in _TOP_CLASSES or x in nested:
                continue
            if under_parent is None:  # once per document, not a scan of every nested name per unit
                under_parent = {}
                for y in nested:
                    for k in range(len(y)):
                        if y[:k] in parents:
                            under_parent.setdefault(y[k:], set()).add(y)
            longer = under_parent.get(x, set())
            if len(longer) == 1:
                redirect[x] = next(iter(longer))
        literals: dict[str, list[str]] = {}
        for u, idents in zip(units, identities):
            for k, (ident, lit) in enumerate(zip(idents, u.level_names())):
                # names written in full; a generic name of the publisher's own unit (研究院,
                # 党委宣传部) too, but not a bare 党委 standing for the publisher's
                if u.anaphor is None or (u.anaphor == "" and (k or len(lit) >= 3)):
                    literals.setdefault(redirect.get(ident, ident), []).append(lit)
        longest = {final: max(names, key=len) for final, names in literals.items()}  # the first longest
        label = {}
        for idents in identities:
            for ident in idents:
                final = redirect.get(ident, ident)
                label[ident] = longest.get(final, final)
        if self.publisher:
            label.setdefault(self.publisher, max(literals.get(self.publisher, [self.publisher]), key=len))
            self.publisher = label[self.publisher]
            self.facts.publisher = f"Organization:{self.publisher}"
        self.identity_key = {i: f"Organization:{n}" for i, n in label.items()}
        keys: dict[int, str] = {}
        for u, idents in zip(units, identities):
            prev = None
            for k, (ident, end, cls) in enumerate(zip(idents, u.level_ends, u.classes)):
                if k == 0 and u.anaphor is not None and not self.publisher:
                    continue  # 公司/集团 with no publisher to stand for: keep only the named levels
                ent = self.entity("Organization", label[ident], u.start, end, cls)
                if u.anaphor and k == 0:
                    ent.aliases.add(u.anaphor)
                if ident != label[ident] and ident != self.publisher:
                    ent.aliases.add(ident)
                if prev is not None:
                    self.relate(ent.key, "subOrganizationOf", prev, u.start, end)
                elif u.anaphor == "" and self.publisher:
                    self.relate(ent.key, "subOrganizationOf", f"Organization:{self.publisher}", u.start, end)
                elif (u.anaphor is None and not u.external and ident not in redirect and cls in _ATTACH_TO_PUBLISHER
                      and self.publisher and ent.name != self.publisher):
                    self.relate(ent.key, "subOrganizationOf", f"Organization:{self.publisher}", u.start, end)
                prev = ent.key
            keys[u.start] = prev
        self.add_declared_short_forms(units)
        return keys

    def add_declared_short_forms(self, units) -> None:
        """Bare occurrences of a declared short form are mentions of its unit."""
        s = self.view.text
        for short in self.alias:
            key = self.identity_key.get(self.canon(short))
            if key not in self.facts.entities or len(short) < 2:
                continue
            # str.find, not re.finditer: a short form is a new pattern to compile in nearly every document
            at = s.find(short)
            while at != -1:
                if not units.covering(at):
                    self.entity("Organization", key.split(":", 1)[1], at, at + len(short))
                at = s.find(short, at + len(short))

    def relate(self, s: str, p: str, o: str, start: int, end: int, post: str | None = None) -> None:
        if s == o:
            return
        key = (s, p, o, post)
        if key in self._relations:
            self._relations[key].evidence.append(self.mention(start, end))
            return
        self._relations[key] = Relation(s, p, o, post, [self.mention(start, end)])
        self.facts.relations.append(self._relations[key])

    # -- people and awards ----------------------------------------------------------
    def unit_key(self, unit, unit_keys) -> str | None:
        if unit is None:
            return None
        if hasattr(unit, "level_ends"):
            return unit_keys.get(unit.start)
        key = self.identity_key.get(self.canon(unit.text))  # a short form from a recipient list
        name = key.split(":", 1)[1] if key else unit.text
        return self.entity("Organization", name, unit.start, unit.end).key

    def add_person(self, p, units, unit_keys) -> str:
        ent = self.entity("Person", p.name, p.start, p.end)
        unit = p.unit
        if unit is None:
            anchor = p.title_start if p.title and p.title_start is not None and p.title_start < p.start else p.start
            before = units.ending_at(anchor)
            unit = before[-1] if before else None
        ukey = self.unit_key(unit, unit_keys)
        starts = [p.start] + ([unit.start] if unit is not None else []) + ([p.title_start] if p.title else [])
        ends = [p.end] + ([p.title_start + len(p.title)] if p.title else [])
        lo, hi = min(starts), max(ends)
        if p.title:
            ukey = ukey or (f"Organization:{self.publisher}" if self.publisher else None)
            for title in p.titles or (p.title,):
                if ukey:
                    self.relate(ent.key, "holdsPost", ukey, lo, hi, title)
        elif ukey:
            self.relate(ent.key, "memberOf", ukey, lo, hi)
        return ent.key

    def add_award(self, a, units, unit_keys) -> None:
        honour = self.entity("Honour", a.honour.name, a.honour.start, a.honour.end)
        recipients = []
        for r in a.recipients:
            if hasattr(r, "level_ends"):
                recipients.append(unit_keys[r.start])
            else:
                recipients.append(self.add_person(r, units, unit_keys))
        body = unit_keys.get(a.body.start) if a.body is not None else None
        self.facts.awards.append(
            Award(honour.key, recipients, body, a.date, a.count, a.recipient_kind, [self.mention(*a.span)])
        )
