"""The packed posting pool writes the postings Whoosh's own pool would.

Terms with more than `SMALL_TERM` postings are byte-identical to what
Whoosh's `PostingPool` writes; the rarest terms differ only in having an
uncompressed block, so their decoded postings are compared instead. Both
with everything in memory and with the pool spilled to many runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer.extract import enrich
from indexer.index import posting_pool
from indexer.index.documents import whoosh_fields
from indexer.index.posting_pool import PackedPostingPool, PackedSegmentWriter, PositionTracking
from indexer.index.schema import build_schema, codec
from indexer.ingest.analysed import analyse
from indexer.sources import read_articles

from .conftest import FIXTURES, SEEDS


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    docs = []
    for folder in (SEEDS, FIXTURES):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".txt", ".html", ".jsonl", ".json"):
                try:
                    articles, _ = read_articles(path, str(path))
                except Exception:
                    continue
                docs += [whoosh_fields(analyse(enrich(a), "sig")) for a in articles]
    assert len(docs) > 20
    return docs


def _build(folder: Path, writer_class, documents, *, pool_limit: int | None = None):
    folder.mkdir()
    ix = whoosh_index.create_in(folder, build_schema())
    writer = writer_class(ix, limitmb=48, compound=False, codec=codec())
    if pool_limit is not None:
        writer.pool.limit = pool_limit
    for fields in documents:
        writer.add_document(**fields)
    writer._finalize_segment()
    return ix, writer.get_segment()


def _postings(ix, segment) -> dict:
    """Every term's (document, weight, value) postings, and every document's stored
    fields, lengths and column values, as Whoosh reads them."""
    from whoosh.reading import SegmentReader

    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        out = {}
        for fieldname, btext in reader.all_terms():
            m, postings = reader.postings(fieldname, btext), []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            out[fieldname, btext] = postings
        for docnum in range(reader.doc_count_all()):
            out[docnum] = reader.stored_fields(docnum)
            for name in ("title", "body"):
                out[docnum, name] = reader.doc_field_length(docnum, name)
            for name, field in ix.schema.items():
                if field.column_type and reader.has_column(name):
                    out[docnum, name, "column"] = reader.column_reader(name)[docnum]
        return out
    finally:
        reader.close()


@pytest.mark.parametrize("spilled", [False, True], ids=["in-memory", "spilled-runs"])
def test_postings_decode_the_same_as_whoosh_pools(tmp_path, documents, spilled):
    ix_a, seg_a = _build(tmp_path / "whoosh", SegmentWriter, documents)
    # A limit of 64 KB spills a run every few documents.
    limit = 64 << 10 if spilled else None
    ix_b, seg_b = _build(tmp_path / "packed", PackedSegmentWriter, documents, pool_limit=limit)
    assert _postings(ix_a, seg_a) == _postings(ix_b, seg_b)


def test_files_are_byte_identical_at_whooshs_pickle_protocol_with_small_terms_compressed(
    tmp_path, documents, monkeypatch
):
    monkeypatch.setattr(posting_pool, "SMALL_TERM", 0)
    monkeypatch.setattr(posting_pool, "BLOCK_PROTOCOL", 2)
    _build(tmp_path / "whoosh", SegmentWriter, documents)
    _build(tmp_path / "packed", PackedSegmentWriter, documents, pool_limit=64 << 10)
    for ext in (".pst", ".trm"):
        (a,) = (tmp_path / "whoosh").glob("*" + ext)
        (b,) = (tmp_path / "packed").glob("*" + ext)
        assert a.read_bytes() == b.read_bytes(), ext


def test_blocks_pickled_with_protocol_5_read_the_same(tmp_path, documents):
    ix_a, seg_a = _build(tmp_path / "whoosh", SegmentWriter, documents)
    ix_b, seg_b = _build(tmp_path / "packed", PackedSegmentWriter, documents)
    assert _postings(ix_a, seg_a) == _postings(ix_b, seg_b)
    (a,) = (tmp_path / "whoosh").glob("*.pst")
    (b,) = (tmp_path / "packed").glob("*.pst")
    assert b"\x80\x05" in b.read_bytes() and b"\x80\x05" not in a.read_bytes()


def test_spilled_runs_join_in_document_order_and_are_removed(tmp_path):
    schema = build_schema()
    pool = PackedPostingPool(schema, limit_bytes=1, tempdir=str(tmp_path))
    for docnum in range(5):
        pool.add(("grams", b"ab", docnum, 1.0, b""))
        pool.add(("body", b"word", docnum, float(docnum + 1), b"v%d" % docnum))
    assert len(pool.runs) == 10
    merged = list(pool._merged_terms())
    assert [(f, t) for f, t, _, _ in merged] == [("body", b"word"), ("grams", b"ab")]
    body_ids = merged[0][2]
    assert list(memoryview(body_ids).cast("I")) == [0, 1, 2, 3, 4]
    assert merged[1][3] is None  # presence only: no weights or values kept
    pool.cleanup()
    assert list(tmp_path.iterdir()) == []


def test_a_presence_field_given_weights_keeps_them_from_then_on(tmp_path):
    pool = PackedPostingPool(build_schema(), limit_bytes=1 << 20, tempdir=str(tmp_path))
    pool.add(("grams", b"ab", 0, 1.0, b""))
    pool.add(("grams", b"ab", 1, 2.0, b""))
    ((_, _, ids, rest),) = list(pool._merged_terms())
    weights, values = posting_pool._decode_rest(rest, len(ids) // 4)
    assert list(weights) == [1.0, 2.0] and values == [b"", b""]


def test_position_tracking_counts_what_was_written(tmp_path):
    with open(tmp_path / "f", "wb") as raw:
        raw.write(b"head")
        tracked = PositionTracking(raw)
        tracked.write(b"12345")
        assert tracked.tell() == 9 == raw.tell()
        tracked.seek(2)
        assert tracked.tell() == 2
