"""The seam between the service and whatever stores and searches the index.

The service speaks to a `SearchBackend` and never to Whoosh: it hands over
a `SearchRequest` and renders the `SearchResult`, article dicts and stats it
gets back. `open_backend(settings)` picks the backend from the `BACKEND`
setting and imports its module only then, so importing the service loads no
search engine. Whoosh (`indexer.index`) is the embedded default; OpenSearch
(`indexer.opensearch`) implements the same members over a cluster and passes the
same contract tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol, runtime_checkable

from indexer.search.request import IndexVersion, SearchRequest, SearchResult

BACKENDS = ("whoosh", "opensearch")


@runtime_checkable
class SearchBackend(Protocol):
    def search(self, request: SearchRequest) -> SearchResult:
        """One page of results, facets and snippets; raises the `errors` it documents."""

    def document(self, doc_id: str, q: str | None = None) -> dict | None:
        """One article with its body and related articles (`q` adds highlights), or None."""

    def stats(self) -> dict:
        """Documents, languages, date range, top places, size and last update."""

    def open_view(self) -> object:
        """Open and warm what searching needs now (a worker does it before its first request)."""

    def close(self) -> None:
        """Release what the backend holds (files, connections)."""

    @property
    def generation(self) -> str | None:
        """Which build of the index answers now (changes with every rebuild)."""


@runtime_checkable
class Exporting(Protocol):
    """What feeds and exports need besides searching; both backends have it.

    A backend without it would still serve search, documents and stats;
    the feed and export routes then answer 501 `not_supported`.
    """

    def export(self, request: SearchRequest, limit: int, body: bool = False) -> Iterator[dict]:
        """The first `limit` articles `request` selects, in its order, one summary dict each.

        Searches before it returns (so a bad query raises here, under the
        time budget); the iterator then reads the articles in batches, so
        memory does not grow with `limit`. `page` and `per_page` are ignored.
        `body` adds each article's text.
        """

    def version(self) -> IndexVersion:
        """The commit that answers now; cheap (no search), for caching by clients."""


@runtime_checkable
class GroupingStories(Protocol):
    """A backend that knows which articles are copies of one story; the Whoosh backend does.

    Only such a backend is handed a `SearchRequest` with `group="story"` or
    a `story`: the API answers 501 `not_supported` for those on another
    backend, and the search page shows every article instead of grouping.
    """

    def story_of(self, doc_id: str) -> str | None:
        """The id of the story an article belongs to (its earliest copy's id), or None."""


def warm_up(settings: Mapping) -> None:
    """Load what every backend's process needs once, before gunicorn forks.

    The segmenter, the gazetteer and OpenCC's tables (25 ms each): every
    backend analyses queries in Python. With Whoosh, also the current
    index's segments, read in gunicorn's master so the workers share them.
    """
    from indexer.extract.gazetteer import load_gazetteer
    from indexer.search.fragments import fragment_of
    from indexer.search.query import parse_query

    fragment_of(parse_query("預熱 文字 warm"))  # segments, folds, converts both ways
    load_gazetteer()
    if str(settings.get("BACKEND") or "whoosh").lower() == "whoosh" and settings.get("INDEX"):
        from indexer.index.searcher import read_segments_ahead

        read_segments_ahead(settings["INDEX"])


def open_backend(settings: Mapping) -> SearchBackend:
    """The configured backend, opened lazily (nothing is read until `open_view` or a search).

    Views after a commit are built in the background: a request never waits
    for the index to open once the first view is there.
    """
    name = str(settings.get("BACKEND") or "whoosh").lower()
    if name == "whoosh":
        from indexer.index.searcher import Searcher

        timeout = settings.get("QUERY_TIMEOUT_MS") or None
        return Searcher(
            settings["INDEX"],
            query_timeout_ms=timeout,
            background=True,
            answer_cache_mb=settings.get("ANSWER_CACHE_MB") or 0,
        )
    if name == "opensearch":
        from indexer.opensearch.connection import ClusterConfig
        from indexer.opensearch.searcher import OpenSearchSearcher

        timeout = settings.get("QUERY_TIMEOUT_MS") or None
        return OpenSearchSearcher(ClusterConfig.from_settings(settings), query_timeout_ms=timeout)
    raise ValueError(f"unknown BACKEND {name!r}: one of {', '.join(BACKENDS)}")
