"""A full disk or a read-only index folder: one clear line, the index intact, no debris.

The in-process tests make a commit fail with ENOSPC where Whoosh writes its
table of contents, after the run has written its segments. The slow tests
do it for real on a small tmpfs the test mounts (as root; skipped with the
reason where mounting is not allowed), filled by a larger archive, and on a
tmpfs remounted read-only (chmod does not stop root).
"""

from __future__ import annotations

import errno
import json
import logging
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.writing import SegmentWriter

from indexer.cli import cli, write_failure_line
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index

from .conftest import SEEDS, build_index
from .servers import run_indexer


def write_bulk_articles(folder: Path, files: int, words: int, seed: int = 1) -> None:
    """Files of made-up words: every word a new term, so the index grows fast."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(files):
        text = " ".join(
            "".join(rnd.choice(letters) for _ in range(rnd.randint(4, 9))) for _ in range(words)
        )
        (folder / f"bulk-{i:03d}.txt").write_text(f"Title: Bulk report {i}\n\n{text}\n", "utf-8")


def files_in(gen_dir: Path) -> set[str]:
    return {p.name for p in gen_dir.iterdir()}


def fail_commits(monkeypatch, after: int = 0) -> None:
    """Make every commit after the first `after` fail as a full disk would."""
    original = SegmentWriter._commit_toc
    calls = []

    def commit_toc(self, segments):
        calls.append(1)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, segments)

    monkeypatch.setattr(SegmentWriter, "_commit_toc", commit_toc)


@pytest.fixture
def seeded(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    store, _ = build_index(tmp_path / "index", [archive], workers=1)
    write_bulk_articles(archive, files=12, words=200)
    return store, archive


@pytest.mark.parametrize("workers", [1, 2], ids=["serial", "parallel"])
def test_failed_run_removes_the_files_it_wrote_that_no_commit_references(
    seeded, monkeypatch, workers
):
    store, archive = seeded
    before = files_in(store.current_dir())
    count = store.document_count()
    fail_commits(monkeypatch)
    with store.lock(), pytest.raises(OSError, match="No space"):
        run_index(WhooshIndex(store), [archive], workers=workers)
    assert files_in(store.current_dir()) == before
    assert store.document_count() == count


def test_failed_run_keeps_what_its_earlier_commits_made_visible(seeded, monkeypatch):
    store, archive = seeded
    count = store.document_count()
    commit_before = store.last_commit()
    fail_commits(monkeypatch, after=1)  # the first round commits, the second fails
    with store.lock(), pytest.raises(OSError) as failure:
        run_index(WhooshIndex(store, merge=False), [archive], workers=2, commit_every=6)
    committed = store.document_count()
    assert committed == count + 6
    line = write_failure_line(failure.value, WhooshIndex(store), commit_before)
    assert f"keeps what this run committed before it failed, {count + 6} articles" in line
    monkeypatch.undo()
    # Nothing of the failed round is left: every file belongs to a commit.
    gen_dir = store.current_dir()
    leftovers = files_in(gen_dir) - store.committed_files(gen_dir)
    assert leftovers <= {"newsarchive.json", "MAIN_WRITELOCK"}
    with store.lock():
        summary = run_index(WhooshIndex(store), [archive], workers=2)
    assert summary.added == 6 and store.document_count() == count + 12


def test_failed_rebuild_leaves_no_generation_behind(seeded, monkeypatch):
    store, archive = seeded
    current = store.current_name()
    fail_commits(monkeypatch)
    with store.lock(), pytest.raises(OSError):
        run_index(WhooshIndex(store), [archive], rebuild=True, workers=2)
    assert store.current_name() == current
    assert [p.name for p in store.root.glob("gen-*")] == [current]


def test_index_command_reports_a_write_failure_in_one_line(seeded, monkeypatch, caplog):
    store, archive = seeded
    count = store.document_count()
    fail_commits(monkeypatch)
    result = CliRunner().invoke(cli, ["index", str(archive), "--index", str(store.root)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "No space left on device" in errors[0]
    assert f"unchanged at its last commit, {count} articles" in errors[0]
    assert str(store.root) in errors[0] and "free space" in errors[0]


def test_healthz_warns_about_low_disk_space_but_stays_200(seed_index):
    from service import create_app
    from service.search_index import close_searcher

    for min_free_mb, status in ((0, "ok"), (10**9, "warning")):
        app = create_app({"TESTING": True, "INDEX": str(seed_index), "MIN_FREE_MB": min_free_mb})
        try:
            response = app.test_client().get("/healthz")
        finally:
            close_searcher(app)
        body = response.get_json()
        assert response.status_code == 200
        assert body["status"] == status
        assert body["disk"]["free_bytes"] > 0 and body["disk"]["low"] == (status == "warning")
        assert bool(body["warnings"]) == (status == "warning")


def test_stats_reports_free_space_and_warns_below_the_threshold(seed_index, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("NEWSARCHIVE_MIN_FREE_MB", "0")
    result = runner.invoke(cli, ["stats", "--index", str(seed_index), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["disk"]["free_bytes"] > 0 and stats["warnings"] == []

    monkeypatch.setenv("NEWSARCHIVE_MIN_FREE_MB", str(10**9))
    result = runner.invoke(cli, ["stats", "--index", str(seed_index)])
    assert result.exit_code == 0, result.output
    assert "free space:" in result.output
    assert "warning: only" in result.output


# -- a real small file system ----------------------------------------------------


@pytest.fixture
def small_fs(tmp_path):
    """A 3 MB tmpfs at tmp_path/small, unmounted afterwards."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def index_dir_listing(index_dir: Path) -> dict[str, set[str]]:
    return {p.name: files_in(p) for p in index_dir.iterdir() if p.is_dir()}


@pytest.mark.slow
@pytest.mark.parametrize(("files", "kept"), [(60, 3), (30, 2)], ids=["parallel", "serial"])
def test_full_disk_fails_cleanly_and_the_next_smaller_run_succeeds(tmp_path, small_fs, files, kept):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    index_dir = small_fs / "index"
    run_indexer("index", archive, "--index", index_dir)
    before = index_dir_listing(index_dir)

    write_bulk_articles(archive, files=files, words=36000 // files)  # about 7 MB of index
    failed = run_indexer("index", archive, "--index", index_dir, check=False)
    assert failed.returncode == 1, failed.stderr
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert "No space left on device" in lines[0]
    assert "unchanged at its last commit, 8 articles" in lines[0]
    assert index_dir_listing(index_dir) == before  # no segment, no MAIN.tmp left behind

    # The next run, over a smaller archive, has the room the failed one freed.
    for path in sorted(archive.glob("bulk-*.txt"))[kept:]:
        path.unlink()
    again = run_indexer("index", archive, "--index", index_dir, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{kept} added" in again.stdout


@pytest.mark.slow
def test_read_only_index_folder_fails_in_one_line_and_still_serves_stats(tmp_path, small_fs):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    index_dir = small_fs / "index"
    run_indexer("index", archive, "--index", index_dir)
    (archive / "new.txt").write_text("Title: New\n\nA new article.\n", "utf-8")
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        for extra in ([], ["--rebuild"]):
            failed = run_indexer("index", archive, "--index", index_dir, *extra, check=False)
            assert failed.returncode == 1, failed.stderr
            lines = failed.stderr.strip().splitlines()
            assert len(lines) == 1 and "Read-only file system" in lines[0], failed.stderr
            assert "unchanged at its last commit, 8 articles" in lines[0]
        stats = run_indexer("stats", "--index", index_dir, "--json")
        assert json.loads(stats.stdout)["documents"] == 8
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
