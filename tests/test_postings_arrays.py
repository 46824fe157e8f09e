"""Stored postings arrays: written once per segment, read instead of Whoosh's blocks."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from indexer.index import postings_arrays
from indexer.index.searcher import Searcher
from indexer.index.segments import forget_segments
from indexer.index.store import IndexStore
from indexer.index.whoosh_postings import read_leaf_postings, term_key
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index
from indexer.search.request import SearchRequest

from .conftest import SEEDS, build_index

QUERIES = ["wafer", "江阴", "集成电路 Wuxi", '"silicon wafer"', "wafer*", "半导体产业链"]


@pytest.fixture
def every_term_stored(monkeypatch):
    monkeypatch.setattr(postings_arrays, "MIN_DOCS", 1)  # the seeds are a few articles


def _answers(index_dir):
    with Searcher(index_dir) as searcher:
        out = []
        for q in QUERIES:
            for sort in ("relevance", "newest"):
                r = searcher.search(SearchRequest(q=q, per_page=50, sort=sort))
                out.append((r.total, r.hits, r.facets, r.relaxed))
        return out


@pytest.mark.parametrize("layout", ["single", "multi"])
def test_answers_are_the_same_with_and_without_the_arrays(tmp_path, every_term_stored, layout):
    index_dir = tmp_path / "index"
    build_index(index_dir, [SEEDS], one_segment_per_file=layout == "multi", workers=1)
    gen_dir = IndexStore(index_dir).current_dir()
    files = sorted(gen_dir.glob("*" + postings_arrays.SUFFIX))
    with IndexStore(index_dir).open().reader() as reader:
        leaves = reader.leaf_readers()
        assert len(files) == len(leaves) and (len(leaves) > 1) == (layout == "multi")
        for leaf, _offset in leaves:  # each stored term is what Whoosh decodes
            stored = postings_arrays.open_arrays(gen_dir, leaf.segment().segment_id())
            checked = 0
            for btext in [b"wafer", "江阴".encode(), b"develop"]:
                found = stored.get("body", term_key(leaf, "body", btext))
                if found is None:
                    continue
                ids, weights, blocks = read_leaf_postings(leaf, "body", btext)
                assert found[0].tolist() == ids.tolist()
                assert found[1].tobytes() == weights.tobytes()
                assert [b.tolist() for b in found[2]] == [b.tolist() for b in blocks]
                checked += 1
            assert checked or len(leaves) > 1
    with_arrays = _answers(index_dir)

    copy = tmp_path / "without"
    shutil.copytree(index_dir, copy)
    for path in copy.rglob("*" + postings_arrays.SUFFIX):
        path.unlink()
    forget_segments()  # the copy's segments have the same ids
    without = _answers(copy)
    forget_segments()
    assert with_arrays == without
    assert any(total for total, *_ in with_arrays)


def test_common_terms_are_not_read_from_whoosh_again(tmp_path, every_term_stored):
    index_dir = tmp_path / "index"
    build_index(index_dir, [SEEDS], one_segment_per_file=True)
    forget_segments()
    with Searcher(index_dir) as searcher:
        searcher.search(SearchRequest(q="wafer 江阴"))
        view = searcher.view()
        assert all(seg.stored is not None for seg in view.segments)
        assert sum(seg.postings_read for seg in view.segments) == 0


def test_an_incremental_run_writes_arrays_only_for_new_segments(tmp_path, every_term_stored):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    index_dir = tmp_path / "index"
    build_index(index_dir, [archive], workers=1)
    gen_dir = IndexStore(index_dir).current_dir()
    before = {p.name: p.stat().st_mtime_ns for p in gen_dir.glob("*.postings")}
    (archive / "new.txt").write_text("Title: Quantum wafer\n\nQuantum wafer widgets.", "utf-8")
    store = IndexStore(index_dir)
    with store.lock():
        run_index(WhooshIndex(store, merge=False), [archive], workers=1)
    after = {p.name: p.stat().st_mtime_ns for p in gen_dir.glob("*.postings")}
    assert len(after) == len(before) + 1
    assert all(after[name] == mtime for name, mtime in before.items())  # not rewritten


def test_a_damaged_file_is_ignored(tmp_path, every_term_stored):
    index_dir = tmp_path / "index"
    build_index(index_dir, [SEEDS], workers=1)
    expected = _answers(index_dir)
    for path in IndexStore(index_dir).current_dir().glob("*.postings"):
        path.write_bytes(b"not an arrays file")
    forget_segments()
    assert _answers(index_dir) == expected
    forget_segments()


def test_arrays_are_slices_of_one_mapping(tmp_path, every_term_stored):
    index_dir = tmp_path / "index"
    build_index(index_dir, [SEEDS], workers=1)
    gen_dir = IndexStore(index_dir).current_dir()
    (path,) = gen_dir.glob("*.postings")
    stored = postings_arrays.PostingsArrays(path)
    docs = stored.arrays["body.docs"]
    assert docs.dtype == np.int32 and not docs.flags.writeable and docs.base is not None


def test_phrase_positions_from_the_arrays_equal_those_in_the_blocks(tmp_path, every_term_stored):
    from indexer.index.phrases import _positions_by_candidate
    from indexer.index.whoosh_postings import paused_gc

    index_dir = tmp_path / "index"
    build_index(index_dir, [SEEDS], one_segment_per_file=True)
    forget_segments()
    with Searcher(index_dir) as searcher:
        view = searcher.view()
        docs = np.flatnonzero(view.live).astype(np.int64)
        compared = 0
        words = [("body", "wafer"), ("body", "silicon"), ("title", "无锡"), ("body", "江阴")]
        for field, word in words:
            stored = view.phrase_positions(field, word, docs)
            assert stored is not None
            with paused_gc():
                from_blocks = _positions_by_candidate(view.postings_values(field, word, docs), docs)
            assert stored[0].tolist() == from_blocks[0].tolist()
            assert stored[1].tolist() == from_blocks[1].tolist()
            compared += len(stored[1])
        assert compared


def test_each_worker_writes_the_arrays_of_its_own_segment(tmp_path, every_term_stored, monkeypatch):
    """Workers write them in parallel; the parent finds none left to write."""
    parent_wrote = []
    real = postings_arrays.write_missing

    def counting(gen_dir, ix):
        parent_wrote.append(real(gen_dir, ix))
        return parent_wrote[-1]

    monkeypatch.setattr(postings_arrays, "write_missing", counting)
    index_dir = tmp_path / "index"
    build_index(index_dir, [SEEDS], workers=2)
    gen_dir = IndexStore(index_dir).current_dir()
    with IndexStore(index_dir).open().reader() as reader:
        segments = [leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()]
    assert segments and all(postings_arrays.path_for(gen_dir, s).exists() for s in segments)
    assert parent_wrote == [0]


def test_streamed_arrays_file_is_what_the_reader_expects(tmp_path):
    out = postings_arrays._ArraysFile(tmp_path / "x.postings")
    out.declare("body.docs", np.int32)
    out.declare("body.keys", np.int64)
    out.append("body.docs", np.arange(5))
    out.append("body.docs", np.arange(5, 7))
    out.append("body.keys", np.asarray([3, 9]))
    out.finish()
    out.close()
    arrays = postings_arrays.PostingsArrays(tmp_path / "x.postings").arrays
    assert arrays["body.docs"].tolist() == list(range(7))
    assert arrays["body.keys"].tolist() == [3, 9]
    assert [p.name for p in tmp_path.iterdir()] == ["x.postings"]
