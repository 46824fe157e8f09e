"""Bulk requests of bounded size, retried with backoff while the cluster is busy or away.

Each indexing worker stores what it analysed through its own `BulkSink`
(its own client, opened after the fork): documents are sent in requests
of at most `BULK_DOCS` documents or `BULK_BYTES` bytes, so a worker holds
no more than one request in memory whatever the archive's size.

Back-pressure: a 429 (the nodes' write queues are full) or a 502/503/504
for the whole request, a refused or timed-out connection, and single
documents rejected with 429 are retried after a pause that doubles from
`BACKOFF` up to `MAX_BACKOFF`, `RETRIES` times; then the run fails (the
cluster is away) and its uncommitted writes are cleaned up (`writer`).
Any other rejected document fails the run at once: that is a bug, not
weather.
"""

from __future__ import annotations

import json
import logging
import random
import time

from indexer.ingest.analysed import AnalysedArticle
from indexer.opensearch.connection import ClusterConfig, connect, describe_error, is_unavailable
from indexer.opensearch.documents import article_source
from indexer.search.errors import BackendUnavailable

log = logging.getLogger("newsarchive.index")

BULK_DOCS = 500
BULK_BYTES = 8 * 2**20
BULK_TIMEOUT = 120.0  # seconds one bulk request may take on a busy two-core node
RETRIES = 8
BACKOFF = 0.5
MAX_BACKOFF = 30.0
RETRY_ITEM_STATUS = (429, 502, 503, 504)


class BulkRejected(RuntimeError):
    """The cluster refused a document for a reason waiting will not change."""


def send(client, actions: list[str], what: str = "bulk request") -> None:
    """Send NDJSON actions (each one or two lines), retrying what the cluster could not take."""
    for attempt in range(RETRIES + 1):
        if attempt:
            time.sleep(min(MAX_BACKOFF, BACKOFF * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2))
        try:
            response = client.bulk(body="\n".join(actions) + "\n", request_timeout=BULK_TIMEOUT)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            if attempt == RETRIES:
                raise BackendUnavailable(f"{what}: {describe_error(exc)}") from exc
            log.warning("%s: %s; retrying", what, describe_error(exc))
            continue
        if not response.get("errors"):
            return
        again = []
        for action, item in zip(actions, response["items"], strict=True):
            ((op, result),) = item.items()
            status = result.get("status", 500)
            if status < 300 or (op == "delete" and status == 404):
                continue
            if status in RETRY_ITEM_STATUS:
                again.append(action)
                continue
            raise BulkRejected(f"{what}: {op} {result.get('_id')} refused: {result.get('error')}")
        if not again:
            return
        if attempt == RETRIES:
            raise BackendUnavailable(f"{what}: {len(again)} documents still refused (busy)")
        log.warning("%s: %d documents refused for now; retrying", what, len(again))
        actions = again


def index_action(index: str, doc_id: str, source: dict) -> str:
    header = json.dumps({"index": {"_index": index, "_id": doc_id}})
    return header + "\n" + json.dumps(source, ensure_ascii=False, separators=(",", ":"))


def delete_action(index: str, doc_id: str) -> str:
    return json.dumps({"delete": {"_index": index, "_id": doc_id}})


class BulkSink:
    """An `ArticleSink` sending bulk requests; `finish()` hands over the ids it wrote."""

    def __init__(self, config: ClusterConfig, index: str, run: int):
        self.client = connect(config)
        self.index, self.run = index, run
        self.actions: list[str] = []
        self.bytes = 0
        self.ids: list[str] = []

    def add(self, article: AnalysedArticle) -> None:
        action = index_action(self.index, article.id, article_source(article, self.run))
        self.actions.append(action)
        self.bytes += len(action)
        self.ids.append(article.id)
        if len(self.actions) >= BULK_DOCS or self.bytes >= BULK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.actions:
            send(self.client, self.actions, f"indexing into {self.index}")
        self.actions, self.bytes = [], 0

    def finish(self) -> dict:
        self.flush()
        self.client.close()
        return {"ids": self.ids}

    def abandon(self) -> None:
        self.actions = []
        self.client.close()
