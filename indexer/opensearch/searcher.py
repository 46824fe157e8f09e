"""The cluster as a `SearchBackend`: the same search, document and stats as Whoosh's.

One `OpenSearchSearcher` per process, shared by its threads (the client is
thread-safe and opened lazily, after gunicorn forks). A search is one to a
few requests, following `indexer.index.searcher.Searcher` step by step:

1. the total (and, for phrases, whether each matches at all: their words
   are highlighted only then), in one `_msearch`;
2. for a plain query of two words or more (`indexer.search.fragments`),
   the best-scored candidates' stored text, read in stages, checked for
   the query's very words; a Chinese query finding too little is
   translated again with bigrams (`wants_bigrams`) and steps 1-2 repeat;
3. when fewer than `RELAX_BELOW` articles match all words, the articles
   matching most of them (`relaxing`);
4. the page: hits sorted as asked (the articles holding the fragment first
   when sorted by relevance), `post_filter` for the filters, the facets as
   aggregations (`aggregations`), the exact total; snippets are cut from
   the hits' stored text at their stored offsets (`highlights`);
5. did-you-mean, when the query found fewer than three articles.

Errors: a query or filter that cannot be searched raises what Whoosh
raises (`QueryError`, `FilterError`, a 400); a missing alias
`IndexMissing`; a cluster that cannot answer, or answers with shards
missing, `BackendUnavailable` (a 503: `allow_partial_search_results` is
off, so a count is never quietly short); a search over its time budget
`QueryTooExpensive`.
"""

from __future__ import annotations

import threading
import time

from indexer.opensearch.aggregations import facet_aggregations, facet_counts
from indexer.opensearch.connection import (
    SHARD_RETRIES,
    SHARD_RETRY_PAUSE,
    TOO_MANY_CLAUSES,
    ClusterConfig,
    connect,
    error_types,
    shards_failed,
    unavailable,
)
from indexer.opensearch.documents import SUMMARY_FIELDS, as_stored
from indexer.opensearch.exporting import Ranking, export_articles, index_version
from indexer.opensearch.highlights import STORED_FOR_SNIPPETS, highlighted, highlighted_document
from indexer.opensearch.relaxing import (
    TIER,
    partial_only,
    relaxable_units,
    tier_of,
    tiered_query,
)
from indexer.opensearch.stats import cluster_stats
from indexer.opensearch.suggestions import related_body, spelling_lookups
from indexer.opensearch.translation import (
    Translation,
    all_of,
    bigram_query,
    request_filters,
)
from indexer.search.budget import Budget, advice
from indexer.search.errors import BackendUnavailable, FilterError, IndexMissing, QueryTooExpensive
from indexer.search.fragments import FRAGMENT_CHECK, WIDE_CHECK_WORDS, fragment_of, wants_bigrams
from indexer.search.places import place_dicts, place_expansions
from indexer.search.query import QueryError, parse_query
from indexer.search.request import SORTS, IndexVersion, SearchRequest, SearchResult
from indexer.search.spelling import suggest
from indexer.search.summaries import doc_summary

RELAX_BELOW = 3  # as indexer.index.relaxing
FOUND_BOOST = TIER / 2  # lifts the articles holding the fragment above their tier
GENERATION_TTL = 5.0  # seconds the alias's index is remembered between look-ups
DOCUMENT_FIELDS = [*SUMMARY_FIELDS, "body", "path", "part", "url", *STORED_FOR_SNIPPETS]
DATE_DESC = {"date": {"order": "desc", "missing": "_last"}}
DATE_ASC = {"date": {"order": "asc", "missing": "_last"}}
SORT_CLAUSES = {
    "relevance": [{"_score": "desc"}, DATE_DESC, {"id": "asc"}],
    "newest": [DATE_DESC, {"_score": "desc"}, {"id": "asc"}],
    "oldest": [DATE_ASC, {"_score": "desc"}, {"id": "asc"}],
}
SEARCH_PARAMS = {"allow_partial_search_results": "false"}


class OpenSearchSearcher:
    def __init__(self, config: ClusterConfig, query_timeout_ms: float | None = None):
        self.config = config
        self.alias = config.alias
        self.query_timeout = None if not query_timeout_ms else query_timeout_ms / 1000
        self._client = None
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._generation_at = 0.0

    @property
    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = connect(self.config)
        return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- requests ----------------------------------------------------------------
    @property
    def generation(self) -> str | None:
        """The index behind the alias (looked up again every few seconds)."""
        if self._generation is None or time.monotonic() - self._generation_at > GENERATION_TTL:
            with unavailable("reading the alias", self.alias):
                found = self.client.indices.get_alias(name=self.alias)
            self._seen(sorted(found)[-1] if found else None)
        return self._generation

    def open_view(self) -> str | None:
        """Connect and read the alias before the first request (a worker does it after forking)."""
        return self.generation

    def _seen(self, index: str | None) -> None:
        self._generation, self._generation_at = index, time.monotonic()

    def _search(self, body: dict, what: str = "searching") -> dict:
        for attempt in range(SHARD_RETRIES + 1):
            index = None if "pit" in body else self.alias  # a point in time names its index
            with unavailable(what, self.alias):
                response = self.client.search(index=index, body=body, params=SEARCH_PARAMS)
            if not shards_failed(response) or attempt == SHARD_RETRIES:
                return self._checked(response, body)
            time.sleep(SHARD_RETRY_PAUSE * (attempt + 1))

    def _msearch(self, bodies: list[dict], what: str = "searching") -> list[dict]:
        lines: list[dict] = []
        for body in bodies:
            lines += [{"allow_partial_search_results": False}, body]
        for attempt in range(SHARD_RETRIES + 1):
            with unavailable(what, self.alias):
                answers = self.client.msearch(index=self.alias, body=lines)["responses"]
            if not any(map(shards_failed, answers)) or attempt == SHARD_RETRIES:
                return [self._checked(a, b) for a, b in zip(answers, bodies, strict=True)]
            time.sleep(SHARD_RETRY_PAUSE * (attempt + 1))

    def _checked(self, response: dict, body: dict) -> dict:
        error = response.get("error")
        if error:
            kind = error.get("type", "") if isinstance(error, dict) else str(error)
            if kind == "index_not_found_exception":
                raise IndexMissing(f"no index {self.alias} on the cluster")
            if "too_many_clauses" in error_types(response):
                raise QueryError(TOO_MANY_CLAUSES)
            if response.get("status") in (429, 502, 503, 504) or shards_failed(response):
                raise BackendUnavailable(f"search failed: {kind}")
            raise RuntimeError(f"the cluster refused a search: {error}")
        if response.get("timed_out"):
            raise QueryTooExpensive()  # `search` adds the advice for the query
        hits = response.get("hits", {}).get("hits")
        if hits and "pit" not in body:  # an export's PIT may read an older build
            self._seen(hits[0]["_index"])
        return response

    # -- searching -----------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        return self._advised(request, ranking_only=False)

    def ranking(self, request: SearchRequest) -> Ranking:
        """What orders `request`'s matches as `search` does, decided as it does (exports)."""
        return self._advised(request, ranking_only=True)

    def _advised(self, request: SearchRequest, ranking_only: bool):
        try:
            return self._searched(request, ranking_only)
        except QueryTooExpensive as exc:
            if str(exc):
                raise
            tree = parse_query(request.q)
            raise QueryTooExpensive(advice(tree, self.query_timeout)) from None

    def _searched(self, request: SearchRequest, ranking_only: bool = False):
        req = request
        started = time.perf_counter()
        tree = parse_query(req.q)
        sort = req.sort or ("relevance" if (req.q or "").strip() else "newest")
        if sort not in SORTS:
            raise FilterError(f"sort must be one of {', '.join(SORTS)}")
        start = (req.page - 1) * req.per_page
        if start + req.per_page > self.config.max_result_window:
            raise FilterError(f"page {req.page} is deeper than this index pages")
        budget = Budget(self.query_timeout, tree)
        expansions, expanded = place_expansions(tree)
        translation = Translation(expansions)
        query = translation.run(tree)
        filters, unknown_locations = request_filters(req, translation)
        post_filter = all_of(list(filters.values())) if filters else None

        fragment = fragment_of(tree)
        highlights = translation if req.snippets else None
        # The first page by relevance also brings the first candidates for an
        # English fragment (`_fragment_hits`): a plain query is then one request.
        inline = (
            fragment is not None and not fragment.chinese and sort == "relevance" and req.page == 1
        )
        size = max(req.per_page, FRAGMENT_CHECK[0]) if inline else req.per_page
        fields = SUMMARY_FIELDS + (["body", *STORED_FOR_SNIPPETS] if req.snippets or inline else [])
        page = self._page(query, filters, sort, start, size, fields, req.facets, highlights)
        total = page["hits"]["total"]["value"]
        found: list[str] = []
        again = False  # whether the page must be asked for again (another query)
        if fragment is not None:
            first = page["hits"]["hits"][: FRAGMENT_CHECK[0]] if inline else None
            found = self._fragment_hits(query, filters, fragment, first=first)
            if wants_bigrams(tree, total, bool(found)):
                translation = Translation(expansions, bigrams=True)
                highlights = translation if req.snippets else None
                query = translation.run(tree)
                total = self._count(query, post_filter, highlights)
                found = self._fragment_hits(query, filters, fragment)
                again = True
        budget.check()
        complete = total
        exact = fragment is not None and bool(found)
        relaxed = None
        if complete < RELAX_BELOW and req.q and not exact:
            relaxation = self._relax(translation, tree, post_filter, complete)
            if relaxation is not None:
                query, relaxed, total, top_tier = relaxation
                again = True
                if fragment is not None:
                    found = self._fragment_hits(query, filters, fragment, top_tier * TIER)
        budget.check()
        lifted = bool(found) and sort == "relevance"
        ranked = _lifted(query, found) if lifted else query
        if ranking_only:
            return Ranking(ranked, post_filter, SORT_CLAUSES[sort])

        hits = page["hits"]["hits"]
        on_page = {h["_id"] for h in hits}
        if lifted and not again and inline and on_page >= set(found):
            # Every article holding the fragment is among the candidates read:
            # they go first, the others follow in order, on this very page.
            ahead = set(found)
            hits = [h for h in hits if h["_id"] in ahead] + [
                h for h in hits if h["_id"] not in ahead
            ]
            lifted = False  # reordered here: the scores are the query's own
        elif again or lifted:
            page = self._page(ranked, filters, sort, start, req.per_page, fields, req.facets, None)
            hits = page["hits"]["hits"]
        budget.check()
        found_ids = set(found) if lifted else set()
        hits = [
            self._hit(h, highlights, h["_id"] in found_ids, relaxed) for h in hits[: req.per_page]
        ]
        facets = facet_counts(page["aggregations"]) if req.facets else {}
        suggested = None
        if complete < 3 and req.q and not exact:
            suggested = suggest(tree, spelling_lookups(self._search, budget.check))
        return SearchResult(
            query=req.q or "",
            total=page["hits"]["total"]["value"],
            page=req.page,
            per_page=req.per_page,
            sort=sort,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            facets=facets,
            expanded=expanded,
            suggestion=suggested,
            unknown_locations=unknown_locations,
            generation=self._generation or self.generation or "",
            relaxed=relaxed,
        )

    def _page(self, query, filters, sort, start, size, fields, facets, highlights) -> dict:
        """One page of hits with the exact total (and facets); settles phrase highlights."""
        body = {
            "query": query,
            "from": start,
            "size": size,
            "sort": SORT_CLAUSES[sort],
            "track_scores": True,
            "track_total_hits": True,
            "_source": fields,
        }
        if filters:
            body["post_filter"] = all_of(list(filters.values()))
        if facets:
            body["aggs"] = facet_aggregations(filters)
        if self.query_timeout is not None:
            body["timeout"] = f"{int(self.query_timeout * 1000)}ms"
        phrases = highlights.phrases if highlights is not None else []
        answers = self._msearch([body, *map(_phrase_check, phrases)])
        if phrases:
            highlights.add_phrase_highlights([a["hits"]["total"]["value"] > 0 for a in answers[1:]])
        return answers[0]

    def _count(self, query: dict, post_filter: dict | None, translation) -> int:
        """Matches under the filters; also settles which phrases highlight (`translation`)."""
        body: dict = {"query": query, "size": 0, "track_total_hits": True}
        if post_filter is not None:
            body["post_filter"] = post_filter
        phrases = translation.phrases if translation is not None else []
        answers = self._msearch([body, *map(_phrase_check, phrases)])
        if phrases:
            translation.add_phrase_highlights(
                [a["hits"]["total"]["value"] > 0 for a in answers[1:]]
            )
        return answers[0]["hits"]["total"]["value"]

    def _fragment_hits(
        self, query, filters: dict, fragment, min_score=None, first=None
    ) -> list[str]:
        """Ids of the best-scored candidates whose stored text holds `fragment`.

        Candidates are read best first in stages (`FRAGMENT_CHECK`); the
        search stops at the first stage that finds one. Only articles
        holding each of a Chinese fragment's bigrams can hold it. `first`:
        the first stage's candidates, when the caller has them already.
        """
        eligible = list(filters.values())
        if fragment.chinese:
            eligible.append(bigram_query(fragment.text)["constant_score"]["filter"])
        stages = FRAGMENT_CHECK if fragment.words >= WIDE_CHECK_WORDS else FRAGMENT_CHECK[:1]
        found: list[str] = []
        done = 0
        for stage in stages:
            if first is not None and done == 0:
                hits = first
                found = [h["_id"] for h in hits if _holds(h["_source"], fragment)]
                if found or len(hits) < stage:
                    break
                done = stage
                continue
            body = {
                "query": query,
                "from": done,
                "size": stage - done,
                "sort": SORT_CLAUSES["relevance"],
                "track_total_hits": False,
                "_source": ["title", "body"],
            }
            if eligible:
                body["post_filter"] = all_of(eligible)
            if min_score:
                body["min_score"] = min_score
            hits = self._search(body, "checking fragments")["hits"]["hits"]
            found = [h["_id"] for h in hits if _holds(h["_source"], fragment)]
            if found or len(hits) < stage - done:
                break
            done = stage
        return found

    def _relax(self, translation, tree, post_filter, complete: int):
        """(query, described, total, top tier) of the relaxed answer, or None."""
        units = relaxable_units(translation, tree)
        if units is None:
            return None
        words = len(units[0])
        # At least half of the words; fewer only when no article has half.
        best = self._top_score(tiered_query(*units, needed=1), None)
        needed = max(1, min(-(-words // 2), tier_of(best)))
        query = tiered_query(*units, needed=needed)
        partial_body = {"query": partial_only(query, units[0]), "size": 1, "_source": False}
        all_body = {"query": query, "size": 1, "_source": False, "track_total_hits": True}
        for body in (partial_body, all_body):
            if post_filter is not None:
                body["post_filter"] = post_filter
        partial, every = self._msearch([partial_body, all_body], "relaxing the query")
        if not partial["hits"]["hits"]:
            return None
        described = {
            "matched_words": tier_of(partial["hits"]["hits"][0]["_score"]),
            "of": words,
            "complete": complete,
        }
        top = tier_of(every["hits"]["hits"][0]["_score"])
        return query, described, every["hits"]["total"]["value"], top

    def _top_score(self, query: dict, post_filter) -> float | None:
        body = {"query": query, "size": 1, "_source": False, "track_total_hits": False}
        if post_filter is not None:
            body["post_filter"] = post_filter
        hits = self._search(body, "relaxing the query")["hits"]["hits"]
        return hits[0]["_score"] if hits else None

    def _hit(self, hit: dict, translation, found: bool, relaxed) -> dict:
        source = hit["_source"]
        summary = doc_summary(as_stored(source))
        score = hit.get("_score") or 0.0
        if found:
            score -= FOUND_BOOST
        if relaxed is not None:
            score %= TIER
        summary["score"] = round(float(score), 4)
        if translation is not None:
            summary["title_html"], summary["snippet"] = highlighted(source, translation)
        return summary

    # -- documents ---------------------------------------------------------------------
    def document(self, doc_id: str, q: str | None = None) -> dict | None:
        body = {"query": {"ids": {"values": [doc_id]}}, "size": 1, "_source": DOCUMENT_FIELDS}
        hits = self._search(body, "reading an article")["hits"]["hits"]
        if not hits:
            return None
        source = hits[0]["_source"]
        doc = doc_summary(as_stored(source))
        doc["body"] = source.get("body", "")
        doc["path"] = source.get("path", "")
        doc["part"] = source.get("part", 0)
        doc["url_original"] = source.get("url") or None
        doc["places"] = place_dicts(",".join(source.get("places") or []))
        if q:
            try:
                tree = parse_query(q)
            except QueryError:
                tree = None
            if tree is not None:
                expansions, _ = place_expansions(tree)
                translation = Translation(expansions)
                translation.run(tree)
                if translation.phrases:
                    self._count({"match_none": {}}, None, translation)
                doc["title_html"], doc["body_html"] = highlighted_document(source, translation)
        related = self._search(
            related_body(hits[0]["_index"], doc_id, SUMMARY_FIELDS), "finding related articles"
        )
        doc["related"] = [doc_summary(as_stored(h["_source"])) for h in related["hits"]["hits"]]
        return doc

    # -- statistics ----------------------------------------------------------------------
    def stats(self) -> dict:
        return cluster_stats(self)

    # -- feeds and exports (`Exporting`) -----------------------------------------------
    def export(self, request: SearchRequest, limit: int, body: bool = False):
        """See `Exporting.export`: decided now, read in batches from a point in time."""
        return export_articles(self, request, limit, body)

    def version(self) -> IndexVersion:
        """See `Exporting.version`: the index behind the alias and its last commit."""
        return index_version(self)


def _lifted(query: dict, found: list[str]) -> dict:
    """`query`, with the articles holding the fragment lifted above their tier."""
    lift = {"constant_score": {"filter": {"ids": {"values": found}}, "boost": FOUND_BOOST}}
    return {"bool": {"must": [query], "should": [lift]}}


def _holds(source: dict, fragment) -> bool:
    return fragment.held_by(source.get("title", ""), source.get("body", ""))


def _phrase_check(phrase) -> dict:
    """A search saying whether a phrase matches anywhere (then its words are highlighted)."""
    return {"query": phrase.query, "size": 0, "terminate_after": 1, "track_total_hits": True}
