"""The Whoosh index as an `IndexBackend`: what the indexing run hands it, it stores.

Whoosh allows one writer per index, and with one writer the parent process
filing every posting was the bottleneck. But several `SegmentWriter`s may
write separate segments of one index as long as a single parent commits
them (Whoosh's own `MpWriter(multisegment=True)` works this way): each
worker's sink is such a writer, its handover the finished segment, and the
parent's writer deletes replaced and vanished files' articles and commits
everything in one new TOC. Nothing a worker writes is visible before that
commit: a run killed at any moment leaves files no TOC references, which
`IndexStore.sweep` removes later; a run that knows it failed removes them
at once (`IndexStore.discard_uncommitted`).

Tied to Whoosh 2.7.5's private writer methods (`_finalize_segment`,
`_merge_segments`, `_commit_toc`, `_close_segment`, `_finish`).
"""

from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path

from indexer.analysis.segmenter import get_segmenter
from indexer.index import postings_arrays
from indexer.index.documents import whoosh_fields
from indexer.index.merging import merge_tiers
from indexer.index.posting_pool import PackedSegmentWriter
from indexer.index.schema import SCHEMA_VERSION, codec
from indexer.index.store import IndexStore
from indexer.ingest.analysed import AnalysedArticle

log = logging.getLogger("newsarchive.index")

WRITER_LIMIT_MB = 256  # the parent writer's posting pool (few files, or deletions only)
# Each worker's posting pool before it spills a sorted run to disk. 48 MB, not
# 128: the indexing tree's peak fell from 622 to 435 MB on the 5k export at the
# same docs/s (Whoosh merges the runs streaming, so more runs cost little).
WORKER_LIMIT_MB = 48


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


class WhooshIndex:
    """The embedded index in a folder of generations (see `store`).

    `merge=False` leaves every commit as its own segment (tests use it to
    get a multi-segment index).
    """

    def __init__(self, store: IndexStore | str | os.PathLike, *, merge: bool = True):
        self.store = store if isinstance(store, IndexStore) else IndexStore(store)
        self.merge = merge

    def lock(self, wait: float = 0):
        return self.store.lock(wait=wait)

    def exists(self) -> bool:
        return self.store.exists()

    def checkpoint(self):
        return self.store.last_commit()

    def describe_failure(self, before) -> str:
        count = self.store.document_count()
        root = self.store.root
        if count is None:
            return f"there is still no index in {root}"
        if self.store.last_commit() == before:
            return f"the index in {root} is unchanged at its last commit, {count:,} articles"
        return (
            f"the index in {root} keeps what this run committed before it failed, "
            f"{count:,} articles; the next run redoes the rest"
        )

    def begin(self, *, rebuild: bool, sources: list[str]) -> WhooshSession:
        store = self.store
        reason = "requested" if rebuild else needs_rebuild(store)
        fingerprint = get_segmenter().fingerprint
        if reason:
            log.info("building a new index generation (%s)", reason)
            gen_dir = store.new_generation(segmenter=fingerprint, sources=sources)
            return WhooshSession(store, gen_dir, rebuilt=True, merge=self.merge)
        gen_dir = store.current_dir()
        store.sweep(gen_dir)
        existed = {p.name for p in gen_dir.iterdir()}
        return WhooshSession(store, gen_dir, rebuilt=False, merge=self.merge, existed=existed)


class WhooshSession:
    """One run's writes into one generation of the index."""

    def __init__(
        self,
        store: IndexStore,
        gen_dir: Path,
        *,
        rebuilt: bool,
        merge: bool,
        existed: set[str] | None = None,
    ):
        self.store, self.gen_dir = store, gen_dir
        self.rebuilt, self.merge = rebuilt, merge
        self.generation = gen_dir.name
        self._existed = existed  # files there before the run (None: a new generation)
        self._ix = store.open(gen_dir)
        self._writer = None
        self._deleted = False  # this round deleted a file's articles
        self._sink: WriterSink | None = None  # this round's in-process sink, if any

    def known_files(self) -> dict[str, str]:
        return indexed_files(self._ix)

    def begin_round(self) -> None:
        # The parent's writer holds Whoosh's lock for the round; workers'
        # segment writers go without it.
        self._writer = PackedSegmentWriter(
            self._ix,
            limitmb=WRITER_LIMIT_MB,
            arrays_dir=self.gen_dir,
            compound=False,
            codec=codec(),
        )
        self._deleted, self._sink = False, None

    def delete_file(self, path: str) -> None:
        self._writer.delete_by_term("path", path)
        self._deleted = True

    def sink(self) -> WriterSink:
        self._sink = WriterSink(self._writer)
        return self._sink

    def sink_factory(self):
        return partial(SegmentSink, str(self.gen_dir))

    def commit(self, handovers: list) -> None:
        """Commit the round; a round of an existing generation that changed nothing is dropped.

        A commit is a new version of the index (a feed's ETag, a view to
        build): a cron run that finds nothing new must not make one.
        """
        if handovers:
            commit_with_segments(self._writer, handovers, merge=self.merge)
        elif self._deleted or (self._sink is not None and self._sink.added) or self.rebuilt:
            self._writer.commit(mergetype=merge_tiers if self.merge else None, merge=self.merge)
        else:
            abandon_writer(self._writer)
        self._writer = None  # only now: a failed commit is abandoned, its lock released

    def finish(self, **meta) -> None:
        try:  # a search speed-up: an index without them answers the same, slower
            written = postings_arrays.write_missing(self.gen_dir, self._ix)
            log.debug("wrote the postings arrays of %d segments", written)
        except OSError as exc:
            log.warning("could not write postings arrays: %s", exc)
        self.store.write_meta(self.gen_dir, segmenter=get_segmenter().fingerprint, **meta)
        if self.rebuilt:
            self.store.publish(self.gen_dir)

    def abandon(self) -> None:
        if self._writer is not None:
            abandon_writer(self._writer)
            self._writer = None
        try:
            removed = self.store.discard_uncommitted(self.gen_dir, self._existed)
            log.debug("removed %d uncommitted files of the failed run", removed)
        except OSError as exc:  # a read-only folder, say: the first error is the one to tell
            log.debug("could not remove the failed run's files: %s", exc)


class WriterSink:
    """Articles added through the round's own writer (few files, in this process)."""

    def __init__(self, writer):
        self.writer = writer
        self.added = 0

    def add(self, article: AnalysedArticle) -> None:
        self.writer.add_document(**whoosh_fields(article))
        self.added += 1

    def finish(self) -> None:
        return None  # committed with the round's writer

    def abandon(self) -> None:
        pass  # the session abandons the writer


class SegmentSink:
    """A worker's own segment of the generation, handed over unfinished-by-TOC."""

    def __init__(self, gen_dir: str):
        self.gen_dir = Path(gen_dir)
        ix = IndexStore(self.gen_dir.parent).open(self.gen_dir)
        self.writer = PackedSegmentWriter(
            ix,
            _lk=False,
            limitmb=WORKER_LIMIT_MB,
            arrays_dir=self.gen_dir,
            compound=False,
            codec=codec(),
        )

    def add(self, article: AnalysedArticle) -> None:
        self.writer.add_document(**whoosh_fields(article))

    def finish(self):
        # Not `_finish()`: it deletes the temp folder every writer of this
        # index shares, the parent's open column files included.
        return self.writer._finalize_segment()

    def abandon(self) -> None:
        self.writer._close_segment()


def commit_with_segments(writer, segments: list, merge: bool = True) -> None:
    """Commit `writer` (its deletions and merges) together with workers' segments.

    One TOC names them all, so readers see the run's changes at once:
    `SegmentWriter.commit` split where `MpWriter` splits it.
    """
    writer._check_state()
    final = writer._merge_segments(merge_tiers if merge else None, None, merge)
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final + list(segments))
    writer._finish()


def abandon_writer(writer) -> None:
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
