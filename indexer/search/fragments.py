"""Pasted fragments: the article that holds the query's very words comes first.

People paste a sentence or a few words of an article to find where it came
from. BM25 ranks the documents that hold all the words, anywhere; the one
that holds them in this order, as one run of text, is the one the person
meant. So the best-scored candidates of a plain query (words only: no
operators, phrases, prefixes or fields) are checked against their stored
title and body, compared in a normal form (folded to simplified Chinese,
lowercased, punctuation and spacing ignored, spaces between Chinese
characters dropped), and those that contain the query's text rank first.

Only a bounded number of candidates are read (`FRAGMENT_CHECK`), so the
cost is bounded whatever the query matches; a query of a single word is
never checked (every candidate holds it). For Chinese, the candidates are
first narrowed to the documents that hold every bigram of the text, which
every document containing it must.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from indexer.analysis import fold, query_terms
from indexer.analysis.bigrams import has_cjk_pair
from indexer.analysis.tokenizer import CJK_RANGES
from indexer.search.query import And, Term, leaves

FRAGMENT_CHECK = (20, 100, 300)  # candidates read: first, then if none of those held it...
WIDE_CHECK_WORDS = 3  # ...the later stages only for fragments of this many terms or more
MIN_FRAGMENT_CHARS = 4
MAX_ANCHOR_HITS = 16  # occurrences of the anchor looked at in one document
BIGRAM_BELOW = 10  # a Chinese query finding fewer articles by its words tries bigrams

_NON_WORD = re.compile(r"[\W_]+")
_CJK_GAP = re.compile(f"(?<=[{CJK_RANGES}]) (?=[{CJK_RANGES}])")
_CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
_CJK_PAIR = re.compile(f"[{CJK_RANGES}]{{2}}")


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def normal_form(text: str) -> str:
    """Folded, lowercased, words separated by one space, none between Chinese characters."""
    text = _NON_WORD.sub(" ", fold(text).lower())
    return _CJK_GAP.sub("", text)


@dataclass(frozen=True)
class Fragment:
    """A plain query's text as it must appear in a document.

    `text` is its normal form; Latin edges are padded with a space so that
    `war` never matches inside `software`, Chinese edges are not, since a
    pasted span may begin or end in the middle of a word (or a number).
    `anchors` are the query's longest word as typed (folded and lowercased,
    and in traditional characters too): a document is normalised only
    around the places where an anchor occurs, never as a whole (a whole
    3 kB article took 0.7 ms).
    """

    text: str
    anchors: tuple[str, ...]
    words: int
    chinese: bool
    pieces: tuple[str, ...] = ()

    def held_by(self, title: str, body: str) -> bool:
        return self._in(title) or self._in(body)

    def _in(self, raw: str) -> bool:
        lowered = raw.lower()
        # Every word of the query must be somewhere in the text: a substring
        # test in C rejects most candidates before any window is normalised.
        # (Not for Chinese: a traditional page or full-width digits hold other
        # characters; the anchors below cover those.)
        anchors = self.anchors
        if not self.chinese:
            if not all(p in lowered for p in self.pieces):
                return False
            # The word this text holds least often: fewest windows to look at.
            anchors = (min(self.pieces, key=lowered.count),)
        reach = 2 * len(self.text) + 16
        hits = 0
        for anchor in anchors:
            at = lowered.find(anchor)
            while at >= 0 and hits < MAX_ANCHOR_HITS:
                hits += 1
                lo, hi = max(0, at - reach), at + len(anchor) + reach
                window = normal_form(raw[lo:hi])
                # Only the text's own ends count as word boundaries.
                window = (" " if lo == 0 else "") + window + (" " if hi >= len(raw) else "")
                if self.text in window:
                    return True
                at = lowered.find(anchor, at + 1)
        return False


def fragment_of(tree) -> Fragment | None:
    """The fragment a plain query of two words or more must appear as, or None.

    Plain: words only, no operators, phrases, prefixes or fields. A query of
    one word needs no check: every document it matches holds it.
    """
    if isinstance(tree, Term) and tree.field is None:
        words = [tree.text]
    elif (
        isinstance(tree, And)
        and not tree.explicit
        and all(isinstance(c, Term) and c.field is None for c in tree.children)
    ):
        words = [c.text for c in tree.children]
    else:
        return None
    text = " ".join(words)
    form = normal_form(text).strip()
    terms = len(query_terms(text))
    if len(form) < MIN_FRAGMENT_CHARS or terms < 2:
        return None
    chinese = bool(_CJK_CHAR.search(form))
    if not chinese:
        form = f" {form} "
    pieces = [p for p in _NON_WORD.split(fold(text).lower()) if p]
    pair = _CJK_PAIR.search(fold(text))
    # Chinese: two characters, since a page may put punctuation or markup
    # anywhere inside a longer run (研發，和製造 for 研发和制造), and digits
    # may be full-width on the page.
    anchor = pair.group(0) if pair else max(pieces, key=len)
    anchors = [anchor]
    if _CJK_CHAR.search(anchor):
        traditional = _s2t().convert(anchor)
        if traditional != anchor:
            anchors.append(traditional)
    return Fragment(form, tuple(anchors), max(terms, len(text.split())), chinese, tuple(pieces))


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def containing(
    stored_text, docs: np.ndarray, scores: np.ndarray, fragment: Fragment, seen=None, ties=()
):
    """Indexes into `docs` of best-scored documents whose text holds `fragment`.

    `stored_text(docnum)` gives a document's title and body; `seen`, a dict
    kept per index view, remembers documents already checked for this
    fragment, so that paging through results or clicking a facet reads
    nothing twice. Candidates are read best first in stages (see
    `FRAGMENT_CHECK`); the search stops at the first stage that finds one.
    `ties` (`np.lexsort` keys aligned with `docs`, the main one last) order
    candidates of equal score as the results are ordered: otherwise which
    of several tied candidates made the cut followed the document numbers,
    which differ from one build of the same files to the next.
    """
    if not len(docs):
        return np.empty(0, dtype=np.int64)
    seen = {} if seen is None else seen
    stages = FRAGMENT_CHECK if fragment.words >= WIDE_CHECK_WORDS else FRAGMENT_CHECK[:1]
    limit = min(stages[-1], len(docs))
    lower = -scores
    if len(docs) > limit:  # the best `limit`, and every candidate tied with the last of them
        top = np.flatnonzero(lower <= np.partition(lower, limit - 1)[limit - 1])
    else:
        top = np.arange(len(docs))
    top = top[np.lexsort((*(key[top] for key in ties), lower[top]))][:limit]
    found = []
    done = 0
    for stage in stages:
        for i in top[done:stage].tolist():
            docnum = int(docs[i])
            held = seen.get(docnum)
            if held is None:
                held = seen[docnum] = fragment.held_by(*stored_text(docnum))
            if held:
                found.append(i)
        done = stage
        if found or done >= len(top):
            break
    return np.asarray(sorted(found), dtype=np.int64)


def wants_bigrams(tree, total: int, fragments_found: bool) -> bool:
    """Whether a Chinese query found too little by its words: then try its bigrams.

    Too little: fewer than `BIGRAM_BELOW` articles (`total`), or a single
    Chinese word (a pasted span) that no best-scored article holds as typed.
    """
    cjk = [leaf for leaf in leaves(tree) if isinstance(leaf, Term) and has_cjk_pair(leaf.text)]
    if not cjk:
        return False
    if total < BIGRAM_BELOW:
        return True
    return isinstance(tree, Term) and not fragments_found
