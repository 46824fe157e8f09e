"""`newsarchive stats` and /healthz for a cluster: the same figures as Whoosh's, and the cluster.

Documents, languages, date range and top places come from one search
with aggregations; size and segments from the index's statistics; the
last update and change from the mapping's `_meta` (written by each run,
see `writer`); and, for the operator, the cluster's name, health and node
count and the settings in use (never the password).
"""

from __future__ import annotations

from indexer.article import PubDate
from indexer.extract.gazetteer import load_gazetteer
from indexer.opensearch.aggregations import BY_COUNT
from indexer.opensearch.connection import unavailable
from indexer.search.places import place_label

TOP_PLACES = 10


def cluster_stats(searcher) -> dict:
    client, alias = searcher.client, searcher.alias
    body = {
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "lang": {"terms": {"field": "lang", "size": 100, "missing": "unknown"}},
            "dates": {"stats": {"field": "date"}},
            "undated": {"missing": {"field": "date"}},
            "places": {"terms": {"field": "places", "size": TOP_PLACES, "order": BY_COUNT}},
        },
    }
    answer = searcher._search(body, "reading statistics")
    index = searcher._generation or searcher.generation
    with unavailable("reading statistics", alias):
        meta = client.indices.get_mapping(index=index)[index]["mappings"].get("_meta") or {}
        primaries = client.indices.stats(index=index, metric="store,segments")["indices"][index]
        health = client.cluster.health()
    aggs = answer["aggregations"]
    dates = aggs["dates"]
    gazetteer = load_gazetteer()
    return {
        "documents": answer["hits"]["total"]["value"],
        "by_language": {b["key"]: b["doc_count"] for b in aggs["lang"]["buckets"]},
        "date_range": {
            "first": PubDate.from_int(int(dates["min"])).iso if dates["count"] else None,
            "last": PubDate.from_int(int(dates["max"])).iso if dates["count"] else None,
            "undated": aggs["undated"]["doc_count"],
        },
        "top_locations": [
            {"id": b["key"], "label": place_label(gazetteer, b["key"]), "count": b["doc_count"]}
            for b in aggs["places"]["buckets"]
        ],
        "index_bytes": primaries["total"]["store"]["size_in_bytes"],
        "index_path": f"{index} (OpenSearch)",
        "generation": index,
        "segments": primaries["primaries"]["segments"]["count"],
        "last_update": meta.get("last_update"),
        "last_change": meta.get("last_change"),
        "segmenter": meta.get("segmenter"),
        "backend": "opensearch",
        "cluster": {
            "name": health["cluster_name"],
            "status": health["status"],
            "nodes": health["number_of_nodes"],
            "settings": searcher.config.describe(),
        },
    }
