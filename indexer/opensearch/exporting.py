"""Feeds and exports from the cluster: `Exporting` for `OpenSearchSearcher`.

An export is decided as a search is and read as a download is consumed:

1. `OpenSearchSearcher.ranking` runs the search's own steps (translation,
   filters, the fragment check, bigrams, relaxing, under the time budget)
   and returns the `Ranking` its page would be sorted by: the query (with
   the articles holding the fragment lifted), the filters as `post_filter`,
   and the sort clauses, which end with `id` so that the order is total
   (relevance: score, date, id; newest and oldest: date, score, id). A
   query or filter that cannot be searched raises here, before anything is
   sent; so does a cluster that cannot answer (`BackendUnavailable`).
2. A point in time (PIT) is opened on the index behind the alias, still
   before returning: the export reads one state of one index to its end,
   whatever commits or rebuilds happen meanwhile. The writer does not
   delete an index that a PIT still reads (`open_readers`; see
   `indexer.opensearch.writer`): a rebuild leaves it to the next run.
3. The articles are read `BATCH` at a time with `search_after` over the
   PIT (each batch renews it for `KEEP_ALIVE`), so memory holds one batch
   whatever the export's size, and deep exports cost no `from` offset
   (`max_result_window` does not apply). The PIT is closed when the
   iterator ends or is closed (a client that hangs up).

Each article is the dict the Whoosh backend's export yields
(`indexer.search.summaries.doc_summary`, plus `body` when asked).

`index_version` answers feed polls without searching: one read of the
mappings behind the alias gives the concrete index (the generation) and
its `_meta`, where each commit of an indexing run records `committed_run`
(the commit's number, which only grows within an index) and
`committed_at` (see `writer.OpenSearchSession.commit`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import NamedTuple

from indexer.opensearch.connection import unavailable
from indexer.opensearch.documents import SUMMARY_FIELDS, as_stored
from indexer.search.errors import IndexMissing
from indexer.search.request import IndexVersion, SearchRequest
from indexer.search.summaries import doc_summary

log = logging.getLogger("newsarchive.search")

BATCH = 250  # articles read per request (a batch with bodies: ~1 MB of Python objects)
KEEP_ALIVE = "5m"  # how long a PIT waits for the next batch (a slow download)
_STAMP = "%Y%m%d%H%M%S%f"  # `mapping.new_index_name`


class Ranking(NamedTuple):
    """What orders a search's matches: its query, filter (or None) and sort clauses."""

    query: dict
    post_filter: dict | None
    sort: list[dict]


def export_articles(searcher, request: SearchRequest, limit: int, body: bool) -> Iterator[dict]:
    """The first `limit` articles of `request`, in its order (see the module doc)."""
    quick = replace(request, page=1, per_page=1, facets=False, snippets=False)
    ranking = searcher.ranking(quick)
    with unavailable("opening a point in time for an export", searcher.alias):
        opened = searcher.client.create_pit(
            index=searcher.alias,
            params={"keep_alive": KEEP_ALIVE, "allow_partial_pit_creation": "false"},
        )
    return _read(searcher, opened["pit_id"], ranking, limit, body)


def _read(searcher, pit_id: str, ranking: Ranking, limit: int, body: bool) -> Iterator[dict]:
    request = {
        "query": ranking.query,
        "sort": ranking.sort,
        "track_scores": True,
        "track_total_hits": False,
        "_source": SUMMARY_FIELDS + (["body"] if body else []),
        "pit": {"id": pit_id, "keep_alive": KEEP_ALIVE},
    }
    if ranking.post_filter is not None:
        request["post_filter"] = ranking.post_filter
    left = limit
    try:
        while left > 0:
            request["size"] = min(BATCH, left)
            answer = searcher._search(request, "exporting articles")
            hits = answer["hits"]["hits"]
            request["pit"]["id"] = answer.get("pit_id") or request["pit"]["id"]
            for hit in hits[:left]:
                source = hit["_source"]
                article = doc_summary(as_stored(source))
                if body:
                    article["body"] = source.get("body", "")
                yield article
            left -= len(hits)
            if len(hits) < request["size"]:
                break
            request["search_after"] = hits[-1]["sort"]
            del answer, hits
    finally:
        _close(searcher, request["pit"]["id"])


def _close(searcher, pit_id: str) -> None:
    try:
        searcher.client.delete_pit(body={"pit_id": [pit_id]})
    except Exception as exc:  # it expires by itself after KEEP_ALIVE
        log.info("could not close an export's point in time now: %s", exc)


def index_version(searcher) -> IndexVersion:
    """The index behind the alias and its last commit, from its mapping's `_meta`."""
    with unavailable("reading the index's version", searcher.alias):
        found = searcher.client.indices.get_mapping(index=searcher.alias)
    if not found:
        raise IndexMissing(f"no index {searcher.alias} on the cluster")
    index = sorted(found)[-1]
    searcher._seen(index)
    meta = found[index]["mappings"].get("_meta") or {}
    created = index_created(index)
    committed = (
        _parse_time(meta.get("committed_at"))
        or _parse_time(meta.get("last_change"))
        or created
        or datetime.fromtimestamp(0, UTC)
    )
    return IndexVersion(
        generation=index,
        commit=int(meta.get("committed_run") or 0),
        committed=committed,
        created=created,
    )


def index_created(index: str) -> datetime | None:
    """When a build began, from its name (`<alias>-<UTC stamp>`), to the second."""
    try:
        stamp = datetime.strptime(index.rsplit("-", 1)[-1], _STAMP)
    except ValueError:
        return None
    return stamp.replace(microsecond=0, tzinfo=UTC)


def _parse_time(text) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0)
