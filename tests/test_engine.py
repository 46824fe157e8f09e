"""The engine's array shortcuts give exactly what the plain computation gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.index.engine import Matches, _exclude, _intersect, _union
from indexer.index.searcher import Searcher, SearchRequest, _page

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

    union = _union(a, b)
    assert union.docs.tolist() == sorted(a_docs | b_docs)
    for d, score in _as_dict(union).items():
        expected = np.float32(np.float64(da.get(d, 0.0)) + np.float64(db.get(d, 0.0)))
        assert np.float32(score) == expected

    both = _intersect(a, b)
    assert both.docs.tolist() == sorted(a_docs & b_docs)
    for d, score in _as_dict(both).items():
        assert np.float32(score) == np.float32(da[d]) + np.float32(db[d])

    rest = _exclude(a, b.docs)
    assert rest.docs.tolist() == sorted(a_docs - b_docs)
    assert _as_dict(rest) == {d: s for d, s in da.items() if d not in b_docs}


class _View:
    def __init__(self, dates):
        self.date = np.asarray(dates, dtype=np.int32)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=200),  # few distinct scores: many ties
    st.sampled_from(["relevance", "newest", "oldest"]),
    st.integers(0, 30),
    st.integers(0, 10**6),
)
def test_results_page_equals_a_full_sort(score_levels, sort, start, seed):
    rng = np.random.default_rng(seed)
    n = len(score_levels)
    docs = np.arange(n, dtype=np.int64)
    scores = np.asarray(score_levels, dtype=np.float32)
    dates = rng.choice([0, 20200101, 20210505, 20230101], size=n)
    view = _View(dates)
    # The order the page promises, by a plain sort of every match.
    if sort == "relevance":
        key = sorted(range(n), key=lambda i: (-scores[i], -dates[i], i))
    elif sort == "newest":
        key = sorted(range(n), key=lambda i: (-dates[i], -scores[i], i))
    else:
        key = sorted(range(n), key=lambda i: (dates[i] or 10**9, -scores[i], i))
    got_docs, _ = _page(view, docs, scores, sort, start, 5)
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


def test_snippets_and_phrases_are_the_same_from_decoded_blocks_kept_or_evicted(
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
        decoded = searcher.view().decoded
        assert decoded.size > 0  # the first pass kept blocks
        again = answers(searcher)  # served from kept blocks
        decoded.max_bytes = 0  # nothing kept: every block read again
        decoded.put(("x",), np.arange(3), [b"a", b"b", b"c"])
        assert decoded.size == 0
        uncached = answers(searcher)
    assert first == again == uncached
    assert any("<mark>" in s for _total, hits in first for s, _t in hits)
