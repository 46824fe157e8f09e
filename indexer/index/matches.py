"""Sets of matching documents with their scores, and the algebra on them.

Boolean logic is set algebra on sorted arrays of document numbers: a union
adds scores, an intersection adds them too, an exclusion drops documents.
When both sides are common words (a large share of the archive), the work
is done in a dense array, a linear pass, rather than by sorting or binary
search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DENSE_RATIO = 16  # a union this share of the archive or more is added densely

EMPTY_DOCS = np.empty(0, dtype=np.int64)

EMPTY_SCORES = np.empty(0, dtype=np.float32)


@dataclass
class Matches:
    docs: np.ndarray  # sorted global document numbers
    scores: np.ndarray  # aligned with docs

    @classmethod
    def empty(cls):
        return cls(EMPTY_DOCS, EMPTY_SCORES)


def union(a: Matches, b: Matches) -> Matches:
    if not len(a.docs):
        return b
    if not len(b.docs):
        return a
    size = int(max(a.docs[-1], b.docs[-1])) + 1
    if len(a.docs) + len(b.docs) < size // DENSE_RATIO:
        docs = np.concatenate([a.docs, b.docs])
        scores = np.concatenate([a.scores, b.scores])
        uniq, inverse = np.unique(docs, return_inverse=True)
        return Matches(uniq, np.bincount(inverse, weights=scores).astype(np.float32))
    # Common words match much of the archive: adding into a dense array is
    # linear where sorting the concatenation is not.
    total = np.zeros(size, dtype=np.float64)
    present = np.zeros(size, dtype=bool)
    total[a.docs] += a.scores
    total[b.docs] += b.scores
    present[a.docs] = True
    present[b.docs] = True
    docs = np.flatnonzero(present)
    return Matches(docs, total[docs].astype(np.float32))


def locate(sorted_docs: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `docs`: whether it is in `sorted_docs`, and where."""
    idx = np.searchsorted(sorted_docs, docs)
    np.minimum(idx, len(sorted_docs) - 1, out=idx)
    return sorted_docs[idx] == docs, idx


def intersect(a: Matches, b: Matches) -> Matches:
    if not len(a.docs) or not len(b.docs):
        return Matches.empty()
    small, large = (a, b) if len(a.docs) <= len(b.docs) else (b, a)
    size = int(large.docs[-1]) + 1
    if len(small.docs) >= size // DENSE_RATIO:
        # Both common: scatter the longer into a dense array, a linear pass
        # where binary searches would be n log n and miss the cache.
        dense = np.full(size, np.nan, dtype=np.float32)
        dense[large.docs] = large.scores
        inside = small.docs < size
        theirs = np.full(len(small.docs), np.nan, dtype=np.float32)
        theirs[inside] = dense[small.docs[inside]]
        hit = ~np.isnan(theirs)
        return Matches(small.docs[hit], small.scores[hit] + theirs[hit])
    # Look the shorter list up in the longer one: no sort of both.
    hit, idx = locate(large.docs, small.docs)
    return Matches(small.docs[hit], small.scores[hit] + large.scores[idx[hit]])


def exclude(a: Matches, docs: np.ndarray) -> Matches:
    if not len(a.docs) or not len(docs):
        return a
    hit, _idx = locate(docs, a.docs)
    keep = ~hit
    return Matches(a.docs[keep], a.scores[keep])
