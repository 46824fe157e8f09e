"""The one result object that both /api/search and the page render.

Grouped by story, the object gains `total_stories` and `group` (pages
count stories), and each hit `story` and `copies`; with `story=`, the
filters name it. An ungrouped answer has none of these keys: it is byte
for byte what it was before stories.
"""

from __future__ import annotations

import math

from flask import current_app
from werkzeug.datastructures import MultiDict

from indexer.search.request import SearchRequest, SearchResult
from service.facets import facet_results
from service.links import export_url, feed_url, url_with, with_url


def page_url(args: MultiDict, path: str, page: int) -> str:
    pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    if page > 1:
        pairs.append(("page", str(page)))
    return url_with(path, pairs)


def result_object(result: SearchResult, request: SearchRequest, args: MultiDict, path: str) -> dict:
    grouped = result.total_stories is not None
    listed = result.total_stories if grouped else result.total  # what pages count
    pages = max(1, math.ceil(listed / result.per_page)) if listed else 0
    links = {
        "self": page_url(args, path, result.page),
        "json": page_url(args, "/api/search", result.page),
        "html": page_url(args, "/", result.page),
        "next": page_url(args, path, result.page + 1) if result.page < pages else None,
        "prev": page_url(args, path, result.page - 1) if result.page > 1 else None,
        "feed": feed_url(args),
        "export_csv": export_url(args, "csv"),
        "export_jsonl": export_url(args, "jsonl"),
    }
    body = {
        "query": result.query,
        "total": result.total,
        **({"total_stories": result.total_stories, "group": "story"} if grouped else {}),
        "page": result.page,
        "per_page": result.per_page,
        "pages": pages,
        "sort": result.sort,
        "took_ms": result.took_ms,
        "hits": [with_url(hit) for hit in result.hits],
        "facets": facet_results(result.facets, args, path, current_app.config["FACET_LIMIT"]),
        "expanded": result.expanded,
        "suggestion": result.suggestion,
        "relaxed": result.relaxed,
        "filters": {
            "location": request.locations,
            "date_from": request.date_from,
            "date_to": request.date_to,
            "lang": request.langs,
            "source": request.sources,
            **({"story": request.story} if request.story else {}),
        },
        "links": links,
    }
    return body
