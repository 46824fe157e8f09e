"""The documents a search selects, and the page of them a user sees.

Ranking is by tier first (words matched in a relaxed answer, and whether
a document holds the query's exact text: see `fragments` and `relaxing`),
then by BM25 score, then newer first.
"""

from __future__ import annotations

import numpy as np

from indexer.index.matches import Matches, locate
from indexer.search.fragments import Fragment, containing

FRAGMENT_ENTRY_BYTES = 8192  # what a fragment's checked documents are counted as, per view


class Selection:
    """The documents a search selects, with their scores and rank tiers.

    `in_query` is every document the query matches (facets count it under
    each filter but their own); `docs`/`scores` are those that pass every
    filter. `tiers` rank before scores: the number of words a relaxed
    match holds, plus one for a document holding the query's exact text.
    """

    def __init__(self, in_query, docs, scores, tiers):
        self.in_query = in_query
        self.docs = docs
        self.scores = scores
        self.tiers = tiers
        self._found = False

    @classmethod
    def of(cls, view, matches: Matches, masks: dict, counts=None) -> Selection:
        in_query = np.zeros(view.doc_count_all, dtype=bool)
        in_query[matches.docs] = True
        final = in_query.copy()
        for m in masks.values():
            final &= m
        keep = final[matches.docs]
        tiers = counts[keep] if counts is not None else None
        return cls(in_query, matches.docs[keep], matches.scores[keep], tiers)

    @property
    def total(self) -> int:
        return len(self.docs)

    @property
    def fragments_found(self) -> bool:
        return self._found

    def mark_fragments(self, view, fragment: Fragment) -> None:
        """Move the documents holding `fragment` up a tier (doubling the others' tiers)."""
        top = self.tiers if self.tiers is not None else np.zeros(len(self.docs), np.int32)
        # Only the best tier's documents can hold every word in order, and
        # only documents holding each of its bigrams can hold a Chinese text.
        eligible = top == top.max() if len(top) else top.astype(bool)
        if fragment.chinese:
            grams = view.bigram_matches(fragment.text).docs
            if len(grams):
                eligible &= locate(grams, self.docs)[0]
        idx = np.flatnonzero(eligible)
        seen = view.fragments.get(fragment.text)
        if seen is None:
            seen = {}
            view.fragments.put(fragment.text, seen, FRAGMENT_ENTRY_BYTES)
        found = idx[containing(stored_text(view), self.docs[idx], self.scores[idx], fragment, seen)]
        self._found = bool(len(found))
        if len(found) or self.tiers is not None:
            tiers = top.astype(np.int32) * 2
            tiers[found] += 1
            self.tiers = tiers


def stored_text(view):
    def text(docnum: int) -> tuple[str, str]:
        stored = view.searcher.stored_fields(docnum)
        return stored.get("title", ""), stored.get("body", "")

    return text


def page_of(view, docs, scores, sort, start, count, tiers=None):
    if not len(docs) or start >= len(docs):
        return [], []
    dates = view.date[docs]
    if sort == "relevance":
        keys = (-dates, -scores)  # highest score first; newer first among equal scores
    elif sort == "newest":
        keys = (-scores, -dates)
    else:
        dates = np.where(dates == 0, 10**9, dates.astype(np.int64))  # undated last
        keys = (-scores, dates)
    if tiers is not None and sort == "relevance":
        keys = (*keys, -tiers.astype(np.int64))  # a higher tier first
    wanted = start + count
    if len(docs) > 4 * wanted:
        # Sort only the candidates for the page: everything that ties or beats
        # the page's last document on the main key. Same order, a fraction of
        # the work when a query matches much of the archive.
        main = keys[-1]
        cut = np.partition(main, wanted - 1)[wanted - 1]
        near = np.flatnonzero(main <= cut)
        docs, scores = docs[near], scores[near]
        keys = tuple(k[near] for k in keys)
    chosen = np.lexsort(keys)[start : start + count]
    return docs[chosen].tolist(), scores[chosen].tolist()
