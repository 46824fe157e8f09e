"""The service under load: gunicorn with deploy/gunicorn.conf.py, driven by wrk.

First, one request at a time, each benchmark query once as soon as the
workers answer /healthz (its first run in whichever worker takes it: the
*first-seen* latency, the headline), then again after every worker has
seen it (*repeated*). Each answer's `took_ms` is the time inside the
search, so latency minus `took_ms` is what the request spends outside it
(routing, the result object, JSON, HTTP).

Why wrk: it is in Debian's packages, costs little CPU next to the server on
a two-core machine, and its Lua hooks let every connection cycle through the
benchmark's queries (each a real /api/search with filters, snippets and
facets), each followed by variants of it restricted to one month
(`mixed_paths`): a mix of requests seen before and requests seen for the
first time whose words are not.

Memory per worker is read from /proc after the run: RSS (pages the worker
touches, shared ones included), its peak (VmHWM) and PSS (shared pages
divided among the processes sharing them, which is what a worker really
costs when gunicorn preloads the app).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.gunicorn import start_gunicorn, stop
from bench.measure import descendants, pss_kb, rss_kb
from bench.queries import Query

ROOT = Path(__file__).resolve().parent.parent

_LUA = """
local paths = {%s}
local i = 0
init = function(args)
  i = math.random(#paths)
end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, '
    .. '"p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write,
    e.status, e.timeout))
end
"""


def request_path(q: Query) -> str:
    params = {"q": q.q, "per_page": "10"}
    if q.location:
        params["location"] = q.location
    if q.date_from:
        params["date_from"] = q.date_from
    if q.date_to:
        params["date_to"] = q.date_to
    return "/api/search?" + urllib.parse.urlencode(params)


def mixed_paths(queries: list[Query], months: int = 60) -> list[str]:
    """Each query, then variants of it restricted to one month (new requests, known words)."""
    paths = []
    for m in range(months + 1):
        for q in queries:
            if not m:
                paths.append(request_path(q))
            elif not q.date_from and not q.date_to:
                year, month = 2015 + (m - 1) // 12, (m - 1) % 12 + 1
                last = 28 if month == 2 else 30
                paths.append(
                    request_path(q)
                    + f"&date_from={year}-{month:02d}-01&date_to={year}-{month:02d}-{last}"
                )
    return paths


class KeptConnection:
    """One HTTP/1.1 connection kept open between requests, as nginx keeps its upstream ones.

    Opening a connection per request (urllib) added about 0.9 ms of the
    client's own connecting and parsing to every figure; a browser and the
    shipped nginx (`keepalive` in its upstream) reuse theirs. A connection
    the server closed (gunicorn's keep-alive timeout) is opened again, and
    that request is timed from the new connection.
    """

    def __init__(self, base: str):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self._conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> bytes:
        try:
            return self._get(path)
        except (http.client.HTTPException, ConnectionError):
            self.close()  # closed by the server meanwhile: once more, on a new connection
            return self._get(path)

    def _get(self, path: str) -> bytes:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self._conn.request("GET", path)
        response = self._conn.getresponse()
        body = response.read()
        if response.will_close:
            self.close()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {body[:200]!r}")
        return body

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _timed(client: KeptConnection, path: str) -> tuple[float, float | None]:
    """(milliseconds to answer, the answer's own `took_ms`)."""
    started = time.perf_counter()
    body = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    try:
        took = json.loads(body).get("took_ms")
    except ValueError:
        took = None
    return elapsed, took


def one_at_a_time(base: str, paths: list[str]) -> dict:
    """Latency of each path asked once, in order, one request at a time."""
    from bench.measure import percentile

    times, outside = [], []
    client = KeptConnection(base)
    try:
        for path in paths:
            elapsed, took = _timed(client, path)
            times.append(elapsed)
            if took is not None:
                outside.append(elapsed - took)
    finally:
        client.close()
    return {
        "requests": len(times),
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "first_request_ms": round(times[0], 2),
        "outside_p50_ms": round(percentile(outside, 50), 2) if outside else None,
        "times_ms": [round(t, 2) for t in times],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 60) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _workers(master: int) -> list[int]:
    return [p for p in descendants(master) if p != master]


def http_benchmark(
    index_dir: Path,
    queries: list[Query],
    *,
    seconds: int = 30,
    connections: int = 8,
    threads: int = 2,
    workers: int | None = None,
) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    workers = workers or os.cpu_count() or 2
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    paths = [request_path(q) for q in queries]
    started = time.perf_counter()
    proc = start_gunicorn(
        index_dir, port, workers, {"NEWSARCHIVE_LOG_LEVEL": "warning"}, capture=False, timeout=120
    )
    startup = time.perf_counter() - started
    try:
        first_seen = one_at_a_time(base, paths)
        statuses: dict[int, int] = {}
        with ThreadPoolExecutor(max_workers=connections) as pool:
            for status in pool.map(lambda p: _get(base + p), paths * 3):
                statuses[status] = statuses.get(status, 0) + 1
        repeated = one_at_a_time(base, paths)
        idle = {pid: rss_kb(pid) for pid in _workers(proc.pid)}
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_LUA % ", ".join(json.dumps(p) for p in mixed_paths(queries)))
        try:
            out = subprocess.run(
                [
                    wrk,
                    f"-t{threads}",
                    f"-c{connections}",
                    f"-d{seconds}s",
                    "--timeout",
                    "10s",
                    "-s",
                    script.name,
                    base,
                ],
                capture_output=True,
                text=True,
                timeout=seconds + 60,
                check=True,
            ).stdout
        finally:
            os.unlink(script.name)
        line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
        stats = json.loads(line[len("WRKJSON ") :])
        per_worker = [
            {
                "rss_mb": round(rss_kb(pid) / 1024, 1),
                "peak_rss_mb": round(rss_kb(pid, "VmHWM") / 1024, 1),
                "pss_mb": round(pss_kb(pid) / 1024, 1),
                "rss_before_mb": round(idle.get(pid, 0) / 1024, 1),
            }
            for pid in _workers(proc.pid)
        ]
        master = {
            "rss_mb": round(rss_kb(proc.pid) / 1024, 1),
            "pss_mb": round(pss_kb(proc.pid) / 1024, 1),
        }
    finally:
        stop(proc)
    duration = stats["duration_us"] / 1e6
    errors = sum(stats[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "seconds": round(duration, 1),
        "workers": workers,
        "gunicorn_threads": int(os.environ.get("NEWSARCHIVE_THREADS", 4)),
        "connections": connections,
        "wrk_threads": threads,
        "queries": len(paths),
        "startup_seconds": round(startup, 2),
        "first_seen": first_seen,
        "repeated": repeated,
        "warmup_statuses": statuses,
        "requests": stats["requests"],
        "requests_per_second": round(stats["requests"] / duration, 1),
        "p50_ms": round(stats["p50_us"] / 1000, 2),
        "p90_ms": round(stats["p90_us"] / 1000, 2),
        "p99_ms": round(stats["p99_us"] / 1000, 2),
        "max_ms": round(stats["max_us"] / 1000, 2),
        "errors": errors,
        "error_kinds": {k: stats[k] for k in ("connect", "read", "write", "status", "timeout")},
        "per_worker": per_worker,
        "master": master,
    }
