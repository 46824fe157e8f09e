"""Evaluating a parsed query on an index view: the tree to scored matches."""

from __future__ import annotations

from functools import reduce

import numpy as np

from indexer.analysis import query_terms
from indexer.index.matches import Matches, exclude, intersect, union
from indexer.index.phrases import verify_phrase
from indexer.index.view import IndexView
from indexer.search.budget import UNLIMITED, Budget
from indexer.search.fragments import is_cjk
from indexer.search.query import FieldFilter, Prefix
from indexer.search.walking import QueryWalk


class Evaluation(QueryWalk[Matches]):
    """Evaluates one parsed query on a view; remembers what it looked up.

    The tree's logic (stop words, filters, negation) is `QueryWalk`'s, the
    same as on every backend; here a word is its postings in the view.
    Inside a quoted phrase stop words cost nothing: the index numbered
    positions without them.

    With `bigrams`, a Chinese word also matches the documents that hold
    all its character bigrams (`IndexView.bigram_matches`), ranked below
    the documents its words found: the searcher asks for that when the
    words found too little.
    """

    def __init__(
        self,
        view: IndexView,
        expansions: dict | None = None,
        bigrams: bool = False,
        budget: Budget = UNLIMITED,
    ):
        super().__init__(expansions, bigrams)
        self.view = view
        self.budget = budget

    def run(self, node) -> Matches:
        """The tree's matches, kept per view with what the walk remembered.

        The same words come back with other filters, pages and sorts: a
        facet clicked, the next page, another month of the timeline. Those
        requests are new, but their query's matches are not; evaluating it
        again (unions and intersections over the archive for common words)
        was the largest part of such a request. What the walk remembers
        (highlighted terms, filters, stop words) is added as a walk would.
        """
        key = (node, self.bigrams)
        hit = self.view.evaluations.get(key)
        if hit is not None:
            matches, highlights, filters, stopped = hit
            for field, terms in highlights.items():
                self.highlight_terms[field] |= terms
            self.filters.extend(filters)
            self.stopped.extend(stopped)
            return matches
        highlighted = {f: set(t) for f, t in self.highlight_terms.items()}
        filtered, stopped = len(self.filters), len(self.stopped)
        matches = super().run(node)
        matches.docs.flags.writeable = matches.scores.flags.writeable = False
        added = {f: frozenset(t - highlighted[f]) for f, t in self.highlight_terms.items()}
        entry = (matches, added, tuple(self.filters[filtered:]), tuple(self.stopped[stopped:]))
        size = matches.docs.nbytes + matches.scores.nbytes + 500
        self.view.evaluations.put(key, entry, size)
        return matches

    def check(self) -> None:
        self.budget.check()

    def everything(self) -> Matches:
        return self.view.all_live()

    def any_of(self, clauses: list) -> Matches:
        return reduce(union, clauses)

    def all_of(self, clauses: list) -> Matches:
        return reduce(intersect, clauses)

    def without(self, parts: list, excluded: list) -> Matches:
        result = self.all_of(parts) if parts else self.view.all_live()
        for m in excluded:
            result = exclude(result, m.docs)
        return result

    def filter_clause(self, node: FieldFilter) -> Matches:
        from indexer.index.filters import filter_mask

        mask = filter_mask(self.view, node.field, [node.value])
        docs = np.flatnonzero(mask & self.view.live).astype(np.int64)
        return Matches(docs, np.zeros(len(docs), dtype=np.float32))

    def text(self, text: str, field) -> Matches:
        """A word as typed: one term, or several (Chinese, 12-inch)."""
        terms = query_terms(text)
        if not terms:
            return Matches.empty()
        cjk = any(is_cjk(c) for c in text)
        if len(terms) == 1:
            result = self.terms_any_field(terms, field)
        elif cjk:
            # Unquoted Chinese: every word must occur, anywhere.
            result = None
            for term in dict.fromkeys(terms):
                m = self.terms_any_field([term], field)
                result = m if result is None else intersect(result, m)
        else:
            return self.phrase(text, field)
        if cjk and self.bigrams and field is None:
            result = union(result, self.view.bigram_matches(text))
        return result

    def terms_any_field(self, terms, field) -> Matches:
        result = Matches.empty()
        for f in self.fields(field):
            for term in terms:
                self.budget.check()
                self.highlight_terms[f].add(term)
                result = union(result, self.view.term_matches(f, term))
        return result

    def prefix(self, node: Prefix) -> Matches:
        result = Matches.empty()
        prefix = node.text.lower()
        for f in self.fields(node.field):
            for term in self.view.prefix_terms(f, prefix):
                self.budget.check()
                self.highlight_terms[f].add(term)
                result = union(result, self.view.term_matches(f, term))
        return result

    def phrase(self, text: str, field) -> Matches | None:
        terms = query_terms(text)
        if not terms:
            self.stopped.append(text)
            return None
        alternatives = [terms] + [query_terms(a) for a in self.expansions.get(text, ())]
        result = Matches.empty()
        for f in self.fields(field):
            for words in alternatives:
                if not words:
                    continue
                if len(words) == 1:
                    self.highlight_terms[f].add(words[0])
                    result = union(result, self.view.term_matches(f, words[0]))
                    continue
                result = union(result, self._phrase_in_field(f, words))
        return result

    def _phrase_in_field(self, field: str, words: list[str]) -> Matches:
        """A phrase's matches in one field, verified once per index view.

        A verified phrase is kept like a term's postings (`IndexView.phrases`):
        every page of its results and every click on a facet runs the same
        search again, and re-checking thousands of candidates' positions
        each time was what made phrase queries slow.
        """
        view = self.view
        key = (field, tuple(words))
        matches = view.phrases.get(key)
        if matches is None:
            matches = self._verified_phrase(field, words)
            matches.docs.flags.writeable = matches.scores.flags.writeable = False
            view.phrases.put(key, matches, matches.docs.nbytes + matches.scores.nbytes + 200)
        if len(matches.docs):
            for w in words:
                self.highlight_terms[field].add(w)
        return matches

    def _verified_phrase(self, field: str, words: list[str]) -> Matches:
        view = self.view
        candidates = None
        for w in dict.fromkeys(words):
            self.budget.check()
            m = view.term_matches(field, w)
            candidates = m if candidates is None else intersect(candidates, m)
            if not len(candidates.docs):
                return Matches.empty()
        self.budget.check()
        keep = verify_phrase(view, field, words, candidates.docs, self.budget)
        return Matches(candidates.docs[keep], candidates.scores[keep])
