"""Links: query strings, and links to articles (the service's business, not the backend's).

Backends return plain article summaries; the service adds where each one
is read on this site (`/doc/<id>`), in the place the API has always put
it (after `locations`). A search's feed and exports carry its words and
filters, not its page: they order and count for themselves.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote_plus, urlencode


def url_with(path: str, pairs) -> str:
    """`path` with a query string of `pairs`, or bare when there are none.

    The query string is `urlencode(pairs)`, written a pair at a time by
    `encoded_pair` where both are strings (every link of a results page).
    """
    encoded = [
        encoded_pair(k, v) if type(k) is str and type(v) is str else urlencode([(k, v)])
        for k, v in pairs
    ]
    return joined_url(path, encoded)


@lru_cache(maxsize=8192)
def encoded_pair(key: str, value: str) -> str:
    """One `key=value` of a query string, exactly as `urlencode` writes it.

    A results page links every facet value (hundreds of places) to the same
    query with that value switched: encoding each value once per process,
    and the request's own parameters once per request, took the page's
    links from most of a request's time outside the search to a small part.
    """
    return quote_plus(key) + "=" + quote_plus(value)


def joined_url(path: str, encoded: list[str]) -> str:
    """`url_with` for pairs already encoded by `encoded_pair`."""
    return path + ("?" + "&".join(encoded) if encoded else "")


def with_url(summary: dict) -> dict:
    linked = {}
    for key, value in summary.items():
        linked[key] = value
        if key == "locations":
            linked["url"] = f"/doc/{summary.get('id')}"
    if "url" not in linked:
        linked["url"] = f"/doc/{summary.get('id')}"
    return linked


def document_with_urls(doc: dict) -> dict:
    doc = with_url(doc)
    doc["related"] = [with_url(r) for r in doc.get("related", [])]
    return doc


FEED_PATH = "/feed.atom"
EXPORT_PATH = "/api/export"
NOT_FOR_FEEDS = ("page", "per_page", "sort", "ui")  # a feed is always its newest articles
NOT_FOR_EXPORTS = ("page", "per_page", "ui", "format", "body", "limit")


def search_pairs(args, leave_out) -> list[tuple[str, str]]:
    return [(k, v) for k, v in args.items(multi=True) if k not in leave_out]


def feed_url(args) -> str:
    """The Atom feed of a search: the same words and filters, newest first."""
    return url_with(FEED_PATH, search_pairs(args, NOT_FOR_FEEDS))


def export_url(args, fmt: str) -> str:
    """A download of a search's articles (its words, filters and order) as `fmt`."""
    return url_with(EXPORT_PATH, [*search_pairs(args, NOT_FOR_EXPORTS), ("format", fmt)])
