"""Indexing with workers that write their own segments gives the same index, safely."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.index.searcher import Searcher
from indexer.index.store import IndexStore
from indexer.index.writer import WhooshIndex
from indexer.ingest import loading
from indexer.ingest.run import run_index
from indexer.ingest.workers import WorkerDied
from indexer.search.request import SearchRequest

from .conftest import SEEDS, build_index

QUERIES = ["", "江阴", '"silicon wafer"', "Wuxi", "集成电路", "integrated circuit"]


def _archive(dest: Path, copies: int = 8) -> Path:
    """The seeds several times over: enough files for both workers to get some."""
    for i in range(copies):
        folder = dest / f"c{i}"
        folder.mkdir(parents=True)
        for path in SEEDS.iterdir():
            shutil.copy2(path, folder / path.name)
    return dest


def _answers(index_dir: Path) -> dict:
    out = {}
    with Searcher(index_dir) as searcher:
        for q in QUERIES:
            result = searcher.search(SearchRequest(q=q, per_page=100, sort="newest"))
            out[q] = (
                result.total,
                sorted(h["id"] for h in result.hits),
                {k: sorted(v) if isinstance(v, list) else v for k, v in result.facets.items()},
            )
    return out


def _segments(index_dir: Path) -> list[int]:
    return [s.doc_count_all() for s in IndexStore(index_dir).open()._segments()]


def test_parallel_and_serial_builds_answer_every_query_alike(tmp_path):
    archive = _archive(tmp_path / "archive")
    _, serial = build_index(tmp_path / "serial", [archive], workers=1)
    _, parallel = build_index(tmp_path / "parallel", [archive], workers=2)
    assert serial.documents == parallel.documents == 8 * 8
    assert len(_segments(tmp_path / "parallel")) == 2  # both workers wrote a segment
    assert _answers(tmp_path / "serial") == _answers(tmp_path / "parallel")


def test_parallel_incremental_run_commits_in_rounds_and_applies_every_change(tmp_path):
    archive = _archive(tmp_path / "archive")
    index_dir = tmp_path / "index"
    store, _ = build_index(index_dir, [archive], workers=2)
    generation = store.open().latest_generation()
    for i in range(3):
        (archive / f"new{i}.txt").write_text(f"Title: Quantum widget {i}\n\nQuantum widgets.")
    for folder in ("c0", "c1"):
        target = next((archive / folder).glob("000_*.txt"))
        target.write_text(target.read_text("utf-8").replace("silicon", "germanium"), "utf-8")
    for folder in ("c2", "c3"):
        next((archive / folder).glob("003_*.txt")).unlink()

    with store.lock():
        summary = run_index(WhooshIndex(store), [archive], workers=2, commit_every=2)
    assert (summary.added, summary.updated, summary.deleted) == (3, 2, 2)
    # 5 files to read, 2 per round: three commits.
    assert store.open().latest_generation() == generation + 3
    answers = _answers(index_dir)
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(q="quantum")).total == 3
        assert searcher.search(SearchRequest(q="germanium")).total == 2
        assert searcher.search(SearchRequest(q="Yangzhou")).total == 6
    # The same archive indexed from scratch, serially, answers the same.
    build_index(tmp_path / "fresh", [archive], workers=1)
    assert _answers(tmp_path / "fresh") == answers


def test_a_worker_that_dies_fails_the_run_and_the_index_keeps_its_last_commit(
    tmp_path, monkeypatch
):
    archive = _archive(tmp_path / "archive")
    index_dir = tmp_path / "index"
    store, _ = build_index(index_dir, [archive], workers=2)
    before = _answers(index_dir)
    for i in range(6):
        (archive / f"new{i}.txt").write_text(f"Title: Quantum widget {i}\n\nQuantum widgets.")
    (archive / "zz-dies.txt").write_text("Title: never indexed\n\nThe worker dies here.")

    file_into = loading.file_into

    def dying(task, sink_for):  # the workers are forked, so they inherit this patch
        if task.path.endswith("zz-dies.txt"):
            os._exit(9)
        return file_into(task, sink_for)

    monkeypatch.setattr(loading, "file_into", dying)
    with store.lock(), pytest.raises(WorkerDied):
        run_index(WhooshIndex(store), [archive], workers=2)
    assert _answers(index_dir) == before  # nothing of the failed run is visible

    monkeypatch.setattr(loading, "file_into", file_into)
    with store.lock():
        summary = run_index(WhooshIndex(store), [archive], workers=2)
    assert summary.added == 7 and summary.failed == 0
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest(q="quantum")).total == 6


def _private_dirty_kb() -> int:
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    return 0


class _HeapCopyMeter:
    """A sink that reports its worker's private memory after a full collection."""

    def add(self, article) -> None:
        pass

    def finish(self):
        import gc

        gc.collect()
        return _private_dirty_kb()

    def abandon(self) -> None:
        pass


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux only")
def test_workers_garbage_collection_leaves_the_parents_heap_shared(tmp_path):
    """A big archive's plan lives in the parent; workers must not copy its pages."""
    from indexer.ingest.tasks import Task
    from indexer.ingest.workers import FileWorkers

    # About 250 MB of collectable containers: a worker that collects them
    # without the freeze copies about 150 MB of pages (measured: 78 MB private
    # with it, 189 MB without, at 1.5M lists).
    ballast = [[i] for i in range(2_000_000)]
    article = tmp_path / "a.txt"
    article.write_text("Wuxi opens a wafer plant\n\nThe plant in Wuxi makes wafers.\n", "utf-8")
    workers = FileWorkers(_HeapCopyMeter, 1)
    list(workers.run([Task(str(article), None)]))
    (private_kb,) = workers.handovers
    assert private_kb < 140_000, f"a worker holds {private_kb} kB of private pages"
    assert len(ballast) == 2_000_000
