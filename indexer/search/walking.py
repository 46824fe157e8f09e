"""The query tree's logic, once for every backend.

Whoosh evaluates a parsed query into scored matches (`indexer.index.evaluation`)
and OpenSearch translates it into query DSL (`indexer.opensearch.translation`);
both must give the same answers, so what a tree *means* lives here and only
what a word, a phrase or a prefix *is* differs per backend:

* A word made only of stop words (`the`, `of`, 的) is no constraint, in an
  AND or an OR; a query of nothing else raises `OnlyStopWords`.
* `field:value` filters are collected (`filters`), not matched; negated
  ones exclude. Highlights and filters come only from positive clauses.
* A negation is everything but what it excludes; a negated stop word
  excludes nothing and is no constraint either (`-the` alone is a query of
  stop words only).
* Relaxing (`word_units`): the words of an implicit AND counted one by
  one, a Chinese word by its segmented words; phrases, explicit AND groups
  and filters stay required.

A backend subclasses `QueryWalk` with its clause type (matches, or a DSL
dict) and fills in the primitives at the bottom.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from indexer.analysis import query_terms
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

Clause = TypeVar("Clause")
TEXT_FIELDS = ("title", "body")


class QueryWalk(Generic[Clause]):
    """Walks one parsed query; remembers what it highlights, filters and dropped."""

    def __init__(self, expansions: dict | None = None, bigrams: bool = False):
        self.expansions = expansions or {}
        self.bigrams = bigrams
        self.highlight_terms: dict[str, set] = {f: set() for f in TEXT_FIELDS}
        self.filters: list[FieldFilter] = []
        self.stopped: list[str] = []

    def run(self, node) -> Clause:
        clause = self.eval(node)
        if clause is None and self.stopped and not self.filters:
            raise OnlyStopWords(dict.fromkeys(self.stopped))
        return clause if clause is not None else self.everything()

    def eval(self, node) -> Clause | None:
        """None means "no constraint" (match everything)."""
        self.check()
        if isinstance(node, MatchAll):
            return None
        if isinstance(node, Term):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node.text, node.field)
        if isinstance(node, Prefix):
            return self.prefix(node)
        if isinstance(node, FieldFilter):
            self.filters.append(node)
            return None
        if isinstance(node, Or):
            options = []
            for child in node.children:
                clause = self.eval(child)
                if clause is None:
                    if isinstance(child, Term | Phrase):
                        continue  # a stop word: no option, not every document
                    return None
                options.append(clause)
            return self.any_of(options) if options else None
        if isinstance(node, And):
            positives = [c for c in node.children if not isinstance(c, Not)]
            negatives = [c.child for c in node.children if isinstance(c, Not)]
            parts = [c for c in map(self.eval, positives) if c is not None]
            excluded = [c for c in map(self.negated, negatives) if c is not None]
            if excluded:
                return self.without(parts, excluded)
            return self.all_of(parts) if parts else None
        if isinstance(node, Not):
            clause = self.negated(node.child)
            return self.without([], [clause]) if clause is not None else None
        return None

    def negated(self, node) -> Clause | None:
        """What `node` excludes; what it would highlight or filter is forgotten."""
        saved = self.saved_state()
        if isinstance(node, FieldFilter):
            clause = self.filter_clause(node)
        else:
            clause = self.eval(node)
        self.restore_state(saved)
        return clause

    def saved_state(self):
        return {k: set(v) for k, v in self.highlight_terms.items()}, list(self.filters)

    def restore_state(self, saved) -> None:
        self.highlight_terms, self.filters = saved

    def word(self, node: Term) -> Clause | None:
        if not query_terms(node.text):
            self.stopped.append(node.text)
            return None
        clause = self.text(node.text, node.field)
        for alt in self.expansions.get(node.text, ()):
            clause = self.any_of([clause, self.text(alt, node.field)])
        return clause

    def fields(self, field: str | None) -> tuple[str, ...]:
        return (field,) if field else TEXT_FIELDS

    def word_units(self, tree) -> tuple[list, list, list]:
        """(one clause per counted word, required clauses, excluded clauses) of a query.

        Each word counts once: a Chinese word counts each of its segmented
        words, and so does a compound ("U.S.-China", "e-commerce", "A|B"), which
        strictly must match as written; an `OR` group or a prefix counts as one
        word; stop words do not count. Phrases, explicit `AND` groups and field filters are
        required (a filter is already among `filters`), negations exclude.
        """
        children = tree.children if isinstance(tree, And) and not tree.explicit else (tree,)
        units, required, excluded = [], [], []
        for child in children:
            if isinstance(child, Not):
                clause = self.negated(child.child)
                if clause is not None:
                    excluded.append(clause)
            elif isinstance(child, Term):
                terms = query_terms(child.text)
                if len(terms) > 1:
                    units.extend(
                        self.terms_any_field([t], child.field) for t in dict.fromkeys(terms)
                    )
                else:
                    clause = self.eval(child)
                    if clause is not None:
                        units.append(clause)
            elif isinstance(child, Phrase | And | FieldFilter):
                clause = self.eval(child)
                if clause is not None:
                    required.append(clause)
            else:  # Or, Prefix
                clause = self.eval(child)
                if clause is not None:
                    units.append(clause)
        return units, required, excluded

    # -- what each backend fills in ------------------------------------------
    def check(self) -> None:
        """Called at every node: a backend with a time budget checks it here."""

    def everything(self) -> Clause:
        raise NotImplementedError

    def any_of(self, clauses: list) -> Clause:
        raise NotImplementedError

    def all_of(self, clauses: list) -> Clause:
        raise NotImplementedError

    def without(self, parts: list, excluded: list) -> Clause:
        """Everything `parts` all match (everything when there are none) but `excluded`."""
        raise NotImplementedError

    def filter_clause(self, node: FieldFilter) -> Clause:
        raise NotImplementedError

    def text(self, text: str, field: str | None) -> Clause:
        raise NotImplementedError

    def terms_any_field(self, terms: list[str], field: str | None) -> Clause:
        raise NotImplementedError

    def phrase(self, text: str, field: str | None) -> Clause | None:
        raise NotImplementedError

    def prefix(self, node: Prefix) -> Clause:
        raise NotImplementedError
