"""Whole answers kept per index view: a request asked again before a commit is not searched again.

Search traffic repeats itself within minutes: a page and then its JSON
link, back and forward in a browser, a search shared in a newsroom, the
name in the news typed by many readers in the same quarter hour. A view
never changes, so an answer it gave stays right until a commit builds the
next view, which keeps none of them (a commit may change any answer), as
Solr's result cache does with each new searcher.

Answers are kept pickled. A results page with its hits, snippets and
facets is 10-40 kB pickled (20 kB at the median at 100k articles, most of
it the place facet's counts) and several times that as live objects;
pickled, 32 MB hold about 1,500 of them, and each request gets its own
copy: nothing that renders an answer can change the kept one. Unpickling
costs about 0.2 ms and pickling 0.1 ms, against 4-5 ms for a first-seen
search at 100k articles. Only finished answers are kept: a
search that runs out of time raises before it gets here.

After a commit, the next view is built in the background while the old
one answers (`views`); before it is swapped in, the requests answered last
on the old view are answered again on it (Solr's autowarming), so the
searches people are making now stay instant across the cron's commits.
"""

from __future__ import annotations

import pickle
from dataclasses import astuple

from indexer.index.caches import SizedCache
from indexer.search.request import SearchRequest, SearchResult

ENTRY_OVERHEAD = 200  # bytes of the key and the cache's bookkeeping, per answer


def request_key(request: SearchRequest) -> tuple:
    """Everything in the request that decides the answer, hashable (its lists become tuples)."""
    return tuple(tuple(v) if isinstance(v, list) else v for v in astuple(request))


def request_of(key: tuple) -> SearchRequest:
    """The request a `request_key` was made of."""
    return SearchRequest(*(list(v) if isinstance(v, tuple) else v for v in key))


class KeptAnswers:
    """Answers of one view, least recently asked dropped first, bounded by their pickled size."""

    def __init__(self, limit_bytes: int):
        self._cache = SizedCache(limit_bytes)

    def get(self, request: SearchRequest) -> SearchResult | None:
        kept = self._cache.get(request_key(request))
        return None if kept is None else pickle.loads(kept)

    def keep(self, request: SearchRequest, result: SearchResult) -> None:
        kept = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        self._cache.put(request_key(request), kept, len(kept) + ENTRY_OVERHEAD)

    def recent_requests(self, count: int) -> list[SearchRequest]:
        """The `count` requests answered most recently, most recent first."""
        return [request_of(key) for key in self._cache.recent_keys(count)]

    def __len__(self) -> int:
        return len(self._cache)
