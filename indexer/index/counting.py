"""Counting a multi-valued column (places) over the documents a query selected.

Each document has about nine places once ancestors are included, so a
query matching half of a 100k archive has 450,000 entries to gather and
count: the largest part of a common word's query time, much of it spent
allocating and faulting in temporary arrays. But a few values carry most
entries (China alone is in nearly every document; at 100k, the 88 places
in more than 1/64 of the documents hold 77 % of the entries). Those are
kept as bitmaps and counted with AND and popcount over 12.5 kB per place;
only the other entries are gathered. Small selections gather everything:
below about a tenth of the archive that is cheaper than the bitmaps.
Both ways give exactly the same counts (each value occurs at most once
per document).
"""

from __future__ import annotations

import numpy as np

FREQUENT_SHARE = 64  # a value in more than 1/64 of the documents gets a bitmap
BITMAPS_FROM = 10  # selections of more than 1/10 of the documents use them


def gather(codes: np.ndarray, indptr: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """The codes of every entry of the `selected` documents (CSR rows)."""
    if not len(codes) or not len(selected):
        return codes[:0]
    starts = indptr[selected]
    lengths = indptr[selected + 1] - starts
    ends = np.cumsum(lengths)
    first = np.repeat(starts - (ends - lengths), lengths)
    return codes[first + np.arange(int(ends[-1]))]


class MultiCounter:
    """Per-value document counts of a multi-valued column.

    `codes` and `docs` are its entries (value, document), sorted by
    document; `indptr` is where each document's entries start.
    """

    def __init__(self, codes: np.ndarray, docs: np.ndarray, indptr: np.ndarray, n_values: int):
        self.codes = codes
        self.indptr = indptr
        self.n_docs = n = len(indptr) - 1
        self.n_values = n_values
        self.padded = (n + 63) // 64 * 64
        df = np.bincount(codes, minlength=n_values)
        self.frequent = np.flatnonzero(df > n // FREQUENT_SHARE) if n >= 1024 else codes[:0]
        if not len(self.frequent):
            return
        is_frequent = np.zeros(n_values, dtype=bool)
        is_frequent[self.frequent] = True
        common = is_frequent[codes]
        rare = ~common
        self.rare_codes = codes[rare]
        self.rare_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(docs[rare], minlength=n), out=self.rare_indptr[1:])
        bits = np.zeros((len(self.frequent), self.padded), dtype=bool)
        bits[np.searchsorted(self.frequent, codes[common]), docs[common]] = True
        self.bitmaps = np.packbits(bits, axis=1, bitorder="little").view(np.uint64)

    def count(self, selected: np.ndarray) -> np.ndarray:
        """Documents per value among `selected` (sorted document numbers)."""
        if not len(self.frequent) or len(selected) * BITMAPS_FROM < self.n_docs:
            return np.bincount(gather(self.codes, self.indptr, selected), minlength=self.n_values)
        counts = np.bincount(
            gather(self.rare_codes, self.rare_indptr, selected), minlength=self.n_values
        )
        mask = np.zeros(self.padded, dtype=bool)
        mask[selected] = True
        words = np.packbits(mask, bitorder="little").view(np.uint64)
        counts[self.frequent] += np.bitwise_count(self.bitmaps & words).sum(axis=1, dtype=np.int64)
        return counts


class SegmentedCounter:
    """A `MultiCounter` per segment, summed: what one segment counts is kept across views.

    Each part is (first document, segment's counter, its codes in the view's
    vocabulary). Counts are the same as one counter over the whole view:
    each document is in exactly one segment.
    """

    def __init__(self, parts: list, n_values: int):
        self.parts = parts
        self.n_values = n_values

    def count(self, selected: np.ndarray) -> np.ndarray:
        counts = np.zeros(self.n_values, dtype=np.int64)
        for offset, counter, remap in self.parts:
            lo, hi = np.searchsorted(selected, [offset, offset + counter.n_docs])
            if lo < hi and len(remap):
                counts[remap] += counter.count(selected[lo:hi] - offset)
        return counts
