"""Reading input documents: text files, directories of them, and ``.jsonl`` corpora.

Each input becomes a :class:`~kg.extract.facts.Document` with its decoded text, the
encoding used, the script (``"Hant"``/``"Hans"``) and the header metadata (title,
source unit, date, author). ``Document.text`` is the decoded text with ``\\r\\n`` and
``\\r`` turned into ``\\n``; every offset elsewhere counts code points in that text.

Decoding order: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; otherwise strict
UTF-8; otherwise GB18030 and Big5 are both tried strictly and the one whose text has
more common Han characters wins (see :func:`decode_bytes`).

Bad input never stops the run unless ``strict=True``: an :class:`InputError` naming
the file (and, for ``.jsonl``, the line) goes to ``on_error`` and reading goes on.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "news.txt").write_text(
...     "青禾機械廠表彰先進\\n來源：廠辦　時間：2020年5月4日　作者：林小河\\n正文。", encoding="big5")
>>> doc = next(read_documents(folder))
>>> doc.id, doc.encoding, doc.script, doc.title, doc.source, doc.date, doc.author
('news', 'big5', 'Hant', '青禾機械廠表彰先進', '廠辦', '2020-05-04', '林小河')
"""
from __future__ import annotations

import codecs
import json
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import date as _date
from functools import lru_cache
from pathlib import Path

from kg.extract.facts import Document
from kg.extract.normalize import is_traditional, strip_annotations

PathLike = str | os.PathLike


class InputError(Exception):
    """An input that cannot be read; ``str()`` is ``"PATH: reason"``."""

    def __init__(self, path: PathLike, reason: str):
        super().__init__(str(path), reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


# --------------------------------------------------------------------------- decoding

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SCORE_SAMPLE = 200_000  # characters looked at when choosing between codecs
# Control characters other than tab, newlines, form feed and escape mark binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding)``. Raises ``ValueError(reason)``.

    GB18030 accepts most Big5 byte sequences (and Big5 many GB ones) as *some*
    characters, so when both decode strictly the text with more common Han
    characters wins: those in GB2312's first level (the 3755 most used Simplified
    characters) or Big5's frequent-use block (the 5401 most used Traditional
    ones). Mis-decoded text is mostly rare characters, symbols or private-use code
    points, so it scores far lower. Ties go to GB18030.

    >>> decode_bytes("創先爭優".encode("big5"))
    ('創先爭優', 'big5')
    >>> decode_bytes("创先争优".encode("gb18030"))
    ('创先争优', 'gb18030')
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as e:
                raise ValueError(f"invalid {encoding} after its byte-order mark at byte {e.start + len(bom)}") from None
            return _check_text(text), encoding
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return _check_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e.start
    # Big5 as published, else Microsoft's code page 950 (Big5 plus a few symbols),
    # which many Big5 files really are.
    candidates = [c for c in (_decode(data, "gb18030"), _decode(data, "big5") or _decode(data, "cp950")) if c]
    if not candidates:
        raise ValueError(
            f"undecodable: not UTF-8 (bad byte at {utf8_error}), GB18030 or Big5"
        )
    text, encoding = max(candidates, key=lambda c: _common_han_count(c[0][:_SCORE_SAMPLE]))
    return _check_text(text), encoding


def _decode(data: bytes, encoding: str) -> tuple[str, str] | None:
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        return None


def _check_text(text: str) -> str:
    sample = text[:_SCORE_SAMPLE]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise ValueError("binary file (control characters)")
    return text


def _common_han_count(text: str) -> int:
    return sum(1 for ch in text if ch >= "\u4e00" and _is_common_han(ch))


@lru_cache(maxsize=None)
def _is_common_han(ch: str) -> bool:
    try:
        gb = ch.encode("gb2312")
        if len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        big5 = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(big5) == 2 and 0xA440 <= int.from_bytes(big5, "big") <= 0xC67E


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n`` (offsets count in the result)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- header

# Header keys, longest first within the alternation so 发布时间 wins over 时间.
_HEADER_KEYS = {
    "source": ("来源", "來源", "信息来源", "信息來源", "文章来源", "文章來源", "稿件来源", "稿件來源",
               "发布单位", "發佈單位", "發布單位", "供稿单位", "供稿單位", "供稿", "单位", "單位"),
    "date": ("时间", "時間", "发布时间", "發佈時間", "發布時間", "发表时间", "發表時間", "更新时间",
             "更新時間", "日期", "发布日期", "發佈日期", "發布日期"),
    "author": ("作者", "撰稿", "撰稿人", "记者", "記者", "通讯员", "通訊員", "责任编辑", "責任編輯",
               "编辑", "編輯"),
    # Recognised only so their values do not run into the previous field.
    None: ("点击", "點擊", "点击数", "點擊數", "点击量", "點擊量", "浏览", "瀏覽", "浏览次数", "瀏覽次數",
           "阅读", "閱讀", "阅读量", "閱讀量", "访问量", "訪問量", "字号", "字號", "字体", "字體"),
}
_FIELD_OF_KEY = {key: name for name, keys in _HEADER_KEYS.items() for key in keys}
# Within a field, earlier keys are preferred (作者 over 编辑).
_KEY_RANK = {key: rank for keys in _HEADER_KEYS.values() for rank, key in enumerate(keys)}
_KEY = re.compile(
    "(" + "|".join(sorted(_FIELD_OF_KEY, key=len, reverse=True)) + r")[ \t\u3000]*[:：︰】\]]"
)
_LEAD = r"[\s|｜/【\[(（]*"
_METADATA_LINE = re.compile(_LEAD + _KEY.pattern)
_VALUE_TRIM = " \t\u3000|｜/,，;；【】[]()（）"
_HEAD_LINES = 4  # the header is within the first few non-empty lines
# A keyless header line: an optional source, a date, an optional time.
_BARE_HEADER = re.compile(
    r"\s*(?P<source>[^\d\s|｜:：]{2,20}?)?[\s|｜\u3000]*(?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?[\s|｜\u3000]*"
)
_MAX_METADATA_LINE = 200  # a longer line is body text, whatever it starts with

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_NUMBER = r"(\d{1,4}|[〇○零一二三四五六七八九十]{1,4})"
_DATE = re.compile(rf"{_NUMBER}\s*[-/.年]\s*{_NUMBER}\s*[-/.月]\s*{_NUMBER}\s*日?")
_YEAR_MONTH = re.compile(rf"{_NUMBER}\s*年\s*{_NUMBER}\s*月")


def parse_header(text: str) -> dict[str, str]:
    """Title and header metadata of a report: keys ``title``, ``source``, ``date``, ``author``.

    The title is the first non-empty line that is not a metadata line; metadata lines
    (``来源：… 时间：… 作者：…`` in either script, any colon, separated by spaces,
    ``|`` or nothing) follow within the first few lines. Values have pinyin
    annotations removed; the date is ISO (``YYYY-MM-DD``, or ``YYYY-MM``). Keys with
    no value found are left out.

    >>> parse_header("標題\\n來源: 宣傳部時間: 2011-09-16作者: 管理員\\n正文")
    {'title': '標題', 'source': '宣傳部', 'date': '2011-09-16', 'author': '管理員'}
    >>> parse_header("标题\\n发布时间：2011年9月16日 10:30 | 发布单位：办公室")
    {'title': '标题', 'date': '2011-09-16', 'source': '办公室'}
    """
    header: dict[str, str] = {}
    ranks: dict[str, int] = {}
    seen = 0
    for line in _head_lines(text):
        line = strip_annotations(line).strip()
        if not line:
            continue
        seen += 1
        if seen > _HEAD_LINES:
            break
        keyless = "title" in header and not ranks and len(line) < 80 and not _METADATA_LINE.match(line)
        bare = _BARE_HEADER.match(line) if keyless else None
        if bare and parse_date(bare.group("date")):
            # 某某融媒体中心 2024-01-03 09:15 编辑：某某 — a header line with no 来源/时间 keys
            header["date"], ranks["date"] = parse_date(bare.group("date")), len(_KEY_RANK)
            if bare.group("source"):
                header["source"], ranks["source"] = bare.group("source"), len(_KEY_RANK)
            line = line[bare.end():]
            if not _METADATA_LINE.match(line):
                continue
        if len(line) > _MAX_METADATA_LINE or not _METADATA_LINE.match(line):
            if "title" in header:
                if ranks:  # metadata came and went: the body has started
                    break
                continue
            header["title"] = line
            continue
        for field, key, value in _fields(line):
            if field is None or not value:
                continue
            if field == "date":
                value = parse_date(value)
                if value is None:
                    continue
            if field not in ranks or _KEY_RANK[key] < ranks[field]:
                header[field], ranks[field] = value, _KEY_RANK[key]
    return header


def _head_lines(text: str) -> Iterator[str]:
    start = 0
    for _ in range(_HEAD_LINES * 4):  # bounded: blank lines count too
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _fields(line: str) -> Iterator[tuple[str | None, str, str]]:
    matches = list(_KEY.finditer(line))
    for m, following in zip(matches, matches[1:] + [None]):
        value = line[m.end(): following.start() if following else len(line)]
        yield _FIELD_OF_KEY[m.group(1)], m.group(1), value.strip(_VALUE_TRIM)


def parse_date(value: str) -> str | None:
    """ISO form of a written date, or None.

    >>> [parse_date(v) for v in ("2011-09-16 08:00", "2011年9月16日", "2011/9/16", "2011.09.16")]
    ['2011-09-16', '2011-09-16', '2011-09-16', '2011-09-16']
    >>> parse_date("二〇一一年九月十六日"), parse_date("2011年9月"), parse_date("昨天")
    ('2011-09-16', '2011-09', None)
    """
    value = unicodedata.normalize("NFKC", value)
    m = _DATE.search(value)
    if m:
        y, mo, d = (_number(g) for g in m.groups())
        try:
            return _date(y, mo, d).isoformat()
        except (TypeError, ValueError):
            pass
    m = _YEAR_MONTH.search(value)
    if m:
        y, mo = (_number(g) for g in m.groups())
        if y is not None and mo is not None and 1 <= y <= 9999 and 1 <= mo <= 12:
            return f"{y:04d}-{mo:02d}"
    return None


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


# --------------------------------------------------------------------------- reading

_SCRIPT_SAMPLE = 20_000  # characters looked at to decide the script
_OPTIONAL_FIELDS = ("title", "date", "source", "author", "url")


def read_documents(
    paths: PathLike | Iterable[PathLike],
    *,
    strict: bool = False,
    on_error: Callable[[InputError], None] | None = None,
) -> Iterator[Document]:
    """Yield a :class:`Document` for every report under ``paths``, lazily.

    ``paths``: one path or several; each a text file (id = file stem), a directory
    (every ``*.txt`` below it, in sorted order; id = relative path without ``.txt``)
    or a ``.jsonl`` corpus (one JSON object per line with ``id`` and ``text``, optional
    ``title``, ``date``, ``source``, ``author``, ``url``; these override the header).

    A file or line that cannot be read raises :class:`InputError` when ``strict``;
    otherwise it is passed to ``on_error`` (or issued as a warning when there is none)
    and skipped. An empty file gives a document with empty text.

    >>> import tempfile, pathlib
    >>> corpus = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> _ = corpus.write_text('{"id": "a", "text": "标题\\\\n正文"}\\nnot json\\n', encoding="utf-8")
    >>> errors = []
    >>> [d.title for d in read_documents(corpus, on_error=errors.append)]
    ['标题']
    >>> errors[0].reason
    'line 2: invalid JSON: Expecting value (column 1)'
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    report = _reporter(strict, on_error)
    # Ids name documents in the graph, so a second document with the same id is an error.
    first_path: dict[str, str] = {}
    for path in map(Path, paths):
        for doc in _read_path(path, report):
            if doc.id in first_path:
                report(InputError(doc.path, f"duplicate document id {doc.id!r} (first read from {first_path[doc.id]})"))
                continue
            first_path[doc.id] = doc.path
            yield doc


def _reporter(strict: bool, on_error: Callable[[InputError], None] | None) -> Callable[[InputError], None]:
    def report(error: InputError) -> None:
        if strict:
            raise error
        if on_error is not None:
            on_error(error)
        else:
            warnings.warn(str(error), stacklevel=2)

    return report


def _read_path(path: Path, report: Callable[[InputError], None]) -> Iterator[Document]:
    if not path.exists():
        report(InputError(path, "no such file or directory"))
    elif path.is_dir():
        files = sorted(
            (p for p in path.rglob("*") if p.suffix.lower() == ".txt" and p.is_file()),
            key=lambda p: p.relative_to(path).as_posix(),
        )
        if not files:
            report(InputError(path, "directory contains no .txt files"))
        for file in files:
            doc_id = file.relative_to(path).with_suffix("").as_posix()
            yield from _read_text_file(file, doc_id, report)
    elif not path.is_file():
        report(InputError(path, "not a regular file or directory"))
    elif path.suffix.lower() == ".jsonl":
        yield from _read_jsonl(path, report)
    else:
        yield from _read_text_file(path, path.stem, report)


def _read_text_file(path: Path, doc_id: str, report: Callable[[InputError], None]) -> Iterator[Document]:
    try:
        data = path.read_bytes()
    except OSError as e:
        report(InputError(path, f"cannot read: {e.strerror or e}"))
        return
    try:
        text, encoding = decode_bytes(data)
    except ValueError as e:
        report(InputError(path, str(e)))
        return
    yield make_document(doc_id, normalize_newlines(text), path=str(path), encoding=encoding)


def _read_jsonl(path: Path, report: Callable[[InputError], None]) -> Iterator[Document]:
    try:
        lines = path.open("rb")
    except OSError as e:
        report(InputError(path, f"cannot read: {e.strerror or e}"))
        return
    ids: dict[str, int] = {}
    with lines:
        for number, raw in enumerate(lines, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                record = _jsonl_record(raw)
            except ValueError as e:
                report(InputError(path, f"line {number}: {e}"))
                continue
            if record is None:
                continue
            doc_id = record["id"]
            if doc_id in ids:
                report(InputError(path, f"line {number}: duplicate id {doc_id!r} (first on line {ids[doc_id]})"))
                continue
            ids[doc_id] = number
            overrides = {k: record[k] for k in _OPTIONAL_FIELDS if record.get(k)}
            yield make_document(doc_id, normalize_newlines(record["text"]), path=str(path), encoding="utf-8", **overrides)


def _jsonl_record(raw: bytes) -> dict | None:
    """The checked object on one ``.jsonl`` line (None for a blank line); ValueError(reason)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 (bad byte at column {e.start + 1})") from None
    if not line.strip():
        return None
    try:  # without its line break, an error at the end of the line is not put on "line 2"
        record = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    for key in ("id", "text"):
        if not isinstance(record.get(key), str):
            raise ValueError(f"{key!r} missing or not a string")
    if not record["id"].strip():
        raise ValueError("'id' is empty")
    for key in _OPTIONAL_FIELDS:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ValueError(f"{key!r} is not a string")
    if record.get("date"):
        iso = parse_date(record["date"]) or _iso_year(record["date"])
        if iso is None:
            raise ValueError(f"'date' {record['date']!r} is not a date")
        record["date"] = iso
    return record


def _iso_year(value: str) -> str | None:
    value = value.strip()
    return value if re.fullmatch(r"\d{4}(-\d{2})?", value) else None


def make_document(doc_id: str, text: str, **fields) -> Document:
    """A :class:`Document` for ``text`` with header metadata parsed; ``fields`` override it."""
    header = parse_header(text)
    header.update(fields)
    script = "Hant" if is_traditional(text[:_SCRIPT_SAMPLE]) else "Hans"
    return Document(id=doc_id, text=text, script=script, **header)
