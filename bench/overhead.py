"""What a request costs outside the search: `python -m bench overhead --index DIR`.

`bench.http` measures it through gunicorn as latency minus `took_ms`, in
wall time, on a machine whose two cores also run the server's other
threads and wrk: a number that moves with whatever else runs. This
measures the same part in the service's own process, in CPU time: each
benchmark request (`bench.http.request_path`, the words and filters of
`bench.queries`, pages 1 and 2) goes through the app as gunicorn hands it
over, a WSGI environ, and the CPU time the backend's `search` took is taken
off the request's. What is left is routing, reading the parameters, the
result object (facets' toggle links, the other links), JSON, headers and
the response: what this service adds to every search. Searches are
repeated (the searcher's caches are warm): what is measured here hardly
depends on whether a query was seen before (first-seen requests measured
the same way differ by under a tenth of a millisecond).

`--profile` adds a cProfile of the same requests, the profiler paused
around each search, listing the functions with the most time inside them.
Read the own times (`tottime`): the profiler's pause also takes the
search out of the cumulative times of the functions around it (the view,
Flask's dispatch), and profiling makes every call slower.
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import statistics
import time
import urllib.parse
from pathlib import Path

from bench.http import request_path
from bench.queries import QUERIES


def request_paths(pages=(1, 2)) -> list[str]:
    """The API's benchmark request of every query (as `bench.http` asks it), for each page."""
    return [request_path(q) + (f"&page={p}" if p > 1 else "") for q in QUERIES for p in pages]


class SearchClock:
    """Stands in for the backend's `search`: the CPU seconds of each, a profiler paused."""

    def __init__(self, search):
        self.search = search
        self.spent: list[float] = []
        self.profiler: cProfile.Profile | None = None  # set while profiling

    def __call__(self, request):
        profiler = self.profiler
        if profiler is not None:
            profiler.disable()
        started = time.process_time()
        try:
            return self.search(request)
        finally:
            self.spent.append(time.process_time() - started)
            if profiler is not None:
                profiler.enable()


def app_with_search_clock(index: Path):
    """The service on `index` as a gunicorn worker has it, and the clock of its searches."""
    from service import create_app
    from service.search_index import get_searcher, settle_heap, warm_up

    app = create_app({"INDEX": str(index), "QUERY_TIMEOUT_MS": 0})
    with app.app_context():
        warm_up()
        searcher = get_searcher()
        searcher.open_view()
    settle_heap()
    clock = searcher.search = SearchClock(searcher.search)
    return app, clock


def environ_for(path: str) -> dict:
    """The WSGI environ of a GET of `path`, made once and copied for every request."""
    from werkzeug.test import EnvironBuilder

    url = urllib.parse.urlsplit(path)
    builder = EnvironBuilder(path=url.path, query_string=url.query)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app, environ: dict) -> bytes:
    """The body `app` answers, read whole as a server would; anything but 200 is an error."""
    status = []

    def start_response(s, headers, exc_info=None):
        status.append(s)

    body = b"".join(app(dict(environ), start_response))
    if not status[0].startswith("200"):
        raise RuntimeError(f"{environ['QUERY_STRING']}: {status[0]}")
    return body


def overhead(index: Path, rounds: int = 5, profile: bool = False, top: int = 40) -> dict:
    """CPU milliseconds per request outside the search: p50 and mean over `rounds` passes."""
    from service.search_index import close_searcher

    app, clock = app_with_search_clock(index)
    try:
        environs = [environ_for(p) for p in request_paths()]
        for environ in environs:  # first searches, caches and imports out of the way
            call(app, environ)
        gc.collect()
        outside = []
        clock.profiler = profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        for _ in range(rounds):
            for environ in environs:
                clock.spent.clear()
                started = time.process_time()
                call(app, environ)
                total = time.process_time() - started
                outside.append((total - sum(clock.spent)) * 1000)
        if profiler is not None:
            profiler.disable()
    finally:
        close_searcher(app)
    report = {
        "requests": len(outside),
        "outside_cpu_p50_ms": round(statistics.median(outside), 3),
        "outside_cpu_mean_ms": round(statistics.fmean(outside), 3),
        "outside_cpu_p90_ms": round(statistics.quantiles(outside, n=10)[-1], 3),
    }
    if profiler is not None:
        report["profile"] = profile_text(profiler, top)
    return report


def profile_text(profiler: cProfile.Profile, top: int) -> str:
    """The `top` functions by cumulative time, then by own time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
