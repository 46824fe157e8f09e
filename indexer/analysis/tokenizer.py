"""One tokenizer for English, Chinese and the mixed text between them.

Why not `jieba.analyse.ChineseAnalyzer`: it numbers positions by character
offset, so no phrase query can ever match. This tokenizer follows Whoosh's
tokenizer contract exactly: `pos` is the token ordinal and
`startchar`/`endchar` are exact offsets into the original text, so phrase
queries work in both languages and highlights come straight from the stored
offsets without re-analysing the document.

How text is cut:

* The text is folded first, character for character (traditional Chinese to
  simplified through OpenCC, full-width ASCII to ASCII), so offsets into the
  folded text are offsets into the original.
* Runs of CJK ideographs go to the jieba-compatible segmenter (its user
  dictionary holds every gazetteer name, so 江阴 stays whole).
* Everything else is matched as Latin "words": letters and digits joined by
  `-`, `.`, `'`, `&`, `+` or `$` (12-inch, U.S., US$10, GaN-on-Si, 475.418).
  A joined word yields its parts at consecutive positions (so the phrase
  "12 inch" and the query 12-inch both match) and, when indexing, also the
  parts run together at the first part's position (so `12inch`, `us` and
  `3dic` match too).
* When indexing (not in queries), a Chinese word longer than two characters
  also yields the dictionary words inside it at the same position, spanning
  the whole word: 晶圆 then finds 晶圆厂, and its highlight marks the whole
  word, never half of it.
"""

from __future__ import annotations

import re
from functools import cache

from whoosh.analysis import Token, Tokenizer

from indexer.analysis.segmenter import get_segmenter

CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
CJK_RUN = re.compile(f"[{CJK_RANGES}]+")
# Latin words: letters/digits (any script but CJK), optionally joined.
_WORD = r"[^\W_" + CJK_RANGES + r"]+"
LATIN_WORD = re.compile(rf"{_WORD}(?:[-.'’&+$/]{_WORD})*")
JOINERS = re.compile(r"[-.'’&+$/]")
SEGMENT_RE = re.compile(rf"(?P<cjk>[{CJK_RANGES}]+)|(?P<latin>{LATIN_WORD.pattern})")

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
# str.translate with a dict looks up every character in Python: 0.6 ms for
# a 3 kB English article, most of what folding cost. A regex finds out first
# whether there is anything to translate.
_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Fold traditional Chinese to simplified and full-width ASCII to ASCII.

    The result has the same length as the input so that character offsets
    computed on it are valid on the original. OpenCC converts some phrases to
    strings of another length; then only the runs whose length is kept are
    converted.
    """
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    if not CJK_RUN.search(text):
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return CJK_RUN.sub(_fold_run, text)


def _fold_run(match: re.Match) -> str:
    run = match.group(0)
    converted = _t2s().convert(run)
    if len(converted) == len(run):
        return converted
    return "".join(c2 if len(c2) == 1 else c for c in run for c2 in (_t2s().convert(c),))


class BilingualTokenizer(Tokenizer):
    """Whoosh tokenizer for mixed English/Chinese text (see module docstring)."""

    def __init__(self, subwords: bool = True):
        self.subwords = subwords

    def __eq__(self, other):
        return type(other) is type(self) and other.subwords == self.subwords

    def __hash__(self):
        return hash((type(self), self.subwords))

    def __getstate__(self):
        # The index stores its schema pickled; keep the segmenter out of it.
        return {"subwords": self.subwords}

    def __setstate__(self, state):
        self.subwords = state["subwords"]

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return

        indexing = mode != "query"
        expand = indexing and self.subwords
        segmenter = get_segmenter()
        folded = fold(value)
        pos = start_pos
        for match in SEGMENT_RE.finditer(folded):
            base = match.start()
            if match.lastgroup == "cjk":
                for word, start, end in segmenter.tokenize(match.group(0)):
                    s, e = base + start, base + end
                    t.text = word
                    t.boost = 1.0
                    t.stopped = False
                    if keeporiginal:
                        t.original = value[s:e]
                    if positions:
                        t.pos = pos
                    if chars:
                        t.startchar, t.endchar = start_char + s, start_char + e
                    yield t
                    if expand and len(word) > 2:
                        for sub in _subwords(word, segmenter):
                            # Filters downstream may have changed the shared
                            # token: restate its position and span.
                            t.text = sub
                            t.boost = 1.0
                            t.stopped = False
                            if positions:
                                t.pos = pos
                            if chars:
                                t.startchar, t.endchar = start_char + s, start_char + e
                            yield t
                    pos += 1
                continue

            word = match.group(0)
            parts = JOINERS.split(word)
            parts = [p for p in parts if p]
            if len(parts) == 1:
                t.text = word
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = value[match.start() : match.end()]
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + match.start()
                    t.endchar = start_char + match.end()
                yield t
                pos += 1
                continue

            offset = match.start()
            first_pos = pos
            for i, part in enumerate(parts):
                s = folded.index(part, offset)
                e = s + len(part)
                offset = e
                t.text = part
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = value[s:e]
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + s, start_char + e
                yield t
                if i == 0 and indexing:
                    t.text = "".join(parts)
                    t.boost = 1.0
                    t.stopped = False
                    if positions:
                        t.pos = first_pos
                    if chars:
                        t.startchar = start_char + match.start()
                        t.endchar = start_char + match.end()
                    yield t
                pos += 1


def _subwords(word: str, segmenter) -> list[str]:
    """Dictionary words inside a longer word, as jieba's search mode finds them."""
    found = []
    for n in (2, 3):
        if n >= len(word):
            break
        for i in range(len(word) - n + 1):
            sub = word[i : i + n]
            if segmenter.has_word(sub):
                found.append(sub)
    return found
