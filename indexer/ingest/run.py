"""One indexing run: compare the archive with the index and apply the difference.

The index remembers every file it holds and its content signature
(`WriteSession.known_files`), so the state that decides what to add, update
and delete can never disagree with what users search. A file is re-read
only when its size or mtime changed, and re-indexed only when its content
hash (file plus sidecar) changed.

With enough files, loading and storing run in worker processes (see
`workers`); a few files are handled in this process. Changes are committed
every `COMMIT_EVERY` files, so a kill loses at most the round since the
last commit; a rebuild commits once, into a generation nobody sees until
the backend swaps it in.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.ingest.backend import IndexBackend, WriteSession
from indexer.ingest.files import file_stat, in_scope, scan_sources, split_filesig
from indexer.ingest.summary import RunSummary
from indexer.ingest.workers import FileWorkers, InProcess

log = logging.getLogger("newsarchive.index")

COMMIT_EVERY = 5000
PARALLEL_MIN_FILES = 40


@dataclass
class IndexRun:
    """One indexing run: what it writes to, what the index held, how it goes, what it did."""

    session: WriteSession
    roots: list[Path]
    summary: RunSummary
    workers: int | None
    progress: Callable[[int, int], None] | None
    commit_every: int
    known: dict[str, str] = field(default_factory=dict)  # path -> filesig the index holds
    to_read: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)


def run_index(
    backend: IndexBackend,
    sources: list[str | os.PathLike],
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    commit_every: int = COMMIT_EVERY,
) -> RunSummary:
    """Bring the index in line with `sources`. The caller holds the backend's lock."""
    started = time.perf_counter()
    summary = RunSummary()
    roots = [Path(s).resolve() for s in sources]
    for root in roots:
        if not root.exists():
            summary.failures.append((str(root), "no such file or folder"))
            summary.failed += 1
    session = backend.begin(rebuild=rebuild, sources=[str(r) for r in roots])
    summary.rebuilt, summary.generation = session.rebuilt, session.generation
    run = IndexRun(session, roots, summary, workers, progress, commit_every)
    try:
        _plan(run)
        _apply(run)
        updates = {"last_update": _now_iso()}
        if summary.added or summary.updated or summary.deleted or summary.rebuilt:
            updates["last_change"] = updates["last_update"]
        session.finish(**updates)
    except BaseException:
        # The run knows it failed: what it wrote and did not commit goes now,
        # not at a later sweep (a full disk would stay full till then).
        session.abandon()
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _plan(run: IndexRun) -> None:
    """Which files to read (new, or size/mtime changed) and which vanished."""
    run.known = {} if run.session.rebuilt else run.session.known_files()
    files = scan_sources([r for r in run.roots if r.exists()])
    present = set(files)
    for path in files:
        old = run.known.get(path)
        if old is not None and split_filesig(old)[1] == file_stat(Path(path)):
            run.summary.unchanged += 1
        else:
            run.to_read.append(path)
    run.vanished = [p for p in run.known if p not in present and in_scope(p, run.roots)]
    run.workers = _worker_count(len(run.to_read), run.workers)


def _worker_count(files: int, workers: int | None) -> int:
    if workers is None:
        return min(os.cpu_count() or 1, 2) if files >= PARALLEL_MIN_FILES else 1
    return max(1, workers)


def _apply(run: IndexRun) -> None:
    """Load, store and commit round by round; deletions go with the first round."""
    session, summary, known = run.session, run.summary, run.known
    step = len(run.to_read) if summary.rebuilt else run.commit_every
    rounds = [run.to_read[i : i + step] for i in range(0, len(run.to_read), max(step, 1))]
    done = 0
    for number, files in enumerate(rounds or [[]]):
        session.begin_round()
        if run.workers > 1:
            loader = FileWorkers(session.sink_factory(), run.workers)
        else:
            loader = InProcess(session.sink())
        try:
            if number == 0:
                for path in run.vanished:
                    session.delete_file(path)
                    summary.deleted += 1
            for outcome in loader.run([(path, known.get(path)) for path in files]):
                done += 1
                if run.progress:
                    run.progress(done, len(run.to_read))
                if not _accept(summary, outcome):
                    continue
                if outcome.unchanged:
                    summary.unchanged += 1
                    continue
                if outcome.path in known:
                    session.delete_file(outcome.path)
                    summary.updated += 1
                else:
                    summary.added += 1
                summary.documents += outcome.documents
        except BaseException:
            loader.stop()
            raise
        session.commit(loader.handovers)


def _accept(summary: RunSummary, outcome) -> bool:
    """Record a file's failure or warnings; False when it failed."""
    if outcome.error:
        summary.failed += 1
        summary.failures.append((outcome.path, outcome.error))
        log.warning("skipped %s: %s", outcome.path, outcome.error)
        return False
    for message in outcome.warnings:
        summary.warnings.append((outcome.path, message))
        log.warning("%s: %s", outcome.path, message)
    return True


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
