"""Facet counts of a search: `bincount`s over the view's columns, multi-select.

Each facet is counted over the query's matches under every filter but its
own, so that choosing one value keeps the others of that facet visible.
Place counts come from `counting.MultiCounter`. Days are counted only for
the month a date filter lies within (`days_in`): that is the only time the
timeline shows days, and a whole archive's days would be thousands of pairs
per search where years and months are dozens.
"""

from __future__ import annotations

import numpy as np


def count_facets(
    view, in_query: np.ndarray, masks: dict, days_in: int | None = None, selection=None
) -> dict:
    """Counts per facet value, each under every filter but its own; `days_in` is a YYYYMM.

    `selection` (a `Selection` of these matches and masks), when given,
    already holds the document numbers under no filter and under every
    filter, which are then not searched for again in the masks.
    """
    selections: dict = {}
    if selection is not None:
        selections[None] = selection.docs
        if len(masks) == 1:
            selections[next(iter(masks))] = selection.in_docs

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
    facets["day"] = count_days(view.date[in_dates], days_in) if days_in else []

    for name in ("lang", "source"):
        codes, vocab, _ = view.coded[name]
        counts = np.bincount(codes[selected(name)], minlength=len(vocab))
        facets[name] = by_count(vocab, counts, view.vocab_rank(name), skip_empty=True)

    vocab = view.multi["places_all"][2]
    counts = view.place_counter.count(selected("location"))
    facets["location"] = by_count(vocab, counts, view.vocab_rank("places_all"))
    return facets


def count_days(dates: np.ndarray, month: int) -> list[tuple[str, int]]:
    """(YYYY-MM-DD, count) of the days of `month` (YYYYMM), newest first.

    Articles of that month whose day is unknown (DD = 00) have no day to be
    counted in.
    """
    days = dates[dates // 100 == month] % 100
    counts = np.bincount(days, minlength=32)
    prefix = f"{month // 100:04d}-{month % 100:02d}-"
    return [(f"{prefix}{d:02d}", int(counts[d])) for d in range(31, 0, -1) if counts[d]]


def by_count(vocab, counts, rank, skip_empty=False) -> list[tuple[str, int]]:
    """(value, count) pairs, most frequent first, then by value (`rank` orders values)."""
    present = np.flatnonzero(counts)
    order = present[np.lexsort((rank[present], -counts[present]))]
    return [
        (vocab[i], c)
        for i, c in zip(order.tolist(), counts[order].tolist(), strict=True)
        if not skip_empty or vocab[i]
    ]
