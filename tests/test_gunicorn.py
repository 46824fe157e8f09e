"""A real gunicorn, started with deploy/gunicorn.conf.py on a free loopback port."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(base, path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def start_gunicorn(index_dir: Path, port: int, workers: int = 2) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        NEWSARCHIVE_INDEX=str(index_dir),
        NEWSARCHIVE_BIND=f"127.0.0.1:{port}",
        NEWSARCHIVE_WORKERS=str(workers),
        NEWSARCHIVE_ACCESS_LOG="",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        try:
            status, _ = fetch(f"http://127.0.0.1:{port}", "/healthz")
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_gunicorn_serves_search_and_sees_new_documents_without_restart(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    for path in SEEDS.iterdir():
        shutil.copy2(path, archive / path.name)
    index_dir = tmp_path / "index"
    newsarchive = [sys.executable, "-m", "indexer.cli"]
    subprocess.run([*newsarchive, "index", str(archive), "--index", str(index_dir)], check=True)

    port = free_port()
    proc = start_gunicorn(index_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        status, body = fetch(base, "/api/search", q="江阴")
        assert status == 200 and body["total"] >= 2
        status, body = fetch(base, "/api/search", page="zero")
        assert status == 400 and body["error"]["code"]
        assert fetch(base, "/api/search", q="zeppelin")[1]["total"] == 0

        (archive / "zeppelin.txt").write_text(
            "Title: Zeppelin factory opens in Wuxi\n\nA zeppelin factory opened in Wuxi.", "utf-8"
        )
        subprocess.run([*newsarchive, "index", str(archive), "--index", str(index_dir)], check=True)
        # Every worker must see it: ask more times than there are workers.
        for _ in range(8):
            status, body = fetch(base, "/api/search", q="zeppelin")
            assert status == 200 and body["total"] == 1
    finally:
        stop(proc)
