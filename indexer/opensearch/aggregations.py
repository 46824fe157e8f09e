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

from indexer.opensearch.translation import all_of

TERMS_SIZE = 10_000
FACETS = {"lang": "lang", "source": "source", "location": "places_all"}
BY_COUNT = [{"_count": "desc"}, {"_key": "asc"}]


def facet_aggregations(filters: dict[str, dict]) -> dict:
    """Aggregations for `filters` (facet name -> its filter query; "date" for the range).

    A facet that no other filter narrows needs no `filter` wrapper: its
    aggregations go to the top level as `<facet>_<name>` (a fifth cheaper).
    """
    facets = {
        "date": {
            "month": {"terms": {"field": "month", "size": TERMS_SIZE}},
            "year": {"terms": {"field": "year", "size": TERMS_SIZE}},
            "undated": {"missing": {"field": "date"}},
        }
    }
    for name, field in FACETS.items():
        facets[name] = {
            "values": {"terms": {"field": field, "size": TERMS_SIZE, "order": BY_COUNT}}
        }
    aggs: dict = {}
    for name, inner in facets.items():
        others = [q for own, q in filters.items() if own != name]
        if others:
            aggs[name] = {"filter": all_of(others), "aggs": inner}
        else:
            aggs.update((f"{name}_{sub}", agg) for sub, agg in inner.items())
    return aggs


def facet_counts(aggregations: dict) -> dict:
    """`SearchResult.facets` from the aggregations' answer."""

    def found(facet: str, sub: str) -> dict:
        nested = aggregations.get(facet)
        return nested[sub] if nested is not None else aggregations[f"{facet}_{sub}"]

    facets: dict = {}
    for name in ("month", "year"):
        buckets = found("date", name)["buckets"]
        facets[name] = sorted(
            ((b["key"], b["doc_count"]) for b in buckets if b["key"]), reverse=True
        )
    facets["undated"] = found("date", "undated")["doc_count"]
    for name in FACETS:
        buckets = found(name, "values")["buckets"]
        facets[name] = [(b["key"], b["doc_count"]) for b in buckets if b["key"]]
    return facets
