"""Reading Whoosh's posting lists straight into arrays: the one place that uses Whoosh internals.

Tied to whoosh-reloaded 2.7.5 (pinned in pyproject.toml): its W3 codec's
`W3LeafMatcher` (`_data`, `_ids`, `_values`, `_weights`, `_maxid`,
`_baseoffset`, `_nextoffset`, `_goto`, `_read_data`, `_read_values`,
`_read_weights`, `_next_block`, `_byteids`), a segment reader's `_terms`,
and the pickled `Characters` posting format (an occurrence count, then
pickle protocol 2 of (position delta, start delta, length) tuples). A new
Whoosh version must be checked against tests/test_engine.py and
tests/test_search_quality.py before the pin moves. Every other module
reads postings through `view.IndexView`.

Whoosh's own matchers decode postings one at a time in Python; here a
term's blocks are decoded into arrays, and a block directory (each block's
last document and file offset) sends snippet and phrase reads straight to
the block that holds a document.
"""

from __future__ import annotations

import gc
import io
import mmap
import zlib
from bisect import bisect_left
from contextlib import contextmanager
from itertools import accumulate, pairwise
from pickle import load, loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ReadTooFar
from whoosh.system import _INT_SIZE, unpack_int

from indexer.index.matches import EMPTY_DOCS, EMPTY_SCORES

FEW_DOCS = 16  # documents per segment below which `leaf_values` looks them up one by one


@contextmanager
def paused_gc():
    """Hold Python's cyclic garbage collector while postings are unpickled.

    Unpickling a common term's postings creates hundreds of thousands of
    tuples and lists; every 700 of them the collector runs, and now and
    then it walks the whole heap (jieba's dictionary, the gazetteer, the
    columns). Measured on "develop" at 100k documents: 111 ms to load its
    positions with the collector running, 17 ms without. Nothing decoded
    here forms reference cycles, so the pause only defers the work to one
    collection afterwards. Nested and concurrent pauses only re-enable what
    they found enabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def skip_to(matcher, docnum: int) -> None:
    """`matcher.skip_to(docnum)`, with a binary search inside the block.

    Whoosh's own skip_to steps through a block one posting at a time in
    Python; snippets and phrase checks skip to a few documents in long
    posting lists, where that stepping was most of their cost. The matcher
    ends in exactly the state Whoosh's skip_to leaves it in.
    """
    if type(matcher) is not W3LeafMatcher:
        matcher.skip_to(docnum)
        return
    if not matcher.is_active():
        raise ReadTooFar
    if docnum <= matcher.id():
        return
    while matcher.is_active() and docnum > matcher._maxid:
        matcher._next_block()
    if matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        matcher._i = bisect_left(matcher._ids, docnum)


def postings_map(reader):
    """The segment's postings file mapped read-only, or None (a compound or in-memory file).

    A results page reads one block of each query word for each document
    it shows: through Whoosh's matcher that was a matcher set up per word
    and segment (its header and first block read) and a seek and three
    reads per block; from the map it is two slices (see `read_block`).
    """
    try:
        postfile = reader._terms._postfile
    except AttributeError:
        return None
    if not getattr(postfile, "is_real", False):
        return None
    try:
        return mmap.mmap(postfile.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, AttributeError):
        return None


def read_block(postings: mmap.mmap, position: int) -> tuple[np.ndarray, tuple]:
    """(segment-local ids, values) of the W3 block at `position` (a block directory start).

    The layout `W3PostingsWriter._write_block` writes: the block's length
    (negative for a term's last block), the pickled block info (count, last
    id, max weight, compression level, min and max length bytes), then the
    (zlib-compressed when the level is not 0) pickle of (delta-coded ids,
    weights, values). For variable-size values (positions and characters),
    which are the only ones this is used for.
    """
    length = abs(unpack_int(postings[position : position + _INT_SIZE])[0])
    start = position + _INT_SIZE
    block = io.BytesIO(postings[start : start + length])
    info = load(block)
    data = block.read()
    if info[3]:
        data = zlib.decompress(data)
    ids, _weights, values = loads(data)
    return np.cumsum(np.asarray(ids, dtype=np.int64)), values


def leaf_values(
    leaf,
    field,
    btext,
    blocks,
    local: np.ndarray,
    offset: int,
    found: dict,
    cache=None,
    postings=None,
) -> None:
    """Posting values of sorted segment-local `local` docs, into `found` by global number.

    `cache`, when given, is (DecodedBlocks, key prefix for this leaf and term,
    whether to keep the blocks read). `postings`, when given, is the
    segment's `postings_map`, blocks are read from it directly.
    """
    if blocks is None:  # not Whoosh 3 postings: the matcher's own way
        m = _leaf_matcher(leaf, field, btext)
        if m is None:
            return
        for d in local.tolist():
            if not m.is_active():
                break
            skip_to(m, d)
            if m.is_active() and m.id() == d:
                found[d + offset] = m.value()
        return
    maxids, starts = blocks
    block_of = _BlockReader(leaf, field, btext, starts, cache, postings)
    if len(local) <= FEW_DOCS:
        # A results page asks for a document or two per segment: binary
        # searches in Python cost less than setting up the array operations.
        last = len(maxids)
        for d in local.tolist():
            block = bisect_left(maxids, d)
            if block == last:
                break
            ids, values = block_of(block)
            k = bisect_left(ids, d)
            if k < len(ids) and ids[k] == d:
                found[d + offset] = values[k]
        return
    which = np.searchsorted(maxids, local)  # the block that would hold each doc
    inside = which < len(maxids)
    local, which = local[inside], which[inside]
    cuts = [0, *(np.flatnonzero(np.diff(which)) + 1).tolist(), len(local)]
    for a, b in pairwise(cuts) if len(local) else ():
        ids, values = block_of(int(which[a]))
        wanted = local[a:b]
        idx = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        hit = ids[idx] == wanted
        for d, k in zip(wanted[hit].tolist(), idx[hit].tolist(), strict=True):
            found[d + offset] = values[k]


class _BlockReader:
    """One term's blocks in one segment by number: kept, mapped, or through a matcher."""

    def __init__(self, leaf, field, btext, starts, cache, postings):
        self.leaf, self.field, self.btext = leaf, field, btext
        self.starts, self.cache, self.postings = starts, cache, postings
        self.matcher = None
        self.last = (-1, None)

    def __call__(self, block: int):
        if self.last[0] == block:
            return self.last[1]
        cache = self.cache
        decoded = cache[0].get((*cache[1], block)) if cache else None
        if decoded is None:
            start = int(self.starts[block])
            if self.postings is not None:
                decoded = read_block(self.postings, start)
            else:
                m = self.matcher
                if m is None:  # opened only when a block must be read
                    m = self.matcher = _leaf_matcher(self.leaf, self.field, self.btext)
                m._goto(start)
                m._read_data()
                m._read_values()
                decoded = np.cumsum(np.asarray(m._data[0], dtype=np.int64)), m._values
            if cache and cache[2]:
                cache[0].put_block((*cache[1], block), *decoded)
        self.last = (block, decoded)
        return decoded


def _leaf_matcher(leaf, field: str, btext: bytes):
    try:
        terms = leaf._terms
        if (field, btext) not in terms:
            return None
        return terms.matcher(field, btext, leaf.schema[field].format)
    except (KeyError, AttributeError):
        return leaf.postings(field, btext) if (field, btext) in leaf else None


def decode_positions(value: bytes) -> list[int]:
    """`Characters.decode_positions`, with the running sum done by itertools."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(code[0] for code in loads(value[_INT_SIZE:])))


def read_leaf_postings(reader, field: str, btext: bytes, values: list | None = None):
    """All postings of a term in one segment, deleted docs included.

    Also returns the block directory (each block's last doc and file
    offset) when the postings are Whoosh 3 blocks, else None. With
    `values` (a list), each posting's encoded value is appended to it
    (Whoosh 3 blocks only; the block is decoded anyway).
    """
    m = _leaf_matcher(reader, field, btext)
    if m is None:
        return EMPTY_DOCS, EMPTY_SCORES, None
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        ids_parts, w_parts, maxids, starts = [], [], [], []
        position = m._baseoffset
        while m.is_active():
            maxids.append(m._maxid)
            starts.append(position)
            if m._data is None:
                m._read_data()
            ids_parts.append(np.cumsum(np.asarray(m._data[0], dtype=np.int64)))
            m._read_weights()
            w_parts.append(np.asarray(m._weights, dtype=np.float32))
            if values is not None:
                m._read_values()
                values.extend(m._values)
            position = m._nextoffset
            m._next_block()
        blocks = (np.asarray(maxids, dtype=np.int64), np.asarray(starts, dtype=np.int64))
        return np.concatenate(ids_parts), np.concatenate(w_parts), blocks
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32), None


def term_key(reader, field: str, btext: bytes) -> int | None:
    """Where a term's entry sits in its segment's term file: a number unique to the term.

    One hash look-up, no decoding: how stored postings arrays
    (`postings_arrays`) find a term. None when the segment lacks the term.
    """
    try:
        return reader._terms._range_for_key(field, btext)[0]
    except (KeyError, AttributeError):
        return None


def field_terms(reader, field: str, min_docs: int = 1):
    """(term bytes, document frequency, `term_key`) of the terms of `field` in a segment
    that are in at least `min_docs` documents.

    The key is a hash look-up per term: looked up only for the terms kept
    (most of a segment's terms are rare; looking up every one was half the
    time an indexing run spent writing postings arrays).
    """
    terms = reader._terms
    fnum = terms._fieldmap.get(field)
    if fnum is None:
        return
    for (name, btext), info in terms.items_from(field, b""):
        if name != field:
            break
        df = info.doc_frequency()
        if df >= min_docs:
            yield btext, df, terms._range_for_key(field, btext)[0]


def segment_folder(reader):
    """The folder a segment's files are in, or None (an index in memory, a compound file)."""
    try:
        folder = reader.storage().folder
    except AttributeError:
        return None
    return folder
