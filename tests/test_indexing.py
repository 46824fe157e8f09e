"""Indexing the archive: what lands in the index, incremental runs, failures, the lock."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from indexer.cli import cli
from indexer.index.searcher import Searcher
from indexer.index.store import IndexStore
from indexer.index.writer import WhooshIndex
from indexer.ingest.run import run_index
from indexer.search.request import SearchRequest

from .conftest import SEEDS, build_index
from .servers import run_indexer


def search(index_dir, q="", **kwargs):
    with Searcher(index_dir) as searcher:
        return searcher.search(SearchRequest(q=q, per_page=50, **kwargs))


def by_path(index_dir):
    """{file name: [stored docs]} of everything in the index."""
    ix = IndexStore(index_dir).open()
    out: dict[str, list] = {}
    with ix.searcher() as s:
        for doc in s.all_stored_fields():
            out.setdefault(Path(doc["path"]).name, []).append(doc)
    return out


def seed(prefix):
    return next(SEEDS.glob(f"{prefix}_*.txt")).name


def test_seeds_give_at_least_eight_documents_with_four_from_the_newspaper_page(seed_index):
    docs = by_path(seed_index)
    assert sum(len(v) for v in docs.values()) >= 8
    assert len(docs[seed("004")]) == 4
    titles = {d["title"] for d in docs[seed("004")]}
    assert "双良新能源产业一期项目开工" in titles
    for doc in docs[seed("004")]:
        assert "版权声明" not in doc["body"] and "邮发代号" not in doc["body"]


def test_seed_dates(seed_index):
    docs = by_path(seed_index)
    assert docs[seed("001")][0]["date"] == 20231031
    assert docs[seed("001")][0]["date_precision"] == "day"
    assert docs[seed("003")][0]["date"] == 20231030


def test_jiangyin_lies_under_wuxi_and_jiangsu(seed_index):
    from indexer.extract.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    doc = by_path(seed_index)[seed("001")][0]
    ids = doc["places"].split(",")
    jiangyin = gazetteer.lookup("Jiangyin")
    assert jiangyin.id in ids
    ancestors = [p.name_en for p in gazetteer.ancestors(jiangyin.id)]
    assert ancestors[:2] == ["Wuxi", "Jiangsu"]
    for name in ("Wuxi", "Jiangsu", "China", "无锡", "江苏"):
        result = search(seed_index, locations=[name])
        assert doc["id"] in {h["id"] for h in result.hits}, name


@pytest.mark.parametrize(
    ("query", "seed_prefixes"),
    [
        ("江阴", {"004"}),
        ("集成电路", {"004"}),
        ("integrated circuit", {"000", "001"}),
        ("wafers", {"000"}),
        ('"silicon wafer"', {"000"}),
    ],
)
def test_queries_find_the_right_seeds(any_index, query, seed_prefixes):
    names = {doc["id"]: name for name, docs in by_path(any_index).items() for doc in docs}
    found = {names[h["id"]][:3] for h in search(any_index, query).hits}
    assert seed_prefixes <= found


def test_phrase_does_not_match_scattered_words(seed_index):
    assert search(seed_index, '"wafer silicon"').total == 0


def test_gbk_file_indexes_as_the_right_characters(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    text = "无锡日报\n\n江阴集成电路产业园今日开工，总投资超百亿元。晶圆项目同步签约。"
    (archive / "gbk.txt").write_bytes(text.encode("gbk"))
    build_index(tmp_path / "index", [archive], workers=1)
    result = search(tmp_path / "index", "集成电路")
    assert result.total == 1
    assert "<mark>集成电路</mark>" in result.hits[0]["snippet"]


def test_html_page_yields_only_its_article(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "page.html").write_text(
        """<!doctype html><html><head><meta charset="utf-8">
        <title>Wuxi opens chip plant - Example News</title>
        <meta property="article:published_time" content="2023-10-31T08:00:00+08:00"></head>
        <body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
        <article><h1>Wuxi opens chip plant</h1>
        <p>WUXI, Oct. 31 -- A new wafer fabrication plant opened in Wuxi on Tuesday.</p>
        <p>The plant will make power chips for electric vehicles and employ 2,000 people.</p>
        <p>Officials said it is part of the integrated circuit strategy.</p></article>
        <aside><h2>Related</h2><ul><li><a href="/a">Cookie recipes of the year</a></li></ul></aside>
        <footer>Copyright 2023 Example News. All rights reserved. Newsletter.</footer>
        </body></html>""",
        "utf-8",
    )
    build_index(tmp_path / "index", [archive], workers=1)
    docs = by_path(tmp_path / "index")["page.html"]
    assert len(docs) == 1
    body = docs[0]["body"]
    assert "electric vehicles" in body
    assert "Cookie" not in body and "Copyright" not in body and "Sport" not in body
    assert docs[0]["date"] == 20231031
    assert search(tmp_path / "index", "cookie").total == 0


def _copy_seeds(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for path in SEEDS.iterdir():
        shutil.copy2(path, dest / path.name)
    return dest


def test_incremental_add_change_and_delete_on_a_multi_segment_index(tmp_path):
    archive = _copy_seeds(tmp_path / "archive")
    index_dir = tmp_path / "index"
    store, _first = build_index(index_dir, [archive], one_segment_per_file=True)
    staged = index_dir.parent / "index-staged"
    with store.open().reader() as reader:
        assert len(reader.leaf_readers()) > 1
    before = search(index_dir).total

    # add
    (staged / "new.txt").write_text("Title: Quantum widgets in Suzhou\n\nQuantum widgets.", "utf-8")
    # change
    target = staged / seed("000")
    target.write_text(target.read_text("utf-8").replace("silicon", "germanium"), "utf-8")
    # delete
    (staged / seed("003")).unlink()

    with store.lock():
        summary = run_index(WhooshIndex(store, merge=False), [staged], workers=1)
    assert (summary.added, summary.updated, summary.deleted) == (1, 1, 1)
    assert search(index_dir, "quantum").total == 1
    assert search(index_dir, "germanium").total == 1
    assert search(index_dir, '"silicon wafer"').total == 0
    assert search(index_dir, "Yangzhou").total == 0
    assert search(index_dir).total == before  # +1 -1, the changed file kept its count
    # A second run with nothing changed touches nothing.
    with store.lock():
        again = run_index(WhooshIndex(store), [staged], workers=1)
    assert (again.added, again.updated, again.deleted, again.failed) == (0, 0, 0, 0)
    assert again.unchanged == len(list(staged.iterdir()))


def test_touching_a_file_without_changing_it_reindexes_nothing(tmp_path):
    archive = _copy_seeds(tmp_path / "archive")
    store, _ = build_index(tmp_path / "index", [archive], workers=1)
    path = archive / seed("001")
    later = time.time() + 5
    import os

    os.utime(path, (later, later))
    with store.lock():
        summary = run_index(WhooshIndex(store), [archive], workers=1)
    assert summary.updated == 0 and summary.unchanged == 5


def test_a_corrupt_file_is_skipped_with_a_message_and_exit_1(tmp_path):
    archive = _copy_seeds(tmp_path / "archive")
    (archive / "broken.txt").write_bytes(bytes(range(256)) * 40)
    (archive / "broken.jsonl").write_text('{"title": "ok", "body": "fine"}\n{not json\n', "utf-8")
    index_dir = tmp_path / "index"
    proc = run_indexer("index", archive, "--index", index_dir, check=False, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "broken.txt" in proc.stderr
    assert "failed" in proc.stdout
    assert search(index_dir, "Jiangyin").total >= 1  # the rest is indexed
    assert search(index_dir, "fine").total == 1  # the good line of the JSONL


def test_a_second_run_while_one_holds_the_lock_exits_75(tmp_path):
    archive = _copy_seeds(tmp_path / "archive")
    index_dir = tmp_path / "index"
    store = IndexStore(index_dir)
    with store.lock():
        proc = run_indexer("index", archive, "--index", index_dir, check=False, timeout=120)
    assert proc.returncode == 75, proc.stderr
    assert "another indexing run" in proc.stderr


def test_index_summary_line_and_json(tmp_path):
    from click.testing import CliRunner

    archive = _copy_seeds(tmp_path / "archive")
    runner = CliRunner()
    result = runner.invoke(cli, ["index", str(archive), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output and "docs/s" in result.output
    result = runner.invoke(cli, ["index", str(archive), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["unchanged"] == 5


def test_rebuild_swaps_to_a_new_generation(tmp_path):
    archive = _copy_seeds(tmp_path / "archive")
    store, _ = build_index(tmp_path / "index", [archive], workers=1)
    old = store.current_name()
    with store.lock():
        summary = run_index(WhooshIndex(store), [archive], rebuild=True, workers=1)
    assert summary.rebuilt and store.current_name() != old
    assert search(tmp_path / "index", "Jiangyin").total >= 1


def test_stats_and_search_commands(seed_index):
    from click.testing import CliRunner

    runner = CliRunner()
    result = runner.invoke(cli, ["stats", "--json", "--index", str(seed_index)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["documents"] >= 8
    assert stats["date_range"]["first"] <= "2023-10-30"
    result = runner.invoke(cli, ["search", "江阴", "--index", str(seed_index)])
    assert result.exit_code == 0, result.output
    assert "results" in result.output
    result = runner.invoke(
        cli, ["search", "", "--location", "无锡", "--json", "--index", str(seed_index)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] >= 1


def test_a_declared_month_is_refined_by_a_matching_dateline(tmp_path):
    from indexer.article import Article
    from indexer.extract import enrich

    article = Article(
        title="Wafer plant opens",
        body="WUXI, Oct. 31, 2023 /PRNewswire/ -- A wafer plant opened.",
        declared_date="2023-10",
    )
    assert enrich(article).date.iso == "2023-10-31"
    other = Article(title="x", body="WUXI, Nov. 2, 2023 -- A plant.", declared_date="2023-10")
    assert enrich(other).date.iso == "2023-10"


def test_sweep_keeps_files_of_recent_commits_and_removes_old_unreferenced_ones(tmp_path):
    import os

    archive = _copy_seeds(tmp_path / "archive")
    store, _ = build_index(tmp_path / "index", [archive], one_segment_per_file=True)
    staged = tmp_path / "index-staged"
    gen_dir = store.current_dir()
    with store.lock():
        run_index(WhooshIndex(store), [staged], rebuild=False, workers=1)  # nothing changed
        (staged / seed("003")).unlink()
        run_index(
            WhooshIndex(store), [staged], workers=1
        )  # merges segments: old files unreferenced
    before = {p.name for p in gen_dir.iterdir()}
    assert store.sweep(gen_dir) == 0  # everything is recent: a reader may still use it
    # Age every file, as the next cron tick after the grace period would find them.
    old = time.time() - 3600
    for path in gen_dir.iterdir():
        os.utime(path, (old, old))
    removed = store.sweep(gen_dir)
    after = {p.name for p in gen_dir.iterdir()}
    assert removed > 0 and after < before
    assert search(tmp_path / "index", "Jiangyin").total >= 1
    assert search(tmp_path / "index", "Yangzhou").total == 0


def test_a_changed_user_dictionary_forces_a_rebuild(tmp_path):
    import os

    archive = _copy_seeds(tmp_path / "archive")
    index_dir = tmp_path / "index"
    first = run_indexer("index", archive, "--index", index_dir, check=False, timeout=300)
    assert first.returncode == 0, first.stderr
    userdict = tmp_path / "words.txt"
    userdict.write_text("临港经济开发区 100 ns\n", "utf-8")
    env = dict(os.environ, NEWSARCHIVE_USERDICT=str(userdict))
    second = run_indexer("index", archive, "--index", index_dir, check=False, timeout=300, env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("rebuilt:"), second.stdout
    assert "segmenter or user dictionary changed" in second.stderr
    third = run_indexer("index", archive, "--index", index_dir, check=False, timeout=300, env=env)
    assert third.stdout.startswith("indexed:") and "5 unchanged" in third.stdout
