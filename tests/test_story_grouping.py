"""One result per story: copies of a wire story grouped, on one segment and on several."""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import minhash
from indexer.analysis.pipeline import term_positions
from indexer.index.searcher import Searcher
from indexer.index.segments import SEGMENTS
from indexer.index.store import IndexStore
from indexer.index.stories import THRESHOLD, SegmentStories, Stories
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index
from indexer.search.request import SearchRequest

from .story_variants import articles, pairwise, write_archive

TABLE_THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8)


def _index(index_dir: Path, archive: Path, merge: bool = True):
    store = IndexStore(index_dir)
    with store.lock():
        return run_index(WhooshIndex(store, merge=merge), [archive], workers=1)


@pytest.fixture(scope="module")
def story_indexes(tmp_path_factory) -> dict[str, Path]:
    """The variant set as one segment, and as three segments committed one after another."""
    root = tmp_path_factory.mktemp("stories")
    single = root / "single"
    _index(single, write_archive(root / "archive"))
    multi = root / "multi"
    staged = root / "staged"
    for part in range(3):
        write_archive(staged, lambda a, part=part: int(a["id"].rsplit("-", 1)[1]) % 3 == part)
        _index(multi, staged, merge=False)
    return {"single_segment": single, "multi_segment": multi}


@pytest.fixture(params=["single_segment", "multi_segment"])
def story_searcher(request, story_indexes):
    with Searcher(story_indexes[request.param]) as searcher:
        if request.param == "multi_segment":
            assert len(searcher.view().leaves) > 1
        yield searcher


def _true_story(searcher, docnum: int) -> str:
    path = searcher.view().searcher.stored_fields(docnum)["path"]
    return Path(path).stem.rsplit("-", 1)[0]


def _found_and_true(searcher):
    view = searcher.view()
    docs = np.flatnonzero(view.live)
    return [_true_story(searcher, int(d)) for d in docs], view.stories.label[docs].tolist()


def test_copies_are_grouped_with_precision_and_recall_of_at_least_95_percent(story_searcher):
    truth, found = _found_and_true(story_searcher)
    assert len(truth) == len(articles())
    precision, recall = pairwise(truth, found)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def threshold_table() -> list[tuple[float, float, float, int]]:
    """(threshold, pairwise precision, recall, stories found) over the variant set."""
    arts = articles()
    signatures = []
    for article in arts:
        words: list[str] = []
        term_positions(article["body"], words)
        signatures.append(minhash.signature(words))
    sigs, signed = minhash.signatures_array(signatures)
    ids = np.arange(len(arts), dtype=np.uint64)
    part = SegmentStories(ids, sigs, signed, minhash.band_keys(sigs))
    live = np.ones(len(arts), dtype=bool)
    dates = np.array([int(a["date"].replace("-", "")) for a in arts], dtype=np.int32)
    truth = [a["story"] for a in arts]
    rows = []
    for threshold in TABLE_THRESHOLDS:
        stories = Stories.of([(part, 0)], live, dates, threshold=threshold)
        precision, recall = pairwise(truth, stories.label.tolist())
        rows.append((threshold, precision, recall, stories.count))
    return rows


def test_the_chosen_threshold_lies_inside_the_measured_range_where_both_are_perfect():
    rows = threshold_table()
    perfect = [t for t, p, r, _n in rows if p == 1.0 and r == 1.0]
    assert perfect and min(perfect) < THRESHOLD < max(perfect), rows
    # Too low merges different events on the same topic; too high splits copies.
    assert rows[0][1] < 0.95 and rows[-1][2] < 0.95, rows


def test_a_grouped_search_gives_one_hit_per_story(story_searcher):
    flat = story_searcher.search(SearchRequest(q="wafer", per_page=100))
    grouped = story_searcher.search(SearchRequest(q="wafer", group="story", per_page=100))
    assert grouped.total == flat.total  # articles, as before
    stories = {_true_story(story_searcher, _docnum(story_searcher, h["id"])) for h in flat.hits}
    assert grouped.total_stories == len(stories) == len(grouped.hits)
    assert sum(hit["copies"] for hit in grouped.hits) == flat.total
    assert len({hit["story"] for hit in grouped.hits}) == len(grouped.hits)
    # The best-scoring copy represents its story.
    assert grouped.hits[0]["id"] == flat.hits[0]["id"]
    assert flat.total_stories is None and "copies" not in flat.hits[0]


def _docnum(searcher, doc_id: str) -> int:
    return searcher.view().searcher.document_number(id=doc_id)


def test_pages_count_stories(story_searcher):
    first = story_searcher.search(SearchRequest(group="story", per_page=10, sort="newest"))
    second = story_searcher.search(SearchRequest(group="story", per_page=10, page=2, sort="newest"))
    assert first.total_stories == 24 and first.total == len(articles())
    assert len(first.hits) == len(second.hits) == 10
    assert not {h["story"] for h in first.hits} & {h["story"] for h in second.hits}


def test_newest_first_shows_each_storys_newest_copy(story_searcher):
    grouped = story_searcher.search(SearchRequest(group="story", sort="newest", per_page=30))
    for hit in grouped.hits:
        copies = story_searcher.search(SearchRequest(story=hit["story"], per_page=30))
        assert copies.total == hit["copies"]
        assert hit["date"] == max(h["date"] for h in copies.hits)


def test_grouping_leaves_facet_counts_per_article(story_searcher):
    flat = story_searcher.search(SearchRequest(q="Jiangsu OR 江苏", per_page=5))
    grouped = story_searcher.search(SearchRequest(q="Jiangsu OR 江苏", group="story", per_page=5))
    assert grouped.facets == flat.facets
    assert grouped.total_stories < grouped.total


def test_the_story_filter_lists_every_copy(story_searcher):
    hit = story_searcher.search(SearchRequest(q="wafer", group="story")).hits[0]
    copies = story_searcher.search(SearchRequest(story=hit["story"], per_page=50))
    names = {_true_story(story_searcher, _docnum(story_searcher, h["id"])) for h in copies.hits}
    assert len(names) == 1
    every = Counter(a["story"] for a in articles())[names.pop()]
    assert copies.total == every
    # Any copy's id names its story; the story's id is its earliest copy's.
    other = copies.hits[-1]["id"]
    assert story_searcher.story_of(other) == hit["story"]
    assert copies.facets["lang"] and sum(c for _v, c in copies.facets["lang"]) == every
    assert story_searcher.search(SearchRequest(story="0000000000000000")).total == 0


def _story_files(archive: Path, name: str) -> list[Path]:
    return sorted(archive.glob(f"{name}-*.json"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def _stories_by_name(searcher) -> dict[str, tuple[str, int]]:
    """true story name -> (story id, copies), from a grouped listing of everything."""
    found = searcher.search(SearchRequest(q="", group="story", per_page=50))
    return {
        _true_story(searcher, _docnum(searcher, h["id"])): (h["story"], h["copies"])
        for h in found.hits
    }


def test_a_copy_indexed_later_joins_its_story_with_the_same_id(tmp_path):
    archive = write_archive(tmp_path / "archive", lambda a: a["story"] in ("en-03", "zh-05"))
    late = _story_files(archive, "zh-05")[-1]
    record = json.loads(late.read_text("utf-8"))
    late.unlink()
    index_dir = tmp_path / "index"
    _index(index_dir, archive, merge=False)
    with Searcher(index_dir, background=True) as searcher:  # as the service runs it
        old = searcher.open_view()
        before = _stories_by_name(searcher)
        loaded = SEGMENTS.loaded
        record["date"] = "2025-06-01"  # republished long after
        late.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
        _index(index_dir, archive, merge=False)
        # The request that notices the commit is answered by the old view; the
        # new view, stories included, is built aside and swapped in.
        noticed = searcher.search(SearchRequest(q="", group="story", per_page=50))
        assert noticed.total == sum(copies for _story, copies in before.values())
        searcher.wait_for_swap(30)
        new = searcher.view()
        assert new is not old and len(new.leaves) == 2  # the new copy: a segment of its own
        assert SEGMENTS.loaded - loaded == 1  # the unchanged segment was not read again
        assert new.segments[0].stories is old.segments[0].stories
        after = _stories_by_name(searcher)
    story, copies = before["zh-05"]
    assert after == {"en-03": before["en-03"], "zh-05": (story, copies + 1)}


def test_deleting_the_earliest_copy_keeps_the_others_together(tmp_path):
    archive = write_archive(tmp_path / "archive", lambda a: a["story"] in ("en-07", "zh-02"))
    index_dir = tmp_path / "index"
    _index(index_dir, archive)
    with Searcher(index_dir) as searcher:
        before = _stories_by_name(searcher)
        story, copies = before["en-07"]
        Path(searcher.document(story)["path"]).unlink()  # the story's id is its earliest copy
        _index(index_dir, archive)
        after = _stories_by_name(searcher)
    assert set(after) == {"en-07", "zh-02"} and after["zh-02"] == before["zh-02"]
    new_story, new_copies = after["en-07"]
    assert new_copies == copies - 1 and new_story != story  # named by the next earliest copy


def test_an_article_too_short_to_sign_is_a_story_of_its_own(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    for n in range(3):
        (archive / f"brief-{n}.txt").write_text("Wuxi flood\n\nRain in Wuxi today.", "utf-8")
    _index(tmp_path / "index", archive)
    with Searcher(tmp_path / "index") as searcher:
        grouped = searcher.search(SearchRequest(q="", group="story"))
        assert grouped.total == grouped.total_stories == 3
        assert all(h["copies"] == 1 and h["story"] == h["id"] for h in grouped.hits)


def test_signatures_are_the_same_in_every_process_and_need_enough_words():
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "the",
        "lazy",
        "dog",
        "again",
        "and",
        "again",
        "and",
        "again",
    ]
    sig = minhash.signature(words)
    assert len(sig) == minhash.SIGNATURE_BYTES
    assert sig == minhash.signature(list(words))  # no salted hash() anywhere
    assert minhash.signature(words[:5]) == b""


@pytest.fixture
def story_app(story_indexes):
    from service import create_app
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, "INDEX": str(story_indexes["single_segment"])})
    yield app
    close_searcher(app)


def test_the_page_groups_copies_and_links_to_them(story_app):
    client = story_app.test_client()
    page = client.get("/?q=wafer").get_data(as_text=True)
    api = client.get("/api/search?q=wafer&group=story").get_json()
    assert f"in {api['total_stories']} stories" in page
    assert page.count('class="hit"') == min(10, api["total_stories"])
    hit = api["hits"][0]
    link = f'href="/?q=wafer&amp;story={hit["story"]}"'
    assert re.search(rf'<a class="copies" {re.escape(link)}[^>]*>{hit["copies"]} copies</a>', page)
    copies = client.get(f"/?q=wafer&story={hit['story']}").get_data(as_text=True)
    assert copies.count('class="hit"') == hit["copies"]
    assert "copies of one story" in copies  # a removable chip
    assert 'class="copies"' not in copies


def test_the_api_stays_ungrouped_by_default_and_checks_group(story_app):
    client = story_app.test_client()
    flat = client.get("/api/search?q=wafer").get_json()
    assert "total_stories" not in flat and "group" not in flat
    assert all("copies" not in h and "story" not in h for h in flat["hits"])
    grouped = client.get("/api/search?q=wafer&group=story&per_page=2").get_json()
    assert grouped["total"] == flat["total"] and grouped["group"] == "story"
    assert grouped["pages"] == -(-grouped["total_stories"] // 2)
    bad = client.get("/api/search?q=wafer&group=stories")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"
    assert client.get("/api/search?q=wafer&story=<script>").status_code == 400


def test_a_backend_that_cannot_group_answers_501_and_the_page_lists_every_article(
    story_app, monkeypatch
):
    from service import search_index

    app = story_app
    monkeypatch.setattr(search_index, "can_group", lambda: False)
    monkeypatch.setattr("service.pages.can_group", lambda: False)
    client = app.test_client()
    for query in ("group=story", "story=abc"):
        response = client.get(f"/api/search?q=wafer&{query}")
        assert response.status_code == 501, query
        assert response.get_json()["error"]["code"] == "not_supported"
    page = client.get("/?q=wafer")
    assert page.status_code == 200 and "copies" not in page.get_data(as_text=True)
    flat = client.get("/api/search?q=wafer&group=none").get_json()
    assert page.get_data(as_text=True).count('class="hit"') == len(flat["hits"])


def test_an_index_from_before_signatures_makes_every_article_its_own_story():
    from whoosh import fields

    from indexer.index.stories import load_segment_stories

    class OldReader:  # schema version 5: no signature field, id without a column
        schema = fields.Schema(id=fields.ID(stored=True, unique=True))

        def doc_count_all(self):
            return 3

        def has_column(self, name):
            if name not in self.schema:
                raise KeyError(name)  # as Whoosh does
            return False

    part = load_segment_stories(OldReader())
    assert not part.signed.any() and len(part.ids) == 3
    stories = Stories.of([(part, 0)], np.ones(3, bool), np.zeros(3, np.int32))
    assert stories.count == 3


def test_feeds_group_and_exports_filter_by_story(story_app):
    client = story_app.test_client()
    grouped = client.get("/api/search?q=wafer&group=story").get_json()
    feed = client.get("/feed.atom?q=wafer&group=story").get_data(as_text=True)
    assert feed.count("<entry>") == grouped["total_stories"]  # one entry per story
    flat = client.get("/feed.atom?q=wafer").get_data(as_text=True)
    assert flat.count("<entry>") == grouped["total"]
    hit = grouped["hits"][0]
    rows = client.get(f"/api/export?format=jsonl&q=wafer&story={hit['story']}&group=story")
    assert rows.status_code == 200
    assert len(rows.get_data(as_text=True).splitlines()) == hit["copies"]  # articles, not stories


def _datasketch_signature(words: list[str]) -> bytes:
    """The signature as made before the compiled module: numpy shingles, datasketch's MinHash."""
    from datasketch import MinHash

    if len(words) < minhash.SHINGLE:
        return b""
    codes = {w: zlib.crc32(w.encode("utf-8")) for w in set(words)}
    seq = np.array([codes[w] for w in words], dtype=np.uint32)
    n = len(seq) - minhash.SHINGLE + 1
    mix = np.array(minhash._MIX, dtype=np.uint32)
    mixed = seq[:n] * mix[0]
    for i in range(1, minhash.SHINGLE):
        mixed = (mixed ^ (mixed >> np.uint32(15))) * mix[i] + seq[i : i + n]
    shingles = np.unique(mixed)
    if len(shingles) < minhash.MIN_SHINGLES:
        return b""
    sketch = MinHash(
        num_perm=minhash.NUM_PERM, seed=minhash.SEED, hashfunc=lambda v: v, scheme="affine32"
    )
    sketch.update_batch(shingles.tolist())
    return sketch.hashvalues.astype("<u4").tobytes()


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from([*"abcdefg", "的", "wafer", "江阴"]), max_size=60))
def test_signatures_are_datasketchs_affine32_minhash_of_the_word_shingles(words):
    assert minhash.signature(words) == _datasketch_signature(words)
