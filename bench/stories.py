"""What grouping copies of one story costs: `python -m bench stories`.

Three figures, each an A/B within one process so that a busy machine
shifts both sides alike (CPU time, not wall time):

* indexing: the first N files of a corpus indexed serially (one process,
  `workers=1`) with signatures and without (`minhash.signature` stubbed
  out), alternating, best of `rounds` each;
* the component pass (`stories.Stories.of`) over the index's real
  signatures, and over generated signatures at larger sizes: unrelated
  articles get independent random slots, copies agree with their original
  on a share s of slots (s from 0.5 to 1, what MinHash gives copies of
  Jaccard similarity s), same-topic articles on 5-25 % of them;
* first-pass query CPU: each benchmark query run once on a fresh view
  (every cache dropped), ungrouped and grouped, in alternating order.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def indexing_cpu(corpus: Path, files: int, rounds: int = 2) -> dict:
    """Serial indexing CPU seconds of the first `files` files, with and without signatures."""
    from indexer.analysis import minhash
    from indexer.index.store import IndexStore
    from indexer.index.writer import WhooshIndex
    from indexer.ingest.run import run_index

    work = Path(tempfile.mkdtemp(prefix="bench-stories-"))
    try:
        subset = work / "corpus"
        subset.mkdir()
        documents = sorted(p for p in (corpus / "docs").rglob("*") if p.is_file())
        for n, path in enumerate(documents[:files]):
            shutil.copy2(path, subset / f"{n:07d}{path.suffix}")
        real = minhash.signature
        times: dict[str, list[float]] = {"with": [], "without": []}
        for n in range(rounds):
            for label in ("without", "with") if n % 2 else ("with", "without"):
                minhash.signature = real if label == "with" else (lambda words: b"")
                store = IndexStore(work / f"index-{label}-{n}")
                started = time.process_time()
                with store.lock():
                    summary = run_index(WhooshIndex(store), [subset], workers=1)
                times[label].append(time.process_time() - started)
                minhash.signature = real
        with_s, without_s = min(times["with"]), min(times["without"])
        return {
            "files": files,
            "articles": summary.added,
            "cpu_with_s": round(with_s, 2),
            "cpu_without_s": round(without_s, 2),
            "slower_pct": round(100 * (with_s / without_s - 1), 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def generated_signatures(n: int, seed: int = 1):
    """(signatures, signed, dates) of `n` articles: 70 % unrelated, the rest copies or kin."""
    from indexer.analysis.minhash import NUM_PERM

    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2**32, size=(n, NUM_PERM), dtype=np.uint32)
    originals = int(n * 0.7)
    parents = rng.integers(0, originals, size=n - originals)
    kin = rng.random(n - originals) < 0.3  # a same-topic article, not a copy
    copies = n - originals
    share = np.where(kin, rng.uniform(0.05, 0.25, copies), rng.uniform(0.5, 1.0, copies))
    keep = rng.random((n - originals, NUM_PERM)) < share[:, None]
    sigs[originals:] = np.where(keep, sigs[parents], sigs[originals:])
    dates = rng.integers(20150101, 20241231, size=n).astype(np.int32)
    return sigs, np.ones(n, dtype=bool), dates


def component_cpu(sigs, signed, dates, repeat: int = 3) -> dict:
    """CPU seconds of one component pass (best of `repeat`), and the stories found."""
    from indexer.analysis.minhash import band_keys
    from indexer.index.stories import SegmentStories, Stories

    n = len(sigs)
    part = SegmentStories(np.arange(n, dtype=np.uint64), sigs, signed, band_keys(sigs))
    live = np.ones(n, dtype=bool)
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        stories = Stories.of([(part, 0)], live, dates)
        best = min(best, time.process_time() - started)
    return {"docs": n, "cpu_ms": round(best * 1000, 1), "stories": stories.count}


def index_signatures(index: Path):
    """The live articles' signatures of an index, as one array."""
    from indexer.index.searcher import Searcher

    with Searcher(index) as searcher:
        view = searcher.view()
        parts = [seg.stories for seg in view.segments]
        sigs = np.concatenate([p.signatures for p in parts])
        signed = np.concatenate([p.signed for p in parts])
        live = view.live
        return sigs[live], signed[live], view.date[live], view.stories_seconds


def first_pass_cpu(index: Path, groups=("none", "story")) -> dict:
    """Median first-pass CPU ms of the benchmark queries, ungrouped and grouped.

    `groups=("none",)` runs on code from before stories too (an A/B of the
    ungrouped path across versions).
    """
    from bench.queries import QUERIES
    from indexer.index.searcher import Searcher
    from indexer.index.segments import forget_segments
    from indexer.search.request import SearchRequest

    times: dict[str, list[float]] = {g: [] for g in groups}
    for n, query in enumerate(QUERIES):
        for group in groups[::-1] if n % 2 else groups:
            forget_segments()
            with Searcher(index) as searcher:
                searcher.view()  # opening the view is not the query's cost
                request = SearchRequest(
                    q=query.q,
                    locations=[query.location] if query.location else [],
                    date_from=query.date_from,
                    date_to=query.date_to,
                    **({"group": group} if group != "none" else {}),
                )
                started = time.process_time()
                searcher.search(request)
                times[group].append(time.process_time() - started)
    out: dict = {"queries": len(QUERIES)}
    out["p50_ungrouped_ms"] = round(statistics.median(times["none"]) * 1000, 2)
    if "story" in times:
        out["p50_grouped_ms"] = round(statistics.median(times["story"]) * 1000, 2)
        ratio = statistics.median(s / u for s, u in zip(times["story"], times["none"], strict=True))
        out["grouped_over_ungrouped_median_ratio"] = round(ratio, 3)
    return out
