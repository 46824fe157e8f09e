"""A segment writer's postings, kept per term in packed buffers instead of sorted one by one.

Whoosh's `PostingPool` treats every posting as an item of an external sort:
a tuple appended to a list, marshalled into a run file whenever the pool is
full, read back and merged with `heapq` when the segment is flushed, then
handed to the field writer one tuple at a time. On the indexing profile
(py-spy, 2k articles, two workers) that sort was a third of all CPU, and
Python's `tell()` on the postings and terms files (a system call for every
term, four per term) another 8 %.

But postings arrive in document order: a writer numbers its documents as
it adds them, and a merged segment's documents come after them in order.
So the pool keeps, per field and term, the term's document numbers and
its (weight, value) pairs appended to two byte buffers, and sorts only the
distinct terms when the segment is flushed. When the buffers outgrow the
limit they are spilled to a run file as one record per term (not per
posting), sorted by term; the flush merges the runs term by term and
concatenates each term's buffers in the order they were written, which is
document order again. Each term's postings are then handed to Whoosh's
postings writer a block at a time, with positions in the two files kept by
`PositionTracking` instead of asked of the operating system. The segment's
files are byte-identical to what Whoosh's own pool writes, except that the
block of a term with at most `SMALL_TERM` postings is not zlib-compressed
(`tests/test_posting_pool.py`); `add_document` hands each field's postings
over at once instead of one call per posting.

Fields whose format stores nothing but presence (`formats.Existence`, the
CJK bigrams) keep only document numbers, as long as every posting weighs
1.0 as Whoosh would give them; anything else is kept whole.
"""

from __future__ import annotations

import heapq
import marshal
import os
import pickle
import struct
import tempfile
import zlib
from array import array
from collections.abc import Iterator
from operator import itemgetter

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

_HEAD = struct.Struct("<dI")  # a posting's weight and the length of its value
_DOCNUM = struct.Struct("<I")
# A term with this few postings in the segment gets its one block unzipped:
# zlib's set-up per call was a fifth of writing the postings (most terms of
# a segment are this rare), and these blocks hardly shrink: 2k articles,
# 18 % less CPU to write, 2.8 % bigger postings file. Readers find each
# block's compression in its header.
SMALL_TERM = 4
# Whoosh pickles each block with protocol 2, which has no opcode for bytes or
# arrays: every posting's value becomes a call of `codecs.encode` on a
# latin-1 string. Protocol 5 writes them as they are. Measured on 508 blocks
# of common words at 100k articles: pickling 90 -> 10 us a block,
# compressed 3.0 -> 1.8 kB, decompressing and unpickling 135 -> 38 us (a
# results page reads a block per word and article for its snippets). Any
# reader unpickles any protocol: Whoosh's matchers read these blocks, and
# indexes written before read as they did.
BLOCK_PROTOCOL = 5
_TERM_OVERHEAD = 240  # bytes of a term's dict entries and buffers before any posting


class PackedPostingPool:
    """What `SegmentWriter.pool` must offer (`add`, `cleanup`), plus `write_to`."""

    def __init__(self, schema, limit_bytes: int, tempdir: str | None = None):
        self.limit = limit_bytes
        self.tempdir = tempdir
        self.size = 0
        self.runs: list[str] = []
        self._ids_only = {
            name for name, field in schema.items() if isinstance(field.format, formats.Existence)
        }
        self._ids: dict[str, dict[bytes, bytearray]] = {}
        self._rest: dict[str, dict[bytes, bytearray]] = {}

    def add(self, item) -> None:
        """One posting `(fieldname, tbytes, docnum, weight, vbytes)`: how merges hand them over."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_field(fieldname, docnum, ((tbytes, 1, weight, vbytes),), 1.0, False)

    def add_field(self, fieldname: str, docnum: int, items, boost: float, scorable: bool) -> int:
        """One document's `(tbytes, freq, weight, vbytes)` postings of a field; returns its length.

        What `SegmentWriter.add_document` does with them, without making a
        tuple and a call per posting.
        """
        ids = self._ids.get(fieldname)
        if ids is None:
            ids = self._ids[fieldname] = {}
            self._rest[fieldname] = {}
        rest = self._rest[fieldname]
        ids_only = fieldname in self._ids_only
        docbytes = _DOCNUM.pack(docnum)
        head = _HEAD.pack
        length = size = 0
        for tbytes, freq, weight, vbytes in items:
            weight *= boost
            if scorable:
                length += freq
            if ids_only and (weight != 1.0 or vbytes):
                self._keep_whole(fieldname)
                ids_only = False
            buf = ids.get(tbytes)
            if buf is None:
                buf = ids[tbytes] = bytearray()
                size += _TERM_OVERHEAD + len(tbytes)
            buf += docbytes
            if not ids_only:
                more = rest.get(tbytes)
                if more is None:
                    more = rest[tbytes] = bytearray()
                vbytes = vbytes or b""
                more += head(weight, len(vbytes))
                more += vbytes
                size += len(vbytes) + _HEAD.size
            size += 4
        self.size += size
        if self.size > self.limit:
            self._spill()
        return length

    def _keep_whole(self, fieldname: str) -> None:
        """A presence field given a weight or a value after all: keep all from now on."""
        self._ids_only.discard(fieldname)
        rest = self._rest[fieldname]
        for term, ids in self._ids[fieldname].items():
            rest[term] = bytearray(_HEAD.pack(1.0, 0) * (len(ids) // 4))
            self.size += _HEAD.size * (len(ids) // 4)

    def _sorted_terms(self) -> Iterator[tuple[str, bytes, bytes, bytes | None]]:
        for fieldname in sorted(self._ids):
            ids, rest = self._ids[fieldname], self._rest[fieldname]
            for tbytes in sorted(ids):
                more = rest.get(tbytes)
                # bytes, not bytearray: Whoosh pickles the values cut from it.
                yield fieldname, tbytes, ids[tbytes], None if more is None else bytes(more)

    def _spill(self) -> None:
        fd, path = tempfile.mkstemp(prefix="postings-", suffix=".run", dir=self.tempdir)
        self.runs.append(path)
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            for record in self._sorted_terms():
                marshal.dump(record, f)
        self._ids, self._rest, self.size = {}, {}, 0

    @staticmethod
    def _read_run(path: str) -> Iterator[tuple]:
        with open(path, "rb", buffering=1 << 20) as f:
            while True:
                try:
                    yield marshal.load(f)
                except EOFError:
                    return

    def _merged_terms(self) -> Iterator[tuple[str, bytes, bytes, bytes | None]]:
        """Every term once, in (field, term) order, its buffers joined in writing order."""
        sources = [self._read_run(path) for path in self.runs] + [self._sorted_terms()]
        if len(sources) == 1:
            yield from sources[0]
            return
        # heapq.merge is stable: equal terms come in the order of `sources`,
        # the oldest run first, so joined buffers stay in document order.
        merged = heapq.merge(*sources, key=itemgetter(0, 1))
        current = next(merged, None)
        while current is not None:
            fieldname, tbytes, ids, rest = current
            ids_parts, rest_parts = [ids], [rest]
            for current in merged:
                if current[0] != fieldname or current[1] != tbytes:
                    break
                ids_parts.append(current[2])
                rest_parts.append(current[3])
            else:
                current = None
            yield fieldname, tbytes, b"".join(ids_parts), _join_rest(ids_parts, rest_parts)

    def write_to(self, fieldwriter, schema) -> None:
        """File every term's postings through Whoosh's field writer, as `add_postings` would."""
        _track_positions(fieldwriter)
        compression = fieldwriter._codec._compression
        lastfield = None
        for fieldname, tbytes, ids, rest in self._merged_terms():
            if fieldname != lastfield:
                if lastfield is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                _pack_blocks(fieldwriter)  # start_field made a postings writer for the field
                lastfield = fieldname
            fieldwriter.start_term(tbytes)
            _write_term(fieldwriter._postwriter, ids, rest, compression)
            fieldwriter.finish_term()
        if lastfield is not None:
            fieldwriter.finish_field()
        self.cleanup()

    def cleanup(self) -> None:
        for path in self.runs:
            try:
                os.remove(path)
            except OSError:
                pass
        self.runs = []
        self._ids, self._rest, self.size = {}, {}, 0


def _join_rest(ids_parts: list[bytes], rest_parts: list[bytes | None]) -> bytes | None:
    if all(part is None for part in rest_parts):
        return None
    # A field that turned from ids-only to whole between runs: the earlier
    # runs' postings weighed 1.0 with no value.
    return b"".join(
        part if part is not None else _HEAD.pack(1.0, 0) * (len(ids) // 4)
        for ids, part in zip(ids_parts, rest_parts, strict=True)
    )


def _decode_rest(rest: bytes | None, count: int) -> tuple[array, list[bytes]]:
    """Weights and values (b"" where none) of `count` postings."""
    if rest is None:
        return array("d", [1.0]) * count, []
    weights, values = array("d"), []
    offset, head, size = 0, _HEAD.unpack_from, _HEAD.size
    for _ in range(count):
        weight, length = head(rest, offset)
        offset += size
        weights.append(weight)
        values.append(rest[offset : offset + length])
        offset += length
    return weights, values


def _write_term(postwriter, ids_bytes: bytes, rest: bytes | None, compression: int) -> None:
    """One term's postings, a block at a time, as `add_posting` calls would leave them."""
    docnums = np.frombuffer(ids_bytes, dtype="<u4")
    count = len(docnums)
    weights, values = _decode_rest(rest, count)
    if count > 1 and not (np.diff(docnums.astype(np.int64)) > 0).all():
        # Not in document order after all (a merge Whoosh ordered otherwise):
        # sort, keeping each document's postings together and in order.
        order = np.argsort(docnums, kind="stable")
        docnums = docnums[order]
        weights = array("d", (weights[i] for i in order))
        if values:
            values = [values[i] for i in order]
    ids = array("I", docnums.astype(np.uint32).tobytes())
    limit = postwriter._blocklimit
    postwriter._compression = 0 if count <= SMALL_TERM else compression
    with_values = any(values)
    every_value = with_values and all(values)
    for start in range(0, count, limit):
        end = min(start + limit, count)
        # What `add_posting` accumulates: ids, float32 weights, the non-empty
        # values, and the largest weight (compared as Python floats, from 0).
        postwriter._ids = ids[start:end]
        block_weights = weights[start:end]
        postwriter._weights = array("f", block_weights)
        if every_value:
            postwriter._values = values[start:end]
        else:  # `add_posting` keeps only the non-empty values
            postwriter._values = [v for v in values[start:end] if v] if with_values else []
        postwriter._maxweight = max(0, max(block_weights))
        if end < count:
            postwriter._write_block()
    # `finish_term` writes the last block (or inlines it) and files the term.


def _pack_blocks(fieldwriter) -> None:
    """The field writer's postings writer (one per field) writes blocks with `BLOCK_PROTOCOL`."""
    old = fieldwriter._postwriter
    if type(old) is W3PostingsWriter and not old.written():
        fieldwriter._postwriter = PackedPostingsWriter(
            old._postfile, old._blocklimit, old._byteids, old._compression, old._inlinelimit
        )


class PackedPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, its blocks pickled with `BLOCK_PROTOCOL`.

    The block layout is the one `W3LeafMatcher` reads (and
    `whoosh_postings.read_block`): the postings' magic before a term's first
    block; then per block its length (negative for the term's last), the
    pickled block info (postings, last id, largest weight, compression
    level, shortest and longest length as bytes) and the pickled, maybe
    compressed, (delta-coded ids, weights, values). Only the protocol of
    the data differs from Whoosh's; at protocol 2 the file is the same.
    """

    def _write_block(self, last=False):
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, BLOCK_PROTOCOL)
        comp = self._compression
        if comp:
            databytes = zlib.compress(databytes, comp)
        info = (
            len(self._ids),
            self._ids[-1],
            self._maxweight,
            comp,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = pickle.dumps(info, 2)
        length = len(infobytes) + len(databytes)
        postfile.write_int(-length if last else length)
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


def _track_positions(fieldwriter) -> None:
    for structfile in (fieldwriter._postfile, fieldwriter._tindex.dbfile):
        if not isinstance(structfile.file, PositionTracking):
            structfile.file = PositionTracking(structfile.file)


class PositionTracking:
    """A file being written whose `tell()` is counted, not a system call.

    Python's buffered `tell()` asks the raw file every time (an `lseek`),
    and Whoosh asks it four times per term.
    """

    def __init__(self, raw):
        self.raw = raw
        self.pos = raw.tell()

    def write(self, data) -> int:
        n = self.raw.write(data)
        self.pos += n
        return n

    def tell(self) -> int:
        return self.pos

    def seek(self, *args) -> int:
        self.pos = self.raw.seek(*args)
        return self.pos

    def __getattr__(self, name):
        return getattr(self.raw, name)


class PackedSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with its postings in a `PackedPostingPool`."""

    def __init__(self, ix, *, limitmb: int, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if self.codec.length_stats:
            raise ValueError("the packed pool writes no length statistics (see schema.codec)")
        self.pool = PackedPostingPool(self.schema, limitmb << 20, self._tempstorage.folder)
        # Term vectors and spelling words go through Whoosh's own way.
        self._whoosh_way = any(f.vector or f.separate_spelling() for _, f in self.schema.items())

    def add_document(self, **fields):
        """`SegmentWriter.add_document`, with each field's postings handed over at once."""
        if self._whoosh_way:
            return super().add_document(**fields)
        self._check_state()
        schema, perdoc, docnum = self.schema, self.perdocwriter, self.docnum
        docboost = self._doc_boost(fields)
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    items = field.index(value)
                    length = self.pool.add_field(name, docnum, items, boost, field.scorable)
                stored = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(stored))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        # What `SegmentWriter._flush_segment` does when the codec keeps no
        # length statistics (`schema.codec`): the per-document files, then
        # the postings.
        self.perdocwriter.close()
        self.pool.write_to(self.fieldwriter, self.schema)
        self.fieldwriter.close()
