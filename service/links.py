"""Links: query strings, and links to articles (the service's business, not the backend's).

Backends return plain article summaries; the service adds where each one
is read on this site (`/doc/<id>`), in the place the API has always put
it (after `locations`).
"""

from __future__ import annotations

from urllib.parse import urlencode


def url_with(path: str, pairs) -> str:
    """`path` with a query string of `pairs`, or bare when there are none."""
    pairs = list(pairs)
    return path + ("?" + urlencode(pairs) if pairs else "")


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
