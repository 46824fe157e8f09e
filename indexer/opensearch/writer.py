"""The cluster as an `IndexBackend`: incremental runs in place, rebuilds behind the alias.

What users see changes only at a commit. Indices behind the alias have
no periodic refresh (`refresh_interval: -1`); a round's documents go out
in bulk requests from the workers (`bulk`), its deletions at its commit,
and then one refresh makes all of them visible together.

Incremental runs: the index knows each file it holds by `path` and
`filesig` (`known_files` reads them, with each file's document ids, in
one scroll). A changed or vanished file's old documents are deleted at the
commit by id, except those the round has just written again (an article
keeps its id while its file keeps its path).

A run that dies: every document carries the number of the round (`run`)
that wrote it, and the index's `_meta` the last committed one. The next run
(or the failing run itself, when it knows) deletes every document of a
later run before it starts: what no commit made visible disappears. The
refresh that deletion needs shows those documents for a moment; a killed
run's writes may also show if a shard is recovered before the next run.

Rebuilds (`--rebuild`, a new mapping version or another segmenter) go
into a new index `<alias>-<stamp>`, without replicas while it fills; at
the end it gets its replicas, is refreshed, and the alias moves to it in
one `_aliases` call that also removes the old index from it; the old index
is deleted once searches that resolved the alias before the swap have
ended (three request timeouts later: they would fail on a deleted index),
unless an export still reads it through a point in time (`open_readers`,
see `exporting`): then the next run deletes it. Indices of the alias's
pattern that no alias points to (failed rebuilds, old builds kept for an
export) are deleted by the next run once nothing reads them.

Versions: a commit that changed something records its number
(`committed_run`) and time (`committed_at`) in the index's `_meta`; with
the index's name they are the version feeds give as ETag and
Last-Modified (`exporting.index_version`). A round that wrote and deleted
nothing commits nothing, so a run that finds no change keeps the version.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial

from indexer.opensearch.bulk import BulkSink, delete_action, send
from indexer.opensearch.connection import ClusterConfig, connect, unavailable
from indexer.opensearch.lock import ClusterLock
from indexer.opensearch.mapping import MAPPING_VERSION, ensure_template, new_index_name
from indexer.search.errors import BackendUnavailable, IndexMissing

log = logging.getLogger("newsarchive.index")

SCROLL_PAGE = 5000
RETIRE_AFTER_TIMEOUTS = 3  # request timeouts an old index is kept after the swap
GREEN_TIMEOUT = "120s"  # how long a rebuild waits for its replicas before swapping anyway


def segmenter_fingerprint() -> str:
    from indexer.analysis.segmenter import get_segmenter

    return get_segmenter().fingerprint


def open_readers(client, index: str) -> int:
    """Points in time and scrolls open on `index` (an export reading it to its end)."""
    found = client.indices.stats(index=index, metric="search")["indices"].get(index, {})
    search = found.get("total", {}).get("search", {})
    return int(search.get("point_in_time_current", 0)) + int(search.get("scroll_current", 0))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class OpenSearchIndex:
    def __init__(self, config: ClusterConfig):
        self.config = config
        self.client = connect(config)

    # -- state ------------------------------------------------------------------
    def current_index(self) -> str | None:
        """The concrete index behind the alias, or None."""
        with unavailable("reading the alias", self.config.alias):
            if not self.client.indices.exists_alias(name=self.config.alias):
                return None
            found = self.client.indices.get_alias(name=self.config.alias)
        names = sorted(found)
        return names[-1] if names else None

    def meta(self, index: str) -> dict:
        with unavailable("reading the index's metadata", index):
            found = self.client.indices.get_mapping(index=index)
        return dict(found[index]["mappings"].get("_meta") or {})

    @contextmanager
    def lock(self, wait: float = 0):
        """The cluster-wide indexing lock (`lock`); raises `IndexBusy` after `wait` s."""
        lock = ClusterLock(self.client, self.config.alias)
        with unavailable("taking the indexing lock"):
            lock.acquire(wait)
        try:
            yield
        finally:
            lock.release()

    def exists(self) -> bool:
        return self.current_index() is not None

    def checkpoint(self):
        try:
            index = self.current_index()
            if index is None:
                return None
            return (index, self.meta(index).get("committed_run"))
        except (BackendUnavailable, IndexMissing):
            return None

    def describe_failure(self, before) -> str:
        alias = f"the alias {self.config.alias}"
        try:
            now = self.checkpoint()
            index = self.current_index()
            count = self.client.count(index=index)["count"] if index else None
        except Exception:
            return f"the cluster cannot say what {alias} holds now"
        if count is None:
            return f"there is still no index behind {alias}"
        if now == before:
            return f"{alias} is unchanged at its last commit, {count:,} articles"
        return (
            f"{alias} keeps what this run committed before it failed, {count:,} articles; "
            "the next run redoes the rest"
        )

    # -- a run ------------------------------------------------------------------
    def begin(self, *, rebuild: bool, sources: list[str]) -> OpenSearchSession:
        with unavailable("starting an indexing run"):
            ensure_template(self.client, self.config.alias, self.config.max_result_window)
            current = self.current_index()
            self._drop_leftovers(keep=current)
            reason = "requested" if rebuild else self._needs_rebuild(current)
            if reason:
                log.info("building a new index behind %s (%s)", self.config.alias, reason)
                index = new_index_name(self.config.alias)
                self.client.indices.create(
                    index=index,
                    body={
                        "settings": {
                            "number_of_shards": self.config.shards,
                            "number_of_replicas": 0,
                        }
                    },
                )
                meta = {"mapping_version": MAPPING_VERSION, "committed_run": 0}
                session = OpenSearchSession(self, index, rebuilt=True, meta=meta)
                session.put_meta(sources=sources, segmenter=segmenter_fingerprint())
                return session
            session = OpenSearchSession(self, current, rebuilt=False, meta=self.meta(current))
            session.drop_uncommitted()
            return session

    def _needs_rebuild(self, current: str | None) -> str | None:
        if current is None:
            return "no index yet"
        meta = self.meta(current)
        if meta.get("mapping_version") != MAPPING_VERSION:
            return f"mapping version {meta.get('mapping_version')} != {MAPPING_VERSION}"
        if meta.get("segmenter") != segmenter_fingerprint():
            return "segmenter or user dictionary changed"
        return None

    def _drop_leftovers(self, keep: str | None) -> None:
        """Delete indices of the alias's pattern that no alias points to (failed rebuilds)."""
        pattern = f"{self.config.alias}-*"
        ours = re.compile(re.escape(self.config.alias) + r"-\d{20}")
        found = self.client.indices.get_alias(index=pattern, expand_wildcards="open,closed")
        for name, info in found.items():
            if ours.fullmatch(name) and name != keep and not info.get("aliases"):
                if open_readers(self.client, name):
                    continue  # an export still reads this old build
                log.info("deleting %s, no longer behind the alias", name)
                self.client.indices.delete(index=name)


class OpenSearchSession:
    """One run's writes into one index (see the module doc)."""

    def __init__(self, backend: OpenSearchIndex, index: str, *, rebuilt: bool, meta: dict):
        self.backend, self.client, self.config = backend, backend.client, backend.config
        self.index = self.generation = index
        self.rebuilt = rebuilt
        self.meta = meta
        self.run = int(meta.get("committed_run") or 0) + 1
        self._ids_by_path: dict[str, list[str]] = {}
        self._deleted: list[str] = []
        self._sink: BulkSink | None = None

    def put_meta(self, **updates) -> None:
        self.meta.update(updates)
        self.client.indices.put_mapping(index=self.index, body={"_meta": self.meta})

    def drop_uncommitted(self) -> None:
        """Delete what rounds after the last commit wrote (a run that died).

        By id, found with a scroll: `_delete_by_query` belongs to the reindex
        module, which not every distribution has (the integ-test one has not).
        """
        query = {"range": {"run": {"gt": int(self.meta.get("committed_run") or 0)}}}
        self.client.indices.refresh(index=self.index)
        stale = [hit["_id"] for hit in self._scan([], query)]
        if stale:
            log.info("removing %d uncommitted documents of a run that did not finish", len(stale))
            self._delete(stale)
            self.client.indices.refresh(index=self.index)

    def known_files(self) -> dict[str, str]:
        state: dict[str, str] = {}
        with unavailable("reading which files the index holds", self.index):
            for hit in self._scan(["path", "filesig", "id"]):
                source = hit["_source"]
                state[source["path"]] = source["filesig"]
                self._ids_by_path.setdefault(source["path"], []).append(hit["_id"])
        return state

    def _scan(self, fields: list[str], query: dict | None = None):
        body = {"query": query or {"match_all": {}}, "_source": fields or False, "sort": ["_doc"]}
        page = self.client.search(
            index=self.index, body=body, scroll="2m", size=SCROLL_PAGE, request_timeout=120
        )
        scroll_id = page.get("_scroll_id")
        try:
            while page["hits"]["hits"]:
                yield from page["hits"]["hits"]
                page = self.client.scroll(scroll_id=scroll_id, scroll="2m", request_timeout=120)
                scroll_id = page.get("_scroll_id", scroll_id)
        finally:
            if scroll_id:
                try:
                    self.client.clear_scroll(scroll_id=scroll_id)
                except Exception:
                    pass

    def begin_round(self) -> None:
        # Each round writes under a number of its own: a later round that fails
        # leaves documents newer than the last commit, which `drop_uncommitted` finds.
        self.run = int(self.meta.get("committed_run") or 0) + 1
        self._deleted = []
        self._sink = None

    def delete_file(self, path: str) -> None:
        self._deleted.append(path)

    def sink(self) -> BulkSink:
        if self._sink is None:
            self._sink = BulkSink(self.config, self.index, self.run)
        return self._sink

    def sink_factory(self):
        return partial(BulkSink, self.config, self.index, self.run)

    def commit(self, handovers: list) -> None:
        written: set[str] = set()
        if self._sink is not None:
            handovers = [*handovers, self._sink.finish()]
            self._sink = None
        for handover in handovers:
            written.update(handover["ids"])
        stale = [
            doc_id
            for path in self._deleted
            for doc_id in self._ids_by_path.pop(path, ())
            if doc_id not in written
        ]
        self._deleted = []
        if not written and not stale:
            return  # nothing changed: the index, and so its version, stay as they are
        with unavailable(f"committing into {self.index}", self.index):
            self._delete(stale)
            self.client.indices.refresh(index=self.index, request_timeout=120)
            # The commit's number and time are the index's version (feeds' ETag).
            self.put_meta(committed_run=self.run, committed_at=_now_iso())

    def _delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            actions = [delete_action(self.index, d) for d in ids[i : i + 1000]]
            send(self.client, actions, f"deleting from {self.index}")

    def finish(self, **meta) -> None:
        with unavailable(f"finishing the run on {self.index}", self.index):
            self.put_meta(segmenter=segmenter_fingerprint(), **meta)
            self._apply_settings()
            if self.rebuilt:
                self._swap_alias()

    def _apply_settings(self) -> None:
        """Replicas and page depth as configured now (both can change on a live index)."""
        found = self.client.indices.get_settings(index=self.index)[self.index]["settings"]
        wanted = {
            "number_of_replicas": str(self.config.replicas),
            "max_result_window": str(max(self.config.max_result_window, 10_000)),
        }
        changed = {k: v for k, v in wanted.items() if found["index"].get(k) != v}
        if changed:
            self.client.indices.put_settings(index=self.index, body={"index": changed})
        if self.rebuilt and self.config.replicas:
            # Swap only once every shard has its copies, so that a node lost just
            # after the swap costs no shard; go ahead (yellow) when the cluster
            # cannot place them all.
            status = self._health_when_green().get("status", "unknown")
            if status != "green":
                log.warning(
                    "%s is %s: not every replica could be placed (fewer nodes than copies?)",
                    self.index,
                    status,
                )

    def _health_when_green(self) -> dict:
        """The index's health once green, or as it is after `GREEN_TIMEOUT`.

        A wait that runs out is answered with HTTP 408 and the health as it
        stands: a busy cluster still copying replicas, not a failure.
        """
        from opensearchpy.exceptions import TransportError

        try:
            return self.client.cluster.health(
                index=self.index,
                wait_for_status="green",
                timeout=GREEN_TIMEOUT,
                request_timeout=150,
            )
        except TransportError as exc:
            if exc.status_code != 408:
                raise
            return exc.info if isinstance(exc.info, dict) else {"status": "unknown"}

    def _swap_alias(self) -> None:
        alias = self.config.alias
        old = []
        if self.client.indices.exists_alias(name=alias):
            old = [name for name in self.client.indices.get_alias(name=alias) if name != self.index]
        actions = [{"remove": {"index": name, "alias": alias}} for name in old]
        actions.append({"add": {"index": self.index, "alias": alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        if old:
            # A search that resolved the alias just before the swap still reads
            # the old index: it goes once such a request has surely ended.
            time.sleep(RETIRE_AFTER_TIMEOUTS * self.config.timeout)
        for name in old:
            if open_readers(self.client, name):
                log.info("keeping %s while an export reads it; the next run deletes it", name)
            else:
                self.client.indices.delete(index=name)

    def abandon(self) -> None:
        if self._sink is not None:
            self._sink.abandon()
            self._sink = None
        try:
            if self.rebuilt:
                self.client.indices.delete(index=self.index)
            else:
                self.drop_uncommitted()
        except Exception as exc:  # the cluster is away: the next run cleans up
            log.debug("could not remove the failed run's documents now: %s", exc)
