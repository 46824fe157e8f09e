"""Public answers name a document's file inside its archive folder, never on the server."""

from __future__ import annotations

from pathlib import PurePath

import pytest

from service.source_paths import archive_roots, public_path

from .conftest import build_index


@pytest.fixture
def nested_archive(tmp_path):
    archive = tmp_path / "srv" / "news-2023"
    (archive / "jiangsu").mkdir(parents=True)
    (archive / "jiangsu" / "wafer.txt").write_text(
        "Title: Wafer fab opens in Wuxi\n\nA silicon wafer fab opened in Wuxi.\n", "utf-8"
    )
    build_index(tmp_path / "index", [archive], workers=1)
    return archive


def open_document(tmp_path, sources: str):
    from service import create_app
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "index"), "SOURCES": sources})
    client = app.test_client()
    try:
        doc_id = client.get("/api/search?q=wafer").get_json()["hits"][0]["id"]
        doc = client.get(f"/api/documents/{doc_id}").get_json()
        page = client.get(f"/doc/{doc_id}").get_data(as_text=True)
    finally:
        close_searcher(app)
    return doc, page


def test_document_path_is_relative_to_the_archive_folder_in_api_and_page(tmp_path, nested_archive):
    doc, page = open_document(tmp_path, str(nested_archive))
    assert doc["path"] == "news-2023/jiangsu/wafer.txt"
    assert "news-2023/jiangsu/wafer.txt" in page
    assert str(tmp_path) not in page and str(tmp_path) not in str(doc)


def test_file_outside_every_configured_archive_is_named_by_its_file_name_only(
    tmp_path, nested_archive
):
    elsewhere = tmp_path / "other-archive"
    elsewhere.mkdir()
    doc, page = open_document(tmp_path, str(elsewhere))
    assert doc["path"] == "wafer.txt"
    assert str(tmp_path) not in page and "srv/" not in page


def test_innermost_configured_folder_names_the_file(tmp_path):
    outer, inner = tmp_path / "archive", tmp_path / "archive" / "xinhua"
    roots = archive_roots(f"{outer}:{inner}")
    assert public_path(str(inner / "2023" / "a.txt"), roots) == "xinhua/2023/a.txt"
    assert public_path(str(outer / "b.txt"), roots) == "archive/b.txt"
    assert public_path("/etc/passwd", roots) == "passwd"
    assert public_path("", roots) == ""


def test_symlinked_archive_folder_keeps_its_configured_name(tmp_path):
    real = tmp_path / "disk1" / "store"
    real.mkdir(parents=True)
    link = tmp_path / "archive"
    link.symlink_to(real)
    # The indexer stores resolved paths; the name shown is the configured one.
    roots = archive_roots(str(link))
    assert public_path(str(real / "a.txt"), roots) == "archive/a.txt"


def test_single_file_source_is_named_by_its_file_name(tmp_path):
    roots = archive_roots(str(tmp_path / "one.jsonl"))
    assert public_path(str(tmp_path / "one.jsonl"), roots) == "one.jsonl"
    assert PurePath(public_path(str(tmp_path / "one.jsonl"), roots)).name == "one.jsonl"


def test_missing_index_is_reported_without_its_server_path(tmp_path):
    from service import create_app
    from service.search_index import close_searcher

    index_dir = tmp_path / "srv" / "index"
    app = create_app({"TESTING": True, "INDEX": str(index_dir)})
    app.logger.disabled = True
    client = app.test_client()
    try:
        answers = [client.get(path) for path in ("/healthz", "/api/search?q=x", "/?q=x")]
    finally:
        close_searcher(app)
    for response in answers:
        assert response.status_code == 503
        assert str(tmp_path) not in response.get_data(as_text=True)
