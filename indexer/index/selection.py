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

    def __init__(self, in_query, docs, scores, tiers, in_docs):
        self.in_query = in_query
        self.in_docs = in_docs  # in_query's document numbers, sorted
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
        return cls(in_query, matches.docs[keep], matches.scores[keep], tiers, matches.docs)

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
        docs, scores = self.docs[idx], self.scores[idx]
        ties = sort_keys(view, docs, scores, "relevance")[:-1]
        found = idx[containing(stored_text(view), docs, scores, fragment, seen, ties)]
        self._found = bool(len(found))
        if len(found) or self.tiers is not None:
            tiers = top.astype(np.int32) * 2
            tiers[found] += 1
            self.tiers = tiers


def stored_text(view):
    def text(docnum: int) -> tuple[str, str]:
        stored = view.stored_fields(docnum)
        return stored.get("title", ""), stored.get("body", "")

    return text


def sort_keys(view, docs, scores, sort, tiers=None) -> tuple:
    """`np.lexsort` keys of a search's order, the main key last.

    The article's id breaks the last ties (articles of one day and score):
    document numbers would follow the order in which the indexing workers'
    segments landed, which differs from one build of the same files to the next.
    """
    dates = view.date[docs]
    ids = view.stories.ids[docs]
    if sort == "relevance":
        keys = (ids, -dates, -scores)  # highest score first; newer first among equal scores
    elif sort == "newest":
        keys = (ids, -scores, -dates)
    else:
        dates = np.where(dates == 0, 10**9, dates.astype(np.int64))  # undated last
        keys = (ids, -scores, dates)
    if tiers is not None and sort == "relevance":
        keys = (*keys, -tiers.astype(np.int64))  # a higher tier first
    return keys


def _leading(keys: tuple, wanted: int) -> np.ndarray:
    """Indexes of every document that ties or beats the `wanted`-th on the main key.

    Sorting only these gives the exact order of the first `wanted`: a
    fraction of the work when a query matches much of the archive.
    """
    main = keys[-1]
    cut = np.partition(main, wanted - 1)[wanted - 1]
    return np.flatnonzero(main <= cut)


def page_of(view, docs, scores, sort, start, count, tiers=None):
    if not len(docs) or start >= len(docs):
        return [], []
    keys = sort_keys(view, docs, scores, sort, tiers)
    wanted = start + count
    if len(docs) > 4 * wanted:
        near = _leading(keys, wanted)
        docs, scores = docs[near], scores[near]
        keys = tuple(k[near] for k in keys)
    chosen = np.lexsort(keys)[start : start + count]
    return docs[chosen].tolist(), scores[chosen].tolist()


def story_page_of(view, docs, scores, sort, start, count, tiers=None):
    """A page of stories: (docs, scores, copies, total stories).

    Each story is represented by its first matching article in the search's
    order and ranked where that article ranks; `copies` counts its matching
    articles. Like `page_of`, only the leading documents are sorted, taking
    more of them until they hold enough stories for the page.
    """
    label = view.stories.label[docs]
    per_story = np.bincount(label, minlength=view.stories.count)
    total = int(np.count_nonzero(per_story))
    if not len(docs) or start >= total:
        return [], [], [], total
    keys = sort_keys(view, docs, scores, sort, tiers)
    wanted = start + count
    take = 4 * wanted
    while True:
        if len(docs) > take:
            near = _leading(keys, take)
            order = near[np.lexsort(tuple(k[near] for k in keys))]
        else:
            order = np.lexsort(keys)
        _stories, firsts = np.unique(label[order], return_index=True)
        if len(firsts) >= wanted or len(order) == len(docs):
            break
        take *= 4
    chosen = order[np.sort(firsts)[start : start + count]]
    copies = per_story[label[chosen]]
    return docs[chosen].tolist(), scores[chosen].tolist(), copies.tolist(), total
