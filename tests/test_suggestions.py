"""Did you mean: a misspelt English word gets the word the archive uses, quickly at any size.

The index holds stemmed terms, so the suggestion must be a word people
write (not a stem, not a candidate that merely stems to a common term), and
finding it must not walk the vocabulary: at 100k articles the body field has
800,000 terms, and Whoosh's corrector took 11 s over them.
"""

from __future__ import annotations

import time

import pytest

from indexer.index import searcher as searcher_module
from indexer.index.searcher import Searcher
from indexer.index.suggestions import nearest, one_edit_away
from indexer.search.budget import Budget
from indexer.search.errors import QueryTooExpensive
from indexer.search.request import SearchRequest

from .conftest import build_index

ARTICLES = {
    "government.txt": "Title: The government budget\n\nThe government announced a new budget.",
    "investment.txt": "Title: Investment grows\n\nForeign investment in infrastructure grew.",
    "development.txt": "Title: Development zone\n\nThe development zone opened in Wuxi.",
}
# "overment" is one edit from "goverment" and stems to "over", in far more articles.
OVER = "Title: Over the river {n}\n\nThe bridge over the river opened over the weekend."
# "demonstrators" stems to "demonstr" as these do, and is written in a later article.
DEMO = "Title: A demonstration {n}\n\nEngineers demonstrated the new line in a demonstration."
PROTEST = "Title: Protest in the square\n\nThousands of demonstrators gathered in the square."


@pytest.fixture(scope="module")
def spelling_index(tmp_path_factory):
    archive = tmp_path_factory.mktemp("spelling-archive")
    for name, text in ARTICLES.items():
        (archive / name).write_text(text, "utf-8")
    for n in range(12):
        (archive / f"over{n}.txt").write_text(OVER.format(n=n), "utf-8")
        (archive / f"demo{n:02}.txt").write_text(DEMO.format(n=n), "utf-8")
    (archive / "zz-protest.txt").write_text(PROTEST, "utf-8")
    index_dir = tmp_path_factory.mktemp("spelling") / "index"
    build_index(index_dir, [archive], workers=1)
    return index_dir


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("goverment", "government"),  # not "overment", though "over" is in more articles
        ("developmentx", "development"),  # a typo in the suffix the stemmer strips
        ("investmnet", "investment"),
        ("infrastucture", "infrastructure"),
        ("Goverment budget", "government budget"),
        ("demonsrrators", "demonstrators"),  # its stem's first articles write other words
    ],
)
def test_a_misspelt_word_gets_the_word_the_archive_writes(spelling_index, typed, expected):
    with Searcher(spelling_index) as searcher:
        result = searcher.search(SearchRequest(q=typed))
        assert result.suggestion == expected
        assert searcher.search(SearchRequest(q=expected)).total > 0


def test_a_word_nothing_in_the_archive_is_near_gets_no_suggestion(spelling_index):
    with Searcher(spelling_index) as searcher:
        assert searcher.search(SearchRequest(q="xqzvbnm")).suggestion is None


def test_a_suggestion_never_walks_the_vocabulary(spelling_index, monkeypatch):
    from whoosh import reading

    def refuse(*args, **kwargs):
        raise AssertionError("the whole vocabulary was read")

    monkeypatch.setattr(reading.IndexReader, "terms_within", refuse)
    monkeypatch.setattr(reading.IndexReader, "all_terms", refuse)
    monkeypatch.setattr(reading.IndexReader, "lexicon", refuse)
    with Searcher(spelling_index) as searcher:
        assert searcher.search(SearchRequest(q="goverment")).suggestion == "government"


def test_the_candidates_are_the_words_one_edit_away():
    candidates = set(one_edit_away("abc"))
    assert {"bc", "ac", "ab"} <= candidates  # deletions
    assert {"bac", "acb"} <= candidates  # transpositions
    assert {"xbc", "axc", "abx"} <= candidates  # replacements
    assert {"xabc", "abxc", "abcx"} <= candidates  # insertions
    assert "abc" not in candidates and "cab" not in candidates  # no edit, two edits
    assert len(candidates) == len(one_edit_away("abc"))  # each once


def test_looking_for_a_suggestion_keeps_to_the_time_budget(spelling_index, monkeypatch):
    spent = Budget(0.0)
    time.sleep(0.001)
    with Searcher(spelling_index) as searcher, pytest.raises(QueryTooExpensive):
        nearest(searcher.view(), "goverment", spent)

    budgets = []
    real = searcher_module.suggest
    monkeypatch.setattr(
        searcher_module,
        "suggest",
        lambda view, tree, budget: budgets.append(budget) or real(view, tree, budget),
    )
    with Searcher(spelling_index, query_timeout_ms=3000) as searcher:
        searcher.search(SearchRequest(q="goverment"))
    assert budgets and budgets[0].seconds == 3.0  # the search's own budget
