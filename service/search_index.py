"""The index searcher, opened once per process and shared by its threads.

Like flaskr's `db.py`: `get_searcher()` hands out the resource, `init_app`
registers it. The searcher is created in each worker after gunicorn forks
(`open_in_worker`, from deploy/gunicorn.conf.py's `post_fork`), so no open
file is shared between processes, and it opens and warms its index view
there, before the worker takes a request: no user request opens the index.
What is worth sharing, jieba's dictionary and the gazetteer, is loaded by
`warm_up()` before the fork when gunicorn preloads the app.
"""

from __future__ import annotations

import gc
import logging
import threading

from flask import Flask, current_app

from indexer.search.backend import Exporting, GroupingStories, SearchBackend, open_backend
from indexer.search.errors import BackendUnavailable, IndexMissing, NotSupported

log = logging.getLogger("newsarchive.service")

_KEY = "newsarchive.searcher"
_lock = threading.Lock()


def get_searcher() -> SearchBackend:
    ext = current_app.extensions
    searcher = ext.get(_KEY)
    if searcher is None:
        with _lock:
            searcher = ext.get(_KEY)
            if searcher is None:
                searcher = ext[_KEY] = open_backend(current_app.config)
    return searcher


def exporting_backend() -> Exporting:
    """The backend, for feeds and exports; `NotSupported` (501) when it cannot."""
    searcher = get_searcher()
    if not isinstance(searcher, Exporting):
        name = current_app.config.get("BACKEND") or "this backend"
        raise NotSupported(f"feeds and exports are not available with BACKEND={name} yet")
    return searcher


def can_group() -> bool:
    """Whether the backend groups copies of one story (`group=story`, `story=`)."""
    return isinstance(get_searcher(), GroupingStories)


def check_grouping(req) -> None:
    """`NotSupported` (501) for a request that groups or picks a story on a backend that cannot."""
    if (req.grouped or req.story) and not can_group():
        name = current_app.config.get("BACKEND") or "this backend"
        raise NotSupported(f"group=story and story= are not available with BACKEND={name} yet")


def warm_up() -> None:
    """Load process-wide data once (before gunicorn forks its workers)."""
    from indexer.search.backend import warm_up as warm_backend
    from service.facets import warm_facets

    warm_backend(current_app.config)
    warm_facets()
    settle_heap()


def open_in_worker(app: Flask) -> None:
    """Open the searcher and warm its index view in this (freshly forked) worker.

    Without an index yet, or with the cluster down, the worker starts
    anyway: /healthz says so, and the first search once it is there opens it.
    """
    with app.app_context():
        try:
            get_searcher().open_view()
        except IndexMissing as exc:
            log.warning("no index to open yet: %s", exc)
        except BackendUnavailable as exc:
            log.warning("the search backend is not reachable yet: %s", exc)
        else:
            warm_requests(app)
    settle_heap()


WARM_PATHS = ("/api/search?q=", "/")


def warm_requests(app: Flask) -> None:
    """Answer the front page and its JSON once, inside the worker, before any user.

    A worker's first request made what Python, werkzeug, Flask and Jinja
    make on first use (the page's compiled templates, an encoding module,
    URL maps, the month facets' links): about 10 ms more than the next
    request, through gunicorn. Their answers are the same for every user.
    Every template is compiled too, as the front page may not include
    them all (the timeline, an article's page).
    """
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    client = app.test_client()
    for path in WARM_PATHS:
        try:
            status = client.get(path).status_code
        except Exception as exc:  # a warm-up never stops a worker; the request will say why
            log.warning("warming %s failed: %s", path, exc)
            continue
        if status != 200:
            log.warning("warming %s answered %s", path, status)


def settle_heap() -> None:
    """Exempt what is loaded by now from Python's cyclic garbage collector.

    jieba's dictionary, the gazetteer and the index's columns are millions
    of long-lived objects; every full collection walked them all, several
    milliseconds charged to whichever request happened to allocate at the
    wrong moment. `gc.freeze()` moves them to a generation the collector
    skips (and, before the fork, keeps it from writing to pages the workers
    share). Objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()


def close_searcher(app: Flask) -> None:
    searcher = app.extensions.pop(_KEY, None)
    if searcher is not None:
        searcher.close()


def init_app(app: Flask) -> None:
    app.extensions.pop(_KEY, None)
    if not app.config.get("TESTING"):
        with app.app_context():
            warm_up()
