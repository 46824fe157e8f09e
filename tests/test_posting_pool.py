"""The compiled posting pool writes the postings Whoosh's own pool would.

Whoosh reads every term's postings, block statistics and term record
from a segment the compiled pool wrote as it reads them from one its own
`PostingPool` wrote, with everything in memory and with the pool spilled
to many runs. The blocks themselves are decoded here too, for what real
documents rarely have: huge document numbers, long values, postings out
of order, presence fields given weights.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.structfile import StructFile
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from indexer._postings import characters_items
from indexer.extract import enrich
from indexer.index import posting_pool, postings_arrays
from indexer.index.documents import whoosh_fields
from indexer.index.posting_pool import SMALL_TERM, PackedSegmentWriter, new_pool
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


def _build(folder: Path, writer_class, documents, *, pool_limit: int | None = None, **kwargs):
    folder.mkdir()
    ix = whoosh_index.create_in(folder, build_schema())
    writer = writer_class(ix, limitmb=48, compound=False, codec=codec(), **kwargs)
    if pool_limit is not None:
        writer.pool.limit = pool_limit
    for fields in documents:
        writer.add_document(**fields)
    writer._finalize_segment()
    return ix, writer.get_segment()


def _postings(ix, segment) -> dict:
    """Every term's postings (document, weight, value, the block's top weight)
    and record, and every document's stored fields, lengths and column
    values, as Whoosh reads them."""
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        out = {}
        for fieldname, btext in reader.all_terms():
            m, postings = reader.postings(fieldname, btext), []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value(), m.block_max_weight()))
                m.next()
            out[fieldname, btext] = postings
            info = reader.term_info(fieldname, btext)
            out[fieldname, btext, "info"] = (
                info.weight(),
                info.doc_frequency(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
                info.min_length(),
                info.max_length(),
            )
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
def test_postings_and_term_records_read_the_same_as_from_whooshs_pool(tmp_path, documents, spilled):
    ix_a, seg_a = _build(tmp_path / "whoosh", SegmentWriter, documents)
    # A limit of 64 KB spills a run every few documents.
    limit = 64 << 10 if spilled else None
    ix_b, seg_b = _build(tmp_path / "packed", PackedSegmentWriter, documents, pool_limit=limit)
    assert _postings(ix_a, seg_a) == _postings(ix_b, seg_b)


@pytest.mark.parametrize("chunk_terms", [3, 8192], ids=["chunks-of-3-terms", "one-chunk"])
@pytest.mark.parametrize("spilled", [False, True], ids=["in-memory", "spilled-runs"])
def test_arrays_handed_over_while_writing_equal_those_read_back(
    tmp_path, documents, monkeypatch, chunk_terms, spilled
):
    monkeypatch.setattr(postings_arrays, "MIN_DOCS", 3)
    monkeypatch.setattr(posting_pool, "CHUNK_TERMS", chunk_terms)
    folder = tmp_path / "packed"
    limit = 64 << 10 if spilled else None
    ix, segment = _build(
        folder, PackedSegmentWriter, documents, pool_limit=limit, arrays_dir=folder
    )
    written = postings_arrays.path_for(folder, segment.segment_id())
    with SegmentReader(ix.storage, ix.schema, segment) as reader:
        stored = postings_arrays.write_segment(reader, tmp_path / "read.postings")
    assert stored > 100
    assert written.read_bytes() == (tmp_path / "read.postings").read_bytes()
    positions = postings_arrays.PostingsArrays(written).arrays["body.has_pos"]
    assert positions.all()


@pytest.mark.parametrize("spilled", [False, True], ids=["in-memory", "spilled-runs"])
def test_the_terms_file_is_the_one_whooshs_hash_writer_writes_for_its_records(
    tmp_path, documents, spilled
):
    folder = tmp_path / "packed"
    limit = (64 << 10) if spilled else None
    _build(folder, PackedSegmentWriter, documents, pool_limit=limit)
    (written,) = folder.glob("*.trm")
    data = written.read_bytes()
    extras_length = int.from_bytes(data[-4:], "big")
    directory_at = len(data) - 4 - extras_length - 256 * 12
    (tables_at,) = struct.unpack_from("!q", data, directory_at)
    records = _records(data[HEADER:tables_at])
    extras = pickle.loads(data[len(data) - 4 - extras_length :])
    assert len(records) > 1000 and extras["indexlen"] == len(records)
    with open(tmp_path / "whoosh.trm", "wb") as raw:
        hashwriter = OrderedHashWriter(StructFile(raw))
        hashwriter.extras["fieldmap"] = extras["fieldmap"]
        for key, value in records:
            hashwriter.add(key, value)
        hashwriter.close()
    assert (tmp_path / "whoosh.trm").read_bytes() == data


def test_blocks_are_pickled_with_protocol_5(tmp_path, documents):
    _build(tmp_path / "whoosh", SegmentWriter, documents)
    _build(tmp_path / "packed", PackedSegmentWriter, documents)
    (a,) = (tmp_path / "whoosh").glob("*.pst")
    (b,) = (tmp_path / "packed").glob("*.pst")
    assert b"\x80\x05" in b.read_bytes() and b"\x80\x05" not in a.read_bytes()


# Writing a pool straight, and decoding what it wrote.

_RECORD = struct.Struct("!BfIBBfIIqi")
HEADER = 4 + 1 + 4 + 4  # a hash file's magic, hash type and two unused ints
BLOCKLIMIT = 3
FIXED = {"body": None, "grams": 0}


def _written(pool, offset: int = 100) -> dict:
    """{(field, term): (record fields, [(info, ids, weights, values) per block])}."""
    chunks, out, numbers = [], {}, {}

    def sink(fieldname, number, data, records, arrays):
        assert arrays is None  # none asked for
        assert numbers.setdefault(fieldname, len(numbers)) == number
        chunks.append((number, data, records))

    tables, _, _, count = pool.write(offset, BLOCKLIMIT, 1, FIXED, sink, terms_offset=0)
    names = {n: f for f, n in numbers.items()}
    postings = b"".join(data for _, data, _ in chunks)
    records = _records(b"".join(r for _, _, r in chunks))
    assert count == len(records) and len(tables) == 12 * 2 * count + 12 * 256
    for key, value in records:
        fields = _RECORD.unpack(value)
        start, length = fields[-2] - offset, fields[-1]
        field = names[int.from_bytes(key[:2], "big")]
        out[field, key[2:]] = (fields[:-2], _blocks(postings[start : start + length]))
    return out


def _records(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (key, value) records of a terms file's record area."""
    at, records = 0, []
    while at < len(data):
        keylen, valuelen = struct.unpack_from("!ii", data, at)
        key = data[at + 8 : at + 8 + keylen]
        records.append((key, data[at + 8 + keylen : at + 8 + keylen + valuelen]))
        at += 8 + keylen + valuelen
    return records


def _blocks(data: bytes) -> list:
    assert data[:4] == b"W3Bl"
    at, blocks = 4, []
    while True:
        (length,) = struct.unpack_from("!i", data, at)
        stream = io.BytesIO(data[at + 4 : at + 4 + abs(length)])
        info = pickle.load(stream)
        body = stream.read()
        ids, weights, values = pickle.loads(zlib.decompress(body) if info[3] else body)
        blocks.append((info, ids, weights, values))
        at += 4 + abs(length)
        if length < 0:
            assert at == len(data)
            return blocks


def _pool(tmp_path, limit: int = 1 << 20):
    return new_pool(build_schema(), limit, str(tmp_path))


def test_huge_document_numbers_long_values_and_blocks_round_trip(tmp_path):
    pool = _pool(tmp_path)
    docs = [0, 300, 70_000, 2**31 + 5, 2**32 - 2]
    long = b"x" * 300
    for doc in docs:
        pool.add(("body", b"word", doc, 2.0 if doc else 0.5, long if doc == 300 else b"v"))
    ((record, blocks),) = _written(pool).values()
    flags, weight, df, _, _, top, first, last = record
    assert (flags, df, first, last) == (0, 5, 0, 2**32 - 2)
    assert weight == pytest.approx(8.5) and top == 2.0
    assert [b[0][:4] for b in blocks] == [(3, 70_000, 2.0, 1), (2, 2**32 - 2, 2.0, 1)]
    assert blocks[0][1] == (0, 300, 69_700) and blocks[1][1] == (2**31 + 5, 2**31 - 7)
    assert blocks[0][2] == (0.5, 2.0, 2.0) and blocks[1][2] == 2.0  # one weight for the block
    assert blocks[0][3] == (b"v", long, b"v") and blocks[1][3] == (b"v", b"v")


def test_small_terms_are_left_unzipped_and_presence_fields_keep_no_values(tmp_path):
    pool = _pool(tmp_path)
    for doc in range(SMALL_TERM):
        pool.add(("grams", b"ab", doc, 1.0, b""))
    for doc in range(SMALL_TERM + 1):
        pool.add(("grams", b"cd", doc, 1.0, b""))
    written = _written(pool)
    small, big = written["grams", b"ab"][1], written["grams", b"cd"][1]
    assert {b[0][3] for b in small} == {0} and {b[0][3] for b in big} == {1}
    assert all(weights is None and values is None for _, _, weights, values in small + big)


def test_postings_handed_over_out_of_order_are_sorted_keeping_each_documents_order(tmp_path):
    pool = _pool(tmp_path)
    for doc, value in ((5, b"a"), (2, b"b"), (9, b"c"), (2, b"d")):
        pool.add(("body", b"w", doc, 1.0, value))
    ((_, blocks),) = _written(pool).values()
    assert [b[1] for b in blocks] == [(2, 0, 3), (9,)]  # 2, 2, 5 | 9
    assert [b[3] for b in blocks] == [(b"b", b"d", b"a"), (b"c",)]


def test_spilled_runs_join_in_document_order_and_are_removed(tmp_path):
    pool = _pool(tmp_path, limit=1)
    for docnum in range(5):
        pool.add(("grams", b"ab", docnum, 1.0, b""))
        pool.add(("body", b"word", docnum, float(docnum + 1), b"v%d" % docnum))
    assert len(pool.runs) == 10 and len(list(tmp_path.iterdir())) == 10
    written = _written(pool)
    assert list(written) == [("body", b"word"), ("grams", b"ab")]
    body = written["body", b"word"][1]
    assert [b[1] for b in body] == [(0, 1, 1), (3, 1)]  # 0, 1, 2 | 3, 4
    assert [v for b in body for v in b[3]] == [b"v%d" % d for d in range(5)]
    assert list(tmp_path.iterdir()) == []


def test_a_presence_field_given_weights_keeps_them_from_then_on(tmp_path):
    for limit in (1 << 20, 1):  # in memory; each posting in a run of its own
        pool = _pool(tmp_path, limit=limit)
        pool.add(("grams", b"ab", 0, 1.0, b""))
        pool.add(("grams", b"ab", 1, 2.0, b""))
        pool.add(("grams", b"ab", 2, 1.0, b""))
        (block,) = _written(pool)["grams", b"ab"][1]
        assert block[2] == (1.0, 2.0, 1.0)


def test_cleanup_drops_the_postings_and_removes_the_runs(tmp_path):
    pool = _pool(tmp_path, limit=1)
    pool.add(("body", b"word", 0, 1.0, b"v"))
    pool.add_field("body", 1, iter([(b"other", 2, 2.0, b"w")]), 1.0, True)
    assert len(list(tmp_path.iterdir())) == 2
    pool.cleanup()
    assert list(tmp_path.iterdir()) == [] and _written(pool) == {}


def test_add_field_returns_the_length_of_scorable_fields_and_applies_the_boost(tmp_path):
    pool = _pool(tmp_path)
    items = [(b"a", 2, 2.0, b"x"), (b"b", 3, 3.0, b"y")]
    assert pool.add_field("body", 0, iter(items), 1.5, True) == 5
    assert pool.add_field("body", 1, iter(items), 1.0, False) == 0
    written = _written(pool)
    assert written["body", b"a"][1][0][2] == (3.0, 2.0)
    with pytest.raises(TypeError):
        pool.add_field("body", 2, iter([("text", 1, 1.0, b"")]), 1.0, True)


_terms = st.dictionaries(
    st.binary(min_size=1, max_size=6),
    st.dictionaries(
        st.integers(0, 2**32 - 1),
        st.tuples(st.sampled_from([1.0, 0.5, 2.0, 3.25]), st.binary(min_size=1, max_size=300)),
        min_size=1,
        max_size=9,
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(terms=_terms, limit=st.sampled_from([1, 200, 1 << 20]))
def test_any_postings_decode_to_what_was_added(tmp_path_factory, terms, limit):
    tmp = tmp_path_factory.mktemp("pool")
    pool = _pool(tmp, limit=limit)
    postings = [(d, t, w, v) for t, docs in terms.items() for d, (w, v) in docs.items()]
    for doc, term, weight, value in sorted(postings):
        pool.add(("body", term, doc, weight, value))
    written = _written(pool)
    assert sorted(t for _, t in written) == sorted(terms)
    for term, docs in terms.items():
        record, blocks = written["body", term]
        got = {}
        for info, deltas, weights, values in blocks:
            n, doc = info[0], 0  # each block's first document is absolute
            if not isinstance(weights, tuple):
                weights = (1.0 if weights is None else weights,) * n
            for delta, weight, value in zip(deltas, weights, values, strict=True):
                doc += delta
                got[doc] = (weight, value)
        assert got == docs
        assert record[2] == len(docs) and record[6:8] == (min(docs), max(docs))
    assert list(tmp.iterdir()) == []


_occurrences = st.lists(
    st.tuples(st.integers(0, 2**20), st.integers(0, 2**24), st.integers(0, 300)),
    min_size=1,
    max_size=1100,  # past a batch of 1,000 and 256 memo entries
)


@settings(max_examples=80, deadline=None)
@given(terms=st.dictionaries(st.text(min_size=1, max_size=8), _occurrences, max_size=5))
def test_characters_values_are_the_bytes_whoosh_encodes(terms):
    fmt = build_schema()["body"].format
    terms = {t: [(p, s, s + n) for p, s, n in occ] for t, occ in terms.items()}
    expected = [
        (t.encode("utf-8"), len(occ), len(occ) * 1.5, fmt.encode(occ)) for t, occ in terms.items()
    ]
    assert characters_items(terms, 1.5) == expected


@pytest.mark.parametrize("n", [1, 2, 255, 256, 1000, 1001, 2500])
def test_characters_values_of_many_occurrences_are_the_bytes_whoosh_encodes(n):
    """Memo entries past 255 take a longer opcode; lists come in batches of 1,000."""
    fmt = build_schema()["body"].format
    occ = [(i * 3, i * 10 - (i % 7), i * 10 + 4) for i in range(n)]
    assert characters_items({"w": occ}, 1.0) == [(b"w", n, float(n), fmt.encode(occ))]
