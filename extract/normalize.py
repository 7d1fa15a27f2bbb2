"""Text normalisation with a character offset map back to the original.

Machine-converted reports carry pinyin after ambiguous characters (``創(chuàng)``);
those annotations are removed, and a Simplified view (OpenCC ``t2s``) of the same
length is made for matching. ``NormalizedText.to_original`` maps any span of the
normalised text back to exact offsets in the original.

>>> n = normalize("創(chuàng)先爭優(yōu)")
>>> n.text, n.simplified
('創先爭優', '创先争优')
>>> n.to_original(2, 4)
(10, 12)
>>> n.original[10:12]
'爭優'
"""
from __future__ import annotations

import re
import unicodedata
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


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Simplified form of ``text``, always of the same length (character-wise if needed)."""
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # Phrase conversions can change the length; fall back to one character at a time
    # so offsets stay aligned.
    return "".join(c if len(c) == 1 else ch for ch, c in ((ch, _t2s().convert(ch)) for ch in text))


def is_traditional(text: str) -> bool:
    """True when more characters change under t2s than a Simplified text would show."""
    simplified = to_simplified(text)
    changed = sum(1 for a, b in zip(text, simplified) if a != b)
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") or 1
    return changed / cjk > 0.03


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
    """Strip pinyin annotations and NFKC-fold full-width spaces; keep an offset map."""
    kept: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _PINYIN.finditer(original):
        _keep(original, pos, m.start(), kept, offsets)
        pos = m.end()
    _keep(original, pos, len(original), kept, offsets)
    offsets.append(len(original))
    text = "".join(kept)
    return NormalizedText(original, text, to_simplified(text), tuple(offsets))


def _keep(original: str, start: int, end: int, kept: list[str], offsets: list[int]) -> None:
    for i in range(start, end):
        ch = original[i]
        if ch == _FULLWIDTH_SPACE:
            ch = " "
        elif "\uff01" <= ch <= "\uff5e" and ch not in "（），；：！？":
            # Full-width ASCII letters/digits fold to ASCII so dates and counts parse;
            # Chinese punctuation keeps its full-width form (sentence splitting uses it).
            ch = unicodedata.normalize("NFKC", ch)
        kept.append(ch)
        offsets.append(i)
