"""GET /api/export: a search's articles as CSV or JSON lines, streamed, safe for spreadsheets.

The contract of every backend that has `Exporting`: the tests that use
`newsroom_client`, `client`, `seed_settings`, `index_settings`,
`down_settings` or `big_export` run on Whoosh and on an OpenSearch cluster
(tests/conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tracemalloc

import pytest

from indexer.search.backend import open_backend
from indexer.search.errors import QueryError
from indexer.search.request import SearchRequest
from service.exports import EXPORT_LIMIT, attachment, csv_cell, export_filename

from .conftest import BACKENDS, SEEDS, build_cluster_index, build_index, see_latest_commit

pytestmark = pytest.mark.contract

COLUMNS = ["id", "title", "date", "date_precision", "language", "source", "places", "url"]


def csv_rows(response) -> list[dict]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def jsonl_rows(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def search_ids(client, query: str) -> list[str]:
    body = client.get(f"/api/search?{query}&per_page=100").get_json()
    return [hit["id"] for hit in body["hits"]]


def test_csv_lists_what_the_search_lists_in_its_order_with_every_column(newsroom_client):
    response = newsroom_client.get("/api/export?q=wafer&format=csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    rows = csv_rows(response)
    assert list(rows[0]) == COLUMNS
    assert [r["id"] for r in rows] == search_ids(newsroom_client, "q=wafer")
    by_title = {r["title"]: r for r in rows}
    news = by_title["Wafer fab news 7"]
    assert news["date"] == "2020-03-04" and news["date_precision"] == "day"
    assert (news["language"], news["source"]) == ("en", "Delta Wire")
    assert news["places"] == "Nanjing; Jiangsu"
    assert news["url"] == f"http://localhost/doc/{news['id']}"
    assert by_title["江阴晶圆厂投产"]["language"] == "zh"
    undated = by_title["Undated wafer note one"]
    assert (undated["date"], undated["date_precision"]) == ("", "unknown")


def test_export_follows_sort_and_filters_and_ignores_paging(newsroom_client):
    query = "q=wafer&location=Wuxi&sort=oldest"
    rows = jsonl_rows(newsroom_client.get(f"/api/export?{query}&format=jsonl&page=3&per_page=2"))
    assert [r["id"] for r in rows] == search_ids(newsroom_client, query)
    assert all({"Wuxi", "Jiangyin"} & set(r["places"]) for r in rows)  # Jiangyin is in Wuxi


def test_jsonl_has_one_object_per_line_with_places_as_a_list(newsroom_client):
    response = newsroom_client.get("/api/export?q=wafer&format=jsonl")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert not response.data.startswith(b"\xef\xbb\xbf")
    rows = jsonl_rows(response)
    assert len(rows) == 76
    assert list(rows[0]) == COLUMNS
    news = next(r for r in rows if r["title"] == "Wafer fab news 7")
    assert news["places"] == ["Nanjing", "Jiangsu"]
    assert next(r for r in rows if r["title"].startswith("Undated"))["date"] is None


def test_body_comes_only_when_asked_for(newsroom_client):
    plain = csv_rows(newsroom_client.get("/api/export?q=江阴&format=csv"))
    assert "body" not in plain[0]
    with_body = csv_rows(newsroom_client.get("/api/export?q=江阴&format=csv&body=1"))
    assert list(with_body[0]) == [*COLUMNS, "body"]
    assert with_body[0]["body"] == "江阴的晶圆厂投产，wafer 产能扩大。"
    lines = jsonl_rows(newsroom_client.get("/api/export?q=江阴&format=jsonl&body=true"))
    assert lines[0]["body"] == "江阴的晶圆厂投产，wafer 产能扩大。"


def test_limit_takes_the_first_articles(newsroom_client):
    rows = jsonl_rows(newsroom_client.get("/api/export?q=wafer&format=jsonl&limit=5"))
    assert [r["id"] for r in rows] == search_ids(newsroom_client, "q=wafer")[:5]


def test_cells_a_spreadsheet_would_run_as_formulas_start_with_an_apostrophe(newsroom_client):
    rows = csv_rows(newsroom_client.get("/api/export?q=wafer&date_from=2023-03&format=csv"))
    titles = {r["title"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","wafer prices")' in titles
    assert "'+wafer cmd|' /C calc'!A0" in titles
    assert "'-5% wafer output" in titles
    assert "'@SUM(1+1) wafer" in titles
    assert "江阴晶圆厂投产" in titles and "Wafer & co" in titles
    # JSON lines are for programs: the text as it is.
    lines = jsonl_rows(newsroom_client.get("/api/export?q=wafer&date_from=2023-03&format=jsonl"))
    assert '=HYPERLINK("http://evil.example","wafer prices")' in {r["title"] for r in lines}


def test_csv_cell_guards_every_formula_start():
    for text in ("=1+1", "+1", "-1", "@x", "\t=1", "\r=1"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("2023-10-31") == "2023-10-31"
    assert csv_cell("a=b") == "a=b"
    assert csv_cell(None) == ""
    assert csv_cell(["=Wuxi", "Jiangsu"]) == "'=Wuxi; Jiangsu"


def test_download_is_an_attachment_named_after_the_query(newsroom_client):
    response = newsroom_client.get("/api/export?q=wafer fab&format=csv")
    assert re.fullmatch(
        r'attachment; filename="newsarchive-wafer-fab-\d{4}-\d\d-\d\d\.csv"',
        response.headers["Content-Disposition"],
    )
    response = newsroom_client.get("/api/export?format=jsonl")
    assert "newsarchive-all-" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.jsonl"')


def test_a_chinese_file_name_has_an_ascii_fallback():
    name = export_filename("江阴 晶圆", "csv")
    assert name.startswith("newsarchive-江阴-晶圆-")
    header = attachment(name)
    assert header.startswith('attachment; filename="newsarchive-')
    assert "filename*=UTF-8''newsarchive-%E6%B1%9F%E9%98%B4-" in header
    assert header.isascii()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("format=xlsx", "invalid_parameter"),
        ("format=csv&format=jsonl", "invalid_parameter"),
        ("body=maybe", "invalid_parameter"),
        ("limit=0", "invalid_parameter"),
        (f"limit={EXPORT_LIMIT + 1}", "invalid_parameter"),
        ("limit=ten", "invalid_parameter"),
        ("q=the", "only_stop_words"),
        ("location=Atlantis", "unknown_location"),
        ("date_from=2023-13", "invalid_parameter"),
    ],
)
def test_bad_parameters_are_a_400_json_error_before_anything_streams(client, query, code):
    response = client.get("/api/export?" + query)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == code


def test_the_search_page_links_its_feed_and_downloads_with_its_query_and_filters(client):
    html = client.get("/?q=wafer&location=Wuxi&page=1&sort=newest&ui=en").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="/feed.atom?q=wafer&amp;location=Wuxi"' in html
    )
    assert 'class="feed-link" href="/feed.atom?q=wafer&amp;location=Wuxi"' in html
    assert 'href="/api/export?q=wafer&amp;location=Wuxi&amp;sort=newest&amp;format=csv"' in html
    assert 'href="/api/export?q=wafer&amp;location=Wuxi&amp;sort=newest&amp;format=jsonl"' in html
    links = client.get("/api/search?q=wafer&page=2").get_json()["links"]
    assert links["feed"] == "/feed.atom?q=wafer"
    assert links["export_csv"] == "/api/export?q=wafer&format=csv"


def test_the_welcome_page_links_the_feed_of_everything(client):
    html = client.get("/").get_data(as_text=True)
    assert 'type="application/atom+xml" href="/feed.atom"' in html
    assert 'class="feed-link" href="/feed.atom"' in html


def test_an_export_from_a_backend_that_cannot_answer_is_a_503_before_anything_streams(
    down_settings,
):
    from service import create_app
    from service.search_index import close_searcher

    settings, code = down_settings
    app = create_app({"TESTING": True, **settings})
    try:
        response = app.test_client().get("/api/export?q=wafer&format=csv")
        assert response.status_code == 503
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]["code"] == code
    finally:
        close_searcher(app)


# -- the backend's side ------------------------------------------------------


def held_open(backend) -> list:
    """What an export may hold while it reads: Whoosh's pinned views, the cluster's PITs."""
    if hasattr(backend, "_views"):
        return list(backend._views._pinned) + list(backend._views._retired)
    from indexer.opensearch.writer import open_readers

    index = backend.generation
    return [index] if open_readers(backend.client, index) else []


def slow_reading(backend_name: str, monkeypatch) -> None:
    """Exports read one article at a time; Whoosh retires a replaced view at once."""
    if backend_name == "whoosh":
        from indexer.index import exporting, views

        monkeypatch.setattr(exporting, "BATCH", 1)
        monkeypatch.setattr(views, "RETIRE_AFTER", -1.0)
    else:
        from indexer.opensearch import exporting

        monkeypatch.setattr(exporting, "BATCH", 1)


def test_backend_export_searches_at_once_and_reads_as_consumed(seed_settings):
    backend = open_backend(seed_settings)
    try:
        everything = backend.search(SearchRequest(sort="oldest", per_page=100))
        articles = backend.export(SearchRequest(sort="oldest", page=3, per_page=1), limit=100)
        assert [a["id"] for a in articles] == [h["id"] for h in everything.hits]
        for q in ("wafer OR 江阴", "taihu bay innovation", "无锡 半导体"):
            for sort in ("relevance", "newest"):
                request = SearchRequest(q=q, sort=sort, per_page=100)
                exported = [a["id"] for a in backend.export(request, limit=100)]
                assert exported == [h["id"] for h in backend.search(request).hits], (q, sort)
        first = next(iter(backend.export(SearchRequest(q="wafer"), limit=1, body=True)))
        assert first["body"] and first["id"]
        hit = backend.search(SearchRequest(q="wafer", per_page=1, snippets=False)).hits[0]
        assert {k: v for k, v in first.items() if k != "body"} == {
            k: v for k, v in hit.items() if k != "score"
        }
        with pytest.raises(QueryError):  # the query fails before any article is read
            backend.export(SearchRequest(q="the"), limit=10)
        unread = backend.export(SearchRequest(), limit=100)
        next(unread)
        unread.close()  # a client that hangs up
        assert held_open(backend) == []
    finally:
        backend.close()


def test_an_export_keeps_reading_its_index_after_an_indexing_run_changed_it(
    backend, index_settings, tmp_path, monkeypatch
):
    """What an export lists is the index as it was when the export began."""
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    settings = index_settings([archive], workers=1)
    slow_reading(backend, monkeypatch)
    searcher = open_backend(settings)
    try:
        expected = [h["id"] for h in searcher.search(SearchRequest(per_page=100)).hits]
        articles = searcher.export(SearchRequest(), limit=100)
        got = [next(articles)["id"]]
        (archive / "new.txt").write_text("Title: Late news\n\nA late wafer story.\n", "utf-8")
        index_settings([archive], workers=1)
        see_latest_commit(searcher)
        assert searcher.search(SearchRequest(q="late")).total == 1  # searches see the commit
        got += [a["id"] for a in articles]
        assert got == expected
        assert held_open(searcher) == []  # released once read
    finally:
        searcher.close()


def test_the_version_names_the_commit_and_changes_with_it(index_settings, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    backend = open_backend(index_settings([archive], workers=1))
    try:
        first = backend.version()
        assert first.generation == backend.generation and first.commit >= 0
        assert first.created is not None and first.created <= first.committed
        assert backend.version() == first
        (archive / "new.txt").write_text("Title: Late news\n\nA late wafer story.\n", "utf-8")
        index_settings([archive], workers=1)
        see_latest_commit(backend)
        second = backend.version()
        assert second.generation == first.generation and second.commit > first.commit
        assert second.committed >= first.committed
    finally:
        backend.close()


# -- a full-size export -------------------------------------------------------

BIG = EXPORT_LIMIT + 50


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory):
    """`BIG` short articles in one JSON-lines file: more than one export may hold."""
    root = tmp_path_factory.mktemp("big-export")
    body = "A wafer fab in Wuxi added a line. " * 8 + "无锡新增一条晶圆生产线。" * 4
    with open(root / "big.jsonl", "w", encoding="utf-8") as fh:
        for i in range(BIG):
            record = {
                "title": f"=Wafer line {i}" if i % 100 == 0 else f"Wafer line {i} 晶圆",
                "body": body,
                "date": f"20{10 + i % 14}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "source": "Delta Wire",
                "lang": "mixed",
                "locations": ["Wuxi"],
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return root / "big.jsonl"


@pytest.fixture(scope="module", params=BACKENDS)
def big_export(request, big_archive, tmp_path_factory):
    """The app settings that serve the big archive from each backend."""
    if request.param == "whoosh":
        index = tmp_path_factory.mktemp("big-index") / "index"
        build_index(index, [big_archive], workers=1)
        yield {"INDEX": str(index)}
        return
    from .clusters import drop_alias, fresh_alias

    hosts, alias = request.getfixturevalue("opensearch_hosts"), fresh_alias("big")
    yield {"INDEX": "/nonexistent", **build_cluster_index(hosts, alias, [big_archive])}
    drop_alias(hosts, alias)


def stream(client, url: str) -> dict:
    """Consume an export chunk by chunk, keeping none, under tracemalloc.

    `peak` is the most memory the request held at once, search included,
    above what was held before it.
    """
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        response = client.get(url, buffered=False)
        assert response.status_code == 200
        seen = {"size": 0, "lines": 0, "guarded": 0, "unguarded": 0}
        for chunk in response.response:
            seen["size"] += len(chunk)
            seen["lines"] += chunk.count(b"\r\n")
            seen["guarded"] += chunk.count(b",'=Wafer line")
            seen["unguarded"] += chunk.count(b",=Wafer line")
        response.close()
        seen["peak"] = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    return seen


def test_a_full_export_stops_at_the_cap_and_streams_in_bounded_memory(big_export):
    from service import create_app
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, **big_export})
    client = app.test_client()
    try:
        assert client.get("/api/search?q=wafer").get_json()["total"] == BIG  # opens the index
        small = stream(client, "/api/export?q=wafer&format=csv&body=1&limit=1000")
        full = stream(client, "/api/export?q=wafer&format=csv&body=1")
    finally:
        close_searcher(app)
    assert full["lines"] == 1 + EXPORT_LIMIT  # the header and the first 10,000 of 10,050
    assert full["guarded"] > 90 and full["unguarded"] == 0
    assert full["size"] > 5_000_000
    # Ten times the rows, not ten times the memory: the search's arrays (as
    # large for both) and one batch of articles at a time.
    assert full["peak"] < 1.5 * small["peak"], (full, small)
    assert full["peak"] < full["size"] / 3, full
