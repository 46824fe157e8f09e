"""Did you mean (`search.spelling`'s rule, on the cluster) and related articles.

Did you mean follows the rule Whoosh's backend follows: the words one edit
from an unknown English word, analysed, looked up by document frequency
(one search with a `filters` aggregation), the most frequent first, and
checked as written in the stored text of articles holding the term. The
term suggester, used before, compared the typed word with the stemmed
terms of `body_words` within two edits, so a typo in a suffix found
nothing ("developmnt" is three edits from "develop"), and it could offer a
stem nobody writes.
"""

from __future__ import annotations

from indexer.opensearch.translation import any_of, term_query
from indexer.search.spelling import Lookups

RELATED = 5
RELATED_TERMS = 12


def exists_body(term: str) -> dict:
    """A search that says whether any title or body holds `term`."""
    query = any_of([term_query("title", term), term_query("body", term)])
    return {"query": query, "size": 0, "terminate_after": 1, "track_total_hits": True}


def frequencies_body(terms: list[str]) -> dict:
    """One search counting the bodies that hold each term (bucket `i` for `terms[i]`)."""
    filters = {str(i): term_query("body", term) for i, term in enumerate(terms)}
    return {
        "size": 0,
        "track_total_hits": False,
        "aggs": {"df": {"filters": {"filters": filters}}},
    }


def texts_body(term: str, start: int, stop: int) -> dict:
    """The stored title and body of the articles holding `term`, in index order."""
    return {
        "query": term_query("body", term),
        "from": start,
        "size": max(0, stop - start),
        "sort": ["_doc"],
        "_source": ["title", "body"],
        "track_total_hits": False,
    }


def spelling_lookups(search, check=None) -> Lookups:
    """`search.spelling`'s look-ups through `search(body, what) -> response`."""

    def known(term: str) -> bool:
        return bool(search(exists_body(term), "checking words")["hits"]["total"]["value"])

    def frequencies(terms: list[str]) -> dict[str, int]:
        if not terms:
            return {}
        buckets = search(frequencies_body(terms), "suggesting a spelling")["aggregations"]["df"]
        return {t: buckets["buckets"][str(i)]["doc_count"] for i, t in enumerate(terms)}

    def texts(term: str, start: int, stop: int):
        hits = search(texts_body(term, start, stop), "suggesting a spelling")["hits"]["hits"]
        for hit in hits:
            yield hit["_source"].get("body", "")
            yield hit["_source"].get("title", "")

    return Lookups(known, frequencies, texts, check)


def related_body(index: str, doc_id: str, fields: list[str]) -> dict:
    """The articles most like one article: its most distinctive terms, OR-ed."""
    return {
        "size": RELATED,
        "_source": fields,
        "track_total_hits": False,
        "query": {
            "more_like_this": {
                "fields": ["title_words", "body_words"],
                "like": [{"_index": index, "_id": doc_id}],
                "max_query_terms": RELATED_TERMS,
                "min_term_freq": 1,
                "min_doc_freq": 2,
                "min_word_length": 2,
                "include": False,
            }
        },
    }
