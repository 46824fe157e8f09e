"""Evaluating a parsed query on an index view: the tree to scored matches."""

from __future__ import annotations

import numpy as np

from indexer.analysis import query_terms
from indexer.index.matches import Matches, exclude, intersect, union
from indexer.index.phrases import verify_phrase
from indexer.index.view import FIELD_WEIGHTS, IndexView
from indexer.search.budget import UNLIMITED, Budget
from indexer.search.fragments import is_cjk
from indexer.search.query import (
    And,
    FieldFilter,
    MatchAll,
    Not,
    OnlyStopWords,
    Or,
    Phrase,
    Prefix,
    Term,
)


class Evaluation:
    """Evaluates one parsed query on a view; remembers what it looked up.

    Stop words are dropped from a query the way the index dropped them
    from the text: a word made only of stop words (`the`, `of`, 的) is no
    constraint, in an AND or an OR, so `the wafer` finds what `wafer`
    finds. Inside a quoted phrase they cost nothing either: the index
    numbered positions without them. A query whose every word is a stop
    word raises `OnlyStopWords` rather than answering nothing or everything.

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
        self.view = view
        self.budget = budget
        self.expansions = expansions or {}
        self.bigrams = bigrams
        self.highlight_terms: dict[str, set] = {"title": set(), "body": set()}
        self.filters: list[FieldFilter] = []
        self.stopped: list[str] = []

    def run(self, node) -> Matches:
        m = self.eval(node)
        if m is None and self.stopped and not self.filters:
            raise OnlyStopWords(dict.fromkeys(self.stopped))
        return m if m is not None else self.view.all_live()

    def eval(self, node) -> Matches | None:
        """None means "no constraint" (match everything)."""
        self.budget.check()
        if isinstance(node, MatchAll):
            return None
        if isinstance(node, Term):
            return self._word(node)
        if isinstance(node, Phrase):
            return self._phrase(node.text, node.field)
        if isinstance(node, Prefix):
            return self._prefix(node)
        if isinstance(node, FieldFilter):
            self.filters.append(node)
            return None
        if isinstance(node, Or):
            result = None
            for child in node.children:
                m = self.eval(child)
                if m is None:
                    if isinstance(child, Term | Phrase):
                        continue  # a stop word: no option, not every document
                    return None
                result = m if result is None else union(result, m)
            return result
        if isinstance(node, And):
            positives = [c for c in node.children if not isinstance(c, Not)]
            negatives = [c.child for c in node.children if isinstance(c, Not)]
            result = None
            for child in positives:
                m = self.eval(child)
                if m is None:
                    continue
                result = m if result is None else intersect(result, m)
            if negatives:
                if result is None:
                    result = self.view.all_live()
                for child in negatives:
                    m = self._negated(child)
                    if m is not None:
                        result = exclude(result, m.docs)
            return result
        if isinstance(node, Not):
            m = self._negated(node.child)
            base = self.view.all_live()
            return exclude(base, m.docs) if m is not None else base
        return None

    def _negated(self, node) -> Matches | None:
        # Highlights come only from positive clauses.
        saved = {k: set(v) for k, v in self.highlight_terms.items()}
        saved_filters = list(self.filters)
        if isinstance(node, FieldFilter):
            m = self._filter_as_matches(node)
        else:
            m = self.eval(node)
        self.highlight_terms, self.filters = saved, saved_filters
        return m

    def _filter_as_matches(self, node: FieldFilter) -> Matches:
        from indexer.index.filters import filter_mask

        mask = filter_mask(self.view, node.field, [node.value])
        docs = np.flatnonzero(mask & self.view.live).astype(np.int64)
        return Matches(docs, np.zeros(len(docs), dtype=np.float32))

    def _fields(self, field):
        return (field,) if field else tuple(FIELD_WEIGHTS)

    def _word(self, node: Term) -> Matches | None:
        if not query_terms(node.text):
            self.stopped.append(node.text)
            return None
        m = self._text(node.text, node.field)
        for alt in self.expansions.get(node.text, ()):
            m = union(m, self._text(alt, node.field))
        return m

    def _text(self, text: str, field) -> Matches:
        """A word as typed: one term, or several (Chinese, 12-inch)."""
        terms = query_terms(text)
        if not terms:
            return Matches.empty()
        cjk = any(is_cjk(c) for c in text)
        if len(terms) == 1:
            result = self._terms_any_field(terms, field)
        elif cjk:
            # Unquoted Chinese: every word must occur, anywhere.
            result = None
            for term in dict.fromkeys(terms):
                m = self._terms_any_field([term], field)
                result = m if result is None else intersect(result, m)
        else:
            return self._phrase(text, field)
        if cjk and self.bigrams and field is None:
            result = union(result, self.view.bigram_matches(text))
        return result

    def _terms_any_field(self, terms, field) -> Matches:
        result = Matches.empty()
        for f in self._fields(field):
            for term in terms:
                self.budget.check()
                self.highlight_terms[f].add(term)
                result = union(result, self.view.term_matches(f, term))
        return result

    def _prefix(self, node: Prefix) -> Matches:
        result = Matches.empty()
        prefix = node.text.lower()
        for f in self._fields(node.field):
            for term in self.view.prefix_terms(f, prefix):
                self.budget.check()
                self.highlight_terms[f].add(term)
                result = union(result, self.view.term_matches(f, term))
        return result

    def _phrase(self, text: str, field) -> Matches | None:
        terms = query_terms(text)
        if not terms:
            self.stopped.append(text)
            return None
        alternatives = [terms] + [query_terms(a) for a in self.expansions.get(text, ())]
        result = Matches.empty()
        for f in self._fields(field):
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
