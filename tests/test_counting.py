"""Place facet counts: bitmaps for frequent values must count exactly as gathering does."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.index.counting import MultiCounter


def _column(n_docs: int, n_values: int, seed: int):
    """A column shaped like places: a few values in most documents, a long tail."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_values + 1) ** 1.2
    rows = []
    for _ in range(n_docs):
        k = int(rng.integers(0, 8))
        rows.append(np.unique(rng.choice(n_values, size=k, p=weights / weights.sum())))
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    codes = np.concatenate(rows).astype(np.int32)
    docs = np.repeat(np.arange(n_docs, dtype=np.int64), [len(r) for r in rows])
    return codes, docs, indptr, rows


@settings(max_examples=25, deadline=None)
@given(
    n_docs=st.integers(1024, 3000),
    n_values=st.integers(1, 300),
    share=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_counts_equal_a_plain_count_whatever_the_selection(n_docs, n_values, share, seed):
    codes, docs, indptr, rows = _column(n_docs, n_values, seed)
    counter = MultiCounter(codes, docs, indptr, n_values)
    rng = np.random.default_rng(seed + 1)
    selected = np.flatnonzero(rng.random(n_docs) < share)
    expected = np.zeros(n_values, dtype=np.int64)
    for d in selected:
        expected[rows[d]] += 1
    assert counter.count(selected).tolist() == expected.tolist()


def test_frequent_values_are_counted_from_bitmaps_on_large_selections():
    codes, docs, indptr, _rows = _column(4096, 50, seed=7)
    counter = MultiCounter(codes, docs, indptr, 50)
    assert len(counter.frequent)  # the head of the distribution got bitmaps
    everything = np.arange(4096)
    assert counter.count(everything).tolist() == np.bincount(codes, minlength=50).tolist()
    assert counter.count(everything[:0]).tolist() == [0] * 50
