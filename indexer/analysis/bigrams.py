"""Overlapping CJK character bigrams: recall for any pasted Chinese span.

Word segmentation depends on context. A span copied from an article starts
and ends wherever the reader's selection did, so its first and last
characters are often halves of words, and jieba cuts the span differently
from the article (础上进一步加 is 础/上/进一步/加, the article has
基础上/进一步/加强). The AND of the span's words then matches nothing.
Character bigrams do not care where words end: every bigram of a span is a
bigram of the article that contains it, as in Lucene's CJK bigram analysis.

The bigrams are indexed in a field of their own, without positions or
frequencies (only which documents hold each bigram), so they add recall
without touching the word postings that phrases, scores and snippets use.
The text is folded first (traditional to simplified), like the words.

Each bigram is stored as one of `BUCKETS` hashed keys, not as itself.
Chinese text has hundreds of thousands of distinct bigrams, most of them in
one or two articles, and Whoosh pays about 150 bytes per distinct term
(its term record and posting block): unhashed, the field made the 20k
benchmark index 86 % bigger. Hashed, the field has at most `BUCKETS` terms.
A bucket also holds other bigrams, so the documents holding every key of a
span are a superset of those holding the span; the searcher checks the
span itself against the stored text (see `index.fragments`), and five keys
of a six-character span rarely meet by chance.
"""

from __future__ import annotations

from whoosh.analysis import Token, Tokenizer

from indexer._postings import cjk_gram_keys
from indexer.analysis.tokenizer import CJK_RUN, fold

BUCKETS = 1 << 16


def gram_keys(text: str) -> list[str]:
    """The hashed keys of `text`'s bigrams, each once, in order of first occurrence.

    A bigram's key is its UTF-8 CRC-32 modulo `BUCKETS`, as four hex
    digits; compiled (`native/src/grams.rs`), since doing it per bigram in
    Python was a twentieth of an indexing worker's CPU.
    """
    return cjk_gram_keys(fold(text), BUCKETS)


def has_cjk_pair(text: str) -> bool:
    """Whether `text` holds at least two CJK characters in a row."""
    return any(len(run) > 1 for run in CJK_RUN.findall(text))


class BigramTokenizer(Tokenizer):
    """Whoosh tokenizer yielding `gram_keys`; other text yields nothing."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, mode="", **kwargs):
        t = Token(positions, chars, mode=mode, **kwargs)
        for pos, gram in enumerate(gram_keys(value)):
            t.text = gram
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = pos
            yield t
