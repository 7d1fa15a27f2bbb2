"""Honours and awards: who received which honour, from whom, when, and how many.

Two sentence shapes carry nearly all awards in such reports:

* receive: ``[recipients] 荣获 “H” 称号`` — recipients are the ``、``/``，`` list before the
  cue (units, unit + person, post + person, or a short unit form + person);
* confer: ``[body] 命名表彰 30个党支部 为 “H”，53名同志 为 “H2”`` — the conferring body
  before the cue, then counted or named recipients, each ``为`` an honour.

>>> import spacy
>>> from kg.extract.tokenizer import RJiebaTokenizer
>>> from kg.extract.view import TextView
>>> from kg.extract.orgs import find_units
>>> nlp = spacy.blank("zh"); nlp.tokenizer = RJiebaTokenizer(nlp.vocab)
>>> v = TextView.of(nlp("集团党委表彰12个党支部为“红旗党支部”。"))
>>> [(a.honour.name, a.count, a.body.text) for a in find_awards(v, find_units(v), [], None)]
[('红旗党支部', 12, '集团党委')]
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import chain
from functools import lru_cache

from kg.extract.dates import dates_in, find_date
from kg.extract.lexicon import load_lexicon, starts_pattern
from kg.extract.people import PersonMention, name_before, plausible_name
from kg.extract.view import CLOSE_QUOTES, OPEN_QUOTES, is_cjk

_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", '"': '"', "‘": "’"}
_QUOTED = re.compile("|".join(f"{re.escape(o)}[^{re.escape(c)}\\n]{{0,60}}{re.escape(c)}" for o, c in _QUOTE_PAIRS.items()))
_COUNT = re.compile(r"(\d+|[一二三四五六七八九十百两]+)(个|名|家|位|支|人|项|户|座|所)")
_BODY_FILLERS = ("研究决定", "决定", "隆重", "联合", "正式", "特", "予以", "分别", "共同", "，", ",")
_BRACKETED_AT_END = re.compile(r"[（(][^（()）]{1,20}[)）]$")  # "$" matches before a final newline too
_TIME_WORDS = ("近年来", "近日", "日前", "近期", "此前", "今年", "去年", "当天", "目前", "最近", "前不久", "同时", "其中", "此外", "另外")
_LISTED_AFTER = re.compile(r"的(?:单位|集体|个人|同志|人员)?(?:分别)?(?:有|是|为)[:：]")
_COMMENDED = re.compile(r"对([^，。；对]{4,60}?)(?:进行了|进行|予以|给予)(?:通报)?表彰")
_TRAILING_SPAN = re.compile(r"(连续|已经|已|先后|再次|第)?([一二三四五六七八九十两]+|\d+)(年|次|届)(来)?")
_TRAILING_COUNT = re.compile(r"等?(\d+|[一二三四五六七八九十两]+)(名|位|个)(同志|职工|员工|党员|干部|单位|集体|个人)?")
_TRAILING_LAST = set("名位个志工员部体人" "年次届来")  # the last characters _TRAILING_COUNT and _TRAILING_SPAN can match
_ITEM_SEPARATOR = re.compile("[、，,；;和及]")
# Nouns for people that stand between a unit and a name (某公司员工张某, 某厂选手李某).
_ROLE_NOUNS = ("员工", "职工", "选手", "同志", "党员", "干部", "代表", "青年", "工人", "同学", "学生", "队员", "团员")
# Adverbs (and 等) between a recipient and the cue (某厂先后荣获, 张某今年荣获, 张某等荣获).
_TRAILING_WORDS = ("先后", "曾经", "曾", "均", "分别", "也", "还", "又", "再次", "多次", "连续", "今年", "去年", "近年来", "已", "等")
_MAX_HONOUR = 30
_CLAUSE_MARK = re.compile("[。；;，,]")
_OPEN_QUOTE = re.compile(f"[{re.escape(OPEN_QUOTES)}]")
# Evaluative words that make an occupation an honour (全国优秀护士, 模范教师, 十佳…, 最美…).
_PRAISE = ("优秀", "模范", "先进", "十佳", "最美", "杰出", "标兵", "金牌", "感动")


@dataclass
class HonourMention:
    start: int
    end: int
    name: str


@dataclass
class UnitRecipient:
    """A recipient found as a short unit form before a person (华电 in 华电张某某)."""

    start: int
    end: int
    text: str


@dataclass
class AwardMention:
    honour: HonourMention
    recipients: list = field(default_factory=list)  # UnitMention | PersonMention
    body: object | None = None  # UnitMention
    date: str | None = None
    count: int | None = None
    recipient_kind: str | None = None
    span: tuple[int, int] = (0, 0)


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Spans of quoted text (contents only) for “…”, 「…」, 『…』, "…" (one line, ≤ 60 characters)."""
    return [(m.start() + 1, m.end() - 1) for m in _QUOTED.finditer(text)]


def _honours_after(text: str, pos: int, hi: int, strong: bool) -> list[HonourMention]:
    """Honour names starting at ``pos``: quoted ones (joined by 、/和) or one bare phrase."""
    lex = load_lexicon()
    while pos < hi and text[pos] in "了 ":
        pos += 1
    out: list[HonourMention] = []
    if pos < hi and text[pos] in OPEN_QUOTES:
        quotes = []
        while pos < hi and text[pos] in _QUOTE_PAIRS:
            close = text.find(_QUOTE_PAIRS[text[pos]], pos + 1)
            if close == -1 or close > hi or close - pos - 1 > _MAX_HONOUR:
                break
            quotes.append((pos + 1, close))
            pos = close + 1
            if text[pos : pos + 1] in ("、", "和", "及"):
                pos += 1
        if text.startswith("等", pos):
            pos += 1
        titled = any(text.startswith(t, pos) for t in lex.cues_of("title"))
        for a, b in quotes:
            name = text[a:b]
            if titled or _ends_with_honour_head(name) or (strong and len(name) >= 4):
                out.append(HonourMention(a, b, name))
        return out
    # bare: up to punctuation, split at 和/、, each ending with an honour head
    end = pos
    while end < hi and text[end] not in "，,。；;：:（(\n" and end - pos <= _MAX_HONOUR * 2:
        end += 1
    phrase = text[pos:end]
    for t in ("荣誉称号", "称号"):
        k = phrase.find(t)
        if k != -1:
            phrase = phrase[:k]
    start = pos
    for part in re.split(r"(和|、|及)", phrase):
        if part in ("和", "、", "及"):
            start += len(part)
            continue
        if _is_bare_honour(part):
            out.append(HonourMention(start, start + len(part), part))
        start += len(part)
    return out


def _is_bare_honour(name: str) -> bool:
    """An unquoted phrase is an honour when it ends with an honour word after some name
    (全国五一劳动奖章) or is itself a full honour title (先进集体, 劳动模范)."""
    head = _ends_with_honour_head(name)
    return bool(head) and len(name) <= _MAX_HONOUR and (len(name) > len(head) or len(name) >= 4)


def _ends_with_honour_head(name: str) -> str | None:
    """The honour word ``name`` ends with; an evaluative opening (优秀护士, 模范教师) counts too."""
    for h in load_lexicon().honour_heads:
        if name.endswith(h):
            return h
    for word in _PRAISE:
        k = name.find(word)
        if k != -1 and len(name) - k - len(word) >= 2:
            return name[k + len(word):]
    return None


@lru_cache(maxsize=1)
def _cue_pattern():
    """Every place an award may be stated: a cue word (longest first), 被, or a clause end."""
    lex = load_lexicon()
    cues = sorted(lex.cues_of("receive") + lex.cues_of("confer"), key=len, reverse=True)
    return starts_pattern([*cues, "被", "；", ";"])


def find_awards(view, units, people: list[PersonMention], doc_date: str | None) -> list[AwardMention]:
    """Awards in every sentence, from receive and confer cues."""
    lex = load_lexicon()
    s = view.text
    quoted = bytearray(len(s))
    for a, b in find_quotes(s):
        quoted[a:b] = b"\x01" * (b - a)
    awards: list[AwardMention] = []
    for lo, hi in view.sentences:
        if s.find("表彰", lo, hi) != -1:  # what _COMMENDED needs
            awards.extend(_commended(view, units, lo, hi, doc_date))
        clause_lo = i = lo
        for m in _cue_pattern().finditer(s, lo, hi):
            at, cue = m.start(), m.group(1)
            if at < i or quoted[at]:
                continue
            if cue in "；;":
                clause_lo = at + 1
                continue
            if cue == "被":
                found = _passive(view, units, people, lo, hi, clause_lo, at, doc_date)
            elif len(cue) == 1 and s[at + 1 : at + 2] not in OPEN_QUOTES:
                continue
            elif lex.cues[cue] == "receive":
                found = _receive(view, units, people, lo, hi, clause_lo, at, cue, doc_date)
                joined = s[clause_lo:at].strip("，, ") in ("并", "同时", "还", "并且", "同时还", "也")
                if not found and joined and awards and awards[-1].span[0] >= lo:
                    # …荣获一等奖，并被授予“X”称号: the same recipients
                    found = _receive(view, units, people, lo, hi, clause_lo, at, cue, doc_date,
                                     recipients=awards[-1].recipients)
            else:
                # …命名A为“X”，并表彰了12名“Y”: the body named before goes on conferring
                joined = s[clause_lo:at].strip("，, ") in ("并", "同时", "还", "并且", "同时还", "")
                inherited = [a.body for a in awards if a.body is not None and a.span[0] >= lo] if joined else []
                found = _confer(view, units, people, lo, hi, clause_lo, at, cue, doc_date, inherited[-1:])
            if found:
                awards.extend(found)
                clause_lo = i = _after_honour(s, max(a.honour.end for a in found), hi)
    return awards


def _title_end(s: str, end: int) -> int:
    """Past the closing quote and a following 称号/荣誉称号."""
    if s[end : end + 1] in CLOSE_QUOTES:
        end += 1
    for t in ("荣誉称号", "称号"):
        if s.startswith(t, end):
            return end + len(t)
    return end


def _sentence_end(s: str, hi: int) -> int:
    return hi - 1 if hi and s[hi - 1] in "。！？!?\n" else hi


def _after_honour(s: str, end: int, hi: int) -> int:
    while end < hi and s[end] in CLOSE_QUOTES + "称号荣誉；;，,":
        end += 1
    return end


def _receive(view, units, people, lo, hi, clause_lo, cue_at, cue, doc_date, bodies=(None,), recipients=None):
    s = view.text
    start = cue_at + len(cue)
    # 荣获[某总工会]授予的[全国五一劳动奖章]: the body stands between the cue and the honour
    named = _unit_chain(s, units, start, ("授予的", "颁发的", "命名的", "表彰的"))
    if named:
        bodies, start = named
    honours = _honours_after(s, start, hi, strong=True)
    if not honours:
        return []
    listed_after = _LISTED_AFTER.match(s, _title_end(s, honours[-1].end))
    if not recipients and listed_after:
        # 荣获“X”称号的有：A、B — the recipients follow
        recipients = _recipients(view, units, people, listed_after.end(), _sentence_end(s, hi), doc_date)
    recipients = recipients or _recipients(view, units, people, clause_lo, cue_at, doc_date)
    if not recipients:
        return []
    date = find_date(s, lo, cue_at, doc_date, hi)
    span = (clause_lo, honours[-1].end)
    return [AwardMention(h, list(recipients), body, date, None, None, span) for h in honours for body in bodies]


def _passive(view, units, people, lo, hi, clause_lo, at, doc_date):
    """被[body]授予/评为“H”: recipients before 被, the conferring bodies after it."""
    lex = load_lexicon()
    named = _unit_chain(view.text, units, at + 1, lex.cues_of("confer"))
    if not named:
        return []
    bodies, after = named
    cue = lex.cue_ending_at(view.text, after)
    return _receive(view, units, people, lo, hi, clause_lo, after - len(cue), cue, doc_date, bodies)


def _unit_chain(s: str, units, start: int, enders: tuple[str, ...]):
    """Units from ``start`` joined by 、/和 and followed by one of ``enders`` -> (units, end)."""
    chain, pos = [], start
    while True:
        unit = next(iter(units.starting_at(pos)), None)
        if unit is None:
            return None
        chain.append(unit)
        pos = unit.end
        for filler in ("联合", "共同", "分别"):
            if s.startswith(filler, pos):
                pos += len(filler)
        ender = next((e for e in sorted(enders, key=len, reverse=True) if s.startswith(e, pos)), None)
        if ender:
            return chain, pos + len(ender)
        if s[pos : pos + 1] in ("、", "和"):
            pos += 1
            continue
        return None


def _confer(view, units, people, lo, hi, clause_lo, cue_at, cue, doc_date, inherited=()):
    s = view.text
    bodies = _body_before(s, units, clause_lo, cue_at) or list(inherited) or [None]
    pos = cue_at + len(cue)
    date = None  # found once an award is: most cues confer nothing
    awards: list[AwardMention] = []
    confer_cues = load_lexicon().cues_of("confer")
    while pos < hi:
        while pos < hi and s[pos] in "了，,、和及以":
            pos += 1
        cue = next(c for c in confer_cues if s.startswith(c, pos)) if s.startswith(confer_cues, pos) else None
        if cue:  # …命名A为“X”，授予B“Y”称号: the same body goes on conferring
            pos += len(cue)
        clause_end = _clause_end(s, pos, hi)
        wei = s.find("为", pos, clause_end)
        quote = _OPEN_QUOTE.search(s, pos, clause_end)
        quote = quote.start() if quote else -1
        m = _COUNT.match(s, pos)
        if wei != -1 and quote != -1 and quote < wei:
            wei = -1  # 为 inside or after the honour belongs to another phrase
        if m:
            # counted recipients: N个X为“H”, N名X“H”称号, or N名H
            if wei != -1:
                honours, kind = _honours_after(s, wei + 1, hi, strong=False), s[m.end() : wei]
            elif quote != -1:
                honours, kind = _honours_after(s, quote, hi, strong=False), s[m.end() : quote]
            else:
                honours, kind = _bare_counted(s, m.end(), hi), None
            recipients = []
        else:
            # named recipients: A、B为“H” or 授予A、B“H”称号
            stop = wei if wei != -1 else quote
            if stop == -1:
                break
            honours = _honours_after(s, stop + 1 if stop == wei else stop, hi, strong=False)
            recipients = _recipients(view, units, people, pos, stop, doc_date)
            kind = None
            if not recipients:
                break
        if not honours:
            break
        date = date or find_date(s, lo, cue_at, doc_date, hi)
        for h in honours:
            count = _number(m.group(1)) if m else None
            awards.extend(AwardMention(h, list(recipients), body, date, count, (kind or m.group(2)) if m else None,
                                       (cue_at, h.end)) for body in bodies)
        pos = honours[-1].end + 1
        while pos < hi and s[pos] in CLOSE_QUOTES + "称号荣誉":
            pos += 1
    return awards


def _clause_end(s: str, pos: int, hi: int) -> int:
    m = _CLAUSE_MARK.search(s, pos, hi)
    return m.start() if m else hi


def _commended(view, units, lo, hi, doc_date) -> list[AwardMention]:
    """对15个先进单位、60名先进个人进行了表彰: counted honours inside 对…表彰."""
    s = view.text
    awards = []
    for m in _COMMENDED.finditer(s, lo, hi):
        bodies = _body_before(s, units, lo, m.start()) or [None]
        date = find_date(s, lo, m.start(), doc_date, hi)
        for count in _COUNT.finditer(s, m.start(1), m.end(1)):
            for h in _bare_counted(s, count.end(), m.end(1)):
                awards.extend(AwardMention(h, [], body, date, _number(count.group(1)), count.group(2), (m.start(), m.end()))
                              for body in bodies)
    return awards


def _bare_counted(s: str, pos: int, hi: int) -> list[HonourMention]:
    if pos < hi and s[pos] in OPEN_QUOTES:
        return _honours_after(s, pos, hi, strong=True)
    end = pos
    while end < hi and s[end] not in "，,。；;、和及（(" and end - pos <= _MAX_HONOUR:
        end += 1
    name = s[pos:end]
    if _is_bare_honour(name):
        return [HonourMention(pos, end, name)]
    return []


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits["两"] = 2
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def _body_before(s: str, units, lo: int, cue_at: int) -> list:
    """The units right before a confer cue, past fillers (决定，) and a declared short form."""
    end = cue_at
    changed = True
    while changed:
        changed = False
        if s.endswith(_BODY_FILLERS, lo, end):
            for filler in _BODY_FILLERS:
                if s.endswith(filler, lo, end):
                    end -= len(filler)
                    changed = True
        m = _BRACKETED_AT_END.search(s[lo:end]) if s[end - 1 : end] in ")）\n" else None
        if m and "简称" in m.group(0):
            end = lo + m.start()
            changed = True
    bodies = []
    while True:  # 人社部、教育部联合授予: every body of the list
        found = [u for u in units.ending_at(end) if lo <= u.start]
        if not found:
            return bodies[::-1]
        bodies.append(found[-1])
        end = found[-1].start - 1
        if end < lo or s[end] not in "、和":
            return bodies[::-1]


def _recipients(view, units, people, lo: int, hi: int, doc_date: str | None) -> list:
    """Units and people listed in ``[lo, hi)``, split at 、，, and 和."""
    s = view.text
    out = []
    for a, b in _items(s, lo, hi, doc_date):
        rec = _item_recipient(view, units, people, a, b)
        if rec:
            out.append(rec)
    return out


def _items(s: str, lo: int, hi: int, doc_date):
    if hi < lo:
        return
    dates = [(lo + a, lo + b) for a, b, _ in dates_in(s[lo:hi], doc_date)]
    start = lo
    for i in chain((m.start() for m in _ITEM_SEPARATOR.finditer(s, lo, hi)), (hi,)):
        if i == hi or s[i] in "、，,；;" or (s[i] in "和及" and i > start):
            a, b = start, i
            # drop leading dates and time words (七一前夕, 近日)
            for da, db in dates:
                if da <= a < db or (a <= da and s[a:da].strip() in ("", "在")):
                    a = max(a, db)
            if s.startswith(_TIME_WORDS, a):
                for w in _TIME_WORDS:
                    if s.startswith(w, a):
                        a += len(w)
            trimmed = True
            while trimmed:
                trimmed = False
                if s[b - 1 : b] in _TRAILING_LAST:
                    for tail in (_TRAILING_COUNT, _TRAILING_SPAN):
                        found = tail.search(s, a, b)
                        if found and found.end() == b and found.start() > a:
                            b = found.start()  # 王某、孙某3名同志; 某集团连续三年
                            trimmed = True
                if s.endswith(_TRAILING_WORDS, a, b):
                    for w in _TRAILING_WORDS:
                        if b - len(w) > a and s.endswith(w, a, b):
                            b -= len(w)
                            trimmed = True
            if s[i : i + 1] in "和及" and not _looks_like_item_end(s, b):
                continue
            if b > a:
                yield a, b
            start = i + 1


def _looks_like_item_end(s: str, b: int) -> bool:
    lex = load_lexicon()
    return bool(lex.unit_suffix(s[max(0, b - 6) : b])) or plausible_name(s[max(0, b - 3) : b]) or plausible_name(s[max(0, b - 2) : b])


def _people_ending_at(people: list[PersonMention], end: int) -> list[PersonMention]:
    """People (sorted, never overlapping, so ends are sorted too) whose name ends at ``end``."""
    k = bisect_left(people, end, key=lambda p: p.end)
    return [p for p in people[k : k + 2] if p.end == end]


def _item_recipient(view, units, people, a: int, b: int):
    s = view.text
    item_units = units.within(a, b)
    if item_units and item_units[-1].end == b:
        return item_units[-1]
    known = [p for p in _people_ending_at(people, b) if a <= p.start]
    if known:
        return known[-1]
    span = name_before(view, b, floor=a)
    if not span:
        return None
    p = PersonMention(span[0], span[1], s[span[0] : span[1]])
    prefix = s[a : span[0]]
    if item_units and item_units[-1].end == span[0]:
        p.unit = item_units[-1]
    elif prefix:
        lex = load_lexicon()
        title = lex.title_at_end(prefix)
        if title:
            p.title, p.title_start, p.titles = title, span[0] - len(title), (title,)
            unit = [u for u in item_units if u.end == span[0] - len(title)]
            p.unit = unit[-1] if unit else None
        elif prefix.endswith(_ROLE_NOUNS):
            # 某公司员工李某: the unit is what comes before the role noun, if it is one
            role = next(r for r in _ROLE_NOUNS if prefix.endswith(r))
            before = [u for u in item_units if u.end == span[0] - len(role)]
            p.unit = before[-1] if before else None
        elif 2 <= len(prefix) <= 8 and all(is_cjk(c) for c in prefix):
            p.unit = UnitRecipient(a, span[0], prefix)
        else:
            return None
    return p
