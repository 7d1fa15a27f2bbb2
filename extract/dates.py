"""Dates as reports write them: explicit (2011年6月28日, 6月28日) or festivals (七一前夕).

Festivals resolve against the article year. ``前夕``/``前后``/``来临之际`` ("on the eve of",
"around") keep month precision, since the day itself is not the date; ``之际``/``当天``
("on the occasion of") give the day.

>>> find_date("七一前夕,某厂荣获表彰", 0, 10, "2011-09-16")
'2011-07'
>>> find_date("“七一”之际,公司命名表彰", 0, 12, "2011-09-16")
'2011-07-01'
>>> find_date("6月28日,公司召开大会", 0, 12, "2019-07-02")
'2019-06-28'
"""
from __future__ import annotations

import re
from functools import lru_cache

from kg.extract.lexicon import load_lexicon

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_FULL = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]")
_MONTH_DAY = re.compile(r"(?<!\d)(?<!\d年)(\d{1,2})月(\d{1,2})[日号]")
_YEAR_MONTH = re.compile(r"(\d{4})年(\d{1,2})月(?!\d)")
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_EVE = ("来临之际", "到来之际", "前夕", "前后")
_DAY = ("之际", "当天", "当日", "期间", "节")


@lru_cache(maxsize=1)
def _festival_pattern():
    names = sorted(load_lexicon().festivals, key=len, reverse=True)
    quals = "|".join(_EVE + _DAY)
    return re.compile(rf"([“\"「]?)({'|'.join(names)})([”\"」]?)({quals})?")


@lru_cache(maxsize=1)
def _maybe_date_pattern():
    """What every date below contains: a digit, 今年/去年 or a festival name."""
    return re.compile("|".join([r"\d", "今年", "去年", *map(re.escape, load_lexicon().festivals)]))


def _year(doc_date: str | None, text: str) -> str | None:
    m = re.search(r"(\d{4})年(?!度)", text)  # 2023年度 names a reporting year, not the event's
    if m:
        return m.group(1)
    return doc_date[:4] if doc_date and re.match(r"\d{4}", doc_date) else None


@lru_cache(maxsize=4096)
def dates_in(text: str, doc_date: str | None) -> tuple[tuple[int, int, str], ...]:
    """All dates in ``text`` as (start, end, ISO value), in text order."""
    if not _maybe_date_pattern().search(text):
        return ()
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(m, value):
        if value and not any(a < m.end() and m.start() < b for a, b in taken):
            found.append((m.start(), m.end(), value))
            taken.append((m.start(), m.end()))

    for m in _FULL.finditer(text):
        add(m, f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")
    for m in _ISO.finditer(text):
        add(m, f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")
    for m in _YEAR_MONTH.finditer(text):
        add(m, f"{m.group(1)}-{int(m.group(2)):02d}")
    year = _year(doc_date, text)
    for m in _MONTH_DAY.finditer(text):
        if year and 1 <= int(m.group(1)) <= 12:
            add(m, f"{year}-{int(m.group(1)):02d}-{int(m.group(2)):02d}")
    for m in re.finditer(r"(今年|去年)(?:(\d{1,2})月(?![\d日]))?", text):
        if doc_date and re.match(r"\d{4}", doc_date):
            relative = str(int(doc_date[:4]) - (m.group(1) == "去年"))
            add(m, f"{relative}-{int(m.group(2)):02d}" if m.group(2) else relative)
    festivals = load_lexicon().festivals
    for m in _festival_pattern().finditer(text):
        quoted = bool(m.group(1) and m.group(3))
        qual = m.group(4)
        if not (quoted or qual) or not year:
            continue  # a bare 七一 or 十一 may be a number, not a festival
        month_day = festivals[m.group(2)]
        if doc_date and doc_date.startswith(year) and len(doc_date) >= 7 and int(month_day[:2]) > int(doc_date[5:7]) + 2:
            year = str(int(year) - 1)  # 国庆 in a January report is last year's
        add(m, f"{year}-{month_day[:2]}" if qual in _EVE else f"{year}-{month_day}")
    return tuple(sorted(found))


def find_date(text: str, lo: int, cue: int, doc_date: str | None, hi: int | None = None) -> str | None:
    """The date governing an event at ``cue``: the last date before it in ``text[lo:hi]``, else the first after."""
    dates = dates_in(text[lo:hi], doc_date)
    before = [d for d in dates if lo + d[0] < cue]
    if before:
        return before[-1][2]
    return dates[0][2] if dates else None
