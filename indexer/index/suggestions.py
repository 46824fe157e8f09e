"""Did you mean: an unknown English word replaced by the nearest word the index has."""

from __future__ import annotations

from indexer.search.query import Term, leaves


def suggest(view, tree) -> str | None:
    """A did-you-mean query: each unknown English word replaced by its nearest."""
    from indexer.analysis import query_terms

    changed = False
    words = []
    for leaf in leaves(tree):
        if not isinstance(leaf, Term):
            continue
        word = leaf.text
        terms = query_terms(word)
        if (
            len(terms) == 1
            and word.isascii()
            and word.isalpha()
            and len(word) > 3
            and not any(len(view.postings(f, terms[0])[0]) for f in ("title", "body"))
        ):
            best = nearest(view, word.lower())
            if best and best != word.lower():
                words.append(best)
                changed = True
                continue
        words.append(word)
    return " ".join(words) if changed else None


def nearest(view, word: str) -> str | None:
    corrector = view.searcher.corrector("body")
    options = corrector.suggest(word, limit=5, maxdist=2)
    best = None
    best_df = 0
    for option in options:
        df = len(view.postings("body", option)[0])
        if df > best_df and option.isalpha():
            best, best_df = option, df
    return best
