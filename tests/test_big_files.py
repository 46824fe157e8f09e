"""A big JSON Lines export is indexed in ranges, on every core, with the same result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from indexer.index.searcher import Searcher
from indexer.index.store import IndexStore
from indexer.index.writer import WhooshIndex
from indexer.ingest import loading, tasks
from indexer.ingest.run import run_index
from indexer.ingest.workers import WorkerDied
from indexer.search.request import SearchRequest

CITIES = ["Wuxi", "Suzhou", "Nanjing", "Jiangyin", "Changzhou"]


def _line(i: int, tag: str = "") -> str:
    city = CITIES[i % len(CITIES)]
    if i % 3 == 0:
        record = {
            "title": f"{city}新闻第{i}号{tag}",
            "body": f"{city}市{2015 + i % 9}年发布集成电路产业报告，第{i}期。" * 3,
            "date": f"{2015 + i % 9}-0{1 + i % 9}-1{i % 10}",
        }
    else:
        record = {
            "title": f"Report {i} from {city}{tag}",
            "body": f"The {city} wafer plant report number {i} covers silicon output. " * 4,
            "date": f"{2015 + i % 9}-0{1 + i % 9}-1{i % 10}",
        }
    return json.dumps(record, ensure_ascii=False)


def _export(path: Path, n: int, bad: dict[int, str] | None = None, tag: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [(bad or {}).get(i, _line(i, tag)) for i in range(n)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _everything(index_dir: Path) -> dict:
    with Searcher(index_dir) as searcher:
        result = searcher.search(SearchRequest(q="", per_page=100, sort="newest"))
        pages = [result]
        for page in range(2, -(-result.total // 100) + 1):
            pages.append(
                searcher.search(SearchRequest(q="", per_page=100, sort="newest", page=page))
            )
        hits = {h["id"]: (h["title"], h["date"]) for r in pages for h in r.hits}
        wafer = searcher.search(SearchRequest(q="wafer Wuxi", per_page=5))
    return {"hits": hits, "total": result.total, "facets": result.facets, "wafer": wafer.total}


def _index(index_dir: Path, archive: Path, **kwargs):
    store = IndexStore(index_dir)
    with store.lock():
        return run_index(WhooshIndex(store), [archive], **kwargs)


@pytest.fixture
def small_ranges(monkeypatch):
    monkeypatch.setattr(tasks, "RANGE_BYTES", 8 * 1024)


def test_a_big_export_cut_into_ranges_gives_the_same_index_as_read_whole(tmp_path, monkeypatch):
    archive = tmp_path / "archive"
    _export(archive / "export.jsonl", 400)
    whole = _index(tmp_path / "whole", archive, workers=1)
    monkeypatch.setattr(tasks, "RANGE_BYTES", 8 * 1024)
    plan = tasks.plan_file(str((archive / "export.jsonl").resolve()), None)
    assert len(plan.tasks) > 10 and plan.estimate == 400
    cut = _index(tmp_path / "cut", archive, workers=2)
    assert whole.documents == cut.documents == 400
    assert whole.added == cut.added == 1
    assert _everything(tmp_path / "whole") == _everything(tmp_path / "cut")
    # Both workers wrote some of the one file.
    assert len(IndexStore(tmp_path / "cut").open()._segments()) == 2


def test_bad_lines_of_a_big_export_are_reported_by_line_and_the_rest_indexed(
    tmp_path, small_ranges
):
    archive = tmp_path / "archive"
    _export(archive / "export.jsonl", 300, bad={10: "{not json", 250: '["a list"]'})
    summary = _index(tmp_path / "index", archive, workers=2)
    assert summary.documents == 298 and summary.failed == 0
    messages = sorted(m for _p, m in summary.warnings)
    assert messages == ["line 11: invalid JSON, skipped", "line 251: not a JSON object, skipped"]


def test_a_big_export_without_a_single_article_fails_as_a_file(tmp_path, small_ranges):
    archive = tmp_path / "archive"
    path = archive / "broken.jsonl"
    archive.mkdir()
    path.write_text("\n".join("{oops" + "x" * 100 for _ in range(400)) + "\n", "utf-8")
    summary = _index(tmp_path / "index", archive, workers=2)
    assert summary.failed == 1 and summary.documents == 0
    [(failed, reason)] = summary.failures
    assert failed == str(path.resolve()) and reason.startswith("no article found (400 record")


def test_a_changed_big_export_is_reindexed_without_duplicates(tmp_path, small_ranges):
    archive = tmp_path / "archive"
    _export(archive / "export.jsonl", 300)
    _index(tmp_path / "index", archive, workers=2)
    before = _everything(tmp_path / "index")
    _export(archive / "export.jsonl", 350, tag=" (updated)")  # every line changed, 50 more
    summary = _index(tmp_path / "index", archive, workers=2)
    assert summary.updated == 1 and summary.documents == 350
    after = _everything(tmp_path / "index")
    assert after["total"] == 350 and len(after["hits"]) == 350
    # Identity within the file is the line: the same lines keep their ids.
    assert set(before["hits"]) < set(after["hits"])
    assert all(title.endswith("(updated)") for title, _ in after["hits"].values())


def test_a_touched_big_export_is_hashed_once_and_not_reread(tmp_path, small_ranges, monkeypatch):
    archive = tmp_path / "archive"
    path = _export(archive / "export.jsonl", 300)
    _index(tmp_path / "index", archive, workers=2)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    monkeypatch.setattr(loading, "file_into", None)  # nothing may be read
    summary = _index(tmp_path / "index", archive, workers=2)
    assert summary.unchanged == 1 and summary.documents == 0


def test_a_worker_dying_mid_export_leaves_nothing_of_the_file_visible(
    tmp_path, small_ranges, monkeypatch
):
    archive = tmp_path / "archive"
    _export(archive / "a-first.jsonl", 50)
    _index(tmp_path / "index", archive, workers=2)
    before = _everything(tmp_path / "index")
    _export(archive / "b-export.jsonl", 300)
    file_into = loading.file_into

    def dying(task, sink_for):  # the workers are forked, so they inherit this patch
        if task.lines is not None and task.lines.first_line > 150:
            os._exit(9)
        return file_into(task, sink_for)

    monkeypatch.setattr(loading, "file_into", dying)
    with pytest.raises(WorkerDied):
        _index(tmp_path / "index", archive, workers=2)
    assert _everything(tmp_path / "index") == before
    monkeypatch.setattr(loading, "file_into", file_into)
    summary = _index(tmp_path / "index", archive, workers=2)
    assert summary.added == 1 and summary.documents == 300


def test_commit_rounds_never_cut_a_file(tmp_path, small_ranges):
    archive = tmp_path / "archive"
    _export(archive / "a.jsonl", 120)
    _export(archive / "b.jsonl", 120)
    for i in range(5):
        (archive / f"c{i}.txt").write_text(f"Title: Note {i}\n\nA short note {i}.", "utf-8")
    index_dir = tmp_path / "index"
    _index(index_dir, archive / "c0.txt", workers=1)  # an index to update
    store = IndexStore(index_dir)
    with store.lock():
        summary = run_index(
            WhooshIndex(store, merge=False), [archive], workers=2, commit_articles=100
        )
    assert summary.documents == 120 + 120 + 4 and summary.added == 6
    # One segment per worker per round: a.jsonl, b.jsonl and the notes are three
    # rounds, each with the whole of its files.
    counts = sorted(s.doc_count_all() for s in store.open()._segments())
    assert sum(counts) == 1 + 244
    assert len(counts) >= 4


def test_progress_counts_articles_of_a_big_export(tmp_path, small_ranges):
    archive = tmp_path / "archive"
    _export(archive / "export.jsonl", 300)
    (archive / "note.txt").write_text("Title: Note\n\nA short note.", "utf-8")
    seen = []
    _index(tmp_path / "index", archive, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (301, 301)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_rebuild_writes_rounds_of_segments_and_swaps_them_in_whole(tmp_path, small_ranges):
    archive = tmp_path / "archive"
    _export(archive / "export.jsonl", 400)
    _index(tmp_path / "whole", archive, workers=1)
    index_dir = tmp_path / "rounds"
    _export(tmp_path / "old" / "old.jsonl", 10)
    _index(index_dir, tmp_path / "old", workers=1)
    store = IndexStore(index_dir)
    before = store.current_name()
    seen = []

    def progress(done, total):  # the old generation answers until the very end
        seen.append(store.current_name())

    with store.lock():
        summary = run_index(
            WhooshIndex(store, merge=False),
            [archive],
            rebuild=True,
            workers=2,
            commit_articles=100,
            progress=progress,
        )
    assert summary.rebuilt and summary.documents == 400
    assert set(seen) == {before} and store.current_name() != before
    assert len(store.open()._segments()) >= 6  # 2 workers x 3 or more rounds
    assert _everything(index_dir) == _everything(tmp_path / "whole")
