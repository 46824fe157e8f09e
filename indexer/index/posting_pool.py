"""A segment writer whose postings are filed by the compiled pool (`indexer._postings`).

Whoosh's `PostingPool` treats every posting as an item of an external sort:
a tuple appended to a list, marshalled into a run file whenever the pool is
full, read back and merged with `heapq` when the segment is flushed, then
handed to the field writer one tuple at a time. A pool written in Python
that kept each term's postings in packed buffers instead (they arrive in
document order) took that sort's third of the indexing CPU down, but what
remained, a dictionary look-up and four appends per posting, a pickle, a
zlib call and a `TermInfo` per term, was still more than half of a
worker's CPU (py-spy, 8,000 articles of one export, two workers). The
compiled pool (`native/`, Rust) does the same work in the same order.

It writes the W3 blocks `W3LeafMatcher` reads (and
`whoosh_postings.read_block`), with two differences from Whoosh's own
writer: the block of a term with at most `SMALL_TERM` postings is not
zlib-compressed (zlib's set-up per call was a fifth of writing the
postings, and most terms of a segment are that rare), and block data is
pickled at protocol 5 (a block of common words: pickling 90 -> 10 us,
compressed 3.0 -> 1.8 kB, reading 135 -> 38 us). Any reader unpickles any
protocol, so indexes written before read as they did. The terms file is
written byte for byte as Whoosh's `OrderedHashWriter` writes it
(`PackedTermsFile`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from whoosh import formats
from whoosh.writing import SegmentWriter

from indexer._postings import SMALL_TERM, PostingPool
from indexer.index import postings_arrays
from indexer.index.postings_arrays import SegmentArrays

log = logging.getLogger("newsarchive.index")

CHUNK_TERMS = 8192  # term records handed over from the compiled pool at once

__all__ = [
    "SMALL_TERM",
    "PackedSegmentWriter",
    "PackedTermsFile",
    "PostingPool",
    "write_postings",
]


def new_pool(schema, limit_bytes: int, tempdir: str | None) -> PostingPool:
    """A pool for `schema`: fields that store only presence keep only document numbers."""
    presence = [n for n, field in schema.items() if isinstance(field.format, formats.Existence)]
    return PostingPool(limit_bytes, tempdir or ".", presence)


def write_postings(pool: PostingPool, fieldwriter, schema, arrays: SegmentArrays | None = None):
    """File every term's postings and term record in the W3 field writer's two files.

    With `arrays`, the segment's postings arrays are filled as the postings
    are written (see `postings_arrays`), instead of read back afterwards.
    """
    codec = fieldwriter._codec
    if codec._inlinelimit > 1:
        raise ValueError("the compiled pool writes no inlined postings (inlinelimit must be 1)")
    if fieldwriter._fieldmap:
        raise ValueError("the compiled pool numbers the fields of a new terms file")
    terms = fieldwriter._tindex = PackedTermsFile(fieldwriter._tindex)
    postfile, fieldmap = fieldwriter._postfile, fieldwriter._fieldmap

    def file_chunk(fieldname: str, number: int, data: bytes, records: bytes, chunk_arrays):
        fieldmap[fieldname] = number
        postfile.write(data)
        terms.dbfile.write(records)
        if chunk_arrays is not None:
            arrays.add(fieldname, chunk_arrays)

    fixed = {n: f.format.fixed_value_size() for n, f in schema.items() if f.format is not None}
    terms.closing = pool.write(
        postfile.tell(),
        codec._blocklimit,
        codec._compression,
        fixed,
        file_chunk,
        terms_offset=terms.dbfile.tell(),
        arrays=None if arrays is None else arrays.fields,
        min_docs=postings_arrays.MIN_DOCS,
        chunk_terms=CHUNK_TERMS,
    )


class PackedTermsFile:
    """The terms file `OrderedHashWriter` would write, from what the compiled pool made.

    Takes over the field writer's `OrderedHashWriter` once its header is
    written: the pool writes the records and the hash tables (keeping 12
    bytes per term until the end, where `OrderedHashWriter` kept a Python
    tuple of about 130), and `close` ends the file as
    `OrderedHashWriter.close` would: the tables and their directory, the
    pickled extras (the field map, the index array's type and length), the
    array of record positions, the length of those two.
    """

    def __init__(self, hashwriter):
        self.dbfile = hashwriter.dbfile
        self.extras = hashwriter.extras  # its "fieldmap" is the field writer's
        self.closing: tuple | None = None  # what `PostingPool.write` returned

    def close(self) -> int:
        tables, typecode, index, count = self.closing
        dbfile = self.dbfile
        dbfile.write(tables)
        extras_at = dbfile.tell()
        self.extras["indextype"] = typecode
        self.extras["indexlen"] = count
        dbfile.write_pickle(self.extras)
        dbfile.write(index)
        dbfile.write_int(dbfile.tell() - extras_at)
        end = dbfile.tell()
        dbfile.close()
        return end


class PackedSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with its postings in the compiled `PostingPool`."""

    def __init__(self, ix, *, limitmb: int, arrays_dir: Path | None = None, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        # Where the segment's postings arrays go as its postings are written
        # (None: read back from the segment later, `postings_arrays.write_missing`).
        self.arrays_path = (
            None
            if arrays_dir is None
            else postings_arrays.path_for(arrays_dir, self.newsegment.segment_id())
        )
        if self.codec.length_stats:
            raise ValueError("the packed pool writes no length statistics (see schema.codec)")
        self.pool = new_pool(self.schema, limitmb << 20, self._tempstorage.folder)
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
                    length = self.pool.add_field(name, docnum, items, boost, bool(field.scorable))
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
        arrays = None if self.arrays_path is None else SegmentArrays(self.arrays_path, self.schema)
        try:
            write_postings(self.pool, self.fieldwriter, self.schema, arrays)
            self.fieldwriter.close()
            if arrays is not None:
                _finish_arrays(arrays)
        finally:
            if arrays is not None:
                arrays.close()


def _finish_arrays(arrays: SegmentArrays) -> None:
    """Write the arrays file; if that fails, the run's end reads them back (`write_missing`)."""
    try:
        arrays.finish()
    except OSError as exc:
        log.debug("left the postings arrays of %s to the end of the run: %s", arrays.out.path, exc)
