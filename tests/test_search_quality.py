"""Queries as people type them find the article: stop words, pasted spans, one word too many.

Each shape here once returned nothing on the seeds. They run on a single-
and a multi-segment index (`any_index`): postings, bigrams and stored text
are read per segment.
"""

from __future__ import annotations

import re

import pytest

from indexer.analysis import analyze
from indexer.index.evaluation import Evaluation
from indexer.index.searcher import Searcher
from indexer.search.fragments import fragment_of
from indexer.search.query import And, OnlyStopWords, QueryError, Term, parse_query
from indexer.search.request import SearchRequest

SUMMIT = "Xinhua Silk Road: E. China's Jiangyin sees 217 projects"
HUAHONG = "华虹无锡集成电路研发和制造基地二期项目签约"


@pytest.fixture
def searcher(any_index):
    with Searcher(any_index) as s:
        yield s


def id_of(searcher, title_start: str) -> str:
    """A seed's id in this index (ids depend on the path each index read it from)."""
    view = searcher.view()
    for docnum in range(view.doc_count_all):
        stored = view.searcher.stored_fields(docnum)
        if stored["title"].startswith(title_start):
            return stored["id"]
    raise AssertionError(title_start)


def ids(searcher, q, **kwargs) -> list[str]:
    result = searcher.search(SearchRequest(q=q, facets=False, **kwargs))
    return [h["id"] for h in result.hits]


# -- stop words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("with_stops", "without"),
    [
        ("the wafer", "wafer"),
        ("of silicon", "silicon"),
        ("the Jiangyin summit", "Jiangyin summit"),
        ("wafer OR the", "wafer"),
        ("的 集成电路", "集成电路"),
        ("what is dual circulation", "dual circulation"),
        ("wafer -the", "wafer"),
    ],
)
def test_stop_words_in_a_query_find_what_the_other_words_find(searcher, with_stops, without):
    expected = ids(searcher, without)
    assert expected, without
    assert ids(searcher, with_stops) == expected


def test_stop_words_inside_a_quoted_phrase_still_match_the_text(searcher):
    assert ids(searcher, '"the silicon wafer"') == ids(searcher, '"silicon wafer"') != []


@pytest.mark.parametrize("q", ["the", "of the", "的", "the OR of", '"the"', "it is what it is"])
def test_a_query_of_only_stop_words_is_refused_with_a_reason(searcher, q):
    with pytest.raises(OnlyStopWords) as caught:
        searcher.search(SearchRequest(q=q))
    assert "too common" in str(caught.value)
    assert isinstance(caught.value, QueryError)


def test_the_api_answers_only_stop_words_with_a_400_that_names_them(client):
    response = client.get("/api/search", query_string={"q": "of the"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "only_stop_words"
    assert "'of', 'the'" in error["message"]


@pytest.mark.contract
@pytest.mark.parametrize("q", ["of the", "the -of", "-the", "-的"])
def test_a_negated_stop_word_is_no_constraint_either_on_every_backend(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "only_stop_words"


def test_a_filter_with_stop_words_is_still_a_filter(searcher):
    result = searcher.search(SearchRequest(q="the lang:en"))
    assert result.total > 0
    assert {h["lang"] for h in result.hits} == {"en"}


# -- pasted Chinese spans ----------------------------------------------------------


def test_a_span_cutting_words_at_both_edges_finds_its_article_first(searcher):
    span = "路研发和制造"  # 集成电|路 ... 制造|基地: both edges inside words
    view = searcher.view()
    with view.lock:
        words_only = Evaluation(view).run(parse_query(span))
        docnum = view.searcher.document_number(id=id_of(searcher, HUAHONG))
    assert docnum not in words_only.docs.tolist()  # the words alone miss it
    assert ids(searcher, span)[0] == id_of(searcher, HUAHONG)


def test_spans_copied_from_chinese_articles_find_them(searcher):
    view = searcher.view()
    spans = []
    for docnum in range(view.doc_count_all):
        stored = view.searcher.stored_fields(docnum)
        for run in re.findall(r"[\u4e00-\u9fff]{12,}", stored["body"])[:6]:
            spans.append((stored["id"], run[3:9]))
    assert len(spans) > 20
    missed = [(doc, span) for doc, span in spans if doc not in ids(searcher, span)]
    assert missed == []


def test_a_span_found_only_by_bigrams_highlights_whole_words(searcher):
    result = searcher.search(SearchRequest(q="路研发和制造", facets=False))
    hit = result.hits[0]
    marked = re.findall(r"<mark>(.*?)</mark>", hit["snippet"])
    assert marked
    view = searcher.view()
    body = view.searcher.stored_fields(view.searcher.document_number(id=hit["id"]))["body"]
    words = {body[s:e] for _t, _p, s, e in analyze(body)}
    assert set(marked) <= words


def test_bigram_matches_rank_below_word_matches(searcher):
    q = "年以"  # a word (以) in one article, two words' edges (年|以来) in another
    view = searcher.view()
    with view.lock:
        words = Evaluation(view).run(parse_query(q))
        both = Evaluation(view, bigrams=True).run(parse_query(q))
    by_words = dict(zip(words.docs.tolist(), words.scores.tolist(), strict=True))
    only_bigrams = [
        s
        for d, s in zip(both.docs.tolist(), both.scores.tolist(), strict=True)
        if d not in by_words
    ]
    assert by_words and only_bigrams
    assert set(by_words) <= set(both.docs.tolist())
    assert max(only_bigrams) < min(by_words.values())


# -- pasted English fragments ------------------------------------------------------


def test_a_pasted_english_fragment_puts_its_article_first(searcher):
    assert ids(searcher, "sees 217 projects signed at")[0] == id_of(searcher, SUMMIT)


def test_fragments_match_whole_words_only():
    fragment = fragment_of(parse_query("trade war"))
    assert fragment.text == " trade war "
    assert not fragment.held_by("", "the software warehouse, a trade warning")
    assert fragment.held_by("", "A Trade-War, again")
    assert fragment.held_by("Trade war", "")


def test_a_chinese_fragment_ignores_punctuation_and_traditional_forms():
    fragment = fragment_of(parse_query("研发和制造"))
    assert fragment.held_by("", "集成電路研發，和製造基地")
    assert fragment.held_by("", "集成电路研发和制造基地")
    assert not fragment.held_by("", "研发和生产制造")


def test_a_single_word_is_no_fragment_to_check():
    assert fragment_of(parse_query("wafer")) is None
    assert fragment_of(parse_query("集成电路")) is None
    assert fragment_of(parse_query('"trade war"')) is None


# -- relaxed answers ---------------------------------------------------------------


def test_a_fragment_with_one_word_the_article_lacks_gets_a_relaxed_answer(searcher):
    result = searcher.search(SearchRequest(q="Jiangyin Development Summit xylophone"))
    assert result.relaxed == {"matched_words": 3, "of": 4, "complete": 0}
    assert result.hits[0]["id"] == id_of(searcher, SUMMIT)
    assert result.total == len(result.hits) > 0


def test_relaxed_results_rank_by_words_matched_before_score(searcher):
    result = searcher.search(SearchRequest(q="Jiangyin silicon wafer xylophone", per_page=50))
    view = searcher.view()

    def words_in(hit):
        docnum = view.searcher.document_number(id=hit["id"])
        return sum(
            docnum in view.postings("body", t)[0].tolist()
            or docnum in view.postings("title", t)[0].tolist()
            for t in ("jiangyin", "silicon", "wafer")
        )

    counts = [words_in(h) for h in result.hits]
    assert counts == sorted(counts, reverse=True)
    assert result.relaxed["of"] == 4


def test_explicit_and_stays_strict(searcher):
    result = searcher.search(SearchRequest(q="Jiangyin AND Development AND xylophone"))
    assert result.total == 0
    assert result.relaxed is None


@pytest.mark.parametrize(
    "q", ["Jiangyin & Development Sumit", "Jiangyin sees 217 projcts | Xinhua Silk Road"]
)
def test_a_pasted_headline_with_a_separator_and_a_typo_finds_its_article(searcher, q):
    result = searcher.search(SearchRequest(q=q))
    assert result.relaxed["matched_words"] == result.relaxed["of"] - 1
    assert result.hits[0]["id"] == id_of(searcher, SUMMIT)


def test_a_compound_the_articles_do_not_write_as_such_is_relaxed_to_its_words(searcher):
    # Strictly "Jiangyin-projects" must match as written (its words in a row).
    result = searcher.search(SearchRequest(q="Jiangyin-projects"))
    assert result.relaxed["of"] == 2 and result.relaxed["complete"] == 0
    assert result.hits[0]["id"] == id_of(searcher, SUMMIT)  # it has both words


def test_a_quoted_phrase_stays_required_when_other_words_are_relaxed(searcher):
    result = searcher.search(SearchRequest(q='"dual circulation" Jiangsu xylophone'))
    view = searcher.view()
    phrase = Evaluation(view).run(parse_query('"dual circulation"'))
    allowed = {view.searcher.stored_fields(int(d))["id"] for d in phrase.docs}
    assert result.hits
    assert {h["id"] for h in result.hits} <= allowed


def test_a_complete_match_needs_no_relaxing(searcher):
    result = searcher.search(SearchRequest(q="Jiangyin Development Summit"))
    assert result.relaxed is None
    assert result.hits[0]["id"] == id_of(searcher, SUMMIT)


def test_the_page_says_when_not_all_words_were_found(client):
    page = client.get("/", query_string={"q": "Jiangyin Development Summit xylophone"})
    assert page.status_code == 200
    assert "No article has all 4 of your words; showing articles with 3 of them." in page.text
    api = client.get("/api/search", query_string={"q": "Jiangyin Development Summit xylophone"})
    assert api.get_json()["relaxed"] == {"matched_words": 3, "of": 4, "complete": 0}


# -- the parser ---------------------------------------------------------------------


def test_the_parser_marks_groups_joined_with_and():
    assert parse_query("a AND b") == And((Term("a"), Term("b")), explicit=True)
    assert parse_query("a b") == And((Term("a"), Term("b")))
    assert parse_query("x (a AND b)") == And((Term("x"), And((Term("a"), Term("b")), True)))


def test_fragment_candidates_tied_on_score_are_the_same_whatever_order_files_were_indexed(
    tmp_path,
):
    """Which tied candidates are read for a pasted fragment follows the results' order.

    Thirty articles score the same for "harbour crane"; only some hold the
    words in that order. Two indexes of them number the articles in opposite
    orders (one indexing run, or two runs taking the halves the other way
    round); the articles ranked first must be the same.
    """
    import shutil

    from tests.conftest import build_index

    texts = {}
    for i in range(30):
        words = "harbour crane" if i % 3 == 0 else "crane harbour"
        texts[f"a{i:02d}.txt"] = (
            f"Title: Port report {i:02d}\nDate: 2024-05-{i % 28 + 1:02d}\n\nThe {words} moved."
        )

    def build(name, batches):
        folder = tmp_path / "files"  # one folder for both: the same article ids
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        index_dir = tmp_path / name
        for batch in batches:
            for fname in batch:
                (folder / fname).write_text(texts[fname], "utf-8")
            build_index(index_dir, [folder], workers=1)
        with Searcher(index_dir) as searcher:
            result = searcher.search(SearchRequest(q="harbour crane", per_page=30))
            return [(h["title"], h["id"]) for h in result.hits]

    names = sorted(texts)
    forward = build("forward", [names[:15], names[15:]])
    backward = build("backward", [names[15:], names[:15]])
    assert forward == backward
