"""The engine's array shortcuts give exactly what the plain computation gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.index.matches import Matches, exclude, intersect, union
from indexer.index.searcher import Searcher
from indexer.index.selection import page_of
from indexer.search.request import SearchRequest

# Small and large document sets, so both the sparse and the dense paths run.
doc_sets = st.one_of(
    st.sets(st.integers(0, 5000), max_size=40),
    st.sets(st.integers(0, 300), min_size=100, max_size=300),
)


def _matches(docs: set, seed: int) -> Matches:
    rng = np.random.default_rng(seed)
    ordered = np.array(sorted(docs), dtype=np.int64)
    return Matches(ordered, rng.random(len(ordered)).astype(np.float32))


def _as_dict(m: Matches) -> dict:
    return dict(zip(m.docs.tolist(), m.scores.tolist(), strict=True))


@settings(max_examples=200, deadline=None)
@given(doc_sets, doc_sets, st.integers(0, 100))
def test_set_algebra_matches_plain_python(a_docs, b_docs, seed):
    a, b = _matches(a_docs, seed), _matches(b_docs, seed + 1)
    da, db = _as_dict(a), _as_dict(b)

    joined = union(a, b)
    assert joined.docs.tolist() == sorted(a_docs | b_docs)
    for d, score in _as_dict(joined).items():
        expected = np.float32(np.float64(da.get(d, 0.0)) + np.float64(db.get(d, 0.0)))
        assert np.float32(score) == expected

    both = intersect(a, b)
    assert both.docs.tolist() == sorted(a_docs & b_docs)
    for d, score in _as_dict(both).items():
        assert np.float32(score) == np.float32(da[d]) + np.float32(db[d])

    rest = exclude(a, b.docs)
    assert rest.docs.tolist() == sorted(a_docs - b_docs)
    assert _as_dict(rest) == {d: s for d, s in da.items() if d not in b_docs}


class _View:
    def __init__(self, dates, ids):
        self.date = np.asarray(dates, dtype=np.int32)
        self.stories = type("Stories", (), {"ids": np.asarray(ids, dtype=np.uint64)})()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=200),  # few distinct scores: many ties
    st.sampled_from(["relevance", "newest", "oldest"]),
    st.integers(0, 30),
    st.integers(0, 10**6),
)
def test_results_page_equals_a_full_sort_with_ties_broken_by_article_id(
    score_levels, sort, start, seed
):
    rng = np.random.default_rng(seed)
    n = len(score_levels)
    docs = np.arange(n, dtype=np.int64)
    scores = np.asarray(score_levels, dtype=np.float32)
    dates = rng.choice([0, 20200101, 20210505, 20230101], size=n)
    ids = rng.permutation(n) * 2**40  # article ids, not in document order
    view = _View(dates, ids)
    # The order the page promises, by a plain sort of every match; the id breaks ties.
    if sort == "relevance":
        key = sorted(range(n), key=lambda i: (-scores[i], -dates[i], ids[i]))
    elif sort == "newest":
        key = sorted(range(n), key=lambda i: (-dates[i], -scores[i], ids[i]))
    else:
        key = sorted(range(n), key=lambda i: (dates[i] or 10**9, -scores[i], ids[i]))
    got_docs, _ = page_of(view, docs, scores, sort, start, 5)
    assert got_docs == key[start : start + 5]


def test_snippets_and_phrases_agree_on_single_and_multi_segment_indexes(
    seed_index, multi_segment_index
):
    def answers(index_dir):
        with Searcher(index_dir) as searcher:
            out = []
            for q in ['"silicon wafer"', "江阴", "集成电路 Wuxi", '"半导体产业链"', "wafer*"]:
                result = searcher.search(SearchRequest(q=q, per_page=50, sort="newest"))
                out.append(sorted((h["snippet"], h["title_html"]) for h in result.hits))
            return out

    single, multi = answers(seed_index), answers(multi_segment_index)
    assert single == multi
    assert any("<mark>" in snippet for hits in single for snippet, _title in hits)


def test_snippets_and_phrases_are_the_same_from_what_a_view_keeps_or_evicts(
    multi_segment_index,
):
    queries = ['"silicon wafer"', "江阴", "集成电路 Wuxi", '"半导体产业链"', "wafer*"]

    def answers(searcher):
        out = []
        for q in queries:
            result = searcher.search(SearchRequest(q=q, per_page=50, sort="newest"))
            out.append((result.total, [(h["snippet"], h["title_html"]) for h in result.hits]))
        return out

    with Searcher(multi_segment_index) as searcher:
        first = answers(searcher)
        view = searcher.view()
        assert view.decoded.size > 0  # the first pass kept blocks...
        assert view.phrases.size > 0  # ...and verified phrases
        again = answers(searcher)  # served from what was kept
        # Decoded blocks are kept per segment for the whole process (views share them).
        kept_blocks = view.decoded.limit
        view.decoded.limit = view.phrases.limit = 0  # nothing kept: all read again
        try:
            view.decoded.put_block(("x",), np.arange(3), [b"a", b"b", b"c"])
            view.phrases.put(("y",), None, 1)
            assert view.decoded.size == view.phrases.size == 0
            uncached = answers(searcher)
        finally:
            view.decoded.limit = kept_blocks
    assert first == again == uncached
    assert any("<mark>" in s for _total, hits in first for s, _t in hits)


def _phrase_corpus(folder, seed: int) -> None:
    """Short texts over a tiny vocabulary, so every phrase occurs, overlaps and repeats."""
    rng = np.random.default_rng(seed)
    english = ["wafer", "fab", "chip", "zone", "wafer-level", "US$10"]
    chinese = ["晶圆", "芯片", "园区", "无锡", "集成电路"]
    folder.mkdir()
    for i in range(12):
        words = rng.choice(english if i % 2 else chinese, size=int(rng.integers(20, 60)))
        sep = " " if i % 2 else ""
        (folder / f"doc{i:02d}.txt").write_text(f"Title: doc {i}\n\n" + sep.join(words), "utf-8")


def test_phrase_matching_in_arrays_equals_matching_document_by_document(tmp_path):
    from indexer.analysis import query_terms
    from indexer.index.phrases import _phrase_matches, _phrase_matches_by_doc
    from indexer.index.view import IndexView
    from indexer.index.whoosh_postings import paused_gc

    from .conftest import build_index

    _phrase_corpus(tmp_path / "docs", seed=5)
    phrases = [
        "wafer fab",
        "fab fab",
        "chip zone wafer",
        "wafer wafer wafer",
        "wafer level",
        "zone chip",
        "晶圆芯片",
        "芯片芯片",
        "无锡园区晶圆",
        "集成电路芯片",
    ]
    checked = 0
    for layout in ("single", "multi"):
        index_dir = tmp_path / layout / "index"
        build_index(index_dir, [tmp_path / "docs"], one_segment_per_file=layout == "multi")
        with Searcher(index_dir) as searcher:
            view: IndexView = searcher.view()
            fmt = view.schema["body"].format
            for phrase in phrases:
                words = query_terms(phrase)
                docs = np.flatnonzero(view.live).astype(np.int64)
                with paused_gc():
                    values = {w: view.postings_values("body", w, docs) for w in set(words)}
                    fast = _phrase_matches(words, values, docs)
                    slow = _phrase_matches_by_doc(fmt, words, values, docs)
                assert fast is not None, phrase  # the array path really ran
                assert fast.tolist() == slow.tolist(), phrase
                checked += int(slow.sum())
    assert checked > 20  # the phrases do occur


def test_same_day_articles_keep_one_order_whatever_order_they_were_indexed_in(tmp_path):
    from tests.conftest import build_index

    archive = tmp_path / "archive"
    archive.mkdir()

    def write(numbers):
        for n in numbers:
            (archive / f"wire-{n}.txt").write_text(
                f"Title: Wafer plant {n}\nDate: 2024-05-06\n\nA wafer plant opened, report {n}.\n",
                "utf-8",
            )

    write(range(4, 8))
    build_index(tmp_path / "later-first", [archive], workers=1)  # one segment: 4..7
    write(range(0, 4))
    build_index(tmp_path / "all-at-once", [archive], workers=1)  # one segment: 0..7
    build_index(tmp_path / "later-first", [archive], workers=1)  # a second segment: 0..3

    def newest(index_dir):
        with Searcher(index_dir) as searcher:
            result = searcher.search(SearchRequest(q="wafer", sort="newest", per_page=20))
        return [hit["id"] for hit in result.hits]

    assert len(newest(tmp_path / "all-at-once")) == 8
    assert newest(tmp_path / "all-at-once") == newest(tmp_path / "later-first")


def test_posting_values_read_from_the_mapped_file_equal_whoosh_matchers(tmp_path):
    """Blocks read from the map, whole segments or a page's few documents, as Whoosh reads them."""
    from indexer.index.whoosh_postings import leaf_values
    from tests.conftest import build_index

    rng = np.random.default_rng(7)
    words = ["wafer", "fab", "chip", "zone", "晶圆", "芯片", "园区", "port", "crane"]
    folder = tmp_path / "files"
    folder.mkdir()
    for i in range(400):  # common words span several blocks of 128 postings
        body = " ".join(rng.choice(words, size=int(rng.integers(5, 30))))
        (folder / f"d{i:03d}.txt").write_text(f"Title: {words[i % 9]} {i}\n\n{body}", "utf-8")
    build_index(tmp_path / "index", [folder], workers=1)
    with Searcher(tmp_path / "index") as searcher:
        view = searcher.view()
        compared = few_compared = 0
        for field in ("title", "body"):
            for term in [*words, "wafer-level", "nothing"]:
                view.postings(field, term)
                entry = view._postings.get((field, term))
                btext = term.encode()
                for segment, (leaf, offset), leaf_blocks in zip(
                    view.segments, view.leaves, entry[1], strict=True
                ):
                    local = np.arange(leaf.doc_count_all(), dtype=np.int64)
                    mapped, matcher = {}, {}
                    postings = segment.postings_file(leaf)
                    assert postings is not None
                    leaf_values(
                        leaf, field, btext, leaf_blocks, local, offset, mapped, None, postings
                    )
                    leaf_values(leaf, field, btext, leaf_blocks, local, offset, matcher)
                    assert mapped == matcher
                    compared += len(mapped)
                    # A few documents at a time (a results page) are looked up one by one.
                    for few in (local[:1], local[::37][:9], local[-3:], local[125:131]):
                        one_by_one = {}
                        leaf_values(
                            leaf, field, btext, leaf_blocks, few, offset, one_by_one, None, postings
                        )
                        wanted = {int(d) + offset for d in few}
                        assert one_by_one == {d: v for d, v in mapped.items() if d in wanted}
                        few_compared += len(one_by_one)
        assert compared > 2000 and few_compared > 100


def test_a_querys_kept_matches_answer_every_filter_as_a_fresh_evaluation(any_index):
    """Filters, pages and sorts of one query reuse its matches; answers stay the same."""
    variants = [
        {},
        {"page": 2, "per_page": 3},
        {"sort": "newest"},
        {"date_from": "2023-01-01"},
        {"locations": ("Wuxi",)},
        {"langs": ("zh",)},
    ]
    # Common enough words that no answer is relaxed (relaxing walks the tree again).
    queries = [
        "china",
        "中国",
        "china 中国",
        '"silicon wafer"',
        "china -the",
        "the china",
        "lang:en china",
    ]

    def answers(searcher):
        out = []
        for q in queries:
            for v in variants:
                r = searcher.search(SearchRequest(q=q, **v))
                out.append((r.total, r.hits, r.facets, r.relaxed, r.suggestion))
        return out

    with Searcher(any_index) as kept:
        first = answers(kept)
        view = kept.view()
        assert view.evaluations.size > 0
        matches = next(iter(view.evaluations._entries.values()))[0][0]
        assert not matches.docs.flags.writeable and not matches.scores.flags.writeable
        again = answers(kept)
    with Searcher(any_index) as fresh:
        fresh.view().evaluations.limit = 0  # nothing kept: every request evaluates
        uncached = answers(fresh)
    assert first == again == uncached
    assert any("<mark>" in h.get("snippet", "") for total, hits, *_ in first for h in hits)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"date_from": "2023-01-01"},
        {"langs": ("en",)},
        {"date_from": "2022-01-01", "langs": ("zh",)},
    ],
)
def test_facets_counted_from_the_selections_documents_equal_counting_from_the_masks(
    any_index, filters
):
    from indexer.index.facet_counts import count_facets

    with Searcher(any_index) as searcher:
        view = searcher.view()
        for q in ("china", "wafer", "中国", ""):
            found = searcher._find(view, SearchRequest(q=q, **filters))
            sel = found.selection
            given = count_facets(view, sel.in_query, found.masks, found.days_in, sel)
            searched = count_facets(view, sel.in_query, found.masks, found.days_in)
            assert given == searched
            assert sum(c for _v, c in given["lang"]) > 0 or not sel.total
