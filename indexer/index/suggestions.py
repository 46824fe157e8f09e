"""Did you mean, on the Whoosh index: the look-ups `search.spelling` asks for.

Whoosh's corrector, used before, computed the edit distance in Python
between the word and every term of the body field (808,000 terms at 100k
articles: 11 s for one misspelt word, with no time budget), and compared
the typed word with stemmed terms, so a typo in a suffix found nothing.
"""

from __future__ import annotations

from indexer.search.spelling import Lookups, one_edit_away
from indexer.search.spelling import nearest as nearest_word
from indexer.search.spelling import suggest as suggest_query

__all__ = ["nearest", "one_edit_away", "suggest"]

FIELD = "body"


def lookups(view, budget=None) -> Lookups:
    def known(term: str) -> bool:
        return any(len(view.postings(f, term)[0]) for f in ("title", "body"))

    def frequencies(terms: list[str]) -> dict[str, int]:
        counts = {}
        for term in terms:
            if budget is not None:
                budget.check()
            counts[term] = view.reader.doc_frequency(FIELD, term)
        return counts

    def texts(term: str, start: int, stop: int):
        for docnum in view.postings(FIELD, term)[0][start:stop]:
            stored = view.stored_fields(int(docnum))
            yield stored.get("body", "")
            yield stored.get("title", "")

    return Lookups(known, frequencies, texts, budget.check if budget is not None else None)


def suggest(view, tree, budget=None) -> str | None:
    """A did-you-mean query: each unknown English word replaced by its nearest."""
    return suggest_query(tree, lookups(view, budget))


def nearest(view, word: str, budget=None) -> str | None:
    """The candidate one edit from `word` that the archive's articles use most (None: none)."""
    return nearest_word(word, lookups(view, budget))
