"""Did you mean: an unknown English word replaced by the nearest word the index has.

Candidates are the words one edit away from the typed one (a letter
deleted, two swapped, one replaced or one inserted: most typing mistakes),
each analysed as the index analyses text and kept when the index has its
term. The most frequent terms come first, and the first candidate found
written in an article holding its term wins. For a 12-letter word that is
about 650 candidates, a few hundred distinct terms looked up and a few
articles read: milliseconds, whatever the archive's size.

Whoosh's corrector, used before, computed the edit distance in Python
between the word and every term of the body field (808,000 terms at 100k
articles: 11 s for one misspelt word, with no time budget), and compared
the typed word with stemmed terms, so a typo in a suffix found nothing
("developmentx" is five edits from the stem "develop").
"""

from __future__ import annotations

import re
from string import ascii_lowercase

from indexer.search.query import Term, leaves

FIELD = "body"


def suggest(view, tree, budget=None) -> str | None:
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
            best = nearest(view, word.lower(), budget)
            if best and best != word.lower():
                words.append(best)
                changed = True
                continue
        words.append(word)
    return " ".join(words) if changed else None


def one_edit_away(word: str) -> list[str]:
    """Every word one deletion, transposition, replacement or insertion from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in ascii_lowercase if c != b[0]]
    inserts = [a + c + b for a, b in splits for c in ascii_lowercase]
    return list(dict.fromkeys(deletes + swaps + replaces + inserts))


def nearest(view, word: str, budget=None) -> str | None:
    """The candidate one edit from `word` that the archive's articles use most (None: none)."""
    from indexer.analysis import query_terms

    forms: dict[str, list[str]] = {}  # term -> the candidates analysed to it, in edit order
    for candidate in one_edit_away(word):
        terms = query_terms(candidate)
        if len(terms) == 1:
            forms.setdefault(terms[0], []).append(candidate)
    ranked = []
    for term, candidates in forms.items():
        if budget is not None:
            budget.check()
        df = view.reader.doc_frequency(FIELD, term)
        if df:
            ranked.append((-df, term, candidates))
    ranked.sort()
    for _df, term, candidates in ranked[:TERMS_CHECKED]:
        written = _written(view, term, candidates, 0, ARTICLES_READ, budget)
        if written:
            return written
    # A stem shared by many words ("demonstr": demonstrate, demonstration...)
    # may not show the candidate ("demonstrators") in its first few articles.
    for _df, term, candidates in ranked[:TERMS_READ_FURTHER]:
        written = _written(view, term, candidates, ARTICLES_READ, ARTICLES_READ_FURTHER, budget)
        if written:
            return written
    return None


TERMS_CHECKED = 8  # the most frequent terms whose candidates are looked for in articles
ARTICLES_READ = 10  # articles read per term
TERMS_READ_FURTHER = 2  # then, for the most frequent terms...
ARTICLES_READ_FURTHER = 150  # ...articles up to this many (about 50 us each)


def _written(
    view, term: str, candidates: list[str], start: int, stop: int, budget=None
) -> str | None:
    """The candidate written as a word in one of the first articles holding `term`.

    Terms are stemmed, so a term in many articles may come from a
    candidate nobody writes: "overment" is analysed to "over", and
    "investent" to "invest" like "investment". Reading a few articles for
    the candidate itself keeps the suggestion a word the archive uses.
    """
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, candidates)) + r")\b", re.IGNORECASE)
    for n, docnum in enumerate(view.postings(FIELD, term)[0][start:stop]):
        if budget is not None and n % 16 == 15:
            budget.check()
        stored = view.stored_fields(int(docnum))
        found = pattern.search(stored.get("body", "")) or pattern.search(stored.get("title", ""))
        if found:
            return found.group(1).lower()
    return None
