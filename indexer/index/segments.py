"""What one segment gives a view, kept across views: the per-segment layer.

Whoosh never changes a segment once written; a commit adds segments,
merges some into a new one, or marks documents deleted. So everything
read or computed from a segment alone is keyed by the segment's id and
kept for the process, not for one view: its columns (`columns`), its
place counter with bitmaps (`counting`), its near-duplicate signatures
and band keys (`stories`), the postings of the terms
queries read from it, and its decoded posting blocks. A view built after
a commit takes these from the segments it shares with the previous view
and reads only new segments; what depends on the whole index (the merged
columns, deletions, BM25's averages, the stories) is all that each view
recomputes, with array concatenations.

Postings come from the segment's stored arrays when it has them
(`postings_arrays`, written once per segment at the end of an indexing
run, memory-mapped), else from Whoosh's own blocks (`whoosh_postings`),
kept in a cache.

The caches are bounded by bytes, shared by all segments, least recently
used first out: entries of segments that merged away age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from indexer.index.caches import DecodedBlocks, SizedCache
from indexer.index.columns import SegmentArrays, load_segment, load_segment_empty
from indexer.index.counting import MultiCounter
from indexer.index.matches import EMPTY_DOCS, EMPTY_SCORES
from indexer.index.postings_arrays import open_arrays
from indexer.index.stories import empty_stories, load_segment_stories
from indexer.index.whoosh_postings import (
    postings_map,
    read_leaf_postings,
    segment_folder,
    term_key,
)

SEGMENTS_KEPT = 64  # segments whose columns and counters are kept (an index has a few)
POSTINGS_BYTES = 96 * 2**20  # per-segment postings of terms read, all segments together
BLOCK_CACHE_BYTES = 24 * 2**20  # decoded posting blocks, all segments together


class Segment:
    """One segment's columns, place counter and cached postings; never changes."""

    def __init__(self, key, arrays: SegmentArrays, folder=None, stories=None):
        self.key = key
        self.stories = stories if stories is not None else empty_stories()
        self.folder = folder
        self.stored = None  # the segment's postings arrays (`postings_arrays`), once written
        self.look_for_stored()
        self.arrays = arrays
        self.doc_count = arrays.doc_count
        multi, vocab = arrays.multi["places_all"]
        self.place_counter = MultiCounter(multi.codes, multi.docs, multi.indptr, len(vocab))
        self.postings_read = 0  # terms whose postings were read from the files (tests read it)
        self._map = None  # the postings file, mapped when a block is first read
        self._map_lock = threading.Lock()

    def postings_file(self, reader):
        """The segment's postings file mapped read-only (`whoosh_postings.postings_map`), or None.

        Mapped once per segment and shared by every view that has it; the
        map stays valid after an indexing run sweeps the file away, until
        the segment is dropped.
        """
        if self._map is None:
            with self._map_lock:
                if self._map is None:
                    self._map = postings_map(reader) or False
        return self._map or None

    def look_for_stored(self) -> None:
        """Open the segment's postings arrays if they have been written since last looked."""
        if self.stored is None and self.folder is not None and self.key is not None:
            self.stored = open_arrays(self.folder, self.key[0])

    def positions(self, reader, field: str, btext: bytes):
        """(docs, their positions' starts and ends, positions) from the stored arrays, or None.

        An empty answer when the segment lacks the term; None when its
        positions are not stored (read them from Whoosh's blocks then).
        """
        if self.stored is None:
            return None
        where = term_key(reader, field, btext)
        if where is None:
            return EMPTY_DOCS, np.zeros(1, dtype=np.int64), EMPTY_DOCS
        return self.stored.positions(field, where)

    def postings(self, reader, field: str, btext: bytes):
        """(segment-local docs with deleted ones, weights, block directory or None)."""
        if self.stored is not None:
            where = term_key(reader, field, btext)
            if where is None:  # not in this segment
                return EMPTY_DOCS, EMPTY_SCORES, None
            found = self.stored.get(field, where)
            if found is not None:
                return found
        key = (self.key, field, btext)
        hit = POSTINGS.get(key)
        if hit is not None:
            return hit
        ids, weights, blocks = read_leaf_postings(reader, field, btext)
        self.postings_read += 1
        for array in (ids, weights):
            array.flags.writeable = False
        size = ids.nbytes + weights.nbytes + (blocks[0].nbytes * 2 if blocks else 0) + 100
        POSTINGS.put(key, (ids, weights, blocks), size)
        return ids, weights, blocks


def live_mask(reader, n: int) -> np.ndarray:
    """Which of a segment's documents are not deleted (changes with every commit)."""
    live = np.ones(n, dtype=bool)
    if n and reader.has_deletions():
        deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
        live[deleted] = False
    return live


class SegmentStore:
    """Segments seen recently, by id: a new view takes the unchanged ones from here."""

    def __init__(self, size: int = SEGMENTS_KEPT):
        self._items: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.loaded = 0  # segments read from disk (tests read it)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, reader) -> Segment:
        seg = reader.segment()
        if seg is None:  # Whoosh's EmptyReader: an index with no documents
            return Segment(None, load_segment_empty())
        key = (seg.segment_id(), reader.doc_count_all())
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
        if hit is not None:
            hit.look_for_stored()  # an indexing run writes them after its commit
            return hit
        segment = Segment(
            key, load_segment(reader), segment_folder(reader), load_segment_stories(reader)
        )
        with self._lock:
            self.loaded += 1
            self._items[key] = segment
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return segment


SEGMENTS = SegmentStore()
POSTINGS = SizedCache(POSTINGS_BYTES)
DECODED = DecodedBlocks(BLOCK_CACHE_BYTES)


def forget_segments() -> None:
    """Drop every kept segment and cached posting (tests that rewrite an index's files)."""
    SEGMENTS.clear()
    POSTINGS.clear()
    DECODED.clear()
