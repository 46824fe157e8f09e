"""Indexing a big archive: docs/s and peak memory by file layout, beside SQLite FTS5.

`python -m bench bigfile --size 20000` indexes the benchmark's articles
twice with the real command (`newsarchive index --rebuild`), once as the
corpus's folder of small text and HTML files and once as one JSON Lines
export of the same articles (title, body, date: places and everything else
are extracted as from any file), sampling the resident memory of the whole
process tree (the command and its workers) four times a second. FTS5
indexes the same articles in the same run, single-threaded, from the
manifest (pre-cleaned records, jieba in Python: see `bench.systems`), so
the ratio of docs/s is measured on the same machine at the same time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import read_manifest, write_corpus
from bench.measure import TreeSampler, run_child

ROOT = Path(__file__).resolve().parent.parent


def export_file(corpus_dir: Path) -> Path:
    """The corpus's articles as one JSON Lines export, written once, streamed."""
    out = corpus_dir / "export.jsonl"
    if not out.exists():
        tmp = out.with_suffix(".part")
        with open(tmp, "w", encoding="utf-8") as f:
            for rec in read_manifest(corpus_dir):
                record = {"title": rec["title"], "body": rec["body"], "date": rec["date"]}
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(out)
    return out


def index_with_command(source: Path, workdir: Path) -> dict:
    """`newsarchive index --rebuild --json` on `source`, timed, its tree's memory sampled."""
    index_dir = workdir / "index"
    started = time.perf_counter()
    command = ["index", "--rebuild", "--json", "--index", str(index_dir), str(source)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer.cli", *command],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    sampler = TreeSampler(proc.pid, pss=True)
    sampler.start()
    try:
        out, _ = proc.communicate()
    finally:
        sampler.stop()
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"newsarchive index exited {proc.returncode}")
    summary = json.loads(out)
    size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    return {
        "documents": summary["documents"],
        "failed": summary["failed"],
        "seconds": round(wall, 2),
        "docs_per_second": round(summary["documents"] / wall, 1),
        "tree_peak_rss_mb": round(sampler.peak_kb / 1024, 1),
        "tree_peak_pss_mb": round(sampler.peak_pss_kb / 1024, 1),
        "index_mb": round(size / 1e6, 1),
    }


def run(size: int, seed: int = 1, layouts=("export", "files"), fts5: bool = True) -> dict:
    corpus_dir = ROOT / "bench" / "corpus" / f"seed{seed}-n{size}"
    write_corpus(corpus_dir, size, seed)
    sources = {"export": export_file(corpus_dir), "files": corpus_dir / "docs"}
    results: dict = {"size": size, "seed": seed, "layouts": {}}
    with tempfile.TemporaryDirectory(prefix="bench-bigfile-") as tmp:
        if fts5:
            spec = {"phase": "index", "system": "fts5", "workdir": f"{tmp}/fts5"}
            fts = run_child(dict(spec, corpus=str(corpus_dir)))
            results["fts5"] = {
                "documents": fts["documents"],
                "docs_per_second": fts["docs_per_second"],
                "tree_peak_rss_mb": fts["process"]["tree_peak_rss_mb"],
            }
        for layout in layouts:
            measured = index_with_command(sources[layout], Path(tmp) / layout)
            if fts5:
                ratio = measured["docs_per_second"] / results["fts5"]["docs_per_second"]
                measured["vs_fts5"] = round(ratio, 2)
            results["layouts"][layout] = measured
    return results


def table(results: dict) -> str:
    lines = [
        f"{results['size']:,} articles",
        "| layout | docs/s | × FTS5 | peak RSS (tree) | peak PSS (tree) | index |",
        "|---|---|---|---|---|---|",
    ]
    for layout, m in results["layouts"].items():
        lines.append(
            f"| {layout} | {m['docs_per_second']:.0f} | {m.get('vs_fts5', '')} | "
            f"{m['tree_peak_rss_mb']:.0f} MB | {m.get('tree_peak_pss_mb', 0):.0f} MB | "
            f"{m['index_mb']:.0f} MB |"
        )
    if "fts5" in results:
        f = results["fts5"]
        lines.append(
            f"| FTS5 (manifest) | {f['docs_per_second']:.0f} | 1.0 | "
            f"{f['tree_peak_rss_mb']:.0f} MB | | |"
        )
    return "\n".join(lines)
