"""Starting and stopping real processes (gunicorn) on free loopback ports, for tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSARCHIVE = [sys.executable, "-m", "indexer.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def start_gunicorn(index_dir: Path, port: int, workers: int = 2, env=None) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py, waiting until /healthz answers."""
    environ = dict(os.environ)
    environ.update(
        NEWSARCHIVE_INDEX=str(index_dir),
        NEWSARCHIVE_BIND=f"127.0.0.1:{port}",
        NEWSARCHIVE_WORKERS=str(workers),
        NEWSARCHIVE_ACCESS_LOG="",
    )
    environ.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        try:
            status, _ = fetch(f"http://127.0.0.1:{port}", "/healthz", timeout=5)
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not start within 60 s")


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group started with start_new_session=True."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()
