"""Knowledge tables the extraction rules use, loaded once from ``extract/data``.

Each table is a small text file with a comment on its source; this module only reads them.

>>> lex = load_lexicon()
>>> lex.unit_suffix("山西分公司")
('分公司', 'BranchCompany', 'head')
>>> "阙" in lex.surnames
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files("kg.extract").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _rows(name: str) -> list[list[str]]:
    return [ln.split("\t") for ln in _lines(name)]


@dataclass(frozen=True)
class Lexicon:
    surnames: frozenset[str]
    compound_surnames: frozenset[str]
    suffixes: tuple[tuple[str, str, str], ...]  # (suffix, class, attach), longest first
    not_units: frozenset[str]
    reject_words: tuple[str, ...]  # evaluative words: a unit candidate containing one is rejected
    trim_words: tuple[str, ...]  # determiners dropped from a unit candidate's start, longest first
    name_words: frozenset[str]  # verbs that occur inside unit names
    context_verbs: frozenset[str]  # verbs that take a unit as object: never part of its name
    state_organs: dict[str, str]  # any name of a national body -> its full name
    titles: tuple[str, ...]  # longest first
    festivals: dict[str, str]
    cues: dict[str, str]  # cue -> role
    honour_heads: tuple[str, ...]  # longest first
    false_names: frozenset[str]

    def unit_suffix(self, name: str):
        """The longest unit suffix ``name`` ends with, as (suffix, class, attach), or None."""
        return self._suffixes.ending(name)

    def starts_with_suffix(self, text: str) -> bool:
        return self._suffixes.starting(text) is not None

    def title_at_end(self, text: str) -> str | None:
        return self._titles.ending(text)

    def title_at_start(self, text: str) -> str | None:
        return self._titles.starting(text)

    def cue_ending_at(self, text: str, end: int) -> str | None:
        """The longest cue word that ends at ``text[end]`` (exclusive), if any."""
        cues = self._cues
        if end <= 0 or text[end - 1] not in cues.lasts:
            return None
        return cues.ending(text[max(0, end - cues.longest) : end])

    @cached_property
    def title_lasts(self) -> frozenset[str]:
        """The last characters of titles: a test that most positions fail before any lookup."""
        return self._titles.lasts

    # Lookup tables: {word: value} by length, so a lookup tries a few slices, not every word.
    @cached_property
    def _suffixes(self):
        return WordTable({row[0]: row for row in self.suffixes})

    @cached_property
    def _titles(self):
        return WordTable({t: t for t in self.titles})

    @cached_property
    def _cues(self):
        return WordTable({c: c for c in self.cues})

    def cues_of(self, role: str) -> tuple[str, ...]:
        """The cue words of one role (``receive``, ``confer``, ``title``), longest first."""
        return self._cues_by_role.get(role, ())

    @cached_property
    def _cues_by_role(self) -> dict[str, tuple[str, ...]]:
        roles: dict[str, list[str]] = {}
        for cue, role in self.cues.items():
            roles.setdefault(role, []).append(cue)
        return {role: tuple(sorted(cues, key=len, reverse=True)) for role, cues in roles.items()}


class WordTable:
    """Words with values, for longest-match lookups at either end of a text."""

    __slots__ = ("words", "longest", "lasts", "_by_first", "_by_last")

    def __init__(self, words: dict):
        self.words = words
        self.longest = max(map(len, words), default=0)
        # The words by first and by last character, longest first: most positions of a
        # text start or end no word of the table, the others only a few.
        ordered = sorted((w for w in words if w), key=len, reverse=True)
        self._by_first: dict[str, tuple[str, ...]] = {}
        self._by_last: dict[str, tuple[str, ...]] = {}
        for w in ordered:
            self._by_first[w[0]] = self._by_first.get(w[0], ()) + (w,)
            self._by_last[w[-1]] = self._by_last.get(w[-1], ()) + (w,)
        self.lasts = frozenset(self._by_last)

    def ending(self, text: str):
        """The value of the longest word ``text`` ends with, or None."""
        for w in self._by_last.get(text[-1:], ()):
            if text.endswith(w):
                return self.words[w]
        return None

    def starting(self, text: str):
        """The value of the longest word ``text`` starts with, or None."""
        for w in self._by_first.get(text[:1], ()):
            if text.startswith(w):
                return self.words[w]
        return None

    def words_starting(self, text: str):
        """The words ``text`` starts with, longest first."""
        return (w for w in self._by_first.get(text[:1], ()) if text.startswith(w))


def starts_pattern(words) -> re.Pattern:
    """A pattern that matches where any of ``words`` starts, overlapping matches included;
    group 1 is the first of ``words``, in their order, found there.

    >>> [m.group(1) for m in starts_pattern(["厂长", "厂"]).finditer("厂长和分厂")]
    ['厂长', '厂']
    """
    firsts = "".join(sorted({w[0] for w in words}))
    # The class of first characters, looked at first, lets the regex engine pass over most
    # positions with one test; without it, it tries every word at every position.
    return re.compile(f"(?=[{re.escape(firsts)}])(?=({'|'.join(map(re.escape, words))}))")


def _by_length(items) -> tuple:
    return tuple(sorted(items, key=lambda x: len(x[0] if isinstance(x, tuple) else x), reverse=True))


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    surnames = _lines("surnames.txt")
    return Lexicon(
        surnames=frozenset(s for s in surnames if len(s) == 1),
        compound_surnames=frozenset(s for s in surnames if len(s) == 2),
        suffixes=_by_length(tuple(r) for r in _rows("unit_suffixes.tsv")),
        not_units=frozenset(_lines("not_units.txt")),
        reject_words=tuple(w for w, how in _rows("name_descriptors.tsv") if how == "reject"),
        trim_words=_by_length(w for w, how in _rows("name_descriptors.tsv") if how == "trim"),
        name_words=frozenset(_lines("name_words.txt")),
        context_verbs=frozenset(_lines("context_verbs.txt")),
        state_organs={name: row[0] for row in _rows("state_organs.tsv") for name in row},
        titles=_by_length(_lines("titles.txt")),
        festivals=dict(tuple(r) for r in _rows("festivals.tsv")),
        cues=dict(tuple(r) for r in _rows("honour_cues.tsv")),
        honour_heads=_by_length(_lines("honour_heads.txt")),
        false_names=frozenset(_lines("false_names.txt")),
    )
