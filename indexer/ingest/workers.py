"""Indexing on every core: workers load files and hand their articles to a backend's sink.

With one writer in the parent, the parent filing every posting was the
bottleneck: the workers that read and analyse files waited for it, and the
machine ran at 1.3 of its 2 cores. So each worker also stores what it
analysed, through a sink the backend makes for it (the Whoosh backend: a
segment of its own; a cluster: bulk requests), and no article crosses a
process boundary. What a sink stores becomes visible only when the parent
commits the sinks' handovers (`WriteSession.commit`), so a run killed at any
moment leaves nothing half-visible.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator

from indexer.ingest import loading
from indexer.ingest.backend import ArticleSink
from indexer.ingest.loading import FileOutcome
from indexer.ingest.tasks import Task

log = logging.getLogger("newsarchive.index")

BATCH = 8  # files per message: small enough to balance, large enough to be cheap


class WorkerDied(RuntimeError):
    """An indexing worker ended without handing over what it stored."""


def _work(make_sink: Callable[[], ArticleSink], parent_pid: int, inbox, outbox) -> None:
    loading.init_worker(parent_pid)
    sink = None

    def sink_for() -> ArticleSink:
        nonlocal sink
        if sink is None:
            sink = make_sink()
        return sink

    try:
        while (batch := inbox.get()) is not None:
            for task in batch:
                outbox.put(("file", loading.file_into(task, sink_for)))
        outbox.put(("done", sink.finish() if sink is not None else None))
    except BaseException as exc:
        if sink is not None:
            try:
                sink.abandon()
            except Exception:
                pass
        if isinstance(exc, OSError):
            # A full disk or a read-only folder: the parent reports it as its
            # own OSError, in one line; a traceback from here would add nothing.
            outbox.put(("oserror", (exc.errno, exc.strerror or str(exc), exc.filename)))
            return
        outbox.put(("crash", f"{type(exc).__name__}: {exc}"))
        raise


def _batches(tasks: list[Task]) -> Iterator[list[Task]]:
    """Up to `BATCH` small files per message; a range of a big file goes alone."""
    batch: list[Task] = []
    for task in tasks:
        if task.lines is not None:
            yield [task]
            continue
        batch.append(task)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class FileWorkers:
    """Worker processes that load files into sinks made by `make_sink`.

    `run()` yields one `FileOutcome` per file as they finish (for progress
    and the summary); afterwards `handovers` holds what the sinks returned,
    for the session to commit.
    """

    def __init__(self, make_sink: Callable[[], ArticleSink], workers: int):
        self.make_sink = make_sink
        self.workers = workers
        self.handovers: list = []
        self._procs: list = []

    def run(self, tasks: list[Task]) -> Iterator[FileOutcome]:
        """Process the tasks, in any order; the caller owns the lock."""
        ctx = multiprocessing.get_context("fork")  # workers inherit the loaded dictionary
        inbox, outbox = ctx.Queue(), ctx.Queue()
        self._procs = [
            ctx.Process(
                target=_work,
                args=(self.make_sink, os.getpid(), inbox, outbox),
                daemon=True,
                name=f"newsarchive-index-{i}",
            )
            for i in range(self.workers)
        ]
        # The workers inherit the parent's heap (the run's plan: hundreds of
        # bytes per file, a million files in a big archive). Their cyclic
        # garbage collector would write into every inherited object's header
        # and so copy the pages; frozen, it leaves them shared. The parent
        # thaws at once: only the forks keep them frozen.
        gc.freeze()
        try:
            for proc in self._procs:
                proc.start()
        finally:
            gc.unfreeze()
        for batch in _batches(tasks):
            inbox.put(batch)
        for _ in self._procs:
            inbox.put(None)
        finished = 0
        while finished < len(self._procs):
            try:
                kind, payload = outbox.get(timeout=1.0)
            except queue.Empty:
                self._check_alive()
                continue
            if kind == "file":
                yield payload
            elif kind == "done":
                if payload is not None:
                    self.handovers.append(payload)
                finished += 1
            elif kind == "oserror":
                errno, strerror, filename = payload
                raise OSError(errno, strerror, filename)
            else:
                raise WorkerDied(f"an indexing worker failed: {payload}")
        for proc in self._procs:
            proc.join()

    def _check_alive(self) -> None:
        for proc in self._procs:
            if proc.exitcode not in (None, 0):
                raise WorkerDied(f"indexing worker {proc.name} died (exit code {proc.exitcode})")

    def stop(self) -> None:
        """End every worker (after an error: what their sinks held is dropped)."""
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
        for proc in self._procs:
            proc.join(timeout=5)


class InProcess:
    """The same interface as `FileWorkers` for a few files: loaded here, into one sink."""

    def __init__(self, sink: ArticleSink):
        self.sink = sink
        self.handovers: list = []

    def run(self, tasks: list[Task]) -> Iterator[FileOutcome]:
        for task in tasks:
            yield loading.file_into(task, lambda: self.sink)

    def stop(self) -> None:
        pass
