"""Starting and stopping the real service (gunicorn with deploy/gunicorn.conf.py).

The one launcher the tests (`tests/servers.py`) and the HTTP benchmark
(`bench/http.py`) share: both must run the service as it is deployed, and
wait for /healthz before they start asking.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(
    index_dir: Path,
    port: int,
    workers: int = 2,
    env: dict | None = None,
    *,
    capture: bool = True,
    timeout: float = 60,
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port`, once /healthz answers 200.

    With `capture`, its output is kept for the error raised if it dies;
    otherwise it is discarded (a long benchmark would fill the pipe).
    """
    environ = dict(os.environ)
    environ.update(
        NEWSARCHIVE_INDEX=str(index_dir),
        NEWSARCHIVE_BIND=f"127.0.0.1:{port}",
        NEWSARCHIVE_WORKERS=str(workers),
        NEWSARCHIVE_ACCESS_LOG="",
    )
    environ.update(env or {})
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=environ,
        stdout=output,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = proc.stdout.read().decode(errors="replace") if capture else ""
            raise RuntimeError(f"gunicorn exited with {proc.returncode}: {said}")
        if _healthy(port):
            return proc
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            return r.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


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
