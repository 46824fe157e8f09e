"""The OpenSearch backend against a real cluster: same answers as Whoosh, runs, rebuilds, lock.

The API's contract runs on both backends in test_api.py and test_pages.py;
here: that on the seeds both backends find the same articles, count the
same facets and cut the same snippets for a wide range of queries, and
that indexing runs behave as the Whoosh backend's do (incremental adds,
changes and deletions, a rebuild behind the alias, the lock's exit 75).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from indexer.search.backend import open_backend
from indexer.search.request import SearchRequest

from .clusters import cluster_settings
from .conftest import ROOT, SEEDS, build_cluster_index

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

QUERIES = [
    "江阴",
    "Wuxi",
    "无锡",
    '"silicon wafer"',
    '"taihu bay"',
    "Yangzhou OR 双良",
    "Jiangyin -Summit",
    "title:Yangzhou",
    "body:新能源",
    "semicon*",
    "innov* development",
    "semiconductr",
    "",
    "taihu bay innovation",
    "双良新能源",
    "新能源产业",
    "无锡 半导体",
    "the wafer",
    "wafer OR the",
    "-Jiangyin",
    "lang:zh",
    "source:xinhua",
    "location:江苏 项目",
    '"江阴 双良"',
    "12-inch",
    "U.S.",
    "集成电路 产业",
    "研发和制造",
    "taihu lake shoreline kilometer",
    "development NOT (Wuxi OR Jiangyin)",
    "(project OR 项目) AND 开工",
    '"新能源产业"',
    '"双良 新能源"',
]
FILTERS = [
    {},
    {"locations": ["Jiangsu"]},
    {"langs": ["en"]},
    {"date_from": "2023-10", "date_to": "2023-12"},
    {"locations": ["无锡"], "sort": "oldest"},
    {"sort": "newest", "sources": ["Xinhua"]},
]


@pytest.fixture(scope="module")
def both(seed_index, opensearch_seeds):
    whoosh = open_backend({"INDEX": str(seed_index)})
    cluster = open_backend(opensearch_seeds)
    yield whoosh, cluster
    whoosh.close()
    cluster.close()


def _comparable(result) -> dict:
    """What must agree: the set of hits (and per date, for date sorts), facets, words."""
    hits = {h["id"]: (h["date"], h.get("title_html"), h.get("snippet")) for h in result.hits}
    order = [h["date"] for h in result.hits] if result.sort != "relevance" else None
    return {
        "total": result.total,
        "hits": hits,
        "dates_in_order": order,
        "facets": result.facets,
        "suggestion": result.suggestion,
        "relaxed": result.relaxed,
        "expanded": result.expanded,
        "unknown_locations": result.unknown_locations,
        "sort": result.sort,
    }


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
@pytest.mark.parametrize("q", QUERIES)
def test_both_backends_answer_the_same(both, q, filters):
    whoosh, cluster = both
    request = SearchRequest(q=q, per_page=100, **filters)
    assert _comparable(cluster.search(request)) == _comparable(whoosh.search(request))


def test_documents_and_their_highlights_are_the_same(both):
    whoosh, cluster = both
    for hit in whoosh.search(SearchRequest(q="", per_page=100)).hits:
        for q in (None, "江阴 wafer", '"taihu bay"', "innov*"):
            ours, theirs = cluster.document(hit["id"], q=q), whoosh.document(hit["id"], q=q)
            related_ours, related_theirs = ours.pop("related"), theirs.pop("related")
            assert ours == theirs
            assert hit["id"] not in {r["id"] for r in related_ours}
            assert len(related_ours) <= 5 and len(related_theirs) <= 5
    assert cluster.document("nope") is None


def test_stats_count_what_whoosh_counts(both):
    whoosh, cluster = both
    ours, theirs = cluster.stats(), whoosh.stats()
    for key in ("documents", "by_language", "date_range", "top_locations", "segmenter"):
        assert ours[key] == theirs[key] if key != "by_language" else dict(ours[key]) == theirs[key]
    assert ours["backend"] == "opensearch" and ours["cluster"]["status"] in ("green", "yellow")
    assert ours["generation"].startswith(cluster.alias + "-")


@pytest.fixture(scope="module")
def inside_words(tmp_path_factory, opensearch_hosts):
    """Whoosh and a cluster over one article whose words hold other words."""
    from .clusters import drop_alias, fresh_alias
    from .conftest import build_index

    base = tmp_path_factory.mktemp("inside-words")
    archive = base / "archive"
    archive.mkdir()
    (archive / "a.txt").write_text(
        "Title: 测试\n\n我们正在建设集成电路产业链和新的晶圆厂。"
        "A wafer 12-inch line; U.S. steel.\n",
        "utf-8",
    )
    build_index(base / "index", [archive], workers=1)
    alias = fresh_alias()
    whoosh = open_backend({"INDEX": str(base / "index")})
    ours = open_backend(build_cluster_index(opensearch_hosts, alias, [archive], workers=1))
    yield whoosh, ours
    whoosh.close()
    ours.close()
    drop_alias(opensearch_hosts, alias)


@pytest.mark.parametrize(
    "phrase",
    [
        *('"集成电路产业"', '"新的晶圆"', '"建设集成"', '"电路产业"', '"成电路"'),
        *('"wafer 12inch"', '"us steel"', '"12 inch line"'),
    ],
)
def test_phrases_match_words_inside_longer_words_as_whoosh_does(inside_words, phrase):
    """Sub-words share their word's position: a phrase may end or start inside a word."""
    whoosh, ours = inside_words
    request = SearchRequest(q=phrase)
    assert _comparable(ours.search(request)) == _comparable(whoosh.search(request))


# -- indexing runs ---------------------------------------------------------------------


def _newsarchive(settings: dict, *args, check=True) -> subprocess.CompletedProcess:
    env = {f"NEWSARCHIVE_{k}": str(v) for k, v in settings.items()}
    return subprocess.run(
        [sys.executable, "-m", "indexer.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=check,
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )


def _ids(settings: dict, q: str = "") -> dict[str, str]:
    backend = open_backend(settings)
    try:
        result = backend.search(SearchRequest(q=q, per_page=100))
        return {h["id"]: h["title"] for h in result.hits}
    finally:
        backend.close()


def test_incremental_runs_add_change_and_delete(tmp_path, opensearch_hosts, opensearch_alias):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    settings = build_cluster_index(opensearch_hosts, opensearch_alias, [archive], workers=1)
    first = _ids(settings)
    generation = open_backend(settings).generation
    assert len(first) == 8

    (archive / "new.txt").write_text("Title: Kelp farm harvest\n\nA kelp farm harvest.", "utf-8")
    changed = sorted(archive.glob("00*.txt"))[0]
    changed.write_text("Title: Rewritten article\n\nNothing of the old text.", "utf-8")
    sorted(archive.glob("00*.txt"))[1].unlink()
    done = _newsarchive(settings, "index", archive, "--json")
    assert '"added": 1' in done.stdout and '"updated": 1' in done.stdout, done.stdout
    assert '"deleted": 1' in done.stdout, done.stdout

    after = _ids(settings)
    assert "Kelp farm harvest" in after.values()
    assert "Rewritten article" in after.values()
    assert len(_ids(settings, "kelp")) == 1
    assert open_backend(settings).generation == generation  # in place, no rebuild
    again = _newsarchive(settings, "index", archive)
    assert "0 added, 0 updated, 0 deleted" in again.stdout


def test_a_rebuild_moves_the_alias_and_deletes_the_old_index(
    tmp_path, opensearch_hosts, opensearch_alias
):
    from opensearchpy import OpenSearch

    settings = build_cluster_index(opensearch_hosts, opensearch_alias, [SEEDS], workers=1)
    before = open_backend(settings).generation
    done = _newsarchive(settings, "index", SEEDS, "--rebuild")
    assert "rebuilt" in done.stdout, done.stdout + done.stderr
    after = open_backend(settings).generation
    assert after != before and after.startswith(opensearch_alias + "-")
    client = OpenSearch(hosts=opensearch_hosts)
    assert not client.indices.exists(index=before)
    assert list(client.indices.get_alias(name=opensearch_alias)) == [after]
    client.close()
    assert len(_ids(settings)) == 8


def test_a_rebuild_whose_replicas_are_still_copying_swaps_anyway(
    opensearch_hosts, opensearch_alias, monkeypatch, caplog
):
    """Waiting for green runs out with HTTP 408 on a busy cluster: a warning, not a failure."""
    from pathlib import Path

    from indexer.ingest.backend import open_index_backend
    from indexer.ingest.run import run_index
    from indexer.opensearch import writer

    monkeypatch.setattr(writer, "GREEN_TIMEOUT", "1s")
    # Three nodes cannot hold four copies of a shard: the index never turns green.
    settings = cluster_settings(opensearch_hosts, opensearch_alias, OPENSEARCH_REPLICAS=3)
    backend = open_index_backend(settings)
    with backend.lock():
        summary = run_index(backend, [Path(SEEDS)], rebuild=True, workers=1)
    assert summary.rebuilt
    assert "not every replica could be placed" in caplog.text
    assert len(_ids(settings)) == 8


def test_a_second_run_waits_for_the_lock_then_exits_75(opensearch_hosts, opensearch_alias):
    from indexer.ingest.backend import open_index_backend

    settings = cluster_settings(opensearch_hosts, opensearch_alias)
    holder = open_index_backend(settings)
    with holder.lock():
        busy = _newsarchive(settings, "index", SEEDS, "--wait", "1", check=False)
    assert busy.returncode == 75, busy.stderr
    assert "another indexing run holds the lock" in busy.stderr
    done = _newsarchive(settings, "index", SEEDS, check=False)
    assert done.returncode == 0, done.stderr


def test_a_lock_left_by_a_killed_run_on_this_host_is_taken_over(opensearch_hosts, opensearch_alias):
    from opensearchpy import OpenSearch

    from indexer.opensearch.lock import LOCK_ID, ClusterLock

    client = OpenSearch(hosts=opensearch_hosts)
    lock = ClusterLock(client, opensearch_alias)
    lock.acquire()
    lock._stop_renewing()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(gone.stdout)  # that process has ended
    source = client.get(index=lock.index, id=LOCK_ID)["_source"]
    client.index(index=lock.index, id=LOCK_ID, body={**source, "pid": dead_pid})
    lock.version = None  # as if killed: never released
    settings = cluster_settings(opensearch_hosts, opensearch_alias)
    done = _newsarchive(settings, "index", SEEDS, check=False)
    assert done.returncode == 0, done.stderr
    assert "taking over the indexing lock" in done.stderr
    client.close()


def test_a_failed_round_leaves_only_what_earlier_rounds_committed(
    tmp_path, opensearch_hosts, opensearch_alias, monkeypatch
):
    from opensearchpy import OpenSearch

    from indexer.ingest.backend import open_index_backend
    from indexer.ingest.run import run_index
    from indexer.opensearch.writer import OpenSearchSession

    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "first.txt").write_text("Title: First\n\nThe first article.", "utf-8")
    settings = build_cluster_index(opensearch_hosts, opensearch_alias, [archive], workers=1)
    for i in range(4):
        (archive / f"new{i}.txt").write_text(f"Title: New {i}\n\nA new article.", "utf-8")
    commit, calls = OpenSearchSession.commit, []

    def second_commit_fails(self, handovers):
        calls.append(1)
        if len(calls) == 2:
            self._sink.flush()  # the round's documents reached the cluster...
            raise RuntimeError("the round never commits")  # ...but are never committed
        return commit(self, handovers)

    monkeypatch.setattr(OpenSearchSession, "commit", second_commit_fails)
    backend = open_index_backend(settings)
    with backend.lock(), pytest.raises(RuntimeError, match="never commits"):
        run_index(backend, [archive], workers=1, commit_every=2)
    monkeypatch.undo()
    client = OpenSearch(hosts=opensearch_hosts)
    client.indices.refresh(index=opensearch_alias)  # whatever a refresh could show
    client.close()
    assert sorted(_ids(settings).values()) == ["First", "New 0", "New 1"]
    done = _newsarchive(settings, "index", archive, "--json")
    assert '"added": 2' in done.stdout, done.stdout
    assert len(_ids(settings)) == 5


# -- feeds and exports (the shared contract is in test_feeds.py and test_exports.py) ----------


def test_an_export_reads_the_old_build_to_its_end_while_a_rebuild_swaps_the_alias(
    tmp_path, opensearch_hosts, opensearch_alias, monkeypatch
):
    from opensearchpy import OpenSearch

    from indexer.opensearch import exporting, writer

    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    settings = build_cluster_index(opensearch_hosts, opensearch_alias, [archive], workers=1)
    monkeypatch.setattr(exporting, "BATCH", 1)
    monkeypatch.setattr(writer, "RETIRE_AFTER_TIMEOUTS", 0)
    client = OpenSearch(hosts=opensearch_hosts)
    backend = open_backend(settings)
    try:
        old = backend.version()
        expected = [h["id"] for h in backend.search(SearchRequest(per_page=100)).hits]
        articles = backend.export(SearchRequest(), limit=100)
        got = [next(articles)["id"]]
        (archive / "new.txt").write_text("Title: Late news\n\nA late wafer story.\n", "utf-8")
        build_cluster_index(opensearch_hosts, opensearch_alias, [archive], rebuild=True)
        new = backend.version()
        assert new.generation != old.generation and new != old  # a new ETag
        assert backend.search(SearchRequest(q="late")).total == 1
        assert client.indices.exists(index=old.generation)  # kept: the export reads it
        got += [a["id"] for a in articles]
        assert got == expected
        build_cluster_index(opensearch_hosts, opensearch_alias, [archive], workers=1)
        assert not client.indices.exists(index=old.generation)  # the next run deletes it
        assert list(client.indices.get_alias(name=opensearch_alias)) == [new.generation]
    finally:
        backend.close()
        client.close()
