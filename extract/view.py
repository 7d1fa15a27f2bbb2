"""A character-level view of a segmented ``Doc``, shared by the rule components.

The rules read the Simplified text character by character (names, suffixes, titles) and
consult jieba's tokens only as hints (token edges and POS tags), since jieba glues or splits
rare names and unit suffixes unpredictably (局局长, 公司党委).

>>> import spacy
>>> from kg.extract.tokenizer import RJiebaTokenizer
>>> nlp = spacy.blank("zh"); nlp.tokenizer = RJiebaTokenizer(nlp.vocab)
>>> v = TextView.of(nlp("公司召开会议。张三发言"))
>>> v.sentences
[(0, 7), (7, 11)]
>>> v.token_at(1)
(0, 2, 'n')
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

import numpy

SENTENCE_END = "。！？!?\n"
CLAUSE_END = "；;"
LIST_SEP = "、，,"
OPEN_QUOTES = "“「『‘\"《〈"
CLOSE_QUOTES = "”」』’\"》〉"
PUNCT = set(SENTENCE_END + CLAUSE_END + LIST_SEP + OPEN_QUOTES + CLOSE_QUOTES + "：:（）()[]【】—…·- \t\u3000")


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass
class TextView:
    text: str
    token_start: list[int]  # per character: start of its token
    token_end: list[int]  # per character: end of its token
    token_tag: list[str]  # per character: its token's POS tag
    sentences: list[tuple[int, int]]
    _sentence_starts: list[int] | None = None
    _token_starts: list[int] | None = None

    @classmethod
    def of(cls, doc) -> "TextView":
        words, word_tags = doc.user_data.get("rjieba") or ([t.text for t in doc], [t.tag_ for t in doc])
        # one entry per character, its token's: numpy repeats in C what a loop would per token
        lengths = numpy.fromiter(map(len, words), dtype=numpy.int64, count=len(words))
        edges = numpy.zeros(len(words) + 1, dtype=numpy.int64)
        numpy.cumsum(lengths, out=edges[1:])
        token = numpy.repeat(numpy.arange(len(words)), lengths)
        starts, ends = edges[token].tolist(), edges[token + 1].tolist()
        tags = [word_tags[k] for k in token.tolist()]
        text = "".join(words)  # Doc.text joins every token on each access
        view = cls(text, starts, ends, tags, split_sentences(text))
        view._token_starts = edges[:-1][lengths > 0].tolist()
        return view

    def token_starts(self) -> list[int]:
        """Start offset of every token, in order."""
        if self._token_starts is None:
            self._token_starts = sorted(set(self.token_start))
        return self._token_starts

    def token_at(self, i: int) -> tuple[int, int, str]:
        return self.token_start[i], self.token_end[i], self.token_tag[i]

    def sentence_of(self, i: int) -> int:
        """Index of the sentence holding character ``i`` (the last one past the end)."""
        if self._sentence_starts is None:
            self._sentence_starts = [a for a, _ in self.sentences]
        k = bisect_right(self._sentence_starts, i) - 1
        return min(max(k, 0), len(self.sentences) - 1) if self.sentences else 0


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: text up to and including a sentence-final mark or newline.

    Closing quotes right after the mark stay with the sentence; blank spans are dropped.
    A run longer than ``MAX_SENTENCE_CHARS`` is cut into pieces (see :func:`_cut_long`).

    >>> [b - a for a, b in split_sentences("王小明，" * 600)]
    [1000, 1000, 400]
    """
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.end()].strip():
            spans.extend(_cut_long(text, start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.extend(_cut_long(text, start, len(text)))
    return spans


# Every mention carries its whole sentence (kg:sentence), so the graph grows with
# mentions x sentence length: a 1 MB line with no sentence mark made terabytes. Real
# sentences, long lists of recipients included, stay far below this.
MAX_SENTENCE_CHARS = 1000
_SOFT_ENDS = (CLAUSE_END, LIST_SEP, " \t\u3000")  # where to cut a long run, best first


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` in pieces of at most ``MAX_SENTENCE_CHARS``, each cut after the
    last clause mark, else comma, else space of its second half, else at the limit."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        limit, half = start + MAX_SENTENCE_CHARS, start + MAX_SENTENCE_CHARS // 2
        cut = limit
        for marks in _SOFT_ENDS:
            found = max(text.rfind(mark, half, limit) for mark in marks)
            if found >= 0:
                cut = found + 1
                break
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return [(a, b) for a, b in pieces if text[a:b].strip()]


_SENTENCE_END = re.compile("[" + re.escape(SENTENCE_END) + "][" + re.escape(CLOSE_QUOTES) + "]*")
