"""Whole answers kept per index view: asked again, a request is not searched again until a commit.

The kept answer must be the answer a fresh search gives (hits, snippets,
facets, suggestion), every field of the request must tell answers apart,
nothing a caller does to an answer may change what the next caller gets,
and a commit must never let an answer of the previous view through.
"""

from __future__ import annotations

import pickle
from dataclasses import asdict, fields, replace

import pytest

from indexer.index.answers import ENTRY_OVERHEAD, request_key
from indexer.index.searcher import Searcher
from indexer.search.request import SearchRequest

from .conftest import build_index

REQUESTS = [
    SearchRequest(q="Suzhou"),
    SearchRequest(q="economy growth", sort="newest"),
    SearchRequest(q="经济", page=2, per_page=3),
    SearchRequest(q="", locations=["Jiangsu"], date_from="2020-01-01"),
    SearchRequest(q="semiconductor", facets=False, snippets=False),
]


class CountedSearches:
    """Counts the searches `searcher` really runs (kept answers are not counted)."""

    def __init__(self, searcher, monkeypatch):
        self.count = 0
        real = searcher._search

        def counted(view, req):
            self.count += 1
            return real(view, req)

        monkeypatch.setattr(searcher, "_search", counted)


def _without_time(result) -> dict:
    return {k: v for k, v in asdict(result).items() if k != "took_ms"}


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: r.q or "filters")
def test_a_repeated_request_gets_the_fresh_answer_without_a_second_search(
    any_index, req, monkeypatch
):
    with Searcher(any_index) as fresh:
        expected = _without_time(fresh.search(req))
    with Searcher(any_index, answer_cache_mb=4) as searcher:
        searches = CountedSearches(searcher, monkeypatch)
        first = searcher.search(req)
        again = searcher.search(replace(req))  # an equal request, not the same object
        assert searches.count == 1
    assert _without_time(first) == expected
    assert _without_time(again) == expected


def test_every_field_of_a_request_tells_its_answers_apart():
    base = SearchRequest(q="Suzhou")
    changed = {
        "q": "Wuxi",
        "page": 2,
        "per_page": 20,
        "sort": "newest",
        "locations": ["Jiangsu"],
        "date_from": "2020-01-01",
        "date_to": "2020-12-31",
        "langs": ["en"],
        "sources": ["Xinhua"],
        "facets": False,
        "snippets": False,
        "group": "story",
        "story": "abc",
    }
    assert set(changed) == {f.name for f in fields(SearchRequest)}
    for name, value in changed.items():
        assert request_key(replace(base, **{name: value})) != request_key(base), name


def test_changing_an_answer_does_not_change_the_next_one(seed_index):
    req = SearchRequest(q="Suzhou")
    with Searcher(seed_index, answer_cache_mb=4) as searcher:
        first = searcher.search(req)
        expected = _without_time(first)
        first.hits[0]["title"] = "changed"
        first.facets.clear()
        assert _without_time(searcher.search(req)) == expected


def test_a_commit_retires_the_kept_answers(live_index, monkeypatch):
    archive, index_dir = live_index
    req = SearchRequest(q="Suzhou")
    with Searcher(index_dir, answer_cache_mb=4) as searcher:
        before = searcher.search(req).total
        (archive / "new.txt").write_text("Title: Quantum in Suzhou\n\nQuantum in Suzhou.", "utf-8")
        build_index(index_dir, [archive], workers=1)
        assert searcher.search(req).total == before + 1


def test_after_a_commit_the_requests_asked_last_are_answered_again_before_the_swap(
    live_index, monkeypatch
):
    archive, index_dir = live_index
    asked = [SearchRequest(q="Suzhou"), SearchRequest(q="Suzhou", page=2, per_page=2)]
    with Searcher(index_dir, background=True, answer_cache_mb=4) as searcher:
        searcher.open_view()
        before = [searcher.search(req).total for req in asked]
        (archive / "new.txt").write_text("Title: Quantum in Suzhou\n\nQuantum in Suzhou.", "utf-8")
        build_index(index_dir, [archive], workers=1)
        searcher.view()  # notices the commit: the next view is built and warmed aside
        searcher.wait_for_swap(30)
        searches = CountedSearches(searcher, monkeypatch)
        after = [searcher.search(req) for req in asked]
        assert searches.count == 0
        assert [a.total for a in after] == [b + 1 for b in before]
        with Searcher(index_dir) as fresh:
            assert [_without_time(a) for a in after] == [
                _without_time(fresh.search(req)) for req in asked
            ]


def test_no_answer_is_kept_when_the_cache_is_off(seed_index, monkeypatch):
    with Searcher(seed_index) as searcher:
        searches = CountedSearches(searcher, monkeypatch)
        for _ in range(3):
            searcher.search(SearchRequest(q="Suzhou"))
        assert searches.count == 3


def test_the_least_recently_asked_answers_go_first_when_the_cache_is_full(seed_index, monkeypatch):
    words = ["Suzhou", "Wuxi", "Jiangsu", "economy", "China", "semiconductor", "经济", "发展"]
    with Searcher(seed_index) as fresh:
        sizes = [len(pickle.dumps(fresh.search(SearchRequest(q=w)), 5)) for w in words]
    room = sum(sizes[-3:]) + 3 * ENTRY_OVERHEAD  # the last three answers fit, not a fourth
    assert room < sum(sizes[-4:]) + 4 * ENTRY_OVERHEAD
    with Searcher(seed_index, answer_cache_mb=room / 2**20) as searcher:
        for word in words:
            searcher.search(SearchRequest(q=word))
        assert len(searcher._answers[searcher.view()]) == 3
        searches = CountedSearches(searcher, monkeypatch)
        searcher.search(SearchRequest(q=words[-1]))
        assert searches.count == 0
        searcher.search(SearchRequest(q=words[0]))
        assert searches.count == 1


def test_the_service_keeps_answers_as_configured(seed_index, monkeypatch):
    from service import create_app
    from service.search_index import close_searcher, get_searcher

    for megabytes, searches_run in ((16, 1), (0, 2)):
        app = create_app({"TESTING": True, "INDEX": str(seed_index), "ANSWER_CACHE_MB": megabytes})
        client = app.test_client()
        with app.app_context():
            searches = CountedSearches(get_searcher(), monkeypatch)
        bodies = [client.get("/api/search?q=Suzhou").get_json() for _ in range(2)]
        for body in bodies:
            body.pop("took_ms")
        assert bodies[0] == bodies[1]
        assert searches.count == searches_run
        close_searcher(app)
