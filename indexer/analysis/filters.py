"""Filters that finish the bilingual pipeline.

They differ from Whoosh's stock filters on two points that matter here:

* Removing a stop word does not leave a hole in the positions. Whoosh's
  `Phrase` query has no notion of gaps, so a phrase typed as
  "研发和制造" (研发 和 制造, with 和 a stop word) would otherwise never match
  the text it was copied from.
* Acronyms survive: "US", "IT" and "WHO" are not the stop words "us", "it"
  and "who".
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import Filter
from whoosh.lang.porter import stem

_ENGLISH = """
a an and are as at be been but by can could did do does for from had has have he her his i if
in into is it its may might not of on or our she should so such than that the their them then
there these they this those to was we were what when where which while who will with would yet
you your us me my him
"""
_CHINESE = "的 了 和 与 及 是 在 也 都 而 并 之 等 或 就 被 把 其 这 那 着 过 啊 吧 呢 吗"
ENGLISH_STOP_WORDS = frozenset(_ENGLISH.split())
CHINESE_STOP_WORDS = frozenset(_CHINESE.split())
STOP_WORDS = ENGLISH_STOP_WORDS | CHINESE_STOP_WORDS


class StopFilter(Filter):
    """Drop stop words and renumber positions so that none is left empty.

    Several tokens may share a position (a joined word and its first part, a
    Chinese word and the words inside it); a position is dropped when its
    first token is a stop word, and kept whole otherwise.
    """

    def __init__(self, stoplist=STOP_WORDS):
        self.stops = frozenset(stoplist)

    def __eq__(self, other):
        return type(other) is type(self) and other.stops == self.stops

    def __call__(self, tokens):
        stops = self.stops
        shift = 0
        group = None
        dropping = False
        for t in tokens:
            pos = getattr(t, "pos", None)
            if pos is None:
                if is_stop_word(t.text, t.text.lower(), stops):
                    if t.removestops:
                        continue
                    t.stopped = True
                yield t
                continue
            if pos != group:
                group = pos
                dropping = is_stop_word(t.text, t.text.lower(), stops)
                if dropping:
                    shift += 1
            if dropping:
                if t.removestops:
                    continue
                t.stopped = True
            t.pos = pos - shift
            yield t


def _is_acronym(text: str) -> bool:
    return len(text) > 1 and text.isupper()


def is_stop_word(text: str, lowered: str, stops=STOP_WORDS) -> bool:
    """Whether a token (`lowered` is `text.lower()`) is a stop word: acronyms survive."""
    return lowered in stops and not _is_acronym(text)


def english_stem(word: str) -> str:
    """The Porter stem of an ASCII word of three letters or more; other text as it is."""
    if word.isascii() and word.isalpha() and len(word) > 2:
        return _stem(word)
    return word


class EnglishStemFilter(Filter):
    """Porter-stem ASCII words; leave Chinese, numbers and mixed tokens alone."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, tokens):
        for t in tokens:
            t.text = english_stem(t.text)
            yield t


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return stem(word)
