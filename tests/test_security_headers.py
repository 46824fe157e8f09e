"""Security headers come from the app itself, so they hold without nginx in front."""

from __future__ import annotations

import re
import shutil
import urllib.request
from html.parser import HTMLParser

import pytest

from .conftest import SEEDS
from .servers import free_port, run_indexer, start_gunicorn, stop


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def a_document_id(client) -> str:
    return client.get("/api/search?q=江阴").get_json()["hits"][0]["id"]


def test_every_kind_of_response_says_nosniff_and_keeps_the_referrer_on_site(client):
    doc_id = a_document_id(client)
    for path in (
        "/",
        "/?q=江阴",
        f"/doc/{doc_id}",
        "/no-such-page",
        "/api/search?q=wafer",
        f"/api/documents/{doc_id}",
        "/api/search?page=zero",
        "/api/openapi.json",
        "/healthz",
        "/static/style.css",
    ):
        response = client.get(path)
        response.close()  # the static file's handle
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") == "same-origin", path
        assert "frame-ancestors" in response.headers.get("Content-Security-Policy", ""), path


@pytest.mark.parametrize("path", ["/", "/?q=wafer", "/no-such-page"])
def test_pages_allow_script_and_style_only_from_the_site_and_no_framing(client, path):
    csp = csp_directives(client.get(path).headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in csp.values() for source in sources)


def test_json_answers_allow_nothing_to_load(client):
    csp = csp_directives(client.get("/api/search?q=wafer").headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"]


def test_unexpected_errors_get_the_headers_too(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.logger.disabled = True
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "'self'" in response.headers["Content-Security-Policy"]


def test_a_header_the_view_set_itself_is_kept(app):
    @app.get("/framed")
    def framed():
        return "ok", {"x-frame-options": "SAMEORIGIN", "Content-Security-Policy": "default-src *"}

    response = app.test_client().get("/framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Content-Security-Policy") == ["default-src *"]
    assert response.headers["Referrer-Policy"] == "same-origin"


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]
        if "style" in names:
            self.found.append(f"style= on <{tag}>")
        for name, value in attrs:
            if value and re.match(r"\s*javascript:", value, re.I):
                self.found.append(f"javascript: URL in {name}")


@pytest.mark.parametrize("ui", ["en", "zh"])
def test_rendered_pages_have_no_inline_script_or_style(client, ui):
    doc_id = a_document_id(client)
    for path in ("/?", "/?q=江阴&location=Jiangsu&", f"/doc/{doc_id}?q=江阴&", "/nowhere?"):
        parser = InlineCode()
        parser.feed(client.get(path + "ui=" + ui).get_data(as_text=True))
        assert parser.found == [], path


def test_inline_code_finder_finds_what_it_looks_for():
    parser = InlineCode()
    parser.feed('<script>x()</script><p style="color:red" onclick="y()"><style></style>')
    assert len(parser.found) == 4


@pytest.mark.slow
def test_gunicorn_does_not_name_itself_or_its_version(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    index_dir = tmp_path / "index"
    run_indexer("index", archive, "--index", index_dir)
    port = free_port()
    proc = start_gunicorn(index_dir, port, workers=1)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
            server = response.headers.get_all("Server") or []
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        stop(proc)
    assert server == ["newsarchive"]
