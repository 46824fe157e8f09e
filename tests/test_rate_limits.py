"""The shipped nginx site limits each client address; a flood does not starve others.

nginx keys its limits by client address (`$binary_remote_addr`). Linux
routes all of 127.0.0.0/8 on `lo`, so binding one client to 127.0.0.1 and
another to 127.0.0.2 gives nginx two addresses on one machine.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import threading
import time

import pytest

from .conftest import SEEDS
from .servers import free_port, run_indexer, start_gunicorn, stop
from .test_deploy import (
    NGINX,
    ROOT,
    nginx_in_front_of_stub,  # noqa: F401 - a fixture
    render_nginx_site,
    require_tool,
    start_nginx,
    stop_nginx,
    write_nginx_conf,
)

ARTIFACT = ROOT / "test-artifacts" / "rate-limits.json"
FLOOD = "127.0.0.1"
POLITE = "127.0.0.2"


def get(port: int, path: str, source: str = FLOOD):
    """(status, headers, body) of one GET from the `source` address."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def require_second_loopback_address() -> None:
    with socket.socket() as s:
        try:
            s.bind((POLITE, 0))
        except OSError as exc:
            pytest.skip(f"cannot bind a client to {POLITE}: {exc}")


def assert_too_many_as_json(headers, body: bytes, retry_after: str) -> None:
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "too_many_requests"
    assert headers["Retry-After"] == retry_after
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_feeds_and_exports_have_a_lower_limit_than_search(nginx_in_front_of_stub):  # noqa: F811
    port = nginx_in_front_of_stub
    exports = [get(port, "/api/export?q=wafer") for _ in range(20)]
    feeds = [get(port, "/feed.atom") for _ in range(20)]
    searches = [get(port, "/api/search?q=wafer") for _ in range(20)]

    assert {status for status, _, _ in searches} == {200}
    assert [status for status, _, _ in exports].count(429) >= 10
    _, headers, body = next(r for r in exports if r[0] == 429)
    assert_too_many_as_json(headers, body, retry_after="2")
    _, headers, body = next(r for r in feeds if r[0] == 429)
    assert headers["Content-Type"].startswith("text/html") and b"Too many requests" in body
    assert headers["Retry-After"] == "2"


def test_static_files_and_health_checks_are_not_limited(nginx_in_front_of_stub):  # noqa: F811
    port = nginx_in_front_of_stub
    assert {get(port, "/static/style.css")[0] for _ in range(40)} == {200}
    assert {get(port, "/healthz")[0] for _ in range(40)} == {200}


@pytest.fixture
def nginx_in_front_of_gunicorn(tmp_path):
    require_tool(NGINX, "nginx", "nginx")
    require_second_loopback_address()
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    index_dir = tmp_path / "index"
    run_indexer("index", archive, "--index", index_dir)
    app_port = free_port()
    gunicorn = start_gunicorn(index_dir, app_port, workers=2)
    try:
        port = free_port()  # chosen while gunicorn holds its own: never the same one
        site = render_nginx_site(
            port, app_port, ROOT / "service" / "static", shipped_rate_limits=True
        )
        nginx = start_nginx(write_nginx_conf(tmp_path / "nginx", site), port)
        try:
            yield port
        finally:
            stop_nginx(nginx)
    finally:
        stop(gunicorn)


@pytest.mark.slow
def test_flood_from_one_address_gets_429_while_a_polite_client_gets_200(
    nginx_in_front_of_gunicorn,
):
    port = nginx_in_front_of_gunicorn
    flood: list = []
    polite: list = []
    polite_done = threading.Event()

    def flood_api():
        # As fast as answers come, for as long as the polite client is at it.
        for _ in range(5000):
            if polite_done.is_set():
                break
            flood.append(("/api/", *get(port, "/api/search?q=wafer")))

    def polite_client():
        # Well under 5 requests a second, alternating the API and the page.
        paths = ["/api/search?q=%E6%B1%9F%E9%98%B4", "/?q=wafer"]
        for n in range(10):
            polite.append(get(port, paths[n % 2], source=POLITE)[0])
            time.sleep(0.3)

    threads = [threading.Thread(target=flood_api) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        polite_client()
    finally:
        polite_done.set()
        for thread in threads:
            thread.join()
    flood += [("/", *get(port, "/?q=wafer")) for _ in range(30)]

    statuses = [status for _, status, _, _ in flood]
    ARTIFACT.parent.mkdir(exist_ok=True)
    figures = {
        "flood_requests": len(statuses),
        "flood_200": statuses.count(200),
        "flood_429": statuses.count(429),
        "polite_requests": len(polite),
        "polite_200": polite.count(200),
    }
    ARTIFACT.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    assert set(statuses) == {200, 429}
    assert statuses.count(429) >= len(statuses) // 2  # most of a flood is refused
    assert any(kind == "/" and status == 429 for kind, status, _, _ in flood)
    for kind, status, headers, body in flood:
        if status != 429:
            continue
        if kind == "/api/":
            assert_too_many_as_json(headers, body, retry_after="1")
        else:
            assert headers["Content-Type"].startswith("text/html")
            assert b"Too many requests" in body and headers["Retry-After"] == "1"
    assert set(polite) == {200}


@pytest.mark.slow
def test_app_headers_pass_through_nginx_once(nginx_in_front_of_gunicorn):
    port = nginx_in_front_of_gunicorn
    status, headers, _ = get(port, "/?q=wafer", source=POLITE)
    assert status == 200
    policies = headers.get_all("Content-Security-Policy")
    assert len(policies) == 1 and "default-src 'self'" in policies[0]
    assert headers.get_all("X-Content-Type-Options") == ["nosniff"]
    assert headers.get_all("Referrer-Policy") == ["same-origin"]
    assert headers.get_all("Server") == ["nginx"]  # server_tokens off: no version
    status, headers, _ = get(port, "/api/search?q=wafer", source=POLITE)
    assert headers.get_all("Content-Security-Policy") == [
        "default-src 'none'; frame-ancestors 'none'"
    ]
