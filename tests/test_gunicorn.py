"""A real gunicorn, started with deploy/gunicorn.conf.py on a free loopback port."""

from __future__ import annotations

import shutil

import pytest

from .conftest import SEEDS
from .servers import fetch, free_port, run_indexer, start_gunicorn, stop

pytestmark = pytest.mark.slow


def test_gunicorn_serves_search_and_sees_new_documents_without_restart(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    for path in SEEDS.iterdir():
        shutil.copy2(path, archive / path.name)
    index_dir = tmp_path / "index"
    run_indexer("index", archive, "--index", index_dir)

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
        run_indexer("index", archive, "--index", index_dir)
        # Every worker must see it: ask more times than there are workers.
        for _ in range(8):
            status, body = fetch(base, "/api/search", q="zeppelin")
            assert status == 200 and body["total"] == 1
    finally:
        stop(proc)
