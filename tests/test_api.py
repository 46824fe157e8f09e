"""GET /api/search, /api/documents/<id>, /healthz and the errors, against the seeds.

The contract every search backend keeps: each test that uses `client` runs
against Whoosh and against an OpenSearch cluster (see tests/conftest.py).
"""

from __future__ import annotations

import pytest

from .conftest import SEEDS

pytestmark = pytest.mark.contract


def get(client, url, **params):
    response = client.get(url, query_string=params)
    return response, response.get_json()


def ids(body):
    return [h["id"] for h in body["hits"]]


def test_response_shape(client):
    response, body = get(client, "/api/search", q="Jiangyin")
    assert response.status_code == 200
    for key in ("query", "total", "page", "per_page", "took_ms", "hits", "facets", "expanded"):
        assert key in body
    assert "suggestion" in body
    hit = body["hits"][0]
    for key in ("id", "title", "title_html", "snippet", "date", "date_precision", "lang"):
        assert key in hit
    assert hit["url"] == f"/doc/{hit['id']}"
    assert set(body["facets"]) == {"date", "month", "year", "location", "lang", "source"}


def test_jiangyin_in_chinese_finds_the_chinese_article_marked_and_the_english_one(client):
    _, body = get(client, "/api/search", q="江阴")
    titles = [h["title"] for h in body["hits"]]
    assert "双良新能源产业一期项目开工" in titles
    shuangliang = body["hits"][titles.index("双良新能源产业一期项目开工")]
    assert "<mark>江阴</mark>" in shuangliang["snippet"]
    assert any("Jiangyin" in t for t in titles), titles  # seed 001, through the expansion
    assert body["expanded"] == {"江阴": ["Jiangyin"]}


def test_wuxi_in_english_also_finds_chinese_articles(client):
    _, body = get(client, "/api/search", q="Wuxi")
    assert any(h["lang"] == "zh" for h in body["hits"])
    assert "无锡" in body["expanded"]["Wuxi"]


def test_location_filter_is_the_same_in_either_language(client):
    _, zh = get(client, "/api/search", location="无锡")
    _, en = get(client, "/api/search", location="Wuxi")
    assert zh["total"] > 0
    assert ids(zh) == ids(en)


def test_a_province_includes_its_cities_and_counties(client):
    _, jiangsu = get(client, "/api/search", location="Jiangsu", per_page=50)
    _, jiangyin = get(client, "/api/search", location="Jiangyin", per_page=50)
    assert set(ids(jiangyin)) <= set(ids(jiangsu))


def test_selecting_a_location_keeps_the_other_locations_counts(client):
    _, everything = get(client, "/api/search")
    _, selected = get(client, "/api/search", location="Jiangyin")
    before = {e["value"]: e["count"] for e in everything["facets"]["location"]}
    after = {e["value"]: e["count"] for e in selected["facets"]["location"]}
    assert before == after
    chosen = [e for e in selected["facets"]["location"] if e["selected"]]
    assert [e["name"] for e in chosen] == ["Jiangyin"]
    assert selected["total"] < everything["total"]
    # Other facets do follow the location filter.
    lang_total = sum(e["count"] for e in selected["facets"]["lang"])
    assert lang_total == selected["total"]


def test_location_entries_carry_level_parent_and_bilingual_labels(client):
    _, body = get(client, "/api/search")
    wuxi = next(e for e in body["facets"]["location"] if e["name"] == "Wuxi")
    assert wuxi["label"] == "Wuxi 无锡"
    assert wuxi["level"] == "prefecture"
    assert wuxi["parent"] == next(
        e["value"] for e in body["facets"]["location"] if e["name"] == "Jiangsu"
    )


def test_date_from_a_month_narrows_to_that_month_onwards(client):
    _, body = get(client, "/api/search", date_from="2023-10", per_page=50)
    assert body["total"] >= 2
    assert all(h["date"] and h["date"] >= "2023-10" for h in body["hits"])
    _, october = get(client, "/api/search", date_from="2023-10", date_to="2023-10")
    assert {h["date"] for h in october["hits"]} <= {"2023-10-30", "2023-10-31"}


def test_month_facet_lists_months_newest_first(client):
    _, body = get(client, "/api/search")
    months = [e["value"] for e in body["facets"]["month"]]
    assert months == sorted(months, reverse=True)
    assert "2023-10" in months


def test_date_facet_follows_the_timeline_with_undated_last(client):
    # The seeds' dates span 2020 to 2023: four years, so the timeline shows years.
    _, body = get(client, "/api/search")
    dated, undated = body["facets"]["date"][:-1], body["facets"]["date"][-1]
    assert [e["value"] for e in dated] == ["2023", "2020"]
    assert {e["granularity"] for e in dated} == {"year"}
    assert (undated["value"], undated["granularity"]) == ("undated", None)


def test_empty_query_lists_everything_newest_first(client):
    _, body = get(client, "/api/search", per_page=100)
    dates = [h["date"] for h in body["hits"] if h["date"]]
    assert dates == sorted(dates, reverse=True)
    assert body["sort"] == "newest"


def test_sort_and_pagination(client):
    _, first = get(client, "/api/search", per_page=3, page=1, sort="oldest")
    _, second = get(client, "/api/search", per_page=3, page=2, sort="oldest")
    assert not set(ids(first)) & set(ids(second))
    assert first["links"]["next"]


def test_phrases_or_not_title_prefix(client):
    _, phrase = get(client, "/api/search", q='"silicon wafer"')
    assert phrase["total"] == 1
    _, either = get(client, "/api/search", q="Yangzhou OR 双良")
    assert either["total"] >= 2
    _, neither = get(client, "/api/search", q="Jiangyin -Summit")
    assert all("Summit" not in h["title"] for h in neither["hits"])
    _, title = get(client, "/api/search", q="title:Yangzhou")
    assert title["total"] == 1
    _, prefix = get(client, "/api/search", q="semicon*")
    assert prefix["total"] >= 1


def test_did_you_mean_for_a_misspelling(client):
    _, body = get(client, "/api/search", q="semiconductr")
    assert body["total"] == 0
    assert body["suggestion"]
    _, again = get(client, "/api/search", q=body["suggestion"])
    assert again["total"] > 0


def test_document_endpoint_gives_the_whole_article_and_related(client):
    _, body = get(client, "/api/search", q="双良")
    doc_id = body["hits"][0]["id"]
    response, doc = get(client, f"/api/documents/{doc_id}")
    assert response.status_code == 200
    assert "双良" in doc["body"] and doc["path"].endswith(".txt")
    assert len(doc["related"]) <= 5
    assert doc_id not in {r["id"] for r in doc["related"]}


def test_healthz(client):
    response, body = get(client, "/healthz")
    assert response.status_code == 200
    assert body["status"] == "ok" and body["documents"] >= 8 and body["generation"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "x"},
        {"page": "0"},
        {"page": "-1"},
        {"per_page": "1000"},
        {"per_page": "1e3"},
        {"sort": "sideways"},
        {"date_from": "2023-13"},
        {"date_from": "yesterday"},
        {"date_to": "2023-02-30"},
        {"date_from": "2024", "date_to": "2023"},
        {"lang": "klingon"},
        {"location": "Atlantis"},
        {"q": "a" * 5000},
        {"q": "wafer\x00"},
        {"q": "a*"},
    ],
)
def test_malformed_requests_get_a_json_400(client, params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 400, (params, response.get_json())
    error = response.get_json()["error"]
    assert error["code"] and error["message"]


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', "((( wafer", "wafer)))", "*", "OR", "NOT", "title:", '""', "-", "\ufffd\ufffd"],
)
def test_odd_queries_are_answered_not_crashed(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()


def test_binary_query_string_is_refused_for_its_control_character(client):
    response = client.get("/api/search?q=%ff%fe%00%c3")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_query"
    assert "control characters" in response.get_json()["error"]["message"]


def test_unknown_document_and_path_and_method(client):
    response = client.get("/api/documents/nope")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.is_json
    response = client.post("/api/search")
    assert response.status_code == 405 and response.get_json()["error"]["code"]


def test_openapi_spec_is_served(client):
    _response, spec = get(client, "/api/openapi.json")
    assert spec["openapi"].startswith("3.")
    assert "/api/search" in spec["paths"]


def test_untrusted_titles_and_bodies_come_back_escaped(tmp_path, index_settings):
    from service import create_app

    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "evil.txt").write_text(
        "Title: <script>alert(1)</script> wafer\n\n"
        "The <img src=x onerror=alert(2)> wafer fab & <b>bold</b> plans.\n",
        "utf-8",
    )
    settings = index_settings([archive], workers=1)
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, **settings})
    client = app.test_client()
    try:
        body = client.get("/api/search?q=wafer").get_json()
        page = client.get("/?q=wafer").get_data(as_text=True)
    finally:
        close_searcher(app)
    hit = body["hits"][0]
    assert "<script>" not in hit["title_html"]
    assert hit["title_html"] == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>wafer</mark>"
    assert "<img" not in hit["snippet"] and "<b>" not in hit["snippet"]
    assert "<mark>wafer</mark>" in hit["snippet"]
    assert "<script>alert(1)" not in page


def test_factory_test_config_overrides_defaults(seed_index):
    from service import create_app

    assert create_app({"TESTING": True, "INDEX": str(seed_index)}).config["INDEX"] == str(
        seed_index
    )
    assert create_app({"TESTING": True, "PER_PAGE": "7"}).config["PER_PAGE"] == 7


def test_production_without_required_settings_stops_with_a_clear_message(monkeypatch):
    from service import ConfigError, create_app

    monkeypatch.setenv("NEWSARCHIVE_ENV_NAME", "production")
    monkeypatch.delenv("NEWSARCHIVE_INDEX", raising=False)
    with pytest.raises(ConfigError, match="NEWSARCHIVE_INDEX"):
        create_app()


def test_seeds_folder_holds_the_five_seed_articles():
    assert len(list(SEEDS.glob("*.txt"))) == 5
