"""One indexing run: compare the archive with the index and apply the difference.

The index remembers every file it holds and its content signature
(`WriteSession.known_files`), so the state that decides what to add, update
and delete can never disagree with what users search. A file is re-read
only when its size or mtime changed, and re-indexed only when its content
hash (file plus sidecar) changed.

With enough files, loading and storing run in worker processes (see
`workers`); a few files are handled in this process. Changes are committed
every `COMMIT_EVERY` files or `COMMIT_ARTICLES` articles, so a kill loses at
most the round since the last commit; a rebuild writes a generation nobody
sees until the backend swaps it in whole.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.ingest.backend import IndexBackend, WriteSession
from indexer.ingest.files import file_stat, in_scope, scan_sources, split_filesig
from indexer.ingest.loading import FileOutcome
from indexer.ingest.summary import RunSummary
from indexer.ingest.tasks import FilePlan, Task, is_json_lines, plan_file
from indexer.ingest.workers import FileWorkers, InProcess
from indexer.sources import skipped_note

log = logging.getLogger("newsarchive.index")

COMMIT_EVERY = 5000  # files per commit of an incremental run
COMMIT_ARTICLES = 50_000  # and articles (estimated) per commit
PARALLEL_MIN_ARTICLES = 40  # fewer are done sooner in this process than by forking


@dataclass
class IndexRun:
    """One indexing run: what it writes to, what the index held, how it goes, what it did."""

    session: WriteSession
    roots: list[Path]
    summary: RunSummary
    workers: int | None
    progress: Callable[[int, int], None] | None
    commit_every: int
    commit_articles: int
    known: dict[str, str] = field(default_factory=dict)  # path -> filesig the index holds
    to_read: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    done: int = 0  # articles (estimated for failed and unchanged files), for progress
    total: int = 0


def run_index(
    backend: IndexBackend,
    sources: list[str | os.PathLike],
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    commit_every: int = COMMIT_EVERY,
    commit_articles: int = COMMIT_ARTICLES,
) -> RunSummary:
    """Bring the index in line with `sources`. The caller holds the backend's lock.

    `progress(done, total)` counts articles; the total is an estimate (a big
    JSON Lines file's lines, one article for any other file).
    """
    started = time.perf_counter()
    summary = RunSummary()
    roots = [Path(s).resolve() for s in sources]
    for root in roots:
        if not root.exists():
            summary.failures.append((str(root), "no such file or folder"))
            summary.failed += 1
    session = backend.begin(rebuild=rebuild, sources=[str(r) for r in roots])
    summary.rebuilt, summary.generation = session.rebuilt, session.generation
    run = IndexRun(session, roots, summary, workers, progress, commit_every, commit_articles)
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


def _worker_count(articles: int, workers: int | None) -> int:
    if workers is None:
        return min(os.cpu_count() or 1, 2) if articles >= PARALLEL_MIN_ARTICLES else 1
    return max(1, workers)


def _rounds(run: IndexRun, plans: Iterable[FilePlan]) -> Iterator[list[Task]]:
    """The tasks grouped into commit rounds.

    An incremental run's round ends after `commit_every` files or about
    `commit_articles` articles, never inside a file: a file's articles become
    visible together, so a kill can never leave half a file that the next
    run takes for done. A rebuild's rounds are cut by articles alone, inside
    a big file too (nobody sees its generation before the swap, and a killed
    rebuild is thrown away whole): one segment per worker for every 50,000
    articles, not one for the whole archive, whose postings a worker would
    spill to disk until its one flush (7 GB of temporary files at 100k).
    """
    if run.summary.rebuilt:
        current: list[Task] = []
        articles = 0
        for task in (t for plan in plans for t in plan.tasks):
            if current and articles + task.estimate > run.commit_articles:
                yield current
                current, articles = [], 0
            current.append(task)
            articles += task.estimate
        yield current
        return
    group: list[FilePlan] = []
    articles = 0
    for plan in plans:
        if group and (
            len(group) >= run.commit_every or articles + plan.estimate > run.commit_articles
        ):
            yield [t for p in group for t in p.tasks]
            group, articles = [], 0
        group.append(plan)
        articles += plan.estimate
    yield [t for p in group for t in p.tasks]


def _lazy_plans(run: IndexRun) -> tuple[int, Iterator[FilePlan]]:
    """The total articles expected, and each file's plan made only when its round comes.

    A million small files' plans, made up front, held about 450 bytes each
    in the parent for the whole run (and in every worker forked from it).
    JSON Lines files are planned first, as the total needs their line
    counts (a big one is cut into ranges and hashed); any other file is one
    article until read.
    """
    early = {
        path: plan_file(path, run.known.get(path)) for path in run.to_read if is_json_lines(path)
    }
    total = sum(plan.estimate for plan in early.values()) + len(run.to_read) - len(early)

    def each() -> Iterator[FilePlan]:
        for path in run.to_read:
            plan = early.pop(path, None)
            yield plan if plan is not None else plan_file(path, run.known.get(path))

    return total, each()


def _apply(run: IndexRun) -> None:
    """Load, store and commit round by round; deletions go with the first round."""
    session, summary = run.session, run.summary
    run.total, plans = _lazy_plans(run)
    files = _FileTally(run)
    for number, tasks in enumerate(_rounds(run, map(files.register, plans))):
        workers = _worker_count(sum(t.estimate for t in tasks), run.workers)
        session.begin_round()
        loader = (
            FileWorkers(session.sink_factory(), workers)
            if workers > 1
            else InProcess(session.sink())
        )
        try:
            if number == 0:
                for path in run.vanished:
                    session.delete_file(path)
                    summary.deleted += 1
            for outcome in loader.run(tasks):
                files.record(outcome)
        except BaseException:
            loader.stop()
            raise
        session.commit(loader.handovers)
        if files.to_redo:
            # Some of a failed file's articles were committed: take them out
            # again, so that the next run reads the file anew.
            session.begin_round()
            for path in files.to_redo:
                session.delete_file(path)
            session.commit([])
            files.to_redo = []


class _FileTally:
    """Outcomes of tasks added up per file: a file is done when all its tasks are."""

    def __init__(self, run: IndexRun):
        self.run = run
        self.to_redo: list[str] = []
        self._left: dict[str, int] = {}  # files in the rounds so far, not done yet
        self._files: dict[str, _File] = {}

    def register(self, plan: FilePlan) -> FilePlan:
        """Count a file in as its round takes it (what it needs no task for, at once)."""
        if plan.unchanged:
            self.run.summary.unchanged += 1
            self._advance(plan.estimate)
        elif plan.error:
            self._fail(plan.path, plan.error)
            self._advance(plan.estimate)
        else:
            self._left[plan.path] = len(plan.tasks)
            self._files[plan.path] = _File()
        return plan

    def record(self, outcome: FileOutcome) -> None:
        file = self._files[outcome.path]
        file.documents += outcome.documents
        file.unchanged = outcome.unchanged
        file.warnings.extend(outcome.warnings)
        file.error = file.error or outcome.error
        self._advance(outcome.documents or outcome.estimate)
        self._left[outcome.path] -= 1
        if self._left[outcome.path] == 0:
            del self._left[outcome.path]
            self._finish(outcome.path, self._files.pop(outcome.path))

    def _finish(self, path: str, file: _File) -> None:
        run, summary = self.run, self.run.summary
        if file.error is None and not file.documents and not file.unchanged:
            file.error = "no article found" + skipped_note(file.warnings)  # every line was bad
        if file.error is not None:
            self._fail(path, file.error)
            if file.documents:
                self.to_redo.append(path)
            return
        for message in file.warnings:
            summary.warnings.append((path, message))
            log.warning("%s: %s", path, message)
        if file.unchanged:
            summary.unchanged += 1
            return
        if path in run.known:
            run.session.delete_file(path)
            summary.updated += 1
        else:
            summary.added += 1
        summary.documents += file.documents

    def _fail(self, path: str, error: str) -> None:
        summary = self.run.summary
        summary.failed += 1
        summary.failures.append((path, error))
        log.warning("skipped %s: %s", path, error)

    def _advance(self, articles: int) -> None:
        self.run.done += articles
        if self.run.progress:
            self.run.progress(self.run.done, self.run.total)


@dataclass(slots=True)
class _File:
    documents: int = 0
    unchanged: bool = False
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
