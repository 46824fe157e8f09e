"""A segment's common terms' postings as arrays on disk, written once, memory-mapped.

Whoosh stores a term's postings in blocks of 128, each one pickle of
(ids, weights, values) and usually zlib-compressed; the values (positions
and character offsets) are most of it. Reading which documents hold a
common word, and how often, therefore meant decompressing and unpickling
every block of it, positions included: at 100k articles, most of a
first-seen query's time. Segments never change once written, so at the
end of each indexing run every segment that lacks them gets a file
`<segment id>.postings` holding, for each term in at least `MIN_DOCS` of its
documents: the documents (int32, segment-local, deleted ones included),
the weights (float32, exactly what Whoosh decodes), the block directory
(each block's last document and file offset, for snippets) and, in the
title and body, each posting's word positions (int32), which is all a
phrase check needs from the positions and offsets Whoosh stores. Terms are
found by `whoosh_postings.term_key` (one hash look-up). Rarer terms are
read from Whoosh as before: one or two blocks each.

The file is memory-mapped read-only, so a term's arrays are slices that
cost nothing to load, and gunicorn's workers share the pages. Format: 8
bytes of magic, the JSON header's length (8 bytes, little-endian), the JSON
header (each array's dtype, offset and length), then the arrays, each
aligned to 64 bytes. The file is written beside the segment under a
temporary name and renamed, and is named after the segment, so the
sweep of unreferenced files removes it with its segment
(`store.IndexStore.sweep`).
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from indexer.index.phrases import decode_positions_of
from indexer.index.whoosh_postings import field_terms, paused_gc, read_leaf_postings

log = logging.getLogger("newsarchive.index")

MAGIC = b"NAPOST1\n"
SUFFIX = ".postings"
FIELDS = ("title", "body", "grams")
POSITION_FIELDS = ("title", "body")  # fields whose words phrases are checked in
MIN_DOCS = 64  # terms in fewer of a segment's documents are read from Whoosh (a block or two)
ALIGN = 64


def path_for(gen_dir: Path, segment_id: str) -> Path:
    return Path(gen_dir) / (segment_id + SUFFIX)


def write_segment(reader, path: Path) -> int:
    """Write the arrays file of one segment from its postings; returns the number of terms stored.

    For segments written without them (by the parent, by a merge, or
    before a crash): a segment writer hands them over as it writes the
    postings (`SegmentArrays`). The per-posting arrays (documents,
    weights, positions) are streamed to anonymous temporary files as each
    term is read, and only the per-term ones are kept in memory: building
    them all in memory first took twice the file's size at the end of a
    run (about 250 MB for a segment of 25,000 articles).
    """
    arrays = SegmentArrays(path, reader.schema)
    stored = 0
    try:
        with paused_gc():
            for field, with_positions in arrays.fields.items():
                for btext, _df, key in field_terms(reader, field, MIN_DOCS):
                    term = _read_term(reader, field, btext, key, with_positions)
                    stored += arrays.add(field, term)
        arrays.finish()
    finally:
        arrays.close()
    return stored


def _read_term(reader, field: str, btext: bytes, key: int, with_positions: bool) -> dict:
    """One term's arrays, shaped as a chunk the pool hands over (see `SegmentArrays.add`)."""
    values: list | None = [] if with_positions else None
    ids, w, blocks = read_leaf_postings(reader, field, btext, values)
    if blocks is None:  # not Whoosh 3 blocks: left to Whoosh
        return {"keys": np.zeros(0, dtype=np.int64)}
    chunk = {
        "keys": [key],
        "counts": [len(ids)],
        "docs": ids,
        "weights": w,
        "block_counts": [len(blocks[0])],
        "block_max": blocks[0],
        "block_pos": blocks[1],
    }
    if with_positions:
        decoded = decode_positions_of(values) if values else None
        has_pos = decoded is not None and len(decoded[0]) == len(ids)
        chunk["has_pos"] = [has_pos]
        chunk["pos_counts"] = decoded[0] if has_pos else np.zeros(len(ids), dtype=np.int64)
        chunk["positions"] = decoded[1] if has_pos else np.zeros(0, dtype=np.int32)
    return chunk


# The type of each array: those of the file, and the counts a chunk brings instead
# of the file's start offsets.
_TYPES = {
    "has_pos": np.uint8,
    "pos_starts": np.int64,
    "positions": np.int32,
    "keys": np.int64,
    "starts": np.int64,
    "docs": np.int32,
    "weights": np.float32,
    "block_starts": np.int64,
    "block_max": np.int64,
    "block_pos": np.int64,
    "counts": np.int64,
    "block_counts": np.int64,
    "pos_counts": np.int64,
}
# A field's arrays in the order of the file, those of positions first.
_POSITION_ARRAYS = ("has_pos", "pos_starts", "positions")
_FIELD_ARRAYS = ("keys", "starts", "docs", "weights", "block_starts", "block_max", "block_pos")


class SegmentArrays:
    """A segment's arrays file, filled a chunk of terms at a time, in term order per field.

    A chunk is a dict of arrays (or the bytes of arrays, as the compiled
    pool hands them over, see `posting_pool.write_postings`): per term its
    key, posting count, block count and, with positions, whether they
    were decoded; per posting its document, weight and position count;
    per block its last document and offset; the positions. Counts become
    the file's start offsets here.
    """

    def __init__(self, path: Path, schema):
        self.out = _ArraysFile(path)
        self.fields = {
            field: field in POSITION_FIELDS and _has_characters(schema, field)
            for field in FIELDS
            if field in schema
        }
        self._terms = {field: _FieldTerms() for field in self.fields}
        for field, with_positions in self.fields.items():
            for name in (*_POSITION_ARRAYS, *_FIELD_ARRAYS) if with_positions else _FIELD_ARRAYS:
                self.out.declare(f"{field}.{name}", _TYPES[name])
            if with_positions:
                self.out.append(f"{field}.pos_starts", np.zeros(1, dtype=np.int64))

    def add(self, field: str, chunk: dict) -> int:
        """Append a chunk of `field`'s terms; returns how many terms it held."""
        a = {
            name: np.frombuffer(v, dtype=_TYPES[name])
            if isinstance(v, bytes)
            else np.asarray(v, dtype=_TYPES[name])
            for name, v in chunk.items()
        }
        if not len(a["keys"]):
            return 0
        terms, out = self._terms[field], self.out
        terms.keys.append(a["keys"])
        terms.starts.append(terms.postings + np.cumsum(a["counts"]))
        terms.postings += int(a["counts"].sum())
        terms.block_starts.append(terms.blocks + np.cumsum(a["block_counts"]))
        terms.blocks += int(a["block_counts"].sum())
        for name in ("docs", "weights", "block_max", "block_pos"):
            out.append(f"{field}.{name}", a[name])
        if self.fields[field]:
            terms.has_pos.append(a["has_pos"])
            out.append(f"{field}.pos_starts", terms.positions + np.cumsum(a["pos_counts"]))
            terms.positions += int(a["pos_counts"].sum())
            out.append(f"{field}.positions", a["positions"])
        return len(a["keys"])

    def finish(self) -> None:
        for field, terms in self._terms.items():
            if self.fields[field]:
                self.out.append(f"{field}.has_pos", _joined(terms.has_pos, "has_pos"))
            self.out.append(f"{field}.keys", _joined(terms.keys, "keys"))
            self.out.append(f"{field}.starts", _joined([[0], *terms.starts], "starts"))
            self.out.append(
                f"{field}.block_starts", _joined([[0], *terms.block_starts], "block_starts")
            )
        self.out.finish()

    def close(self) -> None:
        self.out.close()


class _FieldTerms:
    """A field's per-term arrays so far, and its running totals."""

    def __init__(self):
        self.keys, self.starts, self.block_starts, self.has_pos = [], [], [], []
        self.postings = self.blocks = self.positions = 0


def _joined(parts: list, name: str) -> np.ndarray:
    dtype = _TYPES[name]
    if not parts:
        return np.zeros(0, dtype)
    return np.concatenate([np.asarray(p, dtype=dtype) for p in parts])


def _has_characters(schema, field: str) -> bool:
    from whoosh.formats import Characters

    return type(schema[field].format) is Characters


class _Spool:
    """One named array as it is appended to: its type, its bytes so far, its length."""

    __slots__ = ("dtype", "file", "length")

    def __init__(self, dtype, folder: Path):
        self.dtype = np.dtype(dtype)
        self.file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed by _ArraysFile)
        self.length = 0

    @property
    def nbytes(self) -> int:
        return self.length * self.dtype.itemsize


class _ArraysFile:
    """Named arrays appended to piece by piece, then written as one file (format above).

    Each array collects in an anonymous temporary file beside the target
    (gone with the process, whatever ends it); `finish` writes the header,
    copies the arrays in, syncs and renames the file into place.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._spools: dict[str, _Spool] = {}

    def declare(self, name: str, dtype) -> None:
        self._spools[name] = _Spool(dtype, self.path.parent)

    def append(self, name: str, values) -> None:
        spool = self._spools[name]
        array = np.asarray(values).astype(spool.dtype, copy=False)
        spool.file.write(array.tobytes())
        spool.length += len(array)

    def finish(self) -> None:
        header, offset = {}, 0
        for name, spool in self._spools.items():
            header[name] = {"dtype": spool.dtype.str, "offset": offset, "length": spool.length}
            offset += _aligned(spool.nbytes)
        head = json.dumps(header).encode("utf-8")
        start = _aligned(len(MAGIC) + 8 + len(head))
        tmp = self.path.with_name(self.path.name + f".tmp{os.getpid()}")
        try:
            with open(tmp, "wb") as out:
                out.write(MAGIC + len(head).to_bytes(8, "little") + head)
                out.write(b"\0" * (start - out.tell()))
                for spool in self._spools.values():
                    spool.file.seek(0)
                    shutil.copyfileobj(spool.file, out, 1 << 20)
                    out.write(b"\0" * (_aligned(spool.nbytes) - spool.nbytes))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def close(self) -> None:
        for spool in self._spools.values():
            spool.file.close()


def _aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


class PostingsArrays:
    """One segment's stored postings, memory-mapped: `get` returns slices of the file."""

    def __init__(self, path: Path):
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        buffer = memoryview(self._map)
        if bytes(buffer[: len(MAGIC)]) != MAGIC:
            raise ValueError(f"{path} is not a postings arrays file")
        size = int.from_bytes(buffer[len(MAGIC) : len(MAGIC) + 8], "little")
        head_end = len(MAGIC) + 8 + size
        header = json.loads(bytes(buffer[len(MAGIC) + 8 : head_end]))
        start = _aligned(head_end)
        self.arrays = {
            name: np.frombuffer(
                buffer, dtype=np.dtype(h["dtype"]), count=h["length"], offset=start + h["offset"]
            )
            for name, h in header.items()
        }
        self.fields = {name.split(".")[0] for name in self.arrays}

    def get(self, field: str, key: int | None):
        """(docs int32, weights float32, (block last docs, block offsets)), or None if not kept."""
        if key is None or field not in self.fields:
            return None
        keys = self.arrays[f"{field}.keys"]
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or int(keys[i]) != key:
            return None
        a = self.arrays
        lo, hi = int(a[f"{field}.starts"][i]), int(a[f"{field}.starts"][i + 1])
        blo, bhi = int(a[f"{field}.block_starts"][i]), int(a[f"{field}.block_starts"][i + 1])
        blocks = (a[f"{field}.block_max"][blo:bhi], a[f"{field}.block_pos"][blo:bhi])
        return a[f"{field}.docs"][lo:hi], a[f"{field}.weights"][lo:hi], blocks

    def positions(self, field: str, key: int | None):
        """(docs, where each one's positions start and end, all positions) of a term, or None."""
        if key is None or f"{field}.has_pos" not in self.arrays:
            return None
        keys = self.arrays[f"{field}.keys"]
        i = int(np.searchsorted(keys, key))
        if i >= len(keys) or int(keys[i]) != key or not self.arrays[f"{field}.has_pos"][i]:
            return None
        a = self.arrays
        lo, hi = int(a[f"{field}.starts"][i]), int(a[f"{field}.starts"][i + 1])
        pos_starts = a[f"{field}.pos_starts"][lo : hi + 1]
        return a[f"{field}.docs"][lo:hi], pos_starts, a[f"{field}.positions"]


def open_arrays(gen_dir: Path, segment_id: str) -> PostingsArrays | None:
    """The segment's stored postings, or None when it has none (yet) or they are unreadable."""
    path = path_for(gen_dir, segment_id)
    try:
        return PostingsArrays(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring the postings arrays %s: %s", path, exc)
        return None


def write_missing(gen_dir: Path, ix) -> int:
    """Write the arrays file of every segment of `ix`'s latest commit that has none."""
    written = 0
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            segment = leaf.segment()
            if segment is None or not leaf.doc_count_all():
                continue
            path = path_for(gen_dir, segment.segment_id())
            if path.exists():
                continue
            write_segment(leaf, path)
            written += 1
    return written
