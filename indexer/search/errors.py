"""The errors a search can end in, the same from every backend.

The service turns each into its HTTP answer (see `service.errors`): a query
or filter that cannot be searched is a 400, an index that is missing or a
query over its time budget a 503.
"""

from __future__ import annotations

from indexer.search.query import OnlyStopWords, QueryError

__all__ = ["FilterError", "IndexMissing", "OnlyStopWords", "QueryError", "QueryTooExpensive"]


class FilterError(ValueError):
    """A filter value that is not understood; the message says why."""


class IndexMissing(Exception):
    """There is no index to search (not built yet, or its folder is gone)."""


class QueryTooExpensive(Exception):
    """The search ran out of its time budget; the message advises the user."""

    code = "query_too_expensive"
