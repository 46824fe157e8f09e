"""Which articles are copies of one story: near-duplicate groups per index view.

Two layers, like the rest of the view (see `segments`):

* Per segment, once (segments never change): each document's signature
  (`analysis.minhash`, from the `signature` column), its LSH band keys and
  its id as a number (the tie-break between copies of the same date),
  in `SegmentStories`. A view after a commit takes them from the segments
  it shares with the previous view and reads only new segments.
* Per view: the stories of the whole index, because a new copy may join
  a story of any segment and a deletion may remove any copy. For every
  band, live documents are sorted by band key; documents with equal keys
  are candidate pairs; a pair whose signatures agree on at least
  `THRESHOLD` of their slots (the estimated Jaccard similarity of their
  shingles) is an edge; stories are the connected components (scipy).
  This runs while the view is built, aside in the background for the
  service (`views.CurrentView`), never in a request.

A story is named by its earliest article (date, then id; undated last):
the same story id whatever order copies were indexed in, and a copy added
later joins it. Deleting the earliest copy keeps the others together
(their edges do not go through it unless it was the only link) and the
story takes the next copy's id. An article without a signature (too short,
or indexed before signatures) is a story of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from indexer.analysis.minhash import BANDS, NUM_PERM, band_keys, signatures_array
from indexer.index.foreground import no_pause

# Estimated Jaccard similarity of shingle sets from which two articles are
# copies of one story: measured on tests/story_variants.py (see
# tests/test_story_grouping.py for the table).
THRESHOLD = 0.4
# Documents with one band key are paired with their next WINDOW neighbours
# in key order: every pair of a bucket up to WINDOW + 1 documents, and a
# chain through bigger buckets (a story republished hundreds of times), so
# the pairs grow linearly with such a story, not with its square.
WINDOW = 16
UNDATED = 10**9  # sorts after every date


@dataclass
class SegmentStories:
    ids: np.ndarray  # uint64 per document: the id's 16 hex digits as a number
    signatures: np.ndarray  # (n, NUM_PERM) uint32
    signed: np.ndarray  # bool per document: has a signature
    bands: np.ndarray  # (n, BANDS) uint32 band keys (meaningless where not signed)


def load_segment_stories(reader) -> SegmentStories:
    n = reader.doc_count_all()
    if "signature" in reader.schema and reader.has_column("signature"):
        values = [v or b"" for v in reader.column_reader("signature")]
    else:  # an index written before signatures: every article its own story
        values = [b""] * n
    signatures, signed = signatures_array(values)
    ids = np.zeros(n, dtype=np.uint64)
    if "id" in reader.schema and reader.has_column("id"):
        ids = np.fromiter((_id_number(v) for v in reader.column_reader("id")), np.uint64, n)
    return SegmentStories(ids, signatures, signed, band_keys(signatures))


def empty_stories() -> SegmentStories:
    sigs = np.zeros((0, NUM_PERM), dtype=np.uint32)
    return SegmentStories(np.zeros(0, np.uint64), sigs, np.zeros(0, bool), band_keys(sigs))


def _id_number(value) -> int:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    try:
        return int(value, 16) & 0xFFFFFFFFFFFFFFFF
    except (TypeError, ValueError):
        return 0


class Stories:
    """The story of every document of one view: `label` per document number.

    `first[label]` is the story's earliest live article (what names it);
    `size[label]` its live articles.
    """

    def __init__(self, label: np.ndarray, first: np.ndarray, size: np.ndarray):
        self.label = label
        self.first = first
        self.ids = np.zeros(len(label), dtype=np.uint64)  # each document's id as a number
        self.size = size
        self.count = len(first)

    @classmethod
    def of(
        cls,
        parts: list[tuple[SegmentStories, int]],
        live,
        date,
        threshold=THRESHOLD,
        pause=no_pause,
    ):
        """Group the documents of segments at offsets `parts` (live: not deleted).

        `pause()` is called between steps (see `foreground`).
        """
        n = len(live)
        signed = np.zeros(n, dtype=bool)
        ids = np.zeros(n, dtype=np.uint64)
        for part, off in parts:
            signed[off : off + len(part.ids)] = part.signed
            ids[off : off + len(part.ids)] = part.ids
        signed &= live
        docs = np.flatnonzero(signed)
        a, b = candidate_pairs(parts, docs, pause)
        if len(a):
            a, b = verified(parts, docs, a, b, threshold, pause)
        pause()
        label = components(n, docs[a], docs[b])
        pause()
        stories = cls.named(label, live, date, ids)
        stories.ids = ids
        return stories

    @classmethod
    def named(cls, label, live, date, ids) -> Stories:
        """Renumber stories 0.. with each one's earliest live article and size."""
        n = len(label)
        when = np.where(date > 0, date.astype(np.int64), UNDATED)
        when = np.where(live, when, UNDATED + 1)  # deleted documents never name a story
        order = np.lexsort((ids, when, label))
        sorted_labels = label[order]
        starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
        first = order[starts]
        compact = np.empty(n, dtype=np.int64)
        compact[order] = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
        size = np.bincount(compact[live], minlength=len(starts))
        return cls(compact, first.astype(np.int64), size)

    def first_of(self, docnum: int) -> int:
        """The earliest article of `docnum`'s story (its own number when alone)."""
        return int(self.first[self.label[docnum]])

    def mask(self, docnum: int) -> np.ndarray:
        """Every document of `docnum`'s story."""
        return self.label == self.label[docnum]


def _gather(parts, docs: np.ndarray, attr: str) -> np.ndarray:
    """Rows of a per-segment array for global document numbers `docs`, in their order.

    Each segment's documents are found as one run of `docs` sorted by
    segment (they already are, mostly): comparing every document with each
    segment in turn took 0.4 s at 300k articles in 15 segments.
    """
    arrays = [getattr(part, attr) for part, _off in parts]
    offsets = np.asarray([off for _part, off in parts], dtype=np.int64)
    out = np.empty((len(docs), *arrays[0].shape[1:]), dtype=arrays[0].dtype)
    seg = np.searchsorted(offsets, docs, side="right") - 1
    order = None if (np.diff(seg) >= 0).all() else np.argsort(seg, kind="stable")
    bounds = np.searchsorted(seg if order is None else seg[order], np.arange(len(arrays) + 1))
    for i, (lo, hi) in enumerate(pairwise(bounds.tolist())):
        if lo < hi:
            rows = slice(lo, hi) if order is None else order[lo:hi]
            out[rows] = arrays[i][docs[rows] - offsets[i]]
    return out


def candidate_pairs(parts, docs: np.ndarray, pause=no_pause) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) indexes into `docs` of pairs sharing a band key, a < b, each once."""
    if len(docs) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bands = _gather(parts, docs, "bands")
    firsts, seconds = [], []
    for band in range(BANDS):
        pause()
        keys = bands[:, band]
        order = np.argsort(keys)  # any order within equal keys: pairs are deduplicated
        ordered = keys[order]
        for step in range(1, WINDOW + 1):
            same = np.flatnonzero(ordered[:-step] == ordered[step:])
            if not len(same):
                break
            firsts.append(order[same])
            seconds.append(order[same + step])
    if not firsts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    pairs = np.unique(lo * len(docs) + hi)
    return pairs // len(docs), pairs % len(docs)


def verified(parts, docs, a, b, threshold, pause=no_pause) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose signatures agree on at least `threshold` of their slots.

    Only the pairs' rows are read from the segments' signatures (most
    articles are in no pair), a bounded number of pairs at a time.
    """
    need = math.ceil(threshold * NUM_PERM - 1e-9)
    keep = np.zeros(len(a), dtype=bool)
    step = 65536
    for lo in range(0, len(a), step):
        pause()
        x = _gather(parts, docs[a[lo : lo + step]], "signatures")
        y = _gather(parts, docs[b[lo : lo + step]], "signatures")
        keep[lo : lo + step] = np.count_nonzero(x == y, axis=1) >= need
    return a[keep], b[keep]


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A component label per document of the graph with edges (a, b)."""
    if not len(a):
        return np.arange(n, dtype=np.int64)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _count, label = connected_components(graph, directed=False)
    return label.astype(np.int64)
