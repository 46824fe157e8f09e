"""A stored article as the plain dict a hit or a related article shows.

Links are the service's business (`service.results` adds `url`).
"""

from __future__ import annotations

from indexer.article import PubDate
from indexer.extract.gazetteer import load_gazetteer


def doc_summary(stored: dict) -> dict:
    gazetteer = load_gazetteer()
    date = PubDate.from_int(stored.get("date") or 0)
    names = []
    for pid in (stored.get("places") or "").split(","):
        place = gazetteer.get(pid) if pid else None
        if place is not None:
            names.append(place.name_en)
    return {
        "id": stored.get("id"),
        "title": stored.get("title", ""),
        "date": date.iso,
        "date_precision": stored.get("date_precision") or date.precision,
        "lang": stored.get("lang") or None,
        "source": stored.get("source") or None,
        "locations": names,
    }
