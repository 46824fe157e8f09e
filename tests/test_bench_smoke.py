"""The benchmark pipeline end to end at a tiny size: it runs and its outputs make sense.

Timings are never asserted (CI machines are shared and noisy); only that
every system indexed the corpus and answered each query with hits,
highlighted snippets and facet counts, and that the report renders.
"""

from __future__ import annotations

import json

import pytest

from bench.corpus import make_doc, read_manifest, write_corpus
from bench.queries import QUERIES

SIZE = 200
QUERY_IDS = "en-two,zh-word,mixed-place,phrase-en,en-place-date,zh-place"


def test_corpus_is_deterministic_and_mixed(tmp_path):
    assert make_doc(1, 7) == make_doc(1, 7)
    assert make_doc(1, 7) != make_doc(2, 7)
    write_corpus(tmp_path / "c", 60, seed=3)
    records = list(read_manifest(tmp_path / "c"))
    assert len(records) == 60
    assert {r["lang"] for r in records} >= {"en", "zh"}
    assert any(r["path"].endswith(".html") for r in records)
    assert any(r["path"].endswith(".txt") for r in records)
    assert all((tmp_path / "c" / r["path"]).is_file() for r in records)
    assert any(r["places_all"] for r in records)
    assert len({r["date"][:4] for r in records if r["date"]}) > 3


def test_at_least_twenty_queries_of_every_kind():
    assert len(QUERIES) >= 20
    assert {q.kind for q in QUERIES} >= {"en", "zh", "mixed", "phrase"}
    assert any(q.location for q in QUERIES) and any(q.date_from for q in QUERIES)
    assert any(not q.location and not q.date_from for q in QUERIES)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from bench.run import run

    base = tmp_path_factory.mktemp("bench")
    return run(
        SIZE,
        seed=1,
        queries=QUERY_IDS,
        reps=1,
        corpus_dir=base / "corpus",
        work_dir=base / "work",
        log=lambda _msg: None,
    )


def test_every_system_indexes_and_answers(results):
    assert set(results["systems"]) == {"naive", "fts5", "newsarchive"}
    for name, system in results["systems"].items():
        indexing, querying = system["indexing"], system["querying"]
        assert indexing["documents"] >= SIZE, name
        assert indexing["index_bytes"] > 0 and indexing["process"]["peak_rss_mb"] > 0
        assert querying["queries"] == len(QUERY_IDS.split(","))
        answered = [q for q in querying["per_query"].values() if q["total"] > 0]
        assert len(answered) >= 3, name
        for q in answered:
            assert q["hits"] == min(10, q["total"])
            assert q["places"] > 0 and q["month_count_sum"] > 0


def test_newsarchive_snippets_and_facets(results):
    per_query = results["systems"]["newsarchive"]["querying"]["per_query"]
    for qid, q in per_query.items():
        assert q["total"] > 0, qid
        assert q["snippets_nonempty"] == q["hits"]
        assert q["snippets_marked"] > 0, qid
        assert q["top_places"], qid


def test_ratios_and_report(results):
    from bench.report import markdown

    assert set(results["ratios"]) == {"naive", "fts5"}
    text = markdown([json.loads(json.dumps(results))])
    assert "newsarchive" in text and "fts5" in text and "naive" in text


def test_relevance_benchmark_scores_known_items_for_each_system(tmp_path):
    """Real seed articles among synthetic ones: fragments find them, FTS5 is scored alike."""
    from bench.relevance import KINDS, markdown, run
    from indexer.sources import read_articles
    from tests.conftest import SEEDS

    devset = tmp_path / "devset.jsonl"
    with open(devset, "w", encoding="utf-8") as fh:
        for path in sorted(SEEDS.glob("*.txt")):
            for n, article in enumerate(read_articles(path, path.name)[0]):
                record = {
                    "id": f"{path.stem}-{n}",
                    "lang": "zh" if "\u4e00" <= article.title[:1] <= "\u9fff" else "en",
                    "title": article.title,
                    "body": article.body,
                }
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    results = run(devset, 60, 1, 3, ["newsarchive", "fts5"], tmp_path / "work", log=lambda m: None)
    assert set(results["queries"]) == set(KINDS)
    assert results["queries"]["span_zh"] > 0 and results["queries"]["fragment_en"] > 0
    ours = results["systems"]["newsarchive"]["kinds"]
    assert ours["title"]["success10"] == 1.0
    assert (
        ours["span_zh"]["success10"] >= results["systems"]["fts5"]["kinds"]["span_zh"]["success10"]
    )
    assert ours["fragment_en"]["success10"] >= 0.9
    assert results["queries"]["title_typo"] > 0
    assert ours["title_typo"]["success10"] >= 0.5
    assert "newsarchive MRR@10" in markdown(results)


def test_a_misspelt_title_is_one_edit_from_the_title():
    import random

    from bench.relevance import misspell

    title = "Shanghai expands its semiconductor cluster"
    for seed in range(50):
        typo = misspell(title, random.Random(seed))
        assert typo != title
        changed = [(a, b) for a, b in zip(title.split(" "), typo.split(" "), strict=True) if a != b]
        assert len(changed) == 1 and len(changed[0][0]) >= 5
        a, b = changed[0]
        assert a[0] == b[0] and a[-1] == b[-1] and abs(len(a) - len(b)) <= 1
    assert misspell("A big day", random.Random(1)) is None


def test_stories_benchmark_reports_every_cost(tmp_path, seed_index):
    from click.testing import CliRunner

    from bench.__main__ import cli

    corpus = write_corpus(tmp_path / "c", 30, seed=5)
    result = CliRunner().invoke(
        cli,
        [
            "stories",
            "--index",
            str(seed_index),
            "--corpus",
            str(corpus),
            "--files",
            "10",
            "--sizes",
            "500",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["component_pass_generated"][0]["docs"] == 500
    assert report["first_pass"]["queries"] == len(QUERIES)
    assert report["first_pass"]["p50_grouped_ms"] > 0
    assert report["indexing"]["articles"] > 0


def test_cost_curve_rows_table_and_chart(results, tmp_path):
    from bench.curve import chart, points, table

    files = []
    for size in (SIZE, SIZE * 10):  # the same run twice, as two sizes of a curve
        path = tmp_path / f"curve-n{size}.json"
        path.write_text(json.dumps(dict(results, size=size)), "utf-8")
        files.append(path)
    rows = points(files)
    assert [(r["system"], r["size"]) for r in rows] == [
        ("newsarchive", SIZE),
        ("newsarchive", SIZE * 10),
        ("fts5", SIZE),
        ("fts5", SIZE * 10),
    ]
    assert all(r["first_seen_p95_ms"] and r["docs_per_second"] for r in rows)
    text = table(rows)
    assert text.count("| newsarchive |") == 2 and f"| {SIZE * 10:,} | fts5 |" in text
    chart(rows, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_overhead_benchmark_reports_cpu_outside_the_search(seed_index):
    import gc

    from click.testing import CliRunner

    from bench.__main__ import cli
    from bench.overhead import request_paths

    try:
        result = CliRunner().invoke(cli, ["overhead", "--index", str(seed_index), "--rounds", "1"])
    finally:
        gc.unfreeze()  # the benchmark freezes the heap as a worker does; not this process's
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["requests"] == len(request_paths())
    assert 0 < report["outside_cpu_p50_ms"] <= report["outside_cpu_p90_ms"]


def test_fresh_benchmark_sees_the_commit_swap_in(tmp_path, seed_index):
    """Through a real gunicorn: a start, first-seen words, a commit, and the swap seen."""
    from bench.fresh import AFTER_SWAP, run
    from tests.conftest import SEEDS

    out = run(seed_index, [SEEDS], tmp_path / "fresh")
    assert out["first_after_start_ms"] > 0 and len(out["warm_first_seen_ms"]) == 8
    assert len(out["after_swap_ms"]) == AFTER_SWAP  # the new article's total showed the swap
    assert out["after_swap_max_over_warm_p50"] > 0
