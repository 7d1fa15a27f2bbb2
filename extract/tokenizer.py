"""A spaCy tokenizer over rjieba (jieba-rs): jieba's dictionary and POS tags, ~30× faster.

It is meant for the Simplified view of a document (jieba's dictionary is Simplified;
Traditional text splits badly). Each token's ``tag_`` is jieba's POS tag (``nr`` person,
``ns`` place, ``nt`` organisation…).

>>> import spacy
>>> nlp = spacy.blank("zh")
>>> nlp.tokenizer = RJiebaTokenizer(nlp.vocab)
>>> [(t.text, t.tag_) for t in nlp("我爱北京")]
[('我', 'r'), ('爱', 'v'), ('北京', 'ns')]
"""
from __future__ import annotations

import rjieba
from spacy.tokens import Doc
from spacy.vocab import Vocab


class RJiebaTokenizer:
    """Segment with rjieba; the tokens' texts concatenate to the input exactly."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        tagged = rjieba.tag(text)
        words = [w for w, _ in tagged]
        tags = [t or "x" for _, t in tagged]
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words), tags=tags)
        # The rule components read tokens as plain lists: spaCy's Token objects cost more.
        doc.user_data["rjieba"] = (words, tags)
        return doc

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    # spaCy calls these when a pipeline is saved or loaded; there is no state to keep.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "RJiebaTokenizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        pass

    def from_disk(self, path, **kwargs) -> "RJiebaTokenizer":
        return self
