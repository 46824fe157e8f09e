"""The time budget per search: an expensive query gets a 503 with advice, not a stuck worker."""

from __future__ import annotations

import pytest

from indexer.index.searcher import Searcher
from indexer.search.budget import Budget, advice
from indexer.search.errors import QueryTooExpensive
from indexer.search.query import parse_query
from indexer.search.request import SearchRequest
from service.search_index import get_searcher


def test_a_search_over_its_budget_is_refused(any_index):
    with (
        Searcher(any_index, query_timeout_ms=1e-6) as searcher,
        pytest.raises(QueryTooExpensive),
    ):
        searcher.search(SearchRequest(q="wafer OR silicon OR Jiangyin"))


def test_a_search_within_its_budget_is_answered_as_without_one(any_index):
    with Searcher(any_index) as free, Searcher(any_index, query_timeout_ms=60_000) as timed:
        for q in ("wafer OR silicon", '"dual circulation"', "Jiang*", "集成电路 无锡"):
            a, b = free.search(SearchRequest(q=q)), timed.search(SearchRequest(q=q))
            assert (a.total, a.hits, a.facets) == (b.total, b.hits, b.facets), q


def test_the_api_answers_503_with_advice_for_the_query_shape(app, client):
    with app.app_context():
        get_searcher().query_timeout = 1e-9
    response = client.get("/api/search", query_string={"q": "wafer OR silicon OR chip OR a OR b"})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "query_too_expensive"
    assert "fewer OR terms" in error["message"] and "filter" in error["message"]


def test_the_page_explains_a_refused_query(app, client):
    with app.app_context():
        get_searcher().query_timeout = 1e-9
    page = client.get("/", query_string={"q": "Jiang*"})
    assert page.status_code == 503
    assert "longer prefix" in page.text


@pytest.mark.parametrize(
    ("q", "tip"),
    [
        ("a OR b OR c OR d OR e OR f", "fewer OR terms"),
        ("wa*", "longer prefix"),
        ('"develop develop develop"', "more specific"),
    ],
)
def test_advice_names_what_to_change(q, tip):
    assert tip in advice(parse_query(q), 3.0)
    assert "3000 ms" in advice(parse_query(q), 3.0)


def test_an_unlimited_budget_never_refuses():
    budget = Budget(None, parse_query("a OR b"))
    for _ in range(1000):
        budget.check()
