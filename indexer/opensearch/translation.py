"""The query tree (`indexer.search.query`) as OpenSearch query DSL, matching as Whoosh does.

`Translation` walks the tree the way `indexer.index.evaluation.Evaluation`
does and builds the same logic out of `bool` queries: words are analysed
here (`query_terms`) and looked up as exact terms, so a term matches
what it matches in Whoosh.

* A word is its term in the title or the body, each field's words or extra
  tokens (`mapping`); the title counts double, as in Whoosh. Unquoted
  Chinese: every segmented word, anywhere. A Latin word of several terms
  (`12-inch`) is a phrase.
* A phrase is a `span_near` of its words at consecutive positions, each
  a word or a sub-word inside one (`phrase_query`), as Whoosh's phrase
  check finds them; a phrase of one term is that term.
* Stop words are dropped as Whoosh drops them (a query of nothing else
  raises `OnlyStopWords`); place names also search their name in the other
  language (`expansions`); `source:`, `lang:`, `location:` inside a query
  are filters (collected in `filters`), negated ones exclusions.
* With `bigrams`, a Chinese word also matches the documents holding all
  its hashed bigram keys, scored `BIGRAM_SCORE`, below any word match.

It also records what to highlight: terms per field (`highlight`),
prefixes (`prefixes`, matched against each hit's stored tokens), and
phrases (`phrases`), whose words are highlighted only if the phrase
matches somewhere, as in Whoosh.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.analysis import query_terms
from indexer.analysis.bigrams import gram_keys
from indexer.extract import normalize_lang
from indexer.opensearch.documents import LAYERS, fit
from indexer.search.dates import date_bound
from indexer.search.errors import FilterError
from indexer.search.fragments import is_cjk
from indexer.search.places import resolve_places
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
from indexer.search.request import SearchRequest

FIELD_WEIGHTS = {"title": 2.0, "body": 1.0}
BIGRAM_SCORE = 0.001
MATCH_ALL = {"match_all": {}}
MATCH_NONE = {"match_none": {}}


def words_field(field: str) -> str:
    return f"{field}_words"


def extra_field(field: str) -> str:
    return f"{field}_extra"


def any_of(clauses: list[dict]) -> dict:
    if not clauses:
        return MATCH_NONE
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def all_of(clauses: list[dict]) -> dict:
    if not clauses:
        return MATCH_ALL
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"must": clauses}}


def term_query(field: str, term: str) -> dict:
    """One analysed term in one field: its words or its extra tokens, the title weighted."""
    weight = FIELD_WEIGHTS[field]
    return any_of(
        [
            {"term": {words_field(field): {"value": fit(term), "boost": weight}}},
            {"term": {extra_field(field): {"value": fit(term), "boost": weight}}},
        ]
    )


def bigram_query(text: str) -> dict:
    """Documents holding every hashed bigram key of `text`, at `BIGRAM_SCORE`."""
    keys = gram_keys(text)
    if not keys:
        return MATCH_NONE
    grams = {"bool": {"filter": [{"term": {"grams": k}} for k in keys]}}
    return {"constant_score": {"filter": grams, "boost": BIGRAM_SCORE}}


def filter_query(field: str, values) -> dict:
    """A filter as Whoosh's masks apply it: values OR-ed; a place includes what is inside it."""
    values = [v for v in values if v and v.strip()]
    if field == "location":
        ids, _unknown = resolve_places(values)
        return {"terms": {"places_all": ids}}
    if field == "lang":
        return {"terms": {"lang": [normalize_lang(v) or v.strip().lower() for v in values]}}
    if field == "source":
        return any_of(
            [{"term": {"source": {"value": v.strip(), "case_insensitive": True}}} for v in values]
        )
    raise FilterError(f"unknown filter {field!r}")


def date_query(lo: int, hi: int) -> dict:
    """Dated articles from `lo` to `hi` (YYYYMMDD, inclusive); undated ones have no date."""
    return {"range": {"date": {"gte": max(lo, 1), "lte": hi}}}


def phrase_query(field: str, words) -> dict:
    """Words at consecutive positions, each a word or an extra token there (`documents`)."""
    masked = words_field(field)

    def anywhere(word: str) -> dict:
        options = [{"span_term": {masked: fit(word)}}]
        options += [
            {
                "span_field_masking": {
                    "query": {"span_term": {f"{field}_sub{k}": fit(word)}},
                    "field": masked,
                }
            }
            for k in range(1, LAYERS + 1)
        ]
        return {"span_or": {"clauses": options}}

    near = {"clauses": [anywhere(w) for w in words], "slop": 0, "in_order": True}
    return {"span_near": {**near, "boost": FIELD_WEIGHTS[field]}}


@dataclass
class PhraseClause:
    field: str
    words: tuple[str, ...]
    query: dict


class Translation:
    """Translates one parsed query; remembers what it highlights and filters."""

    def __init__(self, expansions: dict | None = None, bigrams: bool = False):
        self.expansions = expansions or {}
        self.bigrams = bigrams
        self.highlight: dict[str, set] = {"title": set(), "body": set()}
        self.prefixes: dict[str, set] = {"title": set(), "body": set()}
        self.phrases: list[PhraseClause] = []
        self.filters: list[FieldFilter] = []
        self.stopped: list[str] = []

    def run(self, node) -> dict:
        q = self.eval(node)
        if q is None and self.stopped and not self.filters:
            raise OnlyStopWords(dict.fromkeys(self.stopped))
        return q if q is not None else MATCH_ALL

    def eval(self, node) -> dict | None:
        """None means "no constraint" (match everything)."""
        if isinstance(node, MatchAll):
            return None
        if isinstance(node, Term):
            return self._word(node)
        if isinstance(node, Phrase):
            return self.phrase(node.text, node.field)
        if isinstance(node, Prefix):
            return self._prefix(node)
        if isinstance(node, FieldFilter):
            self.filters.append(node)
            return None
        if isinstance(node, Or):
            options = []
            for child in node.children:
                q = self.eval(child)
                if q is None:
                    if isinstance(child, Term | Phrase):
                        continue  # a stop word: no option, not every document
                    return None
                options.append(q)
            return any_of(options) if options else None
        if isinstance(node, And):
            positives = [c for c in node.children if not isinstance(c, Not)]
            negatives = [c.child for c in node.children if isinstance(c, Not)]
            parts = [q for q in map(self.eval, positives) if q is not None]
            excluded = [q for q in map(self.negated, negatives) if q is not None]
            if not excluded:
                return all_of(parts) if parts else None
            return {"bool": {"must": parts or [MATCH_ALL], "must_not": excluded}}
        if isinstance(node, Not):
            q = self.negated(node.child)
            return {"bool": {"must": [MATCH_ALL], "must_not": [q]}} if q is not None else MATCH_ALL
        return None

    def negated(self, node) -> dict | None:
        """What `node` excludes; highlights and filters come only from positive clauses."""
        saved = (
            {k: set(v) for k, v in self.highlight.items()},
            {k: set(v) for k, v in self.prefixes.items()},
            list(self.phrases),
            list(self.filters),
        )
        if isinstance(node, FieldFilter):
            q = filter_query(node.field, [node.value])
        else:
            q = self.eval(node)
        self.highlight, self.prefixes, self.phrases, self.filters = saved
        return q

    def _fields(self, field):
        return (field,) if field else tuple(FIELD_WEIGHTS)

    def _word(self, node: Term) -> dict | None:
        if not query_terms(node.text):
            self.stopped.append(node.text)
            return None
        q = self.text(node.text, node.field)
        for alt in self.expansions.get(node.text, ()):
            q = any_of([q, self.text(alt, node.field)])
        return q

    def text(self, text: str, field) -> dict:
        """A word as typed: one term, or several (Chinese, 12-inch)."""
        terms = query_terms(text)
        if not terms:
            return MATCH_NONE
        cjk = any(is_cjk(c) for c in text)
        if len(terms) == 1:
            result = self.terms_any_field(terms, field)
        elif cjk:
            # Unquoted Chinese: every word must occur, anywhere.
            result = all_of([self.terms_any_field([t], field) for t in dict.fromkeys(terms)])
        else:
            return self.phrase(text, field) or MATCH_NONE
        if cjk and self.bigrams and field is None:
            result = any_of([result, bigram_query(text)])
        return result

    def terms_any_field(self, terms, field) -> dict:
        clauses = []
        for f in self._fields(field):
            for term in terms:
                self.highlight[f].add(term)
                clauses.append(term_query(f, term))
        return any_of(clauses)

    def _prefix(self, node: Prefix) -> dict:
        prefix = node.text.lower()
        clauses = []
        for f in self._fields(node.field):
            self.prefixes[f].add(prefix)
            for name in (words_field(f), extra_field(f)):
                clauses.append({"prefix": {name: {"value": prefix, "boost": FIELD_WEIGHTS[f]}}})
        return any_of(clauses)

    def phrase(self, text: str, field) -> dict | None:
        terms = query_terms(text)
        if not terms:
            self.stopped.append(text)
            return None
        alternatives = [terms] + [query_terms(a) for a in self.expansions.get(text, ())]
        clauses = []
        for f in self._fields(field):
            for words in alternatives:
                if not words:
                    continue
                if len(words) == 1:
                    self.highlight[f].add(words[0])
                    clauses.append(term_query(f, words[0]))
                    continue
                query = phrase_query(f, words)
                self.phrases.append(PhraseClause(f, tuple(words), query))
                clauses.append(query)
        return any_of(clauses)

    def add_phrase_highlights(self, matched: list[bool]) -> None:
        """Highlight the words of the phrases that match somewhere (`matched`, per phrase)."""
        for clause, found in zip(self.phrases, matched, strict=True):
            if found:
                self.highlight[clause.field].update(clause.words)


def request_filters(req: SearchRequest, translation: Translation) -> tuple[dict, list[str]]:
    """Filter queries by facet name (parameters and `field:value` in the query).

    Also the places named that the gazetteer does not know.
    """
    values: dict[str, list[str]] = {
        "location": list(req.locations),
        "lang": list(req.langs),
        "source": list(req.sources),
    }
    for f in translation.filters:
        values[f.field].append(f.value)
    filters: dict[str, dict] = {}
    unknown: list[str] = []
    if values["location"]:
        _ids, unknown = resolve_places(values["location"])
    for name, given in values.items():
        if given:
            filters[name] = filter_query(name, given)
    if req.date_from or req.date_to:
        lo = date_bound(req.date_from, end=False) if req.date_from else 1
        hi = date_bound(req.date_to, end=True) if req.date_to else 99991299
        if lo > hi:
            raise FilterError("date_from is after date_to")
        filters["date"] = date_query(lo, hi)
    return filters, unknown
