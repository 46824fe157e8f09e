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

It also records what to highlight: terms per field (`highlight_terms`),
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
from indexer.search.query import FieldFilter, Prefix
from indexer.search.request import SearchRequest
from indexer.search.walking import QueryWalk

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


class Translation(QueryWalk[dict]):
    """Translates one parsed query; remembers what it highlights and filters.

    The tree's logic is `QueryWalk`'s, the same as Whoosh's; here a word is
    a term query. Besides terms, it keeps prefixes and phrase clauses for
    highlighting.
    """

    def __init__(self, expansions: dict | None = None, bigrams: bool = False):
        super().__init__(expansions, bigrams)
        self.prefixes: dict[str, set] = {"title": set(), "body": set()}
        self.phrases: list[PhraseClause] = []

    def saved_state(self):
        return (
            super().saved_state(),
            {k: set(v) for k, v in self.prefixes.items()},
            list(self.phrases),
        )

    def restore_state(self, saved) -> None:
        walked, self.prefixes, self.phrases = saved
        super().restore_state(walked)

    def everything(self) -> dict:
        return MATCH_ALL

    def any_of(self, clauses: list) -> dict:
        return any_of(clauses)

    def all_of(self, clauses: list) -> dict:
        return all_of(clauses)

    def without(self, parts: list, excluded: list) -> dict:
        return {"bool": {"must": parts or [MATCH_ALL], "must_not": excluded}}

    def filter_clause(self, node: FieldFilter) -> dict:
        return filter_query(node.field, [node.value])

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
        for f in self.fields(field):
            for term in terms:
                self.highlight_terms[f].add(term)
                clauses.append(term_query(f, term))
        return any_of(clauses)

    def prefix(self, node: Prefix) -> dict:
        prefix = node.text.lower()
        clauses = []
        for f in self.fields(node.field):
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
        for f in self.fields(field):
            for words in alternatives:
                if not words:
                    continue
                if len(words) == 1:
                    self.highlight_terms[f].add(words[0])
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
                self.highlight_terms[clause.field].update(clause.words)


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
