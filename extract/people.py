"""People and the posts they hold, found from context.

jieba knows common names but misses rare ones (a rare surname splits off as its own
token), so a name is accepted where context vouches for it: after or before a post title
(``局长高某某``, ``赵某某总经理``), before ``同志``, after a unit in a recipient list, or
in a ``、`` list beside such names. The name must start with a surname from the table and
must not be a common word.

>>> import spacy
>>> from kg.extract.tokenizer import RJiebaTokenizer
>>> from kg.extract.view import TextView
>>> nlp = spacy.blank("zh"); nlp.tokenizer = RJiebaTokenizer(nlp.vocab)
>>> v = TextView.of(nlp("检修厂厂长亓德昌在会上讲话"))
>>> [(p.name, p.title) for p in find_people(v, find_titles(v))]
[('亓德昌', '厂长')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import rjieba

from kg.extract.lexicon import load_lexicon
from kg.extract.orgs import UnitIndex
from kg.extract.view import is_cjk

# Characters that follow a name rather than continue it (张三荣获, 张三在, 张三等).
NAME_BREAK = set("在的等同和与及为是对说指表强要也都到来去带主出讲提介代作率向以从将把被就并于荣获代任兼任当")
_FUNCTION_CHARS = set("在的等同和与及为是对被把将从向以于就并也都")
NOT_TITLE_AFTER = ("会", "台", "部门", "单位", "团")
# Grades and occupational titles that take a modifier before them (一级引航员, 客户经理).
_GRADE = re.compile(r"[一二三四五六七八九]级|高级|首席|资深")
_OCCUPATIONS = ("经理", "工程师", "技师", "主管", "专员")


@dataclass
class TitleMention:
    start: int
    end: int
    title: str


@dataclass
class PersonMention:
    start: int
    end: int
    name: str
    title: str | None = None  # post title stated with the name
    title_start: int | None = None
    titles: tuple[str, ...] = ()  # all titles of a combined post (党委副书记、总经理)
    unit: object | None = None  # the unit named right before the person or the title


@lru_cache(maxsize=1)
def _title_pattern():
    return re.compile("|".join(map(re.escape, load_lexicon().titles)))  # longest first


def find_titles(view) -> list[TitleMention]:
    """Post titles, longest match, left to right, not inside a longer word (董事会, 主席台)."""
    s = view.text
    out = []
    for m in _title_pattern().finditer(s):
        i, t = m.start(), m.group(0)
        if s.startswith(NOT_TITLE_AFTER, m.end()):
            continue
        start = _title_modifier_start(view, i, t)
        if out and start < out[-1].end:
            start = i
        out.append(TitleMention(start, m.end(), s[start : m.end()]))
    return out


def _title_modifier_start(view, i: int, title: str) -> int:
    """Where a title with its modifier starts: 一级引航员, 客户经理, 网格经理."""
    s = view.text
    m = _GRADE.search(s, max(0, i - 2), i)
    if m and m.end() == i:
        return m.start()
    bare_occupation = title in _OCCUPATIONS or (title.endswith("员") and len(title) <= 3)
    if bare_occupation and i >= 2 and view.token_start[i - 1] == i - 2 and view.token_end[i - 1] == i:
        word = s[i - 2 : i]
        if _common_word(word, "n") and not load_lexicon().unit_suffix(word) and not _ends_unit(s, i):
            return i - 2
    return i


def _ends_unit(s: str, i: int) -> bool:
    return load_lexicon().unit_suffix(s[max(0, i - 6) : i]) is not None


@lru_cache(maxsize=65536)
def plausible_name(name: str, strict: bool = True) -> bool:
    """A surname-led 2-4 character string that is not a common word.

    ``strict=False`` (for names the context vouches for, such as ``…同志``) accepts names
    that start with a common word (揭晓燕).
    """
    lex = load_lexicon()
    if not 2 <= len(name) <= 4 or not all(is_cjk(c) for c in name):
        return False
    if name[:2] in lex.compound_surnames:
        if len(name) < 3:
            return False
    elif name[0] not in lex.surnames or len(name) == 4:
        return False
    if name in lex.false_names or name.startswith(_false_name_starts()):
        return False
    if lex.title_at_start(name[1:]) or any(c in lex.cues for c in (name[1:], name[-2:])):
        return False
    if lex.unit_suffix(name):
        return False
    if _common_word(name) and (strict or len(name) > 2):
        return False  # the whole string is a dictionary word that is not a name
    if strict and len(name) == 3 and _common_word(name[:2], "vdpca"):
        return False  # 高要求, 全面性: a common two-character word plus one
    return True


@lru_cache(maxsize=1)
def _false_name_starts() -> tuple[str, ...]:
    return tuple(w for w in load_lexicon().false_names if len(w) >= 2)


@lru_cache(maxsize=1)
def _cue_words() -> tuple[str, ...]:
    return tuple(load_lexicon().cues)


def _common_word(word: str, tags: str | None = None) -> bool:
    if not rjieba.has_word(word):
        return False
    tagged = rjieba.tag(word)
    tag = tagged[0][1] if len(tagged) == 1 else ""
    if tag.startswith("nr"):
        return False
    return tags is None or tag[:1] in tags


def name_after(view, pos: int) -> tuple[int, int] | None:
    """The name starting at ``pos``: three characters (most Chinese names) unless the third
    one starts the next word (王强出席, 王强在), else two."""
    s = view.text
    lex = load_lexicon()
    first = 2 if s[pos : pos + 2] in lex.compound_surnames else 1
    for length in (first + 2, first + 1):
        end = pos + length
        # a two-character name that is also a word (甘露, 方明) is a name when a boundary follows it
        vouched = s.startswith("同志", end) or (length == first + 1 and _boundary_after(s, end))
        if end > len(s) or not plausible_name(s[pos:end], not vouched):
            continue
        if length == first + 2 and _third_char_starts_next_word(s, end - 1):
            continue
        return pos, end
    return None


def _third_char_starts_next_word(s: str, i: int) -> bool:
    """张明在…, 王强出席, 李军荣获: the third character begins what follows, not the name."""
    if s[i] in _FUNCTION_CHARS or s.startswith(_cue_words(), i):
        return True
    return _starts_word(s, i) and not _starts_word(s, i + 1)


def _boundary_after(s: str, end: int) -> bool:
    return end >= len(s) or not is_cjk(s[end]) or s[end] in NAME_BREAK


def _starts_word(s: str, i: int) -> bool:
    """True when s[i] begins a verb or function word with the next character (出席, 主持, 表示)."""
    pair = s[i : i + 2]
    if len(pair) < 2 or not all(is_cjk(c) for c in pair):
        return False
    return _common_word(pair, "vpdcu")


def name_before(view, end: int, floor: int = 0, strict: bool = True) -> tuple[int, int] | None:
    """The name ending at ``end``: three characters when a word boundary precedes them, else two."""
    s = view.text
    for length in (3, 2, 4):
        start = end - length
        if start >= floor and plausible_name(s[start:end], strict) and _boundary_before(view, start, floor):
            return start, end
    a, b, tag = view.token_at(end - 1) if end > 0 else (end, end, "")
    if b == end and a >= floor and tag.startswith("nr") and b - a == 2 and plausible_name(s[a:b]):
        return a, b
    return None


def _boundary_before(view, pos: int, floor: int) -> bool:
    s = view.text
    if pos <= floor:
        return True
    ch = s[pos - 1]
    return not is_cjk(ch) or view.token_end[pos - 1] == pos


def find_people(view, titles: list[TitleMention], units=None) -> list[PersonMention]:
    """People introduced by a post title (before or after the name) or by ``同志``."""
    s = view.text
    units = units if units is not None else UnitIndex()
    people: dict[int, PersonMention] = {}
    unit_ends = {u.end for u in units}
    i = 0
    while i < len(titles):
        # a combined post: titles joined by 、 (党委副书记、总经理王某)
        j = i
        while j + 1 < len(titles) and s[titles[j].end : titles[j + 1].start] in ("、", "兼", "和"):
            j += 1
        group = titles[i : j + 1]
        last, first = group[-1], group[0]
        opening = _parenthesised(s, first.start, last.end)
        if opening is not None:
            # 王某（某公司党委书记）: the post in brackets after the name
            span = name_before(view, opening)
            if span:
                unit = next((u for u in units.ending_at(first.start) if u.start >= opening), None)
                people.setdefault(span[0], PersonMention(*span, s[span[0] : span[1]], first.title, first.start,
                                                        tuple(t.title for t in group), unit))
            i = j + 1
            continue
        span = name_after(view, last.end) if last.end < len(s) else None
        if span and span[0] not in unit_ends:
            people.setdefault(span[0], PersonMention(*span, s[span[0] : span[1]], first.title, first.start,
                                                    tuple(t.title for t in group)))
        elif first.start not in unit_ends:
            span = name_before(view, first.start)
            if span:
                people.setdefault(span[0], PersonMention(*span, s[span[0] : span[1]], first.title, first.start,
                                                        tuple(t.title for t in group)))
        i = j + 1
    pos = s.find("同志")
    while pos != -1:
        span = name_before(view, pos, strict=False)
        if span:
            people.setdefault(span[0], PersonMention(*span, s[span[0] : span[1]]))
        pos = s.find("同志", pos + 2)
    return sorted(people.values(), key=lambda p: p.start)


def _parenthesised(s: str, start: int, end: int) -> int | None:
    """Where the bracket opens when ``s[start:end]`` closes a bracketed post (（某公司书记）)."""
    if s[end : end + 1] not in ("）", ")"):
        return None
    opening = max(s.rfind("（", max(0, start - 25), start), s.rfind("(", max(0, start - 25), start))
    if opening == -1 or any(c in s[opening + 1 : start] for c in "，,。；;)）"):
        return None
    return opening


def extend_lists(view, people: list[PersonMention]) -> list[PersonMention]:
    """Names in a ``、`` list next to a known name are names too (张三、李四、王五等)."""
    s = view.text
    known = {p.start: p for p in people}
    added = True
    while added:
        added = False
        for p in list(known.values()):
            after = p.end + 2 if s.startswith("同志", p.end) else p.end
            for direction in (1, -1):
                if direction == 1 and s[after : after + 1] == "、":
                    span = name_after(view, after + 1)
                    ends_item = span and (span[1] >= len(s) or s[span[1]] in "、等和，,。；" or _starts_word(s, span[1]))
                    if ends_item and span[0] not in known:
                        known[span[0]] = PersonMention(*span, s[span[0] : span[1]])
                        added = True
                elif direction == -1 and p.start > 0 and s[p.start - 1] == "、":
                    span = name_before(view, p.start - 1)
                    if span and span[0] not in known and (span[0] == 0 or not is_cjk(s[span[0] - 1]) or s[span[0] - 1] == "、"):
                        known[span[0]] = PersonMention(*span, s[span[0] : span[1]])
                        added = True
    return sorted(known.values(), key=lambda p: p.start)
