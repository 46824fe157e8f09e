"""A real gunicorn, started with deploy/gunicorn.conf.py on a free loopback port."""

from __future__ import annotations

import shutil
import time

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
        # The first requests after the commit are answered by the previous view
        # while each worker builds the next one aside; then every worker must
        # see it: eight answers in a row, more than there are workers.
        deadline = time.monotonic() + 60
        in_a_row = 0
        while in_a_row < 8:
            assert time.monotonic() < deadline, "a worker kept its old view"
            status, body = fetch(base, "/api/search", q="zeppelin")
            assert status == 200 and body["total"] in (0, 1)
            in_a_row = in_a_row + 1 if body["total"] == 1 else 0
            time.sleep(0.05 if in_a_row == 0 else 0)
    finally:
        stop(proc)
