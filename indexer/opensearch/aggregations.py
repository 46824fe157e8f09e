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
from indexer.search.dates import month_within

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
    month = _month_of(filters.get("date"))
    if month is not None:  # the timeline's days, as the Whoosh backend counts them
        days = {"range": {"date": {"gte": month * 100 + 1, "lte": month * 100 + 31}}}
        facets["date"]["day"] = {
            "filter": days,
            "aggs": {"values": {"terms": {"field": "date", "size": 31}}},
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


def _month_of(date_filter: dict | None) -> int | None:
    """The month (YYYYMM) a date filter lies within, as `indexer.search.dates` decides."""
    if date_filter is None:
        return None
    bounds = date_filter["range"]["date"]
    return month_within(bounds["gte"], bounds["lte"])


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
    try:
        days = found("date", "day")["values"]["buckets"]
    except KeyError:  # no date filter inside one month
        days = []
    facets["day"] = sorted(
        (
            (
                f"{b['key'] // 10000:04d}-{b['key'] // 100 % 100:02d}-{b['key'] % 100:02d}",
                b["doc_count"],
            )
            for b in days
            if b["key"] % 100
        ),
        reverse=True,
    )
    for name in FACETS:
        buckets = found(name, "values")["buckets"]
        facets[name] = [(b["key"], b["doc_count"]) for b in buckets if b["key"]]
    return facets
