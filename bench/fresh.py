"""Fresh workers and fresh commits through HTTP: `python -m bench fresh`.

What a user waits for right after gunicorn (re)starts and right after the
cron job commits. On a copy of an index (an incremental run adds one
article to it), with the shipped gunicorn config, one request at a time
on one kept connection (so one worker answers them all, as nginx keeps
its upstream connections):

1. gunicorn starts; once /healthz answers, the first search (a broad word
   no one asked yet) is timed: the first request after a restart;
2. then broad words no one asked yet: warm first-seen;
3. a common word is asked until the worker has seen it: repeated;
4. one article is added and committed by `newsarchive index`; then words
   no one asked yet, each followed by the common word (answered from the
   cache, so it costs nothing) whose total tells whether the view after
   the commit answered. The first of them notices the commit and starts
   building the next view; those answered meanwhile by the previous view
   are `during_build`, the rest `after_swap`.

Every figure is one request's latency; the machine's noise applies.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from bench.gunicorn import start_gunicorn, stop
from bench.http import KeptConnection, _free_port
from bench.measure import percentile

FIRST = "development"
WARM = ["technology", "project", "innovation", "investment", "企业", "技术", "经济", "政府"]
COMMON = "industry"
# Words in 3-30 % of the 100k benchmark articles, asked once each after the commit.
PROBES = [
    "abroad", "action", "agreement", "algorithm", "annual", "attack", "battery",
    "breakthrough", "bureau", "capital", "center", "central", "circuit", "cluster",
    "committee", "account", "advance", "adopt", "among", "april", "august", "build",
    "choice", "close", "上市", "专业", "专家", "世界", "世纪", "东北", "东南", "严重",
    "下游", "上海市", "万元", "不断", "一批", "一直", "一起", "三个",
    "conduct", "conference", "connect", "control", "converge", "corner", "county",
    "couple", "cover", "create", "current", "cycle", "decision", "deputy", "digital",
    "director", "distance", "district", "dollar", "domestic", "downstream", "drive",
    "ecosystem", "effort", "eighth", "emerge", "energy", "engine", "equipment", "examine",
    "excellent", "exchange", "expand", "expect", "explore", "export", "express", "extend",
]  # fmt: skip
AFTER_SWAP = 6  # probes answered by the new view before the run stops


def _ms(client: KeptConnection, q: str) -> tuple[float, dict]:
    path = "/api/search?" + urllib.parse.urlencode({"q": q})
    started = time.perf_counter()
    body = json.loads(client.get(path))
    return round((time.perf_counter() - started) * 1000, 2), body


def run(index: Path, sources: list[Path], workdir: Path, root: Path | None = None) -> dict:
    """Figures on a copy of `index` (built from `sources`) in `workdir`."""
    copy = workdir / "index"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(index, copy)
    extra = workdir / "extra"
    extra.mkdir(parents=True, exist_ok=True)
    for old in extra.iterdir():
        old.unlink()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = start_gunicorn(copy, port, 2, {"NEWSARCHIVE_LOG_LEVEL": "warning"}, capture=False)
    out: dict = {"startup_s": round(time.perf_counter() - started, 2)}
    client = KeptConnection(base)
    try:
        out["first_after_start_ms"], _ = _ms(client, FIRST)
        warm = [_ms(client, q)[0] for q in WARM]
        out["warm_first_seen_ms"] = warm
        out["warm_first_seen_p50_ms"] = round(percentile(warm, 50), 2)
        repeated = [_ms(client, COMMON) for _ in range(3)]
        out["common_word_repeated_ms"] = [ms for ms, _body in repeated[1:]]
        total_before = repeated[-1][1]["total"]
        (extra / "one.txt").write_text(
            "Title: One more industry article\n\nA new industry park opened in Wuxi.", "utf-8"
        )
        committed = time.perf_counter()
        indexed = subprocess.run(
            [sys.executable, "-m", "indexer.cli", "index", "--index", str(copy)]
            + [str(s) for s in sources]
            + [str(extra)],
            capture_output=True,
            cwd=root or Path(__file__).resolve().parent.parent,
        )
        if indexed.returncode not in (0, 1):  # 1: some files were reported and skipped
            raise RuntimeError(f"newsarchive index exited {indexed.returncode}: {indexed.stderr}")
        out["commit_s"] = round(time.perf_counter() - committed, 2)
        during, after = [], []
        for word in PROBES:
            ms, _body = _ms(client, word)
            swapped = _ms(client, COMMON)[1]["total"] > total_before
            (after if swapped else during).append(ms)
            if len(after) >= AFTER_SWAP:
                break
        out["during_build_ms"] = during
        out["after_swap_ms"] = after
        warm_p50 = out["warm_first_seen_p50_ms"]
        if during:
            out["during_build_max_over_warm_p50"] = round(max(during) / warm_p50, 2)
        if after:
            out["after_swap_max_over_warm_p50"] = round(max(after) / warm_p50, 2)
    finally:
        client.close()
        stop(proc)
    return out
