"""Indexing on every core: each worker reads, analyses and writes its own segment.

With one Whoosh writer, the parent process filing every posting was the
bottleneck: the workers that read and analyse files waited for it, and the
machine ran at 1.3 of its 2 cores. Whoosh lets several `SegmentWriter`s
write separate segments of one index as long as a single parent commits
them (its own `MpWriter(multisegment=True)` works this way); here the
workers that already read and analyse the files also write them, so no
document crosses a process boundary. The parent only deletes replaced and
vanished files' documents and commits.

Nothing a worker writes is visible before the parent's commit names its
segment in a new TOC: a run killed at any moment leaves files no TOC
references, which `IndexStore.sweep` removes later.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh.writing import SegmentWriter

from indexer.index import loading
from indexer.index.schema import codec
from indexer.index.store import IndexStore

log = logging.getLogger("newsarchive.index")

BATCH = 8  # files per message: small enough to balance, large enough to be cheap
WORKER_LIMIT_MB = 128  # each worker's posting pool before it spills to disk


@dataclass
class FileOutcome:
    """What a worker did with one file; the documents stay in its segment."""

    path: str
    filesig: str
    warnings: list[str]
    error: str | None = None
    documents: int = 0
    unchanged: bool = False


class WorkerDied(RuntimeError):
    """A segment-writing worker ended without handing over its segment."""


def _digest(filesig: str | None) -> str | None:
    return filesig.partition("|")[0] if filesig else None


def _work(gen_dir: str, parent_pid: int, inbox, outbox) -> None:
    loading.init_worker(parent_pid)
    writer = None
    try:
        while (batch := inbox.get()) is not None:
            for path, old_sig in batch:
                result = loading.load_file(path)
                outcome = FileOutcome(result.path, result.filesig, result.warnings, result.error)
                if result.error is None:
                    if old_sig and _digest(old_sig) == _digest(result.filesig):
                        outcome.unchanged = True
                    elif result.docs:
                        if writer is None:
                            ix = IndexStore(Path(gen_dir).parent).open(Path(gen_dir))
                            writer = SegmentWriter(
                                ix,
                                _lk=False,
                                limitmb=WORKER_LIMIT_MB,
                                compound=False,
                                codec=codec(),
                            )
                        for doc in result.docs:
                            writer.add_document(**doc)
                        outcome.documents = len(result.docs)
                outbox.put(("file", outcome))
        segment = None
        if writer is not None:
            # Not `_finish()`: it deletes the temp folder every writer of
            # this index shares, the parent's open column files included.
            segment = writer._finalize_segment()
        outbox.put(("done", segment))
    except BaseException as exc:
        if writer is not None:
            try:
                writer._close_segment()
            except Exception:
                pass
        if isinstance(exc, OSError):
            # A full disk or a read-only folder: the parent reports it as its
            # own OSError, in one line; a traceback from here would add nothing.
            outbox.put(("oserror", (exc.errno, exc.strerror or str(exc), exc.filename)))
            return
        outbox.put(("crash", f"{type(exc).__name__}: {exc}"))
        raise


class SegmentWorkers:
    """Worker processes that turn files into new segments of one index generation.

    `run()` yields one `FileOutcome` per file as they finish (for progress
    and the summary); afterwards `segments` holds the segments to commit.
    """

    def __init__(self, gen_dir: Path, workers: int):
        self.gen_dir = gen_dir
        self.workers = workers
        self.segments: list = []
        self._procs: list = []

    def run(self, tasks: list[tuple[str, str | None]]) -> Iterator[FileOutcome]:
        """Process (path, old filesig or None) pairs; the caller owns the lock."""
        ctx = multiprocessing.get_context("fork")  # workers inherit the loaded dictionary
        inbox, outbox = ctx.Queue(), ctx.Queue()
        self._procs = [
            ctx.Process(
                target=_work,
                args=(str(self.gen_dir), os.getpid(), inbox, outbox),
                daemon=True,
                name=f"newsarchive-index-{i}",
            )
            for i in range(self.workers)
        ]
        for proc in self._procs:
            proc.start()
        for i in range(0, len(tasks), BATCH):
            inbox.put(tasks[i : i + BATCH])
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
                    self.segments.append(payload)
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
        """End every worker (after an error: their unfinished segments are dropped)."""
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
        for proc in self._procs:
            proc.join(timeout=5)


def commit_with_segments(writer, segments: list, merge: bool = True) -> None:
    """Commit `writer` (its deletions and merges) together with workers' segments.

    One TOC names them all, so readers see the run's changes at once:
    `SegmentWriter.commit` split where `MpWriter` splits it.
    """
    writer._check_state()
    final = writer._merge_segments(None, None, merge)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final + list(segments))
    writer._finish()
