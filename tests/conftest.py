"""Shared fixtures: small real indexes built from the seeds and from fixtures.

`seed_index` is built once per session (read-only tests share it); tests that
change an index build their own in `tmp_path`. `multi_segment_index` holds
the same documents as `seed_index` but one segment per file, because
incremental indexing produces many segments and code that reads columns or
postings per segment must give the same answers either way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.index.store import IndexStore
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def build_index(index_dir: Path, sources, *, one_segment_per_file: bool = False, **kwargs):
    store = IndexStore(index_dir)
    with store.lock():
        if not one_segment_per_file:
            return store, run_index(WhooshIndex(store), [Path(s) for s in sources], **kwargs)
        # Index the files one at a time, committing each as its own segment.
        summary = None
        staged = index_dir.parent / (index_dir.name + "-staged")
        staged.mkdir(parents=True, exist_ok=True)
        for source in sources:
            for path in sorted(Path(source).iterdir()):
                if path.is_file():
                    shutil.copy2(path, staged / path.name)
                    summary = run_index(WhooshIndex(store, merge=False), [staged], workers=1)
        return store, summary


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("seed-index") / "index"
    build_index(index_dir, [SEEDS], workers=1)
    return index_dir


@pytest.fixture(scope="session")
def multi_segment_index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("multi-index") / "index"
    store, _ = build_index(index_dir, [SEEDS], one_segment_per_file=True)
    with store.open().reader() as reader:
        assert len(reader.leaf_readers()) > 1
    return index_dir


@pytest.fixture(params=["single_segment", "multi_segment"])
def any_index(request, seed_index, multi_segment_index) -> Path:
    return seed_index if request.param == "single_segment" else multi_segment_index


@pytest.fixture
def app(seed_index):
    from service import create_app
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, "INDEX": str(seed_index)})
    yield app
    close_searcher(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
