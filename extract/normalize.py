"""Text normalisation with a character offset map back to the original.

Machine-converted reports carry pinyin after ambiguous characters (``創(chuàng)``),
and copied text carries invisible format characters (zero-width spaces and joiners,
bidi marks, soft hyphens, BOMs) and control characters (a NUL, an ESC) inside names;
all are removed, and a Simplified view
(OpenCC ``t2s``) of the same length is made for matching. ``NormalizedText.to_original``
maps any span of the normalised text back to exact offsets in the original.

>>> n = normalize("創(chuàng)先爭優(yōu)")
>>> n.text, n.simplified
('創先爭優', '创先争优')
>>> n.to_original(2, 4)
(10, 12)
>>> n.original[10:12]
'爭優'
>>> n = normalize("主任\u202e王\u200b小明")
>>> n.text, n.to_original(2, 5)
('主任王小明', (3, 7))
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

# A CJK character followed by a parenthesised romanisation with at least one tone mark
# (precomposed, combining, or a tone digit), in ASCII or full-width parentheses:
# 創(chuàng), 優（yōu）, 長(zhang3), 先生(xian shēng).
_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_TONE_VOWELS += _TONE_VOWELS.upper()
_COMBINING_TONES = "\u0300\u0301\u0304\u030c\u0308"
_LETTER = rf"[a-zA-Z{_TONE_VOWELS}{_COMBINING_TONES}]"
_SPACE = r"[ \t\u00a0\u3000]"
_SYLLABLE = rf"{_LETTER}+[1-5]?"
_PINYIN = re.compile(
    r"(?<=[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f])"
    rf"[(（]{_SPACE}*"
    rf"(?=(?:{_LETTER}|{_SPACE})*[{_TONE_VOWELS}{_COMBINING_TONES}1-5])"
    rf"{_SYLLABLE}(?:{_SPACE}+{_SYLLABLE})*{_SPACE}*[)）]"
)
_FULLWIDTH_SPACE = "\u3000"
# Control characters (Unicode Cc) other than tab and line ends: invisible like format
# characters, and left in they split a name for the rules (王小\x00明 would be 王小).
_STRIPPED_CONTROLS = "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\t\n\r")


@lru_cache(maxsize=1)
def _maybe_format_character() -> re.Pattern:
    """A format character (Unicode category Cf) or a stripped control character of the Basic
    Multilingual Plane, or any character beyond it: a check at C speed that most texts pass
    without a match.

    The astral planes hold a few format characters among emoji and rare ideographs;
    listing them in the class would slow every search fourfold, so they are told apart
    one by one.
    """
    bmp = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf") + _STRIPPED_CONTROLS
    return re.compile(f"[{re.escape(bmp)}\U00010000-\U0010ffff]")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Simplified form of ``text``, always of the same length (character-wise if needed)."""
    if len(text) <= _SHORT:
        return _short_simplified(text)
    return _simplified(text)


_SHORT = 32  # characters: names, titles, header fields, which recur across documents


@lru_cache(maxsize=1 << 16)
def _short_simplified(text: str) -> str:
    return _simplified(text)  # OpenCC's cost per call is many times a lookup's


def _simplified(text: str) -> str:
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # Phrase conversions can change the length; fall back to one character at a time
    # so offsets stay aligned.
    return "".join(c if len(c) == 1 else ch for ch, c in ((ch, _t2s().convert(ch)) for ch in text))


def is_traditional(text: str) -> bool:
    """True when more of its CJK characters are ones t2s converts than a Simplified text would show.

    Characters are looked at one by one (not in phrases, as :func:`to_simplified` does), so
    deciding needs no conversion of the text.
    """
    changed = sum(map(len, _converted_characters().findall(text)))
    cjk = sum(map(len, _CJK_RUN.findall(text))) or 1
    return changed / cjk > 0.03


_CJK_RUN = re.compile("[\u4e00-\u9fff]+")
_CJK_BLOCKS = ((0x2E80, 0xA000), (0xF900, 0xFB00))  # radicals to unified ideographs; compatibility ideographs


@lru_cache(maxsize=1)
def _converted_characters() -> re.Pattern:
    """Runs of characters that t2s converts on their own, as OpenCC says: the CJK blocks
    converted in one call, a character a line, so that no two of them make a phrase."""
    characters = [chr(c) for first, end in _CJK_BLOCKS for c in range(first, end)]
    converted = _t2s().convert("\n".join(characters)).split("\n")
    changed = "".join(a for a, b in zip(characters, converted, strict=True) if a != b)
    return re.compile(f"[{re.escape(changed)}]+")


@dataclass(frozen=True)
class NormalizedText:
    """The normalised text, its Simplified view and the map back to the original."""

    original: str
    text: str  # pinyin removed, original script
    simplified: str  # same length as ``text``
    offsets: tuple[int, ...]  # offsets[i] = original index of text[i]; offsets[len] = len(original)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` for the normalised span ``[start, end)``."""
        if start == end:
            o = self.offsets[start]
            return o, o
        # Annotations inside the span stay in it; one after its last character does not.
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(original: str) -> NormalizedText:
    """Strip format characters, then pinyin annotations, and NFKC-fold full-width forms; keep an offset map.

    Format characters go first, so an annotation is found as if they were not there
    (``創\u200b(chuàng)``).
    """
    if len(original) <= _REMEMBERED:
        return _remembered_normalize(original)
    return _normalize(original)


# The pipeline normalises a document's text, and the RDF writer the same text again (how
# titles are written in a Traditional text): the last result is kept, for texts up to this length.
_REMEMBERED = 50_000


def strip_annotations(original: str) -> str:
    """``normalize(original).text``, without the offset map and the Simplified view.

    >>> strip_annotations("創(chuàng)先\u200b爭優")
    '創先爭優'
    """
    visible, _ = _strip_format_characters(original)
    return "".join(visible[a:b].translate(_FOLD) for a, b in _kept_runs(visible))


def _kept_runs(visible: str) -> Iterator[tuple[int, int]]:
    """The runs of ``visible`` between pinyin annotations."""
    pos = 0
    for m in _PINYIN.finditer(visible):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(visible)


def _normalize(original: str) -> NormalizedText:
    visible, visible_offsets = _strip_format_characters(original)
    kept: list[str] = []
    offsets: list[int] = []
    for a, b in _kept_runs(visible):
        kept.append(visible[a:b].translate(_FOLD))
        offsets.extend(range(a, b))
    if visible_offsets is not None:
        offsets = [visible_offsets[i] for i in offsets]
    offsets.append(len(original))
    text = "".join(kept)
    return NormalizedText(original, text, to_simplified(text), tuple(offsets))


def _strip_format_characters(original: str) -> tuple[str, list[int] | None]:
    """``original`` without format characters (zero-width spaces and joiners, bidi marks,
    soft hyphens, BOMs: Unicode category Cf) and control characters other than tab and line
    ends (``_STRIPPED_CONTROLS``), and the original index of each character left; ``None``
    when there was nothing to strip, the common case.

    Line and paragraph separators are neither, so sentence ends stay.
    """
    if _maybe_format_character().search(original) is None:
        return original, None
    offsets = [i for i, ch in enumerate(original) if unicodedata.category(ch) != "Cf" and ch not in _STRIPPED_CONTROLS]
    if len(offsets) == len(original):
        return original, None
    return "".join(original[i] for i in offsets), offsets


# Full-width ASCII letters/digits fold to ASCII so dates and counts parse; Chinese
# punctuation keeps its full-width form (sentence splitting uses it). One character each.
_FOLD = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFF5F) if chr(c) not in "（），；：！？"}
_FOLD[ord(_FULLWIDTH_SPACE)] = " "

_remembered_normalize = lru_cache(maxsize=1)(_normalize)
