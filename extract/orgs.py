"""Unit names by suffix grammar, split into their nested levels.

A unit name is a chain of segments, each a head plus a unit suffix (``华北分公司`` |
``三号生产区`` | ``党支部``); party and mass bodies may follow a unit with no head of
their own (``…厂党委``, ``公司党组``). The left edge is where a name cannot go on: a
punctuation mark, a function word, a verb that is not a business word, a count or a date.
A chain that starts with the bare word ``公司``/``集团`` refers to the publisher.

>>> from kg.extract.view import TextView
>>> import spacy
>>> from kg.extract.tokenizer import RJiebaTokenizer
>>> nlp = spacy.blank("zh"); nlp.tokenizer = RJiebaTokenizer(nlp.vocab)
>>> units = find_units(TextView.of(nlp("七一前夕,华北分公司检修厂党委荣获表彰")))
>>> [u.level_names() for u in units]
[['华北分公司', '华北分公司检修厂', '华北分公司检修厂党委']]
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

from kg.extract.lexicon import WordTable, load_lexicon, starts_pattern
from kg.extract.normalize import to_simplified
from kg.extract.view import PUNCT, TextView, is_cjk

ANAPHORS = ("集团公司", "本公司", "该公司", "本集团", "该集团", "公司", "集团", "本局", "该局", "局", "总行",
            "本校", "学校", "本院", "医院", "分公司")
_STOP_TAGS = {"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "r", "q", "t", "f", "y", "e", "o", "x", "w"}
_NOMINAL_TAGS = {"n", "ns", "nz", "nt", "j", "vn", "l"}
_STOP_WORDS = set("的和与及在对为向由是了将把被从经同跟给让使以于并或等到赴至自按据随也都又还就即要会能")
_NUMERAL = set("一二三四五六七八九十百0123456789〇零两甲乙丙丁")
_COUNT = re.compile(r"[0-9一二三四五六七八九十百千两]+[个名家位人项支批]$")
_DATE = re.compile(r"([0-9]+|[一二三四五六七八九十〇]+)[年月日号]$")
_COUNT_OR_DATE_LAST = set("个名家位人项支批年月日号\n")  # "$" matches before a final newline too
MAX_NAME = 30
MAX_LEVELS = 8  # levels in one nested name (集团 › 公司 › 分公司 › 厂 › 车间 › 班 › 党支部 is 7)
_LONGEST_NOT_UNIT = 6  # characters; longer entries of not_units.txt are not checked
# XX公司(以下简称“XX”): a short form declared for the unit just named.
DECLARED_SHORT_FORM = re.compile(r"[（(]\s*(?:以下)?简称[:：]?\s*[“\"「]?([^”\"」）)]{1,12}?)[”\"」]?\s*[）)]")
# Legal-form endings stripped to get a company's bare name (宏达钢铁 of 宏达钢铁股份有限公司).
_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "控股公司", "公司", "集团")
# Nouns for a unit's people that jieba glues to it (公司员工, 集团职工).
_STAFF_NOUNS = ("员工", "职工", "党员", "干部", "领导", "代表", "青年")
# Words after a suffix that make it part of a common phrase, not a unit (中心工作, 中心任务).
_NOT_AFTER = {"中心": ("工作", "任务", "环节", "城市", "思想", "地位", "位置", "医院", "小学", "中学", "幼儿园", "卫生院")}
# Party and mass bodies that, named bare, are the publisher's own (党委宣传部, 团委); a bare
# 党支部 is never one (30个党支部 counts branches).
_OWN_BODIES = ("党委", "党组", "纪委", "工会", "团委", "党工委")
# Openings of party and state organ names (中共…委员会, 国家…局, 省…厅).
_STATE_PREFIXES = ("中共", "中央", "国家", "国务院", "全国", "省", "市", "县", "自治区")


@dataclass
class UnitMention:
    """A unit name in the text: ``[start, end)`` with its level ends (last == end)."""

    start: int
    end: int
    text: str
    level_ends: list[int]
    classes: list[str]
    anaphor: str | None = None  # leading 公司/集团 that stands for the publisher ("" before a bare 党委)
    external: bool = False  # a state, party or mass body outside the publisher (省总工会, 共青团省委)

    def level_names(self) -> list[str]:
        return [self.text[: e - self.start] for e in self.level_ends]


class UnitIndex(list):
    """The units of a document, sorted by start, with lookups that stay fast on long documents."""

    def __init__(self, units=()):
        super().__init__(sorted(units, key=lambda u: u.start))
        self._starts = [u.start for u in self]
        self._by_start: dict[int, list[UnitMention]] = {}
        self._by_end: dict[int, list[UnitMention]] = {}
        for u in self:
            self._by_start.setdefault(u.start, []).append(u)
            self._by_end.setdefault(u.end, []).append(u)

    def starting_at(self, pos: int) -> list[UnitMention]:
        return self._by_start.get(pos, [])

    def ending_at(self, end: int) -> list[UnitMention]:
        return self._by_end.get(end, [])

    def within(self, lo: int, hi: int) -> list[UnitMention]:
        """Units lying wholly inside ``[lo, hi)``."""
        first, last = bisect_left(self._starts, lo), bisect_left(self._starts, hi)
        return [u for u in self[first:last] if u.end <= hi]

    def covering(self, pos: int) -> bool:
        """True when some unit spans character ``pos``."""
        k = bisect_right(self._starts, pos)
        return any(u.end > pos for u in self[max(0, k - 4) : k])


@lru_cache(maxsize=1)
def _suffix_pattern():
    return starts_pattern([s for s, _, _ in load_lexicon().suffixes])


@lru_cache(maxsize=1)
def _suffix_first_char():
    return re.compile("[" + re.escape("".join({s[0] for s, _, _ in load_lexicon().suffixes})) + "]")


def _suffix_ends(view: TextView, lo: int, hi: int):
    """(end, suffix, class, attach) for each valid unit suffix ending in [lo, hi), in order."""
    rows = _suffix_rows()
    ends: dict[int, str] = {}
    # one pass in C over every start position; the lookahead lets matches overlap (厂 in 厂长)
    for m in _suffix_pattern().finditer(view.text, lo, hi):
        suffix, e = m.group(1), m.end(1)  # the longest suffix starting here, a table entry itself
        if len(ends.get(e, "")) < len(suffix):
            ends[e] = suffix
    found = []
    for e in sorted(ends):
        suffix, cls, attach = rows[ends[e]]
        if _valid_suffix_end(view, e, suffix, attach, cls):
            found.append((e, suffix, cls, attach))
    return found


@lru_cache(maxsize=1)
def _suffix_rows() -> dict[str, tuple[str, str, str]]:
    return {row[0]: row for row in load_lexicon().suffixes}


@lru_cache(maxsize=None)
def _words_through(suffix: str) -> tuple[tuple[str, ...], tuple[tuple[int, tuple[str, ...]], ...]]:
    """What makes ``suffix`` part of a longer word where it ends: the common words that end
    with it (干部, 全部, 社区, 队伍…), and per offset in it the titles (of at most 8
    characters) that start there and run past its end (厂长, 局长)."""
    lex = load_lexicon()
    common = tuple(w for w in lex.not_units
                   if len(suffix) < len(w) <= _LONGEST_NOT_UNIT and w.endswith(suffix) and not _is_unit_word(w))
    titles = tuple((k, found) for k in range(len(suffix))
                   if (found := tuple(t for t in lex.titles
                                      if len(suffix) - k < len(t) <= 8 and t.startswith(suffix[k:]))))
    return common, titles


def _valid_suffix_end(view: TextView, e: int, suffix: str, attach: str, cls: str = "") -> bool:
    lex = load_lexicon()
    s = view.text
    start = e - len(suffix)
    common, titles = _words_through(suffix)
    # a common word ends here (干部, 全部, 社区, 队伍…)
    if common and s.endswith(common, 0, e):
        return False
    # a title or a longer word runs through the suffix's end (厂长, 局长, 党组织, 部门)
    if any(s.startswith(found, start + k) for k, found in titles):
        return False
    tok_end = view.token_end[e - 1]
    if tok_end > e:
        rest = s[e:tok_end]
        glued = lex.unit_suffix(rest)  # jieba glued a unit to its party body (公司党委)
        if not (lex.title_at_start(s[e : e + 8]) or (glued and glued[2] == "bare") or rest in _LEGAL_FORMS
                or rest in _STAFF_NOUNS):
            return False
    if suffix in ("镇", "乡", "村") and not _named_head(s, start):
        return False  # 镇, 乡, 村 need a real name before them (白沙镇), not 千村 or 全国乡
    if suffix in _NOT_AFTER and s.startswith(_NOT_AFTER[suffix], e):
        return False
    if attach == "numeral" and (start == 0 or s[start - 1] not in _NUMERAL):
        return False
    return True


def _named_head(s: str, start: int) -> bool:
    head = s[max(0, start - 2) : start]
    return len(head) == 2 and all(is_cjk(c) and c not in _NUMERAL and c not in "千万国省市县全各" for c in head)


def _is_unit_word(w: str) -> bool:
    return w in {"公司", "集团", "企业", "单位", "党委", "党组", "党支部"}


def _starts_suffix(text: str) -> bool:
    return load_lexicon().starts_with_suffix(text)


def _left_edge(view: TextView, pos: int, floor: int, stop: int = 0) -> int:
    """Walk left from ``pos`` over name characters; return where the name starts.

    A walk that gets left of ``stop`` ends there, early: the caller needs to know only
    that the name reaches into what comes before ``stop``.
    """
    lex = load_lexicon()
    s = view.text
    token_start, token_end, token_tag = view.token_start, view.token_end, view.token_tag
    i = pos
    while i > floor and i >= stop:
        ch = s[i - 1]
        if ch in PUNCT or not ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch.isalnum()):
            break  # not a CJK character (is_cjk, inlined: this loop runs per character)
        a, b, tag = token_start[i - 1], token_end[i - 1], token_tag[i - 1]
        a = max(a, floor)
        word = s[a:b]
        if word in lex.name_words:
            i = a
            continue
        if word == "与" and a > floor and token_tag[a - 1] in ("n", "vn", "nz") and not lex.unit_suffix(s[max(floor, a - 6) : a]):
            i = a  # 材料科学与工程学院: 与 joins two fields inside one name
            continue
        if word in ("该", "本") and any(s.startswith(a[1:], b) for a in ANAPHORS if a[0] == word):
            i = a  # 该公司, 本集团: the determiner is part of the anaphor
            break
        if tag == "f" and len(word) == 2 and word[0] in "东南西北中":
            i = a  # 南方, 西北: a direction heading a name (南方分公司)
            continue
        if b <= pos:  # a whole word before the suffix: does the name stop after it?
            if tag in _STOP_TAGS or word in _STOP_WORDS or word in lex.context_verbs:
                break
            if lex.cue_ending_at(s, b):
                break
            last = s[b - 1]  # tested first: a count, date or title must end with one of few characters
            if last in _COUNT_OR_DATE_LAST and (_COUNT.search(s[max(floor, a - 4) : b]) or _DATE.search(s[max(floor, a - 6) : b])):
                break
            if last in lex.title_lasts and lex.title_at_end(s[max(floor, b - 8) : b]) and not _starts_suffix(s[b:pos]):
                break
            if tag.startswith("v") and tag != "vn":
                before = token_tag[a - 1] if a > floor else ""
                if before in _NOMINAL_TAGS or (before.startswith("v") and s[a - 1] not in PUNCT) or (
                    a > floor and lex.unit_suffix(s[max(floor, a - 6) : a])
                ):
                    i = a  # a business word inside a name (输电运检分公司, 安置房项目部, …厂精整车间)
                    continue
                if pos - a <= 4 and _at_boundary(view, a, floor):
                    i = a  # a process word opening a short name (热轧厂, 连铸车间)
                break
        i = a if a < i else i - 1
        if pos - i > MAX_NAME:
            break
    return i


def _at_boundary(view: TextView, a: int, floor: int) -> bool:
    if a <= floor:
        return True
    s = view.text
    lex = load_lexicon()
    return s[a - 1] in PUNCT or lex.cue_ending_at(s, a) is not None


def find_units(view: TextView, quotes: list[tuple[int, int]] = (), prefixes=None) -> list[UnitMention]:
    """Unit names in every sentence of ``view``, longest chains, left to right.

    ``prefixes`` are company names without suffix (short forms, heads of full names) that
    open a chain as its top level (宏达钢铁炼铁厂 = 宏达钢铁 › 炼铁厂); when None they are
    taken from a first pass over the text.
    """
    units: list[UnitMention] = []
    quotes = sorted(quotes)
    quote_starts = [a for a, _ in quotes]
    could_end_unit = _suffix_first_char()
    for lo, hi in view.sentences:
        if not could_end_unit.search(view.text, lo, hi):
            continue  # no unit suffix starts in this sentence
        # the quotes of this sentence only, so long documents stay linear
        local = quotes[bisect_left(quote_starts, lo - 200) : bisect_left(quote_starts, hi)]
        units.extend(_units_in(view, lo, hi, [q for q in local if q[1] > lo]))
    if prefixes is None:
        prefixes = company_prefixes(view.text, units)
    prefixes = set(prefixes)
    longest = max(map(len, prefixes), default=0)
    units = [_split_prefix(u, prefixes, longest) for u in units]
    return UnitIndex(units + _state_organs(view.text, units))


@lru_cache(maxsize=1)
def _state_organ_pattern():
    names = sorted(load_lexicon().state_organs, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _state_organs(text: str, units: list[UnitMention]) -> list[UnitMention]:
    """National bodies named without a unit suffix (共青团中央, 全国青联)."""
    found = []
    index = UnitIndex(units)
    for m in _state_organ_pattern().finditer(text):
        if not index.covering(m.start()) and not index.within(m.start(), m.end()):
            found.append(UnitMention(m.start(), m.end(), m.group(0), [m.end()], ["GovernmentAgency"], external=True))
    return found


def company_prefixes(text: str, units: list[UnitMention]) -> tuple[str, ...]:
    """Declared short forms and the heads of company names (宏达钢铁 of 宏达钢铁股份有限公司)."""
    found = set()
    for u in units:
        m = DECLARED_SHORT_FORM.match(text, u.end)
        if m and u.anaphor is None:
            found.add(m.group(1))
        if u.anaphor is not None or u.classes[0] not in ("Company", "Group"):
            continue
        head = u.level_names()[0]
        while True:
            legal = next((x for x in _LEGAL_FORMS if head.endswith(x) and len(head) > len(x) + 1), None)
            if not legal:
                break
            head = head[: -len(legal)]
            found.add(head)
    return tuple(sorted((f for f in found if len(f) >= 2), key=len, reverse=True))


def _units_in(view: TextView, lo: int, hi: int, quotes) -> list[UnitMention]:
    chains: list[tuple[int, list[int], list[str]]] = []  # start, level ends, classes
    for e, suffix, cls, attach in _suffix_ends(view, lo, hi):
        floor = lo
        for qa, qb in quotes:  # names do not run across quote marks
            if qa <= e - 1 < qb:
                floor = max(floor, qa)
        last_end = chains[-1][1][-1] if chains else 0
        if last_end > e - len(suffix):
            continue  # the previous name runs into this suffix
        # past the previous name's end, only "it reaches it" matters: the chain's start is the previous one's
        start = _left_edge(view, e - len(suffix), floor, last_end)
        chained = last_end > start
        if chained and len(chains[-1][1]) >= MAX_LEVELS:
            start = last_end  # no real name nests deeper: start a new one
        elif chained:
            chains[-1][1].append(e)  # this suffix extends the previous chain: a nested level
            chains[-1][2].append(cls)
            continue
        chains.append((start, [e], [cls]))
    checked = [u for u in (_check(view.text, *chain) for chain in chains) if u]
    # a quoted name that ends like a unit is an honour (“红旗党支部”), not a unit
    quote_start_by_end = {b: a for a, b in quotes}
    return [u for u in checked if not (u.end in quote_start_by_end and quote_start_by_end[u.end] <= u.start)]


def _split_prefix(unit: UnitMention, prefixes: set[str], longest: int) -> UnitMention:
    """Make a known company name at the start of ``unit`` its top level (宏达钢铁 | 炼铁厂)."""
    if unit.anaphor is not None:
        return unit
    for p in (unit.text[:n] for n in range(min(longest, len(unit.text)), 1, -1)):
        if p not in prefixes:
            continue
        cut = unit.start + len(p)
        if cut < unit.end and cut not in unit.level_ends:
            rest = unit.text[len(p) : unit.level_ends[0] - unit.start]
            if _only_company_forms(rest):
                break  # 宏达钢铁|股份有限公司 is the company itself, not a unit under 宏达钢铁
            row = load_lexicon().unit_suffix(rest)
            if row and (len(rest) > len(row[0]) or row[2] == "bare"):
                unit.level_ends = [cut] + unit.level_ends
                unit.classes = ["Company"] + unit.classes
            break
    return unit


def _check(s: str, at: int, level_ends: list[int], classes: list[str]) -> UnitMention | None:
    """The unit named by ``s[at:level_ends[-1]]`` with its levels and their classes:
    determiners trimmed, a leading anaphor resolved, levels without a head dropped."""
    checked = _check_name(s[at : level_ends[-1]], tuple(e - at for e in level_ends), tuple(classes))
    if checked is None:
        return None
    start, end, text, level_ends, classes, anaphor, external = checked
    return UnitMention(at + start, at + end, text, [at + e for e in level_ends], list(classes), anaphor, external)


@lru_cache(maxsize=65536)
def _check_name(text: str, level_ends: tuple[int, ...], classes: tuple[str, ...]) -> tuple | None:
    """:func:`_check` for a name at offset 0: a unit name is checked the same way wherever it
    stands, and names recur (the units of a report, of its publisher)."""
    lex = load_lexicon()
    unit = UnitMention(0, len(text), text, list(level_ends), list(classes))
    trim = _trim_words()
    if not text.startswith(ANAPHORS):
        cut = next((len(w) for w in trim.words_starting(text) if len(text) > len(w)), 0)
        if cut:
            unit = UnitMention(unit.start + cut, unit.end, text[cut:], unit.level_ends, unit.classes)
            text = unit.text
    anaphor = next((a for a in ANAPHORS if text.startswith(a) and _head_free(text[len(a) :])), None) \
        if text.startswith(ANAPHORS) else None
    if anaphor is not None:
        unit.anaphor = anaphor
        cut = unit.start + len(anaphor)
        if cut not in unit.level_ends:  # 总行|办公室: the anaphor is a level of its own
            unit.level_ends = [cut] + unit.level_ends
            unit.classes = ["Company"] + unit.classes
    else:
        row = lex.unit_suffix(text[: unit.level_ends[0] - unit.start])
        first = text[: unit.level_ends[0] - unit.start]
        if row and first == row[0] and _generic_unit_word(first):
            unit.anaphor = ""  # 研究院化学药研究所, 办公室: the publisher's own unit, named generically
        elif row and row[2] == "bare" and any(text.startswith(b) for b in _OWN_BODIES):
            # 党委宣传部, 团委: a party or mass body named bare is the publisher's own
            first = next(b for b in _OWN_BODIES if text.startswith(b))
            unit.anaphor = ""
            if unit.level_ends[0] != unit.start + len(first):
                unit.level_ends = [unit.start + len(first)] + unit.level_ends
                unit.classes = [lex.unit_suffix(first)[1]] + unit.classes
    # an evaluative word (标杆, 一流, 基层) ends the name before the level that holds it
    for k, e in enumerate(unit.level_ends):
        seg = text[(unit.level_ends[k - 1] - unit.start if k else 0) : e - unit.start]
        if _reject_pattern().search(seg):
            if k == 0:
                return None
            unit = UnitMention(unit.start, unit.level_ends[k - 1], text[: unit.level_ends[k - 1] - unit.start],
                               unit.level_ends[:k], unit.classes[:k], unit.anaphor)
            text = unit.text
            break
    if text in lex.not_units and unit.anaphor is None:
        return None
    # every level needs a head, except bare party/mass bodies right after a unit
    ends, classes, prev = [], [], unit.start
    for e, cls in zip(unit.level_ends, unit.classes):
        seg = unit.text[prev - unit.start : e - unit.start]
        row = lex.unit_suffix(seg)
        has_head = row is not None and len(seg) > len(row[0])
        # a nested level may be a suffix word alone (…分行营业部, …分公司办公室)
        word_level = row is not None and ends and len(seg) >= 2 and cls not in ("Company", "BranchCompany", "Group")
        if ends and seg in _LEGAL_FORMS and classes[-1] not in ("PartyCommittee", "PartyBranch", "MassOrganization"):
            # 某集团|有限公司, 某工程局|有限公司: the legal form completes the unit before it
            ends[-1], classes[-1] = e, "Group" if classes[-1] == "Group" else cls
            prev = e
            continue
        implicit = not ends and unit.anaphor == "" and row is not None and seg == row[0]
        if (has_head or word_level or implicit or (row and row[2] == "bare" and ends)
                or (not ends and unit.anaphor and seg == unit.anaphor)):
            ends.append(e)
            classes.append(cls)
            prev = e
        elif ends or e == unit.level_ends[-1]:
            # a headless segment joins the next level (or the last one)
            continue
    if not ends or ends[-1] != unit.end:
        if ends and unit.anaphor is None:
            unit = UnitMention(unit.start, ends[-1], unit.text[: ends[-1] - unit.start], ends, classes)
        elif not ends:
            return None
    unit.level_ends, unit.classes = ends, classes
    first = unit.text[: ends[0] - unit.start]
    unit.external = first.startswith(_STATE_PREFIXES + ("共青团", "团中央"))
    if first in lex.state_organs:
        unit.classes = ["GovernmentAgency"] + unit.classes[1:]
        unit.external = True
    central = len(first) == 3 and first[0] == "中" and first[-1] == "部"
    if classes[0] == "Department" and unit.anaphor is None and (central or first.startswith(_STATE_PREFIXES)):
        # 中宣部 (中X部 abbreviates a central department), 国家…部: a state organ, not a company department
        unit.classes = ["GovernmentAgency"] + classes[1:]
    if unit.anaphor and unit.text == unit.anaphor:
        unit.classes = ["Company" if "公司" in unit.anaphor else "Group"]
    return unit.start, unit.end, unit.text, tuple(unit.level_ends), tuple(unit.classes), unit.anaphor, unit.external


@lru_cache(maxsize=1)
def _trim_words() -> WordTable:
    return WordTable(dict.fromkeys(load_lexicon().trim_words))


@lru_cache(maxsize=1)
def _reject_pattern() -> re.Pattern:
    return re.compile("|".join(map(re.escape, load_lexicon().reject_words)) or "(?!)")


def _generic_unit_word(word: str) -> bool:
    """A suffix word that names a unit by itself (研究院, 办公室, 营业部), not a company form."""
    row = load_lexicon().unit_suffix(word)
    return (row is not None and row[0] == word and len(word) >= 3 and word not in _LEGAL_FORMS
            and row[1] not in ("Company", "Group", "BranchCompany") and row[2] != "bare" and word != "委员会")


def _only_company_forms(text: str) -> bool:
    while text:
        form = next((f for f in _LEGAL_FORMS if text.endswith(f)), None)
        if not form:
            return False
        text = text[: -len(form)]
    return True


def source_unit(view: TextView, source: str) -> UnitMention | None:
    """The header's source department as a unit mention (来源: 办公室), found in the first lines."""
    source = to_simplified(source.strip())
    head = view.text[: view.sentences[min(2, len(view.sentences) - 1)][1]] if view.sentences else ""
    start = head.find(source) if source else -1
    if start == -1:
        return None
    row = load_lexicon().unit_suffix(source)
    return UnitMention(start, start + len(source), source, [start + len(source)], [row[1] if row else "Department"])


def _head_free(rest: str) -> bool:
    """After a leading 公司, the rest starts with a sub-unit, not with more name (公司党组 vs 公司化)."""
    if not rest:
        return True
    return _starts_suffix(rest) or any(rest.startswith(w) for w in ("直属", "机关", "所属", "下属", "本部", "总部"))
