"""The OpenAPI 3 description of the JSON API, served at /api/openapi.json.

tests/test_api_schemathesis.py runs schemathesis against it, so the spec and
the implementation cannot drift apart silently.
"""

from __future__ import annotations

from indexer.search.query import MAX_QUERY_CHARS
from service.exports import EXPORT_LIMIT
from service.feeds import FEED_ENTRIES


def _error():
    return {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _too_many():
    # Sent by nginx in the shipped deployment (deploy/nginx-newsarchive.conf),
    # never by the app itself.
    return {
        "description": "Too many requests from this address (rate limit of the shipped "
        "nginx site); `Retry-After` says how many seconds to wait",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _array_param(name, description, enum=None):
    items = {"type": "string"}
    if enum:
        items["enum"] = enum
    return {
        "name": name,
        "in": "query",
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": items},
    }


# Empty values are allowed: an HTML form submits its empty fields.
DATE_PATTERN = r"^([0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?)?$"

FACET_ENTRY = {
    "type": "object",
    "required": ["value", "label", "count", "selected"],
    "properties": {
        "value": {"type": "string"},
        "label": {"type": "string"},
        "count": {"type": "integer", "minimum": 0},
        "selected": {"type": "boolean"},
        "toggle_url": {"type": ["string", "null"]},
        "level": {"type": "string"},
        "parent": {"type": ["string", "null"]},
        "name": {"type": "string"},
        "name_zh": {"type": "string"},
        "granularity": {
            "type": ["string", "null"],
            "enum": ["year", "month", "day", None],
            "description": "Date facet only: how long each period is (null for `undated`).",
        },
    },
}

HIT = {
    "type": "object",
    "required": ["id", "title", "date", "date_precision", "lang", "locations", "url", "score"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "title_html": {"type": "string", "description": "Escaped title, matches in <mark>."},
        "snippet": {"type": "string", "description": "Escaped fragments, matches in <mark>."},
        "date": {"type": ["string", "null"], "description": "YYYY-MM-DD, YYYY-MM or YYYY"},
        "date_precision": {"type": "string", "enum": ["day", "month", "year", "unknown"]},
        "lang": {"type": ["string", "null"], "enum": ["en", "zh", "mixed", None]},
        "source": {"type": ["string", "null"]},
        "locations": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string"},
        "score": {"type": "number"},
        "story": {"type": "string", "description": "group=story: the story's id (see `story`)"},
        "copies": {"type": "integer", "minimum": 1, "description": "group=story: matching copies"},
    },
}


def _allow_empty(params):
    for param in params:
        if param["in"] == "query":
            param["allowEmptyValue"] = True
    return params


def search_parameters(paging: bool = True, sort: bool = True) -> list[dict]:
    """/api/search's parameters; the feed and the export take them too, less paging (and sort)."""
    params = [
        {
            "name": "q",
            "in": "query",
            "description": (
                'Words (all must match), OR, NOT/-word, "phrases", '
                "(groups), title:/body:/source:/lang:/location: prefixes, "
                "word* prefixes. Empty lists everything, newest first."
            ),
            "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
        },
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {
                "type": "string",
                "enum": ["relevance", "newest", "oldest"],
            },
        },
        _array_param(
            "location",
            "Place name, alias (English or Chinese) or id; includes everything "
            "inside it. Repeatable (OR).",
        ),
        {
            "name": "date_from",
            "in": "query",
            "description": "YYYY, YYYY-MM or YYYY-MM-DD, inclusive",
            "schema": {"type": "string", "pattern": DATE_PATTERN},
        },
        {
            "name": "date_to",
            "in": "query",
            "description": "YYYY, YYYY-MM or YYYY-MM-DD, inclusive",
            "schema": {"type": "string", "pattern": DATE_PATTERN},
        },
        _array_param("lang", "Language; repeatable (OR).", ["en", "zh", "mixed"]),
        _array_param("source", "Publisher; repeatable (OR)."),
        {
            "name": "group",
            "in": "query",
            "description": (
                "`story`: one hit per story (copies of one wire story republished by "
                "several sites), its best copy in the chosen order, with `story` and "
                "`copies`; pages count stories and `total_stories` is added, `total` and "
                "facets still count articles. `none` (the API's default): every article. "
                "The feed groups too (one entry per story); the export ignores it. "
                "501 `not_supported` on a backend that cannot group (BACKEND=opensearch)."
            ),
            "schema": {"type": "string", "enum": ["story", "none"]},
        },
        {
            "name": "story",
            "in": "query",
            "description": "Only one story's articles: the id of any of them (a hit's `story`).",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        },
    ]
    leave_out = set() if paging else {"page", "per_page"}
    if not sort:
        leave_out.add("sort")
    return _allow_empty([p for p in params if p["name"] not in leave_out])


def export_operation() -> dict:
    params = search_parameters(paging=False)
    params += _allow_empty(
        [
            {
                "name": "format",
                "in": "query",
                "description": "csv (UTF-8 with BOM, formula-like cells prefixed with ') "
                "or jsonl (one JSON object per line); default csv",
                "schema": {"type": "string", "enum": ["csv", "jsonl"]},
            },
            {
                "name": "body",
                "in": "query",
                "description": "1 adds each article's text (column `body`)",
                "schema": {"type": "string", "enum": ["0", "1", "true", "false"]},
            },
            {
                "name": "limit",
                "in": "query",
                "description": "At most this many articles from the top; default and most "
                f"{EXPORT_LIMIT:,}",
                "schema": {"type": "integer", "minimum": 1, "maximum": EXPORT_LIMIT},
            },
        ]
    )
    disposition = {
        "description": "attachment; filename=newsarchive-<query>-<date>.<format>",
        "schema": {"type": "string"},
    }
    return {
        "get": {
            "summary": f"A search's articles (up to {EXPORT_LIMIT:,}) as CSV or JSON lines",
            "description": "Columns: id, title, date, date_precision, language, source, "
            "places, url (the article's page here), and body with body=1. Streamed. "
            "page and per_page do not apply.",
            "parameters": params,
            "responses": {
                "200": {
                    "description": "The articles, in the search's order",
                    "headers": {"Content-Disposition": disposition},
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "400": _error(),
                "429": _too_many(),
                "501": _error(),
                "503": _error(),
            },
        }
    }


def feed_operation() -> dict:
    validators = {
        "ETag": {"description": "The index commit", "schema": {"type": "string"}},
        "Last-Modified": {"description": "When it was made", "schema": {"type": "string"}},
    }
    return {
        "get": {
            "summary": f"A search as an Atom feed: its {FEED_ENTRIES} newest articles",
            "description": "Send If-None-Match or If-Modified-Since to get 304 until "
            "the index changes. page, per_page and sort do not apply.",
            "parameters": search_parameters(paging=False, sort=False),
            "responses": {
                "200": {
                    "description": "Atom 1.0",
                    "headers": validators,
                    "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                },
                "304": {"description": "Not modified since the ETag or date sent"},
                "400": _error(),
                "429": _too_many(),
                "501": _error(),
                "503": _error(),
            },
        }
    }


def openapi_spec() -> dict:
    facet_list = {"type": "array", "items": {"$ref": "#/components/schemas/FacetEntry"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "newsarchive",
            "version": "1",
            "description": "Full-text search over an English and Chinese news archive.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search articles, with highlighted snippets and facets",
                    "parameters": search_parameters(),
                    "responses": {
                        "200": {
                            "description": "Search results",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SearchResult"}
                                }
                            },
                        },
                        "400": _error(),
                        "429": _too_many(),
                        "501": _error(),
                        "503": _error(),
                    },
                }
            },
            "/api/export": export_operation(),
            "/feed.atom": feed_operation(),
            "/api/documents/{doc_id}": {
                "get": {
                    "summary": "One whole article, with up to 5 related articles",
                    "parameters": [
                        {
                            "name": "doc_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "q",
                            "in": "query",
                            "description": "Highlight these query words in title_html/body_html",
                            "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The article",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Document"}
                                }
                            },
                        },
                        "404": _error(),
                        "429": _too_many(),
                        "503": _error(),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Service and index status",
                    "responses": {
                        "200": {
                            "description": "Healthy",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["status", "documents", "generation"],
                                        "properties": {
                                            "status": {
                                                "type": "string",
                                                "enum": ["ok", "warning"],
                                                "description": "`warning`: search works, "
                                                "but see `warnings` (low disk space).",
                                            },
                                            "backend": {
                                                "type": "string",
                                                "enum": ["whoosh", "opensearch"],
                                            },
                                            "documents": {"type": "integer"},
                                            "generation": {"type": ["string", "null"]},
                                            "segments": {"type": "integer"},
                                            "last_update": {"type": ["string", "null"]},
                                            "last_change": {"type": ["string", "null"]},
                                            "disk": {
                                                "type": "object",
                                                "description": "Free space on the index's "
                                                "file system; `low` below MIN_FREE_MB.",
                                                "properties": {
                                                    "free_bytes": {"type": "integer"},
                                                    "total_bytes": {"type": "integer"},
                                                    "min_free_bytes": {"type": "integer"},
                                                    "low": {"type": "boolean"},
                                                },
                                            },
                                            "warnings": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "503": {
                            "description": "No index yet, or the search engine cannot "
                            "answer (`error.code` backend_unavailable)"
                        },
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "FacetEntry": FACET_ENTRY,
                "Hit": HIT,
                "SearchResult": {
                    "type": "object",
                    "required": [
                        "query",
                        "total",
                        "page",
                        "per_page",
                        "took_ms",
                        "hits",
                        "facets",
                        "expanded",
                        "suggestion",
                    ],
                    "properties": {
                        "query": {"type": "string"},
                        "total": {"type": "integer", "minimum": 0},
                        "total_stories": {"type": "integer", "minimum": 0},
                        "group": {"type": "string", "enum": ["story"]},
                        "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1},
                        "pages": {"type": "integer", "minimum": 0},
                        "sort": {"type": "string"},
                        "took_ms": {
                            "type": "number",
                            "description": "Milliseconds spent in the search; for an answer "
                            "kept from the same request since the last commit, the time to "
                            "find it.",
                        },
                        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                        "facets": {
                            "type": "object",
                            "properties": {
                                "date": {
                                    **facet_list,
                                    "description": (
                                        "The timeline's periods with articles, newest first, "
                                        "then `undated`: years when the results span 3 years "
                                        "or more, else months; the months of a year and the "
                                        "days of a month a date filter lies in. Counted "
                                        "without the date filter."
                                    ),
                                },
                                "month": facet_list,
                                "year": facet_list,
                                "location": facet_list,
                                "lang": facet_list,
                                "source": facet_list,
                            },
                        },
                        "expanded": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                        "suggestion": {"type": ["string", "null"]},
                        "relaxed": {
                            "description": (
                                "Present when no article (or very few) has all the query's "
                                "words: the results then also hold articles with "
                                "`matched_words` of them (`of` words counted, stop words "
                                "not), ranked by how many they match; `complete` articles "
                                "had them all."
                            ),
                            "type": ["object", "null"],
                            "properties": {
                                "matched_words": {"type": "integer", "minimum": 1},
                                "of": {"type": "integer", "minimum": 2},
                                "complete": {"type": "integer", "minimum": 0},
                            },
                        },
                        "filters": {"type": "object"},
                        "links": {"type": "object"},
                    },
                },
                "Document": {
                    "type": "object",
                    "required": ["id", "title", "body", "related"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "body": {"type": "string"},
                        "date": {"type": ["string", "null"]},
                        "date_precision": {"type": "string"},
                        "lang": {"type": ["string", "null"]},
                        "source": {"type": ["string", "null"]},
                        "path": {
                            "type": "string",
                            "description": "The source file, relative to the configured "
                            "archive folder it is in and prefixed by that folder's name "
                            "(`archive/2023/a.txt`); only the file name when it is in none. "
                            "Never a path on the server.",
                        },
                        "part": {
                            "type": "integer",
                            "description": "Which article of a file holding several (JSON lines).",
                        },
                        "places": {"type": "array", "items": {"type": "object"}},
                        "related": {
                            "type": "array",
                            "items": {"type": "object"},
                            "maxItems": 5,
                        },
                    },
                },
            }
        },
    }
