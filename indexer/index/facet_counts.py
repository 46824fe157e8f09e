"""Facet counts of a search: `bincount`s over the view's columns, multi-select.

Each facet is counted over the query's matches under every filter but its
own, so that choosing one value keeps the others of that facet visible.
Place counts come from `counting.MultiCounter`.
"""

from __future__ import annotations

import numpy as np


def count_facets(view, in_query: np.ndarray, masks: dict) -> dict:
    """Counts per facet value, each under every filter but its own."""
    selections: dict = {}

    def selected(own: str) -> np.ndarray:
        """The documents a facet counts: numbers, computed once per distinct filter set."""
        key = own if own in masks else None
        if key not in selections:
            base = in_query.copy()
            for name, m in masks.items():
                if name != own:
                    base &= m
            selections[key] = np.flatnonzero(base)
        return selections[key]

    facets: dict = {}
    in_dates = selected("date")
    for name in ("month", "year"):
        codes, vocab, _ = view.coded[name]
        counts = np.bincount(codes[in_dates], minlength=len(vocab))
        facets[name] = sorted(
            ((vocab[i], int(counts[i])) for i in np.flatnonzero(counts).tolist() if vocab[i]),
            reverse=True,
        )
    facets["undated"] = int(np.count_nonzero(view.date[in_dates] == 0))

    for name in ("lang", "source"):
        codes, vocab, _ = view.coded[name]
        counts = np.bincount(codes[selected(name)], minlength=len(vocab))
        facets[name] = by_count(vocab, counts, view.vocab_rank(name), skip_empty=True)

    vocab = view.multi["places_all"][2]
    counts = view.place_counter.count(selected("location"))
    facets["location"] = by_count(vocab, counts, view.vocab_rank("places_all"))
    return facets


def by_count(vocab, counts, rank, skip_empty=False) -> list[tuple[str, int]]:
    """(value, count) pairs, most frequent first, then by value (`rank` orders values)."""
    present = np.flatnonzero(counts)
    order = present[np.lexsort((rank[present], -counts[present]))]
    return [
        (vocab[i], c)
        for i, c in zip(order.tolist(), counts[order].tolist(), strict=True)
        if not skip_empty or vocab[i]
    ]
