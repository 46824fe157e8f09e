"""One indexing run: compare the archive with the index and apply the difference.

The index itself remembers every file it holds (`path` and `filesig`
columns), so the state that decides what to add, update and delete can never
disagree with what users search. A file is re-read only when its size or
mtime changed, and re-indexed only when its content hash (file plus sidecar)
changed.

With enough files, reading, cleaning, extracting, analysing and writing
run in worker processes, one segment per worker (see `parallel`); a few
files are handled in this process. An incremental run commits every
`COMMIT_EVERY` files, serial or parallel, so a kill loses at most
the work since the last commit; a full build happens in a fresh generation
that becomes visible only when complete (see `store`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.analysis.segmenter import get_segmenter
from indexer.index.loading import (
    file_stat,
    load_file,
    split_filesig,
)
from indexer.index.parallel import SegmentWorkers, commit_with_segments
from indexer.index.schema import SCHEMA_VERSION, codec
from indexer.index.store import IndexStore

log = logging.getLogger("newsarchive.index")

COMMIT_EVERY = 5000
PARALLEL_MIN_FILES = 40


@dataclass
class RunSummary:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    documents: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    generation: str = ""
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.warnings

    def line(self) -> str:
        kind = "rebuilt" if self.rebuilt else "indexed"
        return (
            f"{kind}: {self.added} added, {self.updated} updated, {self.deleted} deleted, "
            f"{self.unchanged} unchanged, {self.failed} failed; {self.documents} documents "
            f"in {self.seconds:.1f}s ({self.docs_per_second:.1f} docs/s)"
        )

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "documents": self.documents,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(self.docs_per_second, 1),
            "rebuilt": self.rebuilt,
            "generation": self.generation,
            "failures": [{"path": p, "reason": r} for p, r in self.failures],
            "warnings": [{"path": p, "message": m} for p, m in self.warnings],
        }


def indexed_files(ix) -> dict[str, str]:
    """path -> filesig for every live document, read from the columns."""
    state: dict[str, str] = {}
    with ix.reader() as reader:
        for sub, _offset in reader.leaf_readers():
            if not sub.has_column("path"):
                continue
            paths = sub.column_reader("path")
            sigs = sub.column_reader("filesig")
            for docnum in range(sub.doc_count_all()):
                if sub.is_deleted(docnum):
                    continue
                state[paths[docnum]] = sigs[docnum]
    return state


def scan_sources(sources: Iterable[Path]) -> list[str]:
    from indexer.sources import iter_source_files

    seen = []
    for _root, file in iter_source_files([Path(s) for s in sources]):
        seen.append(str(file.resolve()))
    return sorted(set(seen))


def _in_scope(path: str, roots: list[Path]) -> bool:
    for root in roots:
        if path == str(root) or path.startswith(str(root).rstrip(os.sep) + os.sep):
            return True
    return False


def needs_rebuild(store: IndexStore) -> str | None:
    """Why the current index cannot be updated in place, or None."""
    if not store.exists():
        return "no index yet"
    meta = store.meta()
    if meta.get("schema_version") != SCHEMA_VERSION:
        return f"schema version {meta.get('schema_version')} != {SCHEMA_VERSION}"
    if meta.get("segmenter") != get_segmenter().fingerprint:
        return "segmenter or user dictionary changed"
    return None


def run_index(
    store: IndexStore,
    sources: list[str | os.PathLike],
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    commit_every: int = COMMIT_EVERY,
    merge: bool = True,
) -> RunSummary:
    """Bring the index in line with `sources`. The caller holds the lock.

    `merge=False` leaves every commit as its own segment (tests use it to get
    a multi-segment index).
    """
    started = time.perf_counter()
    summary = RunSummary()
    roots = [Path(s).resolve() for s in sources]
    for root in roots:
        if not root.exists():
            summary.failures.append((str(root), "no such file or folder"))
            summary.failed += 1

    reason = "requested" if rebuild else needs_rebuild(store)
    fingerprint = get_segmenter().fingerprint
    existed: set[str] | None = None
    if reason:
        log.info("building a new index generation (%s)", reason)
        gen_dir = store.new_generation(segmenter=fingerprint, sources=[str(r) for r in roots])
        known: dict[str, str] = {}
        summary.rebuilt = True
    else:
        gen_dir = store.current_dir()
        store.sweep(gen_dir)
        existed = {p.name for p in gen_dir.iterdir()}
        known = indexed_files(store.open(gen_dir))
    summary.generation = gen_dir.name
    run = IndexRun(
        store=store,
        gen_dir=gen_dir,
        roots=roots,
        known=known,
        summary=summary,
        workers=workers,
        progress=progress,
        commit_every=commit_every,
        merge=merge,
    )
    try:
        _update(run)
    except BaseException:
        # The run knows it failed: what it wrote and did not commit goes now,
        # not at the sweep ten minutes later (a full disk stays full till then).
        try:
            removed = store.discard_uncommitted(gen_dir, existed)
            log.debug("removed %d uncommitted files of the failed run", removed)
        except OSError as exc:  # a read-only folder, say: the first error is the one to tell
            log.debug("could not remove the failed run's files: %s", exc)
        raise
    summary.seconds = time.perf_counter() - started
    return summary


@dataclass
class IndexRun:
    """One indexing run: where it writes, what the index held, how it goes, what it did."""

    store: IndexStore
    gen_dir: Path
    roots: list[Path]
    known: dict[str, str]  # path -> filesig of every file the index holds
    summary: RunSummary
    workers: int | None
    progress: Callable[[int, int], None] | None
    commit_every: int
    merge: bool
    to_read: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    ix: object = None


def _update(run: IndexRun) -> None:
    """Read what changed, write and commit it, then record the run in the metadata."""
    store, gen_dir, roots, known, summary = (
        run.store,
        run.gen_dir,
        run.roots,
        run.known,
        run.summary,
    )
    fingerprint = get_segmenter().fingerprint
    files = scan_sources([r for r in roots if r.exists()])
    present = set(files)
    to_read: list[str] = []
    for path in files:
        old = known.get(path)
        if old is not None and split_filesig(old)[1] == file_stat(Path(path)):
            summary.unchanged += 1
        else:
            to_read.append(path)
    vanished = [p for p in known if p not in present and _in_scope(p, roots)]

    run.ix = store.open(gen_dir)
    run.to_read, run.vanished = to_read, vanished
    run.workers = _worker_count(len(to_read), run.workers)
    if run.workers > 1:
        _index_parallel(run)
    else:
        _index_serial(run)

    meta_updates = {"segmenter": fingerprint, "last_update": _now_iso()}
    if summary.added or summary.updated or summary.deleted or summary.rebuilt:
        meta_updates["last_change"] = meta_updates["last_update"]
    store.write_meta(gen_dir, **meta_updates)
    if summary.rebuilt:
        store.publish(gen_dir)


def _worker_count(files: int, workers: int | None) -> int:
    if workers is None:
        return min(os.cpu_count() or 1, 2) if files >= PARALLEL_MIN_FILES else 1
    return max(1, workers)


def _accept(summary: RunSummary, path: str, error: str | None, warnings: list[str]) -> bool:
    """Record a file's failure or warnings; False when it failed."""
    if error:
        summary.failed += 1
        summary.failures.append((path, error))
        log.warning("skipped %s: %s", path, error)
        return False
    for message in warnings:
        summary.warnings.append((path, message))
        log.warning("%s: %s", path, message)
    return True


def _index_serial(run: IndexRun) -> None:
    """Few files: read them here and file them with one writer."""
    ix, to_read, vanished, known, summary = (
        run.ix,
        run.to_read,
        run.vanished,
        run.known,
        run.summary,
    )
    progress, commit_every, merge = run.progress, run.commit_every, run.merge
    writer = ix.writer(limitmb=256, compound=False, codec=codec())
    pending = 0
    try:
        for path in vanished:
            writer.delete_by_term("path", path)
            summary.deleted += 1
        for done, path in enumerate(to_read, start=1):
            result = load_file(path)
            if progress:
                progress(done, len(to_read))
            if not _accept(summary, result.path, result.error, result.warnings):
                continue
            old = known.get(result.path)
            if old is not None and split_filesig(old)[0] == split_filesig(result.filesig)[0]:
                # Touched, not changed: same content, nothing to re-index.
                summary.unchanged += 1
                continue
            if old is not None:
                writer.delete_by_term("path", result.path)
                summary.updated += 1
            else:
                summary.added += 1
            for doc in result.docs:
                writer.add_document(**doc)
                summary.documents += 1
            pending += 1
            if not summary.rebuilt and pending >= commit_every:
                writer.commit(merge=merge)
                writer = ix.writer(limitmb=256, compound=False, codec=codec())
                pending = 0
        writer.commit(merge=merge)
    except BaseException:
        _abandon(writer)
        raise


def _index_parallel(run: IndexRun) -> None:
    """Many files: workers read, analyse and write segments; this process commits.

    An incremental run commits after every `commit_every` files (one
    segment per worker each time), so a kill loses at most that much work;
    a rebuild commits once, into a generation nobody sees yet.
    """
    ix, gen_dir, to_read, vanished, known, summary = (
        run.ix,
        run.gen_dir,
        run.to_read,
        run.vanished,
        run.known,
        run.summary,
    )
    workers, progress, commit_every, merge = run.workers, run.progress, run.commit_every, run.merge
    step = len(to_read) if summary.rebuilt else commit_every
    rounds = [to_read[i : i + step] for i in range(0, len(to_read), max(step, 1))] or [[]]
    done = 0
    for number, files in enumerate(rounds):
        writer = ix.writer(limitmb=256, compound=False, codec=codec())
        pool = SegmentWorkers(gen_dir, workers)
        try:
            if number == 0:
                for path in vanished:
                    writer.delete_by_term("path", path)
                    summary.deleted += 1
            for outcome in pool.run([(path, known.get(path)) for path in files]):
                done += 1
                if progress:
                    progress(done, len(to_read))
                if not _accept(summary, outcome.path, outcome.error, outcome.warnings):
                    continue
                if outcome.unchanged:
                    summary.unchanged += 1
                    continue
                if outcome.path in known:
                    writer.delete_by_term("path", outcome.path)
                    summary.updated += 1
                else:
                    summary.added += 1
                summary.documents += outcome.documents
            commit_with_segments(writer, pool.segments, merge=merge)
        except BaseException:
            pool.stop()
            _abandon(writer)
            raise


def _abandon(writer) -> None:
    """Cancel a writer after a failure without hiding that failure.

    With a full disk, closing the writer's files can fail too; the lock it
    holds must still be released, and the error to report is the first one.
    """
    try:
        writer.cancel()
    except Exception as exc:
        log.debug("cancelling the writer failed too: %s", exc)
        lock = getattr(writer, "writelock", None)
        if lock is not None:
            try:
                lock.release()
            except Exception:
                pass


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
