"""Which segments a commit merges (`indexer.index.merging`)."""

from __future__ import annotations

import pytest

from indexer.index import merging
from indexer.index.searcher import Searcher
from indexer.index.store import IndexStore
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index
from indexer.search.request import SearchRequest

from .conftest import build_index


def _articles(folder, count):
    folder.mkdir()
    for i in range(count):
        (folder / f"a{i:02d}.txt").write_text(
            f"Title: Harbour note {i}\n\nCranes moved cargo number n{i:02d}x.", "utf-8"
        )


def _segments(index_dir) -> list[int]:
    with IndexStore(index_dir).open().reader() as reader:
        return sorted(r.doc_count_all() for r, _ in reader.leaf_readers())


def _add_one_and_commit(tmp_path, index_dir):
    staged = index_dir.parent / (index_dir.name + "-staged")
    (staged / "late.txt").write_text("Title: Late note\n\nA crane nlatex arrived.", "utf-8")
    store = IndexStore(index_dir)
    with store.lock():
        run_index(WhooshIndex(store), [staged], workers=1)


@pytest.fixture
def small_segments(tmp_path):
    """Twelve one-article segments, as twelve cron runs leave them."""
    _articles(tmp_path / "files", 12)
    index_dir = tmp_path / "index"
    build_index(index_dir, [tmp_path / "files"], one_segment_per_file=True)
    assert _segments(index_dir) == [1] * 12
    return index_dir


def test_ten_small_segments_of_one_tier_are_merged_into_one(tmp_path, small_segments):
    _add_one_and_commit(tmp_path, small_segments)
    assert _segments(small_segments) == [13]  # the twelve merged with the new article
    with Searcher(small_segments) as searcher:
        for marker in ("n00x", "n11x", "nlatex"):
            assert searcher.search(SearchRequest(q=marker)).total == 1


def test_big_segments_are_never_merged_by_a_commit(tmp_path, small_segments, monkeypatch):
    """Whoosh's own policy would merge all of these (it merged 650,000 articles at once)."""
    monkeypatch.setattr(merging, "BIG_SEGMENT", 1)  # every segment counts as big
    _add_one_and_commit(tmp_path, small_segments)
    assert _segments(small_segments) == [1] * 13


def test_a_tier_below_the_merge_factor_is_left_alone(tmp_path, small_segments, monkeypatch):
    monkeypatch.setattr(merging, "MERGE_FACTOR", 13)
    _add_one_and_commit(tmp_path, small_segments)
    assert _segments(small_segments) == [1] * 13


def test_a_segment_whose_articles_were_all_deleted_is_dropped(
    tmp_path, small_segments, monkeypatch
):
    monkeypatch.setattr(merging, "MERGE_FACTOR", 100)  # no tier is merged
    staged = small_segments.parent / (small_segments.name + "-staged")
    (staged / "a03.txt").unlink()
    (staged / "a07.txt").unlink()
    store = IndexStore(small_segments)
    with store.lock():
        run_index(WhooshIndex(store), [staged], workers=1)
    assert _segments(small_segments) == [1] * 10
    with Searcher(small_segments) as searcher:
        assert searcher.search(SearchRequest(q="n03x")).total == 0
        assert searcher.search(SearchRequest(q="n04x")).total == 1


def test_tiers_are_orders_of_magnitude_of_live_articles():
    assert [merging.tier(n) for n in (0, 1, 9, 10, 99, 100, 9_999)] == [0, 0, 0, 1, 1, 2, 3]
