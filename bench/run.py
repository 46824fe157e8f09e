"""One benchmark run: corpus, then each system's indexing and queries, then ratios.

The phases of each system run in fresh child processes (see `measure`), one
after another, never at the same time: the machine has two cores and the
figures that matter are ratios between systems measured in the same run.

Query timing: the system is opened first (the service's workers open and
warm their index view before they take requests; `open_ms`). Then one pass
over all queries: each query's first run in the process, with no cached
postings or pages of its own (terms it shares with earlier queries may be
cached, as in a service that has answered other queries): these are the
*first-seen* figures, the headline, since most real queries are asked
once. Then `reps` timed passes of the same queries: the *repeated*
figures (p50/p95/p99 over every timed execution). The naive stack takes
seconds per query, so it may run fewer passes or queries (`naive_reps`,
`naive_max_queries`; its single pass is then its first pass); that is
recorded in the results, and ratios use only the queries both systems ran.
"""

from __future__ import annotations

import json
import platform
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.corpus import write_corpus
from bench.measure import child_usage, percentile, run_child
from bench.queries import select

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SYSTEMS = ("naive", "fts5", "newsarchive")
CLUSTER_SYSTEMS = ("newsarchive-opensearch",)  # need the cluster the run starts
OPENSEARCH_NODES = 3
OPENSEARCH_HEAP_MB = 512


def machine() -> dict:
    import os

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    import sqlite3

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


# -- inside the child ------------------------------------------------------------


def child_main(spec: dict) -> None:
    from bench.systems import SYSTEMS

    system = SYSTEMS[spec["system"]](Path(spec["workdir"]), spec.get("options"))
    if spec["phase"] == "index":
        started = time.perf_counter()
        info = system.build(Path(spec["corpus"]))
        seconds = time.perf_counter() - started
        info.update(
            seconds=round(seconds, 3),
            docs_per_second=round(info["documents"] / seconds, 1),
            index_bytes=system.size(),
            **child_usage(),
        )
        result = info
    else:
        result = _query_phase(system, spec)
    Path(spec["result"]).write_text(json.dumps(result, ensure_ascii=False), "utf-8")


def _query_phase(system, spec) -> dict:
    queries = select(spec.get("queries"), spec.get("max_queries"))
    started = time.perf_counter()
    system.open()
    open_ms = (time.perf_counter() - started) * 1000
    outcomes = {}
    first_seen: dict[str, float] = {}
    first_cpu: dict[str, float] = {}
    if spec.get("warmup", True):
        for q in queries:
            t0, c0 = time.perf_counter(), time.thread_time()
            outcomes[q.id] = system.search(q)
            first_seen[q.id] = (time.perf_counter() - t0) * 1000
            first_cpu[q.id] = (time.thread_time() - c0) * 1000
    times: dict[str, list[float]] = {q.id: [] for q in queries}
    cpu: list[float] = []
    for _ in range(spec["reps"]):
        for q in queries:
            t0, c0 = time.perf_counter(), time.thread_time()
            outcomes[q.id] = system.search(q)
            times[q.id].append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    system.close()
    every = [t for ts in times.values() for t in ts]
    return {
        "queries": len(queries),
        "reps": spec["reps"],
        "open_ms": round(open_ms, 2),
        "first_query_ms": round(first_seen[queries[0].id], 2) if first_seen else None,
        # Repeated: every timed execution after the first pass.
        "p50_ms": round(percentile(every, 50), 3),
        "p95_ms": round(percentile(every, 95), 3),
        "p99_ms": round(percentile(every, 99), 3),
        "mean_ms": round(sum(every) / len(every), 3),
        # Each query's first run in the process (see the module's docstring).
        "first_seen_p50_ms": _percentile_or_none(list(first_seen.values()), 50),
        "first_seen_p95_ms": _percentile_or_none(list(first_seen.values()), 95),
        # CPU time of the searching thread: what a shared machine's other
        # load inflates less than wall time (both systems search in-thread).
        "first_seen_cpu_p50_ms": _percentile_or_none(list(first_cpu.values()), 50),
        "first_seen_cpu_p95_ms": _percentile_or_none(list(first_cpu.values()), 95),
        "cpu_p50_ms": _percentile_or_none(cpu, 50),
        "per_query": {
            q.id: {
                "median_ms": round(percentile(times[q.id], 50), 3),
                "first_seen_ms": _rounded(first_seen.get(q.id)),
                "first_seen_cpu_ms": _rounded(first_cpu.get(q.id)),
                "times_ms": [round(t, 3) for t in times[q.id]],
                **outcomes[q.id].summary(),
            }
            for q in queries
        },
        **child_usage(),
    }


def _rounded(value):
    return None if value is None else round(value, 3)


def _percentile_or_none(values: list[float], p: float) -> float | None:
    """The rounded percentile, or None when nothing was timed (not NaN: JSON has none)."""
    return _rounded(percentile(values, p)) if values else None


# -- in the parent -----------------------------------------------------------------


def run(
    size: int,
    seed: int = 1,
    systems=DEFAULT_SYSTEMS,
    *,
    queries: str | None = None,
    max_queries: int | None = None,
    reps: int = 5,
    naive_reps: int = 1,
    naive_max_queries: int | None = None,
    corpus_dir: Path | None = None,
    work_dir: Path | None = None,
    http: bool = False,
    http_seconds: int = 30,
    http_connections: int = 8,
    opensearch_nodes: int = OPENSEARCH_NODES,
    log=print,
) -> dict:
    corpus_dir = corpus_dir or ROOT / "bench" / "corpus" / f"seed{seed}-n{size}"
    work_dir = work_dir or ROOT / "bench" / "results" / "work" / f"seed{seed}-n{size}"
    results: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": size,
        "seed": seed,
        "machine": machine(),
        "systems": {},
    }
    started = time.perf_counter()
    write_corpus(corpus_dir, size, seed)
    results["corpus"] = {
        "path": str(corpus_dir),
        "seconds": round(time.perf_counter() - started, 1),
        **_corpus_stats(corpus_dir),
    }
    log(f"corpus: {results['corpus']}")

    with ExitStack() as stack:
        options: dict = {}
        if any(name in CLUSTER_SYSTEMS for name in systems):
            from bench.opensearch_node import VERSION, cluster

            log(f"opensearch: {opensearch_nodes} nodes, {OPENSEARCH_HEAP_MB} MB heap each")
            started_cluster = time.perf_counter()
            running = stack.enter_context(
                cluster(work_dir / "opensearch", opensearch_nodes, OPENSEARCH_HEAP_MB)
            )
            options["opensearch_hosts"] = running.urls
            # One node: one shard (global term statistics) and no replica to place.
            options["opensearch_shards"] = 3 if opensearch_nodes > 1 else 1
            options["opensearch_replicas"] = 1 if opensearch_nodes > 1 else 0
            results["opensearch"] = {
                "version": VERSION,
                "nodes": opensearch_nodes,
                "heap_mb_per_node": OPENSEARCH_HEAP_MB,
                "shards": options["opensearch_shards"],
                "replicas": options["opensearch_replicas"],
                "green_after_s": round(time.perf_counter() - started_cluster, 1),
            }
        for name in systems:
            workdir = work_dir / name
            base = {
                "system": name,
                "workdir": str(workdir),
                "corpus": str(corpus_dir),
                "options": options,
            }
            log(f"{name}: indexing {size} documents")
            indexing = run_child({**base, "phase": "index"})
            log(f"{name}: indexing {json.dumps(indexing)}")
            is_naive = name == "naive"
            query_spec = {
                **base,
                "phase": "query",
                "queries": queries,
                "max_queries": naive_max_queries if is_naive and naive_max_queries else max_queries,
                "reps": naive_reps if is_naive else reps,
                "warmup": not is_naive,
            }
            log(f"{name}: querying")
            querying = run_child(query_spec)
            log(
                f"{name}: p50 {querying['p50_ms']} ms, p95 {querying['p95_ms']} ms, "
                f"p99 {querying['p99_ms']} ms"
            )
            results["systems"][name] = {"indexing": indexing, "querying": querying}

    if http and "newsarchive" in systems:
        from bench.http import http_benchmark

        index_dir = work_dir / "newsarchive" / "index"
        log(f"http: {http_seconds} s of mixed queries against gunicorn")
        results["http"] = http_benchmark(
            index_dir,
            select(queries, max_queries),
            seconds=http_seconds,
            connections=http_connections,
        )
        log(f"http: {json.dumps(results['http'])}")
    results["ratios"] = ratios(results["systems"])
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def _corpus_stats(corpus_dir: Path) -> dict:
    from bench.corpus import read_manifest

    n = html = chars = 0
    langs: dict[str, int] = {}
    for rec in read_manifest(corpus_dir):
        n += 1
        html += rec["path"].endswith(".html")
        chars += len(rec["body"])
        langs[rec["lang"]] = langs.get(rec["lang"], 0) + 1
    return {
        "documents": n,
        "html_files": html,
        "mean_body_chars": round(chars / max(n, 1)),
        "langs": langs,
    }


def _over(querying: dict, ids, p: float) -> float:
    return percentile([t for i in ids for t in querying["per_query"][i]["times_ms"]], p)


def _first_seen(querying: dict, ids) -> list[float]:
    return [
        querying["per_query"][i]["first_seen_ms"]
        for i in ids
        if querying["per_query"][i].get("first_seen_ms") is not None
    ]


def ratios(systems: dict) -> dict:
    """newsarchive relative to each peer, over the queries both ran.

    Speed-ups are "how many times faster newsarchive is"; `query_p50_ours_over_theirs`
    is the inverse, for the "no more than 3x FTS5's" target. The `first_seen_*`
    figures compare each query's first run in each system (the headline);
    `first_seen_p95_over_their_p50` is our first-seen p95 over their first-seen p50.
    """
    out: dict = {}
    ours = systems.get("newsarchive")
    if not ours:
        return out
    for peer in ("naive", "fts5", "newsarchive-opensearch"):
        theirs = systems.get(peer)
        if not theirs:
            continue
        qi, qp = ours["querying"], theirs["querying"]
        ii, ip = ours["indexing"], theirs["indexing"]
        common = [i for i in qp["per_query"] if i in qi["per_query"]]
        ours_p50, theirs_p50 = _over(qi, common, 50), _over(qp, common, 50)
        ours_p95, theirs_p95 = _over(qi, common, 95), _over(qp, common, 95)
        out[peer] = {
            "queries_compared": len(common),
            "indexing_docs_per_s": round(ii["docs_per_second"] / ip["docs_per_second"], 2),
            "query_p50_speedup": round(theirs_p50 / ours_p50, 2),
            "query_p95_speedup": round(theirs_p95 / ours_p95, 2),
            "query_p50_ours_over_theirs": round(ours_p50 / theirs_p50, 3),
            "index_size": round(ii["index_bytes"] / ip["index_bytes"], 2),
            "indexing_peak_rss": round(
                ii["process"]["tree_peak_rss_mb"] / max(ip["process"]["tree_peak_rss_mb"], 1), 2
            ),
        }
        fi, fp = _first_seen(qi, common), _first_seen(qp, common)
        if fi and fp and len(fi) == len(fp):
            their_p50 = percentile(fp, 50)
            out[peer].update(
                first_seen_p50_ours_over_theirs=round(percentile(fi, 50) / their_p50, 3),
                first_seen_p95_over_their_p50=round(percentile(fi, 95) / their_p50, 3),
            )
    return out
