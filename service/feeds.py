"""Every search as an Atom feed: GET /feed.atom takes /api/search's parameters.

The feed is one more rendering of the `SearchResult` the page and the API
render: the search's `FEED_ENTRIES` newest articles, each linking to its
page on this site, with its places as categories and its snippet as the
summary (escaped HTML, the matched words in <mark>). `page`, `per_page`
and `sort` do not apply: a feed reader wants what is new, first.

Feed readers poll. `ETag` and `Last-Modified` name the index commit that
answers (`SearchBackend.version()`), and they are checked before anything
is searched: until an indexing run changes the index, a poll costs one
`stat` and gets a bodiless 304. Parameters are checked before that, so a
bad query is a 400 (JSON, as from the API) even to a conditional request.

Why feedgen writes the XML: it knows Atom's required elements (a feed
without an id, title or updated date is refused, not written), writes
RFC 3339 dates and escapes text, where ElementTree would leave all three
to this module.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict
from werkzeug.http import is_resource_modified

from indexer.search.request import IndexVersion, SearchRequest, SearchResult
from service.links import FEED_PATH, NOT_FOR_FEEDS, feed_url, search_pairs, url_with
from service.params import search_request
from service.search_index import check_grouping, exporting_backend

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml"
FEED_ENTRIES = 50
FEED_FORMAT = "1"  # in the ETag: a change of what the feed holds is a change of the feed
MAX_AGE = 300  # seconds a reader may reuse a feed without asking (indexing runs every 15 min)
# Characters XML 1.0 cannot hold at all, escaped or not; a stray one in an
# article's text would make lxml refuse to write the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@bp.get(FEED_PATH)
def feed():
    args = MultiDict(search_pairs(request.args, NOT_FOR_FEEDS))
    req = search_request(args)
    req = replace(req, page=1, per_page=FEED_ENTRIES, sort="newest", facets=False)
    searcher = exporting_backend()
    check_grouping(req)  # grouped, the feed has one entry per story: its newest copy
    # Should a commit land between these two calls, the feed is the newer
    # one under the older validators: the next poll fetches it once more.
    version = searcher.version()
    etag = f"{FEED_FORMAT}-{version.generation}-{version.commit}"
    if is_resource_modified(request.environ, etag=etag, last_modified=version.committed):
        site = request.host_url.rstrip("/")
        atom = atom_feed(searcher.search(req), req, args, version, site)
        response = Response(atom, mimetype=ATOM)
    else:
        response = Response(status=304, mimetype=ATOM)  # bodiless: HTML's CSP is not its
    response.set_etag(etag)
    response.last_modified = version.committed
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def atom_feed(
    result: SearchResult, req: SearchRequest, args: MultiDict, version: IndexVersion, site: str
) -> bytes:
    """The feed document; `site` (scheme and host) makes every link absolute."""
    self_url = site + feed_url(args)
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(_text(feed_title(req)))
    fg.subtitle("newsarchive: English and Chinese news, newest first")
    fg.author(name="newsarchive")
    fg.link(href=self_url, rel="self", type=ATOM)
    page = url_with("/", [*args.items(multi=True), ("sort", "newest")])
    fg.link(href=site + page, rel="alternate", type="text/html")
    fg.updated(version.committed)
    fg.generator("newsarchive")
    # An undated article still needs an `updated` date. The day its index
    # was built is stable from one poll to the next (the last commit would
    # make readers see the article change every 15 minutes), and it is
    # honest: the article was in the archive by then or came later.
    undated = version.created or version.committed
    for hit in result.hits:
        link = f"{site}/doc/{hit['id']}"
        entry = fg.add_entry(order="append")
        entry.id(link)
        entry.title(_text(hit["title"]).strip() or hit["id"])
        entry.link(href=link, rel="alternate", type="text/html")
        published = publication_time(hit.get("date"))
        entry.updated(published or undated)
        if published is not None:
            entry.published(published)
        if hit.get("source"):
            entry.author(name=_text(hit["source"]))
        for name in hit.get("locations") or []:
            entry.category(term=_text(name))
        if hit.get("snippet"):
            entry.summary(_text(hit["snippet"]), type="html")
    return fg.atom_str(pretty=True)


def feed_title(req: SearchRequest) -> str:
    """The search in words: its query, then its filters."""
    parts = [f"“{req.q}”"] if req.q else ["all articles"]
    parts += req.locations + req.langs + req.sources
    if req.date_from or req.date_to:
        parts.append(f"{req.date_from or '…'} – {req.date_to or '…'}")
    return "newsarchive: " + ", ".join(parts)


def publication_time(date: str | None) -> datetime | None:
    """Midnight UTC of an ISO date; a month or a year counts from its first day."""
    if not date:
        return None
    numbers = [int(n) for n in date.split("-")]
    year, month, day = [*numbers, 1, 1][:3]
    return datetime(year, month, day, tzinfo=UTC)


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)
