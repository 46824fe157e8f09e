"""The index searcher, opened once per process and shared by its threads.

Like flaskr's `db.py`: `get_searcher()` hands out the resource, `init_app`
registers it. The searcher is created lazily in each worker (after
gunicorn forks), so no open file is shared between processes; what is worth
sharing, jieba's dictionary and the gazetteer, is loaded by `warm_up()`
before the fork when gunicorn preloads the app.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from indexer.search.backend import Exporting, SearchBackend, open_backend
from indexer.search.errors import NotSupported

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


def warm_up() -> None:
    """Load process-wide data once (before gunicorn forks its workers)."""
    from indexer.search.backend import warm_up as warm_backend

    warm_backend(current_app.config)


def close_searcher(app: Flask) -> None:
    searcher = app.extensions.pop(_KEY, None)
    if searcher is not None:
        searcher.close()


def init_app(app: Flask) -> None:
    app.extensions.pop(_KEY, None)
    if not app.config.get("TESTING"):
        with app.app_context():
            warm_up()
