"""Shared fixtures: small real indexes built from the seeds and from fixtures.

`seed_index` is built once per session (read-only tests share it); tests that
change an index build their own in `tmp_path`. `multi_segment_index` holds
the same documents as `seed_index` but one segment per file, because
incremental indexing produces many segments and code that reads columns or
postings per segment must give the same answers either way. `live_index`
is a test's own copy of the seeds and its index, for tests that commit more
(`add_article`, `commit_archive`).

The contract: tests marked `contract` that use `backend` (through `app`,
`client` or `index_settings`) run once per search backend, with the same
assertions: Whoosh, and OpenSearch on a real three-node cluster that the
session starts once (`opensearch_hosts`, see tests/clusters.py). Those runs
are marked `opensearch` (and `slow`: the cluster takes a minute to start).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from indexer.index.store import IndexStore
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index

from .clusters import cluster_settings, drop_alias, fresh_alias, running_cluster

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


def seeds_copy(tmp_path: Path) -> Path:
    """A copy of the seed archive that a test may add to."""
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    return archive


def commit_archive(index_dir: Path, archive: Path, merge: bool = False):
    """One incremental indexing run over `archive` (without merging, by default)."""
    store = IndexStore(index_dir)
    with store.lock():
        return run_index(WhooshIndex(store, merge=merge), [archive], workers=1)


def add_article(archive: Path, name: str, text: str) -> None:
    (archive / name).write_text(f"Title: {text}\n\n{text} in Suzhou.", "utf-8")


def total_of(searcher, q: str) -> int:
    from indexer.search.request import SearchRequest

    return searcher.search(SearchRequest(q=q, per_page=10)).total


@pytest.fixture
def live_index(tmp_path):
    """(archive, index): a copy of the seeds and its own index, for tests that commit more."""
    archive = seeds_copy(tmp_path)
    index_dir = tmp_path / "index"
    commit_archive(index_dir, archive)
    return archive, index_dir


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


NEWSROOM_PLACES = ("Wuxi", "Jiangyin", "Nanjing", "Changzhou", "Yangzhou")
NEWSROOM_DATED = 66  # dated "wafer" articles, one every nine days from 2020-01-01
NEWSROOM_SPECIAL = [
    # Titles a spreadsheet would take for formulas, text XML cannot hold, markup.
    {"title": '=HYPERLINK("http://evil.example","wafer prices")', "date": "2023-03-01"},
    {"title": "+wafer cmd|' /C calc'!A0", "date": "2023-03-02"},
    {"title": "-5% wafer output", "date": "2023-03-03"},
    {"title": "@SUM(1+1) wafer", "date": "2023-03-04"},
    {"title": "Wafer <script>alert(1)</script> & co", "date": "2023-03-05"},
    {"title": "江阴晶圆厂投产", "body": "江阴的晶圆厂投产，wafer 产能扩大。", "date": "2023-03-06"},
    {"title": "Wafer line opens in May", "date": "2021-05"},
]


def write_newsroom(folder: Path) -> Path:
    """A small archive for feeds and exports, in four JSON-lines files.

    Dated articles have distinct days (so "newest first" is one order),
    three have no date at all, and a few have titles that test escaping.
    """
    records = []
    for i in range(NEWSROOM_DATED):
        place = NEWSROOM_PLACES[i % len(NEWSROOM_PLACES)]
        records.append(
            {
                "title": f"Wafer fab news {i}",
                "body": f"A wafer fab in {place} added line number {i}.",
                "date": (date(2020, 1, 1) + timedelta(days=9 * i)).isoformat(),
                "source": "Delta Wire",
                "lang": "en",
                "locations": [place] if i % 7 else [place, "Jiangsu"],
            }
        )
    for k in ("one", "two", "three"):
        records.append(
            {
                "title": f"Undated wafer note {k}",
                "body": "A wafer note that says nothing of when it was written.",
                "source": "Delta Wire",
                "locations": ["Wuxi"],
            }
        )
    for extra in NEWSROOM_SPECIAL:
        records.append({"body": "The wafer story.", "locations": ["Wuxi"], **extra})
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(4):
        lines = [json.dumps(r, ensure_ascii=False) for r in records[n::4]]
        (folder / f"part-{n}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


@pytest.fixture(scope="session")
def newsroom_archive(tmp_path_factory) -> Path:
    return write_newsroom(tmp_path_factory.mktemp("newsroom") / "archive")


@pytest.fixture(scope="session")
def newsroom_indexes(tmp_path_factory, newsroom_archive) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("newsroom-indexes")
    single, multi = root / "single" / "index", root / "multi" / "index"
    build_index(single, [newsroom_archive], workers=1)
    store, _ = build_index(multi, [newsroom_archive], one_segment_per_file=True)
    with store.open().reader() as reader:
        assert len(reader.leaf_readers()) > 1
    return {"single_segment": single, "multi_segment": multi}


@pytest.fixture(scope="session")
def opensearch_newsroom(opensearch_hosts, newsroom_archive) -> dict:
    """The newsroom archive behind an alias of its own, built once per session (read-only)."""
    alias = fresh_alias("newsroom")
    yield build_cluster_index(opensearch_hosts, alias, [newsroom_archive], workers=1)
    drop_alias(opensearch_hosts, alias)


OPENSEARCH = pytest.param("opensearch", marks=[pytest.mark.opensearch, pytest.mark.slow])
BACKENDS = ["whoosh", OPENSEARCH]
# The newsroom contract runs on each backend, and on Whoosh on a one- and a
# many-segment index (code reading columns per segment must agree).
NEWSROOMS = ["whoosh-single_segment", "whoosh-multi_segment", OPENSEARCH]


@pytest.fixture(params=NEWSROOMS)
def newsroom_client(request):
    """A test client over the newsroom archive, on every backend (`NEWSROOMS`)."""
    from service import create_app
    from service.search_index import close_searcher

    if request.param == "opensearch":
        settings = {"INDEX": "/nonexistent", **request.getfixturevalue("opensearch_newsroom")}
    else:
        layout = request.param.removeprefix("whoosh-")
        settings = {"INDEX": str(request.getfixturevalue("newsroom_indexes")[layout])}
    app = create_app({"TESTING": True, **settings})
    yield app.test_client()
    close_searcher(app)


def see_latest_commit(searcher) -> None:
    """Make `searcher` answer from the index's last commit now.

    The Whoosh backend builds the view of a new commit in the background
    and swaps it in; the cluster shows a commit to every search at once.
    """
    if hasattr(searcher, "wait_for_swap"):
        searcher.view()
        searcher.wait_for_swap(30)


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("contract"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    """The search backend under test: both for `contract` tests, else Whoosh."""
    return getattr(request, "param", "whoosh")


@pytest.fixture(scope="session")
def opensearch_cluster():
    """(node URLs, the `bench.opensearch_node.Cluster` or None), started once per session."""
    with running_cluster() as (hosts, cluster):
        yield hosts, cluster


@pytest.fixture(scope="session")
def opensearch_hosts(opensearch_cluster) -> list[str]:
    return opensearch_cluster[0]


def build_cluster_index(hosts: list[str], alias: str, sources, **kwargs) -> dict:
    """Index `sources` behind `alias` (as `newsarchive index` does); the app's settings."""
    from indexer.ingest.backend import open_index_backend

    settings = cluster_settings(hosts, alias)
    backend = open_index_backend(settings)
    with backend.lock():
        run_index(backend, [Path(s) for s in sources], **kwargs)
    return settings


@pytest.fixture(scope="session")
def opensearch_seeds(opensearch_hosts) -> dict:
    """The seeds behind an alias of their own, built once per session (read-only)."""
    alias = fresh_alias("seeds")
    yield build_cluster_index(opensearch_hosts, alias, [SEEDS], workers=1)
    drop_alias(opensearch_hosts, alias)


@pytest.fixture
def opensearch_alias(opensearch_hosts):
    """A fresh alias for one test, with everything made for it deleted afterwards."""
    alias = fresh_alias()
    yield alias
    drop_alias(opensearch_hosts, alias)


@pytest.fixture
def index_settings(backend, request, tmp_path):
    """Builds an index of some sources in the backend under test; returns the app settings."""

    def build(sources, **kwargs) -> dict:
        if backend == "whoosh":
            build_index(tmp_path / "index", sources, **kwargs)
            return {"INDEX": str(tmp_path / "index")}
        hosts = request.getfixturevalue("opensearch_hosts")
        alias = request.getfixturevalue("opensearch_alias")
        settings = build_cluster_index(hosts, alias, sources, **kwargs)
        return {"INDEX": str(tmp_path / "index"), **settings}

    return build


@pytest.fixture
def seed_settings(backend, request) -> dict:
    """The app settings that serve the seeds from the backend under test."""
    if backend == "whoosh":
        return {"INDEX": str(request.getfixturevalue("seed_index"))}
    return {"INDEX": "/nonexistent", **request.getfixturevalue("opensearch_seeds")}


@pytest.fixture
def down_settings(backend, tmp_path) -> tuple[dict, str]:
    """App settings whose backend cannot answer, and the 503's error code.

    Whoosh without its index folder; a cluster whose only node refuses
    connections (a port nothing listens on).
    """
    if backend == "whoosh":
        return {"INDEX": str(tmp_path / "none")}, "index_missing"
    from .servers import free_port

    hosts = [f"http://127.0.0.1:{free_port()}"]
    return {"INDEX": "/nonexistent", **cluster_settings(hosts, "down")}, "backend_unavailable"


@pytest.fixture
def app(seed_settings):
    from service import create_app
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, **seed_settings})
    yield app
    close_searcher(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
