"""Per-segment arrays read once from Whoosh's columns, for facets and filters.

Counting facets by walking matching documents in Python is what makes the
naive stack slow (Whoosh's `groupedby` and `DateRangeFacet`). Here every
facet field becomes, once per segment, an integer array indexed by document
number (a code per value), and the multi-valued place fields become a
CSR-style pair of arrays. Counting is then `numpy.bincount` over the
matching documents. Segments never change once written, so their arrays are
cached by segment id and only new segments are read after an update.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.util.numeric import byte_to_length

CODED_FIELDS = ("lang", "source", "month", "year")
PLACE_FIELDS = ("places", "places_all")
LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


@dataclass
class Multi:
    """A multi-valued field: doc `d` has values `codes[indptr[d]:indptr[d+1]]`."""

    indptr: np.ndarray
    codes: np.ndarray
    docs: np.ndarray  # the document of each entry (for vectorised counting)


@dataclass
class SegmentArrays:
    doc_count: int
    live: np.ndarray  # bool per doc: not deleted
    date: np.ndarray  # int32 YYYYMMDD, 0 when unknown
    coded: dict  # field -> (codes int32 per doc, list of values); code 0 is ""
    multi: dict  # field -> (Multi, list of values)
    lengths: dict  # text field -> float32 length per doc


def _coded(values) -> tuple[np.ndarray, list]:
    table: dict = {"": 0}
    vocab = [""]
    codes = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        code = table.get(v)
        if code is None:
            code = table[v] = len(vocab)
            vocab.append(v)
        codes[i] = code
    return codes, vocab


def _multi(values) -> tuple[Multi, list]:
    table: dict = {}
    vocab: list = []
    indptr = np.zeros(len(values) + 1, dtype=np.int64)
    codes: list[int] = []
    for i, v in enumerate(values):
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        if v:
            for item in v.split(","):
                code = table.get(item)
                if code is None:
                    code = table[item] = len(vocab)
                    vocab.append(item)
                codes.append(code)
        indptr[i + 1] = len(codes)
    code_arr = np.array(codes, dtype=np.int32)
    docs = np.repeat(np.arange(len(values), dtype=np.int64), np.diff(indptr))
    return Multi(indptr, code_arr, docs), vocab


def _column(reader, name, n):
    if not reader.has_column(name):
        return [None] * n
    return list(reader.column_reader(name))


def load_segment(reader, text_fields=("title", "body")) -> SegmentArrays:
    n = reader.doc_count_all()
    live = np.ones(n, dtype=bool)
    if reader.has_deletions():
        deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
        live[deleted] = False
    if reader.has_column("date"):
        date = np.array(list(reader.column_reader("date")), dtype=np.int64).astype(np.int32)
    else:
        date = np.zeros(n, dtype=np.int32)
    coded = {f: _coded([v or "" for v in _column(reader, f, n)]) for f in CODED_FIELDS}
    multi = {f: _multi([v or "" for v in _column(reader, f, n)]) for f in PLACE_FIELDS}
    lengths = {}
    for f in text_fields:
        lengths[f] = _lengths(reader, f, n)
    return SegmentArrays(n, live, date, coded, multi, lengths)


def load_segment_empty() -> SegmentArrays:
    return SegmentArrays(
        0,
        np.zeros(0, dtype=bool),
        np.zeros(0, dtype=np.int32),
        {f: _coded([]) for f in CODED_FIELDS},
        {f: _multi([]) for f in PLACE_FIELDS},
        {f: np.zeros(0, dtype=np.float32) for f in ("title", "body")},
    )


def _lengths(reader, field, n) -> np.ndarray:
    """Document lengths from Whoosh's byte-coded length column."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    perdoc = reader._perdoc
    lenfield = _lenfield(field)
    if not perdoc.has_column(lenfield):
        return np.ones(n, dtype=np.float32)
    col = perdoc.column_reader(lenfield, LENGTHS_COLUMN)
    raw = np.frombuffer(bytes(bytearray(col[i] for i in range(n))), dtype=np.uint8)
    return LENGTH_TABLE[raw]


class SegmentCache:
    """Arrays of recently seen segments, keyed by segment id and deletions."""

    def __init__(self, size: int = 64):
        self._items: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, reader) -> SegmentArrays:
        seg = reader.segment()
        if seg is None:  # Whoosh's EmptyReader: an index with no documents
            return load_segment_empty()
        key = (seg.segment_id(), seg.deleted_count(), reader.doc_count_all())
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        arrays = load_segment(reader)
        with self._lock:
            self._items[key] = arrays
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return arrays
