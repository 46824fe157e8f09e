"""Phrase matching: which candidates hold the words at consecutive positions.

Candidates are the documents that hold every word of the phrase; only
their position lists are read (`IndexView.postings_values`) and matched as
arrays.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter
from pickle import loads

import numpy as np
from whoosh.formats import Characters
from whoosh.system import _INT_SIZE

from indexer.index.matches import EMPTY_DOCS
from indexer.index.whoosh_postings import decode_positions, paused_gc

PHRASE_KEEP_CANDIDATES = 512  # phrase checks with more candidates leave no decoded blocks behind


def verify_phrase(view, field: str, words: list[str], docs: np.ndarray, budget=None) -> np.ndarray:
    """Which candidate docs hold `words` at consecutive positions.

    A common phrase has thousands of candidates: only their position lists
    are read (see `IndexView.postings_values`), then matched all at once
    (`_phrase_matches`); other formats fall back to one document at a time.
    """
    fmt = view.schema[field].format
    keep = len(docs) <= PHRASE_KEEP_CANDIDATES
    with paused_gc():
        if type(fmt) is Characters:
            # Positions stored beside the postings (`postings_arrays`) need no
            # block decoded; words without them are read from their blocks.
            located = {}
            for w in dict.fromkeys(words):
                if budget is not None:
                    budget.check()
                located[w] = view.phrase_positions(field, w, docs)
            if all(v is not None for v in located.values()):
                return _keys_in_order(words, located, docs)
        values = {}
        for w in dict.fromkeys(words):
            if budget is not None:
                budget.check()
            values[w] = view.postings_values(field, w, docs, keep)
        if type(fmt) is Characters:
            found = _phrase_matches(words, values, docs)
            if found is not None:
                return found
        return _phrase_matches_by_doc(fmt, words, values, docs)


def _phrase_matches(words: list[str], values: dict, docs: np.ndarray) -> np.ndarray | None:
    """`_phrase_matches_by_doc` for Characters postings, as array operations.

    Decoding a posting value one `pickle.loads` and one running sum at a
    time was most of a common phrase's cost (44,000 values for "integrated
    circuit" at 100k documents). Each value is a complete pickle of
    (position delta, start delta, length) tuples, so all of a word's values
    are spliced into one pickle of a list of lists and loaded at once; the
    positions come from one cumulative sum restarted at each document. A
    phrase occurrence starting at position s in candidate i is the key
    i * 2**32 + s, found by every word k at its position s + k: the
    matches are the keys all words share. None when the values are not
    shaped as expected (then the caller decodes them one by one).
    """
    located = {}
    for w, by_doc in values.items():
        decoded = _positions_by_candidate(by_doc, docs)
        if decoded is None:
            return None
        located[w] = decoded
    return _keys_in_order(words, located, docs)


def _keys_in_order(words: list[str], located: dict, docs: np.ndarray) -> np.ndarray:
    """Which candidates hold `words` in order, from each word's (candidate, position) arrays."""
    keys = None
    for k, w in enumerate(words):
        idx, pos = located[w]
        if k:  # an earlier position cannot follow a start at 0 or later
            usable = pos >= k
            idx, pos = idx[usable], pos[usable] - k
        mine = idx * _STRIDE + pos  # documents in order, positions ascending...
        if len(mine) > 1 and (mine[1:] < mine[:-1]).any():
            mine = np.sort(mine)  # ...unless a format wrote them otherwise
        if keys is None:
            keys = mine
        elif len(mine):
            keys = keys[mine[np.minimum(np.searchsorted(mine, keys), len(mine) - 1)] == keys]
        else:
            keys = mine
        if not len(keys):
            break
    keep = np.zeros(len(docs), dtype=bool)
    if keys is not None and len(keys):
        keep[keys // _STRIDE] = True
    return keep


_STRIDE = 1 << 32

_PICKLE2 = b"\x80\x02"


def _positions_by_candidate(by_doc: dict, docs: np.ndarray):
    """(candidate index, position) of every occurrence in `by_doc`'s values."""
    if not by_doc:
        return EMPTY_DOCS, EMPTY_DOCS
    decoded = decode_positions_of(list(by_doc.values()))
    if decoded is None:
        return None
    counts, positions = decoded
    docnums = np.fromiter(by_doc, dtype=np.int64, count=len(by_doc))
    return np.repeat(np.searchsorted(docs, docnums), counts), positions


def decode_positions_of(raw: list[bytes]):
    """(occurrences per value, their positions) of `Characters` posting values, or None.

    None when the values are not shaped as expected (then they are
    decoded one by one).
    """
    # Each value: a big-endian occurrence count, then pickle protocol 2
    # (header, body, STOP). The spliced pickle is MARK, the bodies, LIST.
    counts = np.frombuffer(b"".join(v[:_INT_SIZE] for v in raw), dtype=">u4").astype(np.int64)
    if not counts.all():
        return None
    heads = b"".join(v[_INT_SIZE : _INT_SIZE + 2] for v in raw)
    if heads != _PICKLE2 * len(raw) or b"".join(v[-1:] for v in raw) != b"." * len(raw):
        return None
    try:
        lists = loads(b"(" + b"".join(v[_INT_SIZE + 2 : -1] for v in raw) + b"l.")
    except Exception:
        return None
    if len(lists) != len(raw) or list(map(len, lists)) != counts.tolist():
        return None
    deltas = np.fromiter(
        map(itemgetter(0), chain.from_iterable(lists)), dtype=np.int64, count=int(counts.sum())
    )
    running = np.cumsum(deltas)
    firsts = np.cumsum(counts) - counts
    positions = running - np.repeat(running[firsts] - deltas[firsts], counts)
    return counts, positions


def _phrase_matches_by_doc(fmt, words: list[str], values: dict, docs: np.ndarray) -> np.ndarray:
    decode = decode_positions if type(fmt) is Characters else fmt.decode_positions
    by_word = {w: {d: set(decode(v)) for d, v in vs.items()} for w, vs in values.items()}
    keep = np.zeros(len(docs), dtype=bool)
    tables = [by_word[w] for w in words]
    first, rest = tables[0], list(enumerate(tables[1:], start=1))
    for i, d in enumerate(docs.tolist()):
        # Starts s with s + k a position of word k, for every k.
        starts = first.get(d)
        for k, table in rest:
            if not starts:
                break
            found = table.get(d)
            starts = starts.intersection(p - k for p in found) if found else None
        if starts:
            keep[i] = True
    return keep
