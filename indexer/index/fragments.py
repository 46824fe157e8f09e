"""Pasted fragments: the article that holds the query's very words comes first.

People paste a sentence or a few words of an article to find where it came
from. BM25 ranks the documents that hold all the words, anywhere; the one
that holds them in this order, as one run of text, is the one the person
meant. So the best-scored candidates of a plain query (words only: no
operators, phrases, prefixes or fields) are checked against their stored
title and body, compared in a normal form (folded to simplified Chinese,
lowercased, punctuation and spacing ignored, spaces between Chinese
characters dropped), and those that contain the query's text rank first.

Only `FRAGMENT_CHECK` candidates are read, so the cost is bounded whatever
the query matches; a query of a single Latin word is never checked (every
candidate holds it).
"""

from __future__ import annotations

import re

import numpy as np

from indexer.analysis import fold, query_terms
from indexer.analysis.tokenizer import CJK_RANGES
from indexer.query import And, Term

FRAGMENT_CHECK = 100  # best-scored candidates whose stored text is read
MIN_FRAGMENT_CHARS = 4

_NON_WORD = re.compile(r"[\W_]+")
_CJK_GAP = re.compile(f"(?<=[{CJK_RANGES}]) (?=[{CJK_RANGES}])")
_CJK_CHAR = re.compile(f"[{CJK_RANGES}]")


def normal_form(text: str) -> str:
    """Folded, lowercased, words separated by one space, none between Chinese characters."""
    text = _NON_WORD.sub(" ", fold(text).lower())
    return _CJK_GAP.sub("", text)


def fragment_of(tree) -> str | None:
    """The normal form a plain query's text must appear in, or None.

    Latin edges are padded with a space so that `war` never matches inside
    `software`; Chinese edges are not, since a pasted span may begin or end
    in the middle of a word.
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
    if len(form) < MIN_FRAGMENT_CHARS:
        return None
    if not _CJK_CHAR.search(form) and len(query_terms(text)) < 2:
        return None
    if not _CJK_CHAR.match(form[0]):
        form = " " + form
    if not _CJK_CHAR.match(form[-1]):
        form = form + " "
    return form


def containing(stored_text, docs: np.ndarray, scores: np.ndarray, fragment: str) -> np.ndarray:
    """Indexes into `docs` of the best-scored documents whose text holds `fragment`.

    `stored_text(docnum)` gives a document's title and body.
    """
    if not len(docs):
        return np.empty(0, dtype=np.int64)
    if len(docs) > FRAGMENT_CHECK:
        top = np.argpartition(-scores, FRAGMENT_CHECK - 1)[:FRAGMENT_CHECK]
    else:
        top = np.arange(len(docs))
    found = []
    for i in top.tolist():
        title, body = stored_text(int(docs[i]))
        if fragment in f" {normal_form(title)} " or fragment in f" {normal_form(body)} ":
            found.append(i)
    return np.asarray(sorted(found), dtype=np.int64)
