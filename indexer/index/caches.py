"""The bounded caches an index view keeps (see `view.IndexView`).

One type for all of them: least recently used entries, bounded by a total
weight, which is each entry's size in bytes for caches of arrays and 1 for
caches bounded by their number of entries. Every bound is a named constant
where the cache is made.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class SizedCache:
    """Least recently used entries, bounded by their total weight (bytes, or 1 each)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key):
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def recent_keys(self, count: int) -> list:
        """The `count` most recently used keys, most recent first."""
        with self._lock:
            keys = list(self._entries)
        return keys[: -count - 1 : -1] if count else []

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0

    def put(self, key, value, weight: int = 1) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, weight)
            self.size += weight
            while self.size > self.limit and self._entries:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self.size -= dropped


class DecodedBlocks(SizedCache):
    """Posting blocks already decompressed and unpickled, most recently used kept.

    A block holds 128 postings compressed together, so reading one
    document's positions means decompressing and unpickling the other 127
    too: that was most of a results page's cost (snippets) and of a phrase
    check. People repeat queries and page through results, and a common
    term's first blocks serve many queries, so decoded blocks are kept, as
    SQLite keeps pages. Bounded by the size of the values held.
    """

    def put_block(self, key, ids: np.ndarray, values) -> None:
        self.put(key, (ids, values), ids.nbytes + sum(map(len, values)) + 40 * len(values))
