"""The one indexing run allowed at a time, as a lock document in the cluster.

Why in the cluster and not a local file: with a cluster, the indexing
command may run on any machine that reaches it (each web server of a
scaled-out deployment may carry the timer unit), and only the cluster sees
all of them. The lock is the document `indexing` in the index
`<alias>.lock`, created with `op_type=create`: of two runs creating it at
once, exactly one succeeds; the other waits up to `--wait` seconds and
then exits 75, as with the Whoosh backend.

A run killed with SIGKILL cannot delete its lock, so the document is a
lease: it names its holder (host and process id) and an expiry, renewed
every `RENEW_EVERY` seconds by a thread of the holder. Another run takes
over a lock whose lease has expired, or, on the holder's own host, whose
process is gone (so a killed cron run on the same machine blocks nobody);
every takeover and release is conditional on the document's sequence
number, so two runs never both take over one stale lock.

The renewing thread stops around every `fork()` (indexing workers are
forked) and starts again in the parent: a process never forks with a
second thread running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

from opensearchpy.exceptions import ConflictError, NotFoundError, RequestError

from indexer.ingest.errors import IndexBusy
from indexer.opensearch.mapping import lock_index

log = logging.getLogger("newsarchive.index")

LEASE = 120.0  # seconds a lock stays valid without renewal
RENEW_EVERY = 20.0
POLL = 0.5
LOCK_ID = "indexing"

_LOCK_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "host": {"type": "keyword"},
        "pid": {"type": "long"},
        "started": {"type": "double"},
        "expires": {"type": "double"},
    },
}


class ClusterLock:
    def __init__(self, client, alias: str):
        self.client = client
        self.index = lock_index(alias)
        self.version: tuple[int, int] | None = None  # (seq_no, primary_term) we hold
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def held(self, wait: float = 0):
        self.acquire(wait)
        try:
            yield self
        finally:
            self.release()

    def acquire(self, wait: float = 0) -> None:
        self._ensure_index()
        deadline = time.monotonic() + wait
        while True:
            if self._try_create() or self._take_over_stale():
                break
            if time.monotonic() >= deadline:
                holder = self._holder()
                who = f" ({holder['host']} pid {holder['pid']})" if holder else ""
                raise IndexBusy(f"another indexing run holds the lock in {self.index}{who}")
            time.sleep(POLL)
        _HELD.add(self)
        self._start_renewing()

    def release(self) -> None:
        self._stop_renewing()
        _HELD.discard(self)
        if self.version is None:
            return
        seq_no, term = self.version
        self.version = None
        try:
            self.client.delete(index=self.index, id=LOCK_ID, if_seq_no=seq_no, if_primary_term=term)
        except (ConflictError, NotFoundError):
            log.warning("the indexing lock was taken over before this run released it")
        except Exception as exc:  # the lease expires by itself
            log.warning("could not release the indexing lock (%s); it expires in time", exc)

    # -- the document ----------------------------------------------------------
    def _ensure_index(self) -> None:
        if self.client.indices.exists(index=self.index):
            return
        try:
            self.client.indices.create(
                index=self.index,
                body={
                    "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-2"},
                    "mappings": _LOCK_MAPPING,
                },
            )
        except RequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def _body(self) -> dict:
        now = time.time()
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": now,
            "expires": now + LEASE,
        }

    def _try_create(self) -> bool:
        try:
            done = self.client.index(
                index=self.index, id=LOCK_ID, body=self._body(), op_type="create", refresh="false"
            )
        except ConflictError:
            return False
        self.version = (done["_seq_no"], done["_primary_term"])
        return True

    def _holder(self) -> dict | None:
        try:
            found = self.client.get(index=self.index, id=LOCK_ID)
        except NotFoundError:
            return None
        return {**found["_source"], "_seq_no": found["_seq_no"], "_term": found["_primary_term"]}

    def _take_over_stale(self) -> bool:
        holder = self._holder()
        if holder is None:
            return False  # released meanwhile: the next create will tell
        if not _stale(holder):
            return False
        log.warning(
            "taking over the indexing lock of %s pid %s (%s)",
            holder["host"],
            holder["pid"],
            "lease expired" if holder["expires"] < time.time() else "process gone",
        )
        try:
            done = self.client.index(
                index=self.index,
                id=LOCK_ID,
                body=self._body(),
                if_seq_no=holder["_seq_no"],
                if_primary_term=holder["_term"],
            )
        except ConflictError:
            return False  # another run took it over first
        self.version = (done["_seq_no"], done["_primary_term"])
        return True

    # -- the lease ---------------------------------------------------------------
    def renew(self) -> None:
        if self.version is None:
            return
        seq_no, term = self.version
        body = self._body()
        try:
            done = self.client.index(
                index=self.index,
                id=LOCK_ID,
                body=body,
                if_seq_no=seq_no,
                if_primary_term=term,
            )
        except (ConflictError, NotFoundError):
            self.lost = True
            log.error("the indexing lock was taken over by another run")
            return
        self.version = (done["_seq_no"], done["_primary_term"])

    def _start_renewing(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew_loop, name="lock-lease", daemon=True)
        self._thread.start()

    def _stop_renewing(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _renew_loop(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                self.renew()
            except Exception as exc:  # the cluster may be back before the lease ends
                log.warning("could not renew the indexing lock: %s", exc)


def _stale(holder: dict) -> bool:
    """Whether a lock's holder is gone: its lease expired, or its process (on this host)."""
    if holder["expires"] < time.time():
        return True
    if holder["host"] != socket.gethostname():
        return False
    pid = int(holder["pid"])
    if pid == os.getpid():  # left by this process, unless one of its locks holds it
        return not any(lock.version is not None for lock in _HELD)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


_HELD: set[ClusterLock] = set()


def _before_fork() -> None:
    for lock in list(_HELD):
        lock._stop_renewing()


def _after_fork_in_parent() -> None:
    for lock in list(_HELD):
        lock._start_renewing()


def _after_fork_in_child() -> None:
    # The child holds nothing: only the parent renews and releases.
    for lock in list(_HELD):
        lock.version = None
    _HELD.clear()


os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)
