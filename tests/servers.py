"""Real processes on free loopback ports, for tests (gunicorn's launcher is `bench.gunicorn`)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.gunicorn import start_gunicorn, stop  # noqa: F401 (the tests' launcher)

ROOT = Path(__file__).resolve().parent.parent
NEWSARCHIVE = [sys.executable, "-m", "indexer.cli"]


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, never one handed out before in this session.

    The kernel may give the same free port to two binds in a row: nginx and
    gunicorn asked for ports one after the other once got the same one,
    nginx could not bind, and the test's clients talked to gunicorn directly.
    """
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def fetch(base: str, path: str, timeout: float = 30, **params):
    """(status, parsed JSON body) of a GET; HTTP errors are returned, not raised."""
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def run_indexer(*args, check=True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*NEWSARCHIVE, *map(str, args)], capture_output=True, text=True, check=check, **kwargs
    )
