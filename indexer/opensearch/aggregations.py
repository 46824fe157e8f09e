"""Facets as aggregations, multi-select: each facet counted under every filter but its own.

The request's filters go into `post_filter`, so they narrow the hits but
not the aggregations; each facet is then one `filter` aggregation holding
every filter except its own, around a `terms` aggregation of its keyword
field. The date facet counts months and years under every filter but the
date range, and the undated articles (`missing` date) with them.

Counts are exact: a `terms` aggregation that returns every value of its
field counts each one exactly, and `TERMS_SIZE` is far above the number
of languages, sources, months or gazetteer places an archive has.
The result has the shape of `SearchResult.facets`, ordered as Whoosh
orders it: months and years newest first, the others by count, then value.
"""

from __future__ import annotations

from indexer.opensearch.translation import MATCH_ALL, all_of

TERMS_SIZE = 10_000
FACETS = {"lang": "lang", "source": "source", "location": "places_all"}
BY_COUNT = [{"_count": "desc"}, {"_key": "asc"}]


def facet_aggregations(filters: dict[str, dict]) -> dict:
    """Aggregations for `filters` (facet name -> its filter query; "date" for the range)."""

    def scope(own: str) -> dict:
        others = [q for name, q in filters.items() if name != own]
        return all_of(others) if others else MATCH_ALL

    aggs = {
        "date": {
            "filter": scope("date"),
            "aggs": {
                "month": {"terms": {"field": "month", "size": TERMS_SIZE}},
                "year": {"terms": {"field": "year", "size": TERMS_SIZE}},
                "undated": {"missing": {"field": "date"}},
            },
        }
    }
    for name, field in FACETS.items():
        terms = {"field": field, "size": TERMS_SIZE, "order": BY_COUNT}
        aggs[name] = {"filter": scope(name), "aggs": {"values": {"terms": terms}}}
    return aggs


def facet_counts(aggregations: dict) -> dict:
    """`SearchResult.facets` from the aggregations' answer."""
    date = aggregations["date"]
    facets: dict = {}
    for name in ("month", "year"):
        buckets = date[name]["buckets"]
        facets[name] = sorted(
            ((b["key"], b["doc_count"]) for b in buckets if b["key"]), reverse=True
        )
    facets["undated"] = date["undated"]["doc_count"]
    for name in FACETS:
        buckets = aggregations[name]["values"]["buckets"]
        facets[name] = [(b["key"], b["doc_count"]) for b in buckets if b["key"]]
    return facets
