"""Did you mean: the nearest word the archive writes, for every backend.

Candidates are the words one edit away from the typed one (a letter
deleted, two swapped, one replaced or one inserted: most typing mistakes),
each analysed as the index analyses text and kept when the index has its
term. The most frequent terms come first, and the first candidate found
written in an article holding its term wins. For a 12-letter word that is
about 650 candidates, a few hundred distinct terms looked up and a few
articles read: milliseconds, whatever the archive's size.

The index holds stemmed terms, so comparing the typed word with them
fails for a typo in a suffix ("developmentx" is five edits from the stem
"develop"), and a candidate may stem to a common term nobody writes that
way ("overment" is analysed to "over"): hence the check of the written
word. A backend supplies two look-ups (`Lookups`); the rule is the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from string import ascii_lowercase

from indexer.analysis import query_terms
from indexer.search.query import Term, leaves

TERMS_CHECKED = 8  # the most frequent terms whose candidates are looked for in articles
ARTICLES_READ = 10  # articles read per term
TERMS_READ_FURTHER = 2  # then, for the most frequent terms...
ARTICLES_READ_FURTHER = 150  # ...articles up to this many


@dataclass
class Lookups:
    """What a backend answers for the suggestion.

    `known(term)`: whether any title or body holds the analysed term.
    `frequencies(terms)`: how many articles' bodies hold each term (absent: none).
    `texts(term, start, stop)`: the body, then the title, of each article
    holding `term`, from the `start`-th to before the `stop`-th, in a fixed
    order.
    `check()`: called as the work goes on (a time budget raises there).
    """

    known: Callable[[str], bool]
    frequencies: Callable[[list[str]], dict[str, int]]
    texts: Callable[[str, int, int], Iterable[str]]
    check: Callable[[], None] | None = None

    def checked(self) -> None:
        if self.check is not None:
            self.check()


def misspelt(word: str, lookups: Lookups) -> bool:
    """Whether `word` is an English word worth correcting: one term, in no article."""
    terms = query_terms(word)
    return (
        len(terms) == 1
        and word.isascii()
        and word.isalpha()
        and len(word) > 3
        and not lookups.known(terms[0])
    )


def suggest(tree, lookups: Lookups) -> str | None:
    """A did-you-mean query: each unknown English word replaced by its nearest."""
    changed = False
    words = []
    for leaf in leaves(tree):
        if not isinstance(leaf, Term):
            continue
        word = leaf.text
        if misspelt(word, lookups):
            best = nearest(word.lower(), lookups)
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


def nearest(word: str, lookups: Lookups) -> str | None:
    """The candidate one edit from `word` that the archive's articles use most (None: none)."""
    forms: dict[str, list[str]] = {}  # term -> the candidates analysed to it, in edit order
    for candidate in one_edit_away(word):
        terms = query_terms(candidate)
        if len(terms) == 1:
            forms.setdefault(terms[0], []).append(candidate)
    lookups.checked()
    counts = lookups.frequencies(list(forms))
    ranked = sorted((-df, term) for term, df in counts.items() if df)
    # A stem shared by many words ("demonstr": demonstrate, demonstration...)
    # may not show the candidate ("demonstrators") in its first few articles.
    passes = [
        (ranked[:TERMS_CHECKED], 0, ARTICLES_READ),
        (ranked[:TERMS_READ_FURTHER], ARTICLES_READ, ARTICLES_READ_FURTHER),
    ]
    for terms, start, stop in passes:
        for _df, term in terms:
            written = _written(lookups, term, forms[term], start, stop)
            if written:
                return written
    return None


def _written(lookups: Lookups, term: str, candidates: list[str], start: int, stop: int):
    """The candidate written as a word in one of the articles holding `term`."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, candidates)) + r")\b", re.IGNORECASE)
    for n, text in enumerate(lookups.texts(term, start, stop)):
        if n % 32 == 31:
            lookups.checked()
        found = pattern.search(text)
        if found:
            return found.group(1).lower()
    return None
