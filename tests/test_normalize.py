"""Pinyin and format-character stripping, the offset map back to the original, and the Simplified view."""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.normalize import _STRIPPED_CONTROLS, _strip_format_characters, is_traditional, normalize, to_simplified
from kg.extract.reader import read_documents


@pytest.mark.parametrize(
    "original, expected",
    [
        ("創(chuàng)先爭優(yōu)", "創先爭優"),  # the seed's pattern
        ("服務(wù)大局", "服務大局"),
        ("創（chuàng）先爭優（yōu）", "創先爭優"),  # full-width parentheses
        ("創( chuàng )新", "創新"),  # spaces inside
        ("先生(xiān sheng)來了", "先生來了"),  # several syllables
        ("創新(chuàng xīn)工作", "創新工作"),  # several toned syllables
        ("長(zhang3)廠", "長廠"),  # tone digit
        ("中(ZHŌNG)國", "中國"),  # capitals
        ("創(chua\u0300ng)新", "創新"),  # combining tone mark
    ],
)
def test_pinyin_annotations_are_removed(original, expected):
    assert normalize(original).text == expected


@pytest.mark.parametrize(
    "original",
    [
        "青禾機械廠(集團)",  # Chinese in parentheses
        "公司(2011)年報",  # numbers
        "通知(notice)如下",  # a word with no tone mark
        "ABC(chuàng)",  # not after a CJK character
        "創(chuàng",  # unclosed
    ],
)
def test_other_parentheses_are_kept(original):
    assert normalize(original).text == original


def test_offset_map_points_into_the_original():
    n = normalize("進一步擴大創(chuàng)先爭優(yōu)活動成果")
    start = n.text.index("爭優")
    a, b = n.to_original(start, start + 2)
    assert n.original[a:b] == "爭優"
    # An annotation inside a span stays inside it; one after the span's end does not.
    a, b = n.to_original(n.text.index("創"), n.text.index("爭") + 1)
    assert n.original[a:b] == "創(chuàng)先爭"
    assert n.to_original(len(n.text), len(n.text)) == (len(n.original), len(n.original))


def test_format_characters_leave_the_text_but_stay_in_the_original():
    n = normalize("主任\u202e王\u200b小\u00ad明\ufeff荣获")
    assert n.text == "主任王小明荣获"
    a, b = n.to_original(2, 5)
    # Inside a span they stay in it; before its first and after its last character they do not.
    assert n.original[a:b] == "王\u200b小\u00ad明"


def test_pinyin_is_found_across_format_characters():
    assert normalize("創\u200b(chu\u2060àng)新").text == "創新"


def invisible(ch: str) -> bool:
    """A format character, or a control character other than tab and line ends."""
    return unicodedata.category(ch) == "Cf" or unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"


def test_only_format_and_control_characters_are_stripped():
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    visible, offsets = _strip_format_characters(everything)
    expected = [i for i, ch in enumerate(everything) if not invisible(ch)]
    assert offsets == expected and visible == "".join(everything[i] for i in expected)
    assert "\u2028" in visible and "\n" in visible and "\t" in visible  # separators keep ending sentences
    assert "\x00" not in visible and "\x1b" not in visible and "\x85" not in visible
    assert _strip_format_characters("王小明\n😀") == ("王小明\n😀", None)


def test_full_width_forms_fold_but_chinese_punctuation_stays():
    n = normalize("２０１１年，ＡＢＣ公司：\u3000完成")
    assert n.text == "2011年，ABC公司： 完成"
    assert len(n.text) == len(n.offsets) - 1 == len(n.original)


def test_half_converted_characters_match_in_the_simplified_view():
    # Machine conversion leaves mixed forms; the Simplified view makes them equal.
    for half, full in [("干部", "幹部"), ("云銅", "雲銅"), ("聯系", "聯繫")]:
        assert to_simplified(half) == to_simplified(full)
    assert normalize("聯(lián)系幹部").simplified == "联系干部"


def test_script_detection():
    assert is_traditional("青禾機械廠黨委表彰優秀共產黨員，號召全體職工學習先進事跡。")
    assert not is_traditional("青禾机械厂党委表彰优秀共产党员，号召全体职工学习先进事迹。")
    assert not is_traditional("no Chinese at all")


def test_script_detection_decides_as_converting_the_text_does():
    # is_traditional counts characters t2s converts on their own; converting the whole
    # text (phrases too) must give the same decisions on real reports of both scripts.
    root = Path(__file__).parents[1]
    folders = [root / "tests" / "data", root / "tests" / "holdout", root / "kg" / "samples", root.parent / "shared" / "seeds"]
    decisions = []
    for document in read_documents([p for folder in folders for p in sorted(folder.glob("*.txt"))]):
        text = document.text
        converted = sum(a != b for a, b in zip(text, to_simplified(text)))
        cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
        decisions.append((document.id, is_traditional(text), converted / cjk > 0.03))
    assert len(decisions) >= 12 and {d for _, d, _ in decisions} == {True, False}
    assert [(i, d) for i, d, _ in decisions] == [(i, d) for i, _, d in decisions]


# ---------------------------------------------------------------- properties

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
# Base text without parentheses, so the only annotations are the ones inserted.
_BASE = st.one_of(
    _CJK,
    st.sampled_from("創業優務聯設導標發領結現經產學責雲銅幹"),
    st.sampled_from("abcxyz012 \u3000，。：；、“”\n ＡＢ１２"),
    st.characters(blacklist_characters="()（）", blacklist_categories=("Cs", "Cf", "Cc")),
)
_SYLLABLE = st.builds(
    lambda onset, vowel, coda: onset + vowel + coda,
    st.sampled_from(["", "ch", "zh", "x", "l", "y", "w", "n", "Sh"]),
    st.sampled_from(list("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ")),
    st.sampled_from(["", "ng", "n", "i", "o"]),
)
_ANNOTATION = st.builds(
    lambda parens, syllables, pad: parens[0] + pad + " ".join(syllables) + pad + parens[1],
    st.sampled_from(["()", "（）"]),
    st.lists(_SYLLABLE, min_size=1, max_size=3),
    st.sampled_from(["", " "]),
)


@st.composite
def annotated_text(draw):
    """(original, clean, kept): random text with pinyin after some CJK characters.

    ``kept[i]`` is the original index of ``clean[i]``.
    """
    original, clean, kept = [], [], []
    pos = 0
    for ch in draw(st.lists(_BASE, max_size=40)):
        original.append(ch)
        clean.append(ch)
        kept.append(pos)
        pos += 1
        if "\u4e00" <= ch <= "\u9fff" and draw(st.booleans()):
            annotation = draw(_ANNOTATION)
            original.append(annotation)
            pos += len(annotation)
    return "".join(original), "".join(clean), kept


@settings(max_examples=300)
@given(annotated_text(), st.data())
def test_offset_map_round_trips(sample, data):
    original, clean, kept = sample
    n = normalize(original)
    assert n.original == original
    assert n.text == normalize(clean).text  # exactly the inserted annotations went
    assert [n.offsets[i] for i in range(len(n.text))] == kept
    assert len(n.simplified) == len(n.text)

    start = data.draw(st.integers(0, len(n.text)))
    end = data.draw(st.integers(start, len(n.text)))
    a, b = n.to_original(start, end)
    # The original span, with its annotations removed, is the normalised span.
    stripped = "".join(original[i] for i in kept if a <= i < b)
    assert stripped == clean[start:end]
    assert normalize(original[a:b]).text == n.text[start:end]


@st.composite
def text_with_format_characters(draw):
    """(original, clean, kept) of :func:`annotated_text` with format and control characters
    anywhere, inside annotations and between a character and its annotation too."""
    original, clean, kept = draw(annotated_text())
    invisible_characters = st.one_of(st.characters(whitelist_categories=("Cf",)), st.sampled_from(_STRIPPED_CONTROLS))
    inserts = sorted(draw(st.lists(st.tuples(st.integers(0, len(original)), invisible_characters), max_size=8)))
    pieces, pos = [], 0
    for at, char in inserts:
        pieces += [original[pos:at], char]
        pos = at
    pieces.append(original[pos:])
    shifted = [i + sum(1 for at, _ in inserts if at <= i) for i in kept]
    return "".join(pieces), clean, shifted


@settings(max_examples=300)
@given(text_with_format_characters(), st.data())
def test_offset_map_round_trips_with_format_characters(sample, data):
    original, clean, kept = sample
    n = normalize(original)
    assert n.text == normalize(clean).text  # every format character and annotation went
    assert list(n.offsets[:-1]) == kept and n.offsets[-1] == len(original)
    start = data.draw(st.integers(0, len(n.text)))
    end = data.draw(st.integers(start, len(n.text)))
    a, b = n.to_original(start, end)
    assert normalize(original[a:b]).text == n.text[start:end]
    if a < b:  # a span starts and ends on a visible character
        assert not invisible(original[a]) and not invisible(original[b - 1])


@settings(max_examples=300)
@given(st.text(alphabet=st.one_of(st.sampled_from("創優中(（)）āàxn3 \u200b\u202e\ufeff"),
                                  st.characters(blacklist_categories=("Cs",)))))
def test_offset_map_round_trips_on_any_text(original):
    # Parentheses and pinyin letters anywhere: whatever is removed, every span of
    # the normalised text maps to an original span that normalises back to it.
    n = normalize(original)
    offsets = n.offsets
    assert list(offsets) == sorted(set(offsets)) and offsets[-1] == len(original)
    for start in range(len(n.text) + 1):
        for end in (start, min(start + 1, len(n.text)), len(n.text)):
            a, b = n.to_original(start, end)
            assert normalize(original[a:b]).text == n.text[start:end]


@given(st.text(st.characters(blacklist_categories=("Cs",))))
def test_simplified_view_keeps_length(text):
    assert len(to_simplified(text)) == len(text)


@given(st.text(st.sampled_from("後發於乾麵隻鐘幹著髮臺裡麼製準範係聯繫雲銅干部")))
def test_simplified_view_keeps_length_on_ambiguous_traditional(text):
    # Characters with several Simplified forms are where phrase conversion can
    # change the length.
    simplified = to_simplified(text)
    assert len(simplified) == len(text)
    assert not is_traditional(simplified) or not simplified
