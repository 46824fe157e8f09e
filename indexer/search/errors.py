"""The errors a search can end in, the same from every backend.

The service turns each into its HTTP answer (see `service.errors`): a query
or filter that cannot be searched is a 400, an index that is missing, a
query over its time budget or a search engine that cannot answer a 503.
"""

from __future__ import annotations

from indexer.search.query import OnlyStopWords, QueryError

__all__ = [
    "BackendUnavailable",
    "FilterError",
    "IndexMissing",
    "OnlyStopWords",
    "QueryError",
    "QueryTooExpensive",
]


class FilterError(ValueError):
    """A filter value that is not understood; the message says why."""


class IndexMissing(Exception):
    """There is no index to search (not built yet, or its folder is gone)."""


class QueryTooExpensive(Exception):
    """The search ran out of its time budget; the message advises the user."""

    code = "query_too_expensive"


class BackendUnavailable(Exception):
    """The search engine cannot answer now (no node reachable, or shards missing).

    The message says what failed, for the log; clients get a generic 503.
    The next request tries again: nothing needs restarting when it is back.
    """

    code = "backend_unavailable"


class NotSupported(Exception):
    """The configured backend cannot do this (feeds and exports on OpenSearch, today)."""

    code = "not_supported"
