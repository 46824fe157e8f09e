"""Links to articles: the service's business, not the search backend's.

Backends return plain article summaries; the service adds where each one
is read on this site (`/doc/<id>`), in the place the API has always put
it (after `locations`).
"""

from __future__ import annotations


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
