"""Fresh workers and fresh commits through HTTP: `python -m bench fresh`.

What a user waits for right after gunicorn (re)starts and right after the
cron job commits. On a copy of an index (an incremental run adds one
article to it), with the shipped gunicorn config:

1. gunicorn starts; once /healthz answers, the first search (a broad word
   no one asked yet) is timed: the first request after a restart;
2. then broad words no one asked yet, one at a time: warm first-seen;
3. a common word is asked until every worker has seen it: repeated;
4. one article is added and committed by `newsarchive index`; the same
   common word is asked again, one request at a time: the first requests
   after the commit, and the word once the new view answers.

Every figure is one request's latency; the machine's noise applies.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.gunicorn import start_gunicorn, stop
from bench.http import _free_port
from bench.measure import percentile

FIRST = "development"
WARM = ["technology", "project", "innovation", "investment", "企业", "技术", "经济", "政府"]
COMMON = "industry"


def _ms(base: str, q: str) -> tuple[float, dict]:
    url = base + "/api/search?" + urllib.parse.urlencode({"q": q})
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = json.loads(response.read())
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
    try:
        out["first_after_start_ms"], _ = _ms(base, FIRST)
        warm = [_ms(base, q)[0] for q in WARM]
        out["warm_first_seen_ms"] = warm
        out["warm_first_seen_p50_ms"] = round(percentile(warm, 50), 2)
        repeated = [_ms(base, COMMON)[0] for _ in range(6)]
        out["common_word_repeated_ms"] = repeated[2:]
        (extra / "one.txt").write_text(
            "Title: One more industry article\n\nA new industry park opened in Wuxi.", "utf-8"
        )
        committed = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "indexer.cli", "index", "--index", str(copy)]
            + [str(s) for s in sources]
            + [str(extra)],
            check=True,
            capture_output=True,
            cwd=root or Path(__file__).resolve().parent.parent,
        )
        out["commit_s"] = round(time.perf_counter() - committed, 2)
        after, totals = [], []
        for _ in range(12):
            ms, body = _ms(base, COMMON)
            after.append(ms)
            totals.append(body["total"])
        out["after_commit_ms"] = after
        out["after_commit_totals"] = totals
    finally:
        stop(proc)
    return out
