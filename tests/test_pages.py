"""The search page and the article page, through Flask's test client (fast).

The page must render exactly what /api/search returns, so most checks take
the JSON for the same parameters and look for it in the HTML.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from markupsafe import escape

from service import i18n

pytestmark = pytest.mark.contract  # every test using `client` runs on each backend


def html(client, url, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response, response.get_data(as_text=True)


def api(client, **params):
    return client.get("/api/search", query_string=params).get_json()


def href(url: str) -> str:
    return f'href="{escape(url)}"'


def on_page(api_url: str) -> str:
    """The page's twin of a URL that /api/search handed out."""
    return "/" + api_url.removeprefix("/api/search")


def test_home_page_is_an_empty_state_with_example_queries(client):
    _, page = html(client, "/")
    assert '<html lang="en">' in page
    assert '<label for="q">Search the archive</label>' in page
    assert 'id="q" name="q" type="search"' in page
    assert 'role="search"' in page and "<main" in page and 'class="skip-link"' in page
    assert href("/?" + urlencode({"q": "江阴"})) in page
    assert href("/?" + urlencode({"q": '"silicon wafer"'})) in page
    assert 'class="hits"' not in page
    total = api(client)["total"]
    assert f"The archive holds {total} articles" in page


def test_results_are_the_api_hits_with_marks_and_links_that_carry_the_query(client):
    _, page = html(client, "/?" + urlencode({"q": "江阴"}))
    body = api(client, q="江阴")
    assert body["total"] >= 2
    assert "<mark>江阴</mark>" in page
    for hit in body["hits"]:
        assert hit["title_html"] in page
        assert hit["snippet"] in page
        assert href(f"{hit['url']}?q={quote('江阴')}") in page
    assert f"<strong>{body['total']} articles</strong>" in page
    assert re.search(r"· [\d.]+ ms", page)
    assert "Results for “江阴”" in page
    assert "Also searched for" in page and "Jiangyin" in page


def test_the_page_points_to_its_json_twin(client, backend):
    params = {"q": "Wuxi", "location": "Jiangsu"}
    response, page = html(client, "/?" + urlencode(params))
    # The page shows one hit per story where the backend groups; so does its twin.
    grouped = {**params, "group": "story"} if backend == "whoosh" else params
    json_url = "/api/search?" + urlencode(grouped)
    assert response.headers["Link"] == f'<{json_url}>; rel="alternate"; type="application/json"'
    assert f'<link rel="alternate" type="application/json" {href(json_url)}>' in page
    assert re.search(rf"<a {re.escape(href(json_url))}[^>]*>JSON</a>", page)
    twin = client.get(json_url).get_json()
    for hit in twin["hits"]:
        assert escape(hit["title"]) in page or hit["title_html"] in page
    all_copies = "/?" + urlencode({**params, "group": "none"})
    if backend == "whoosh":  # a visible switch to every copy
        assert re.search(rf"<a {re.escape(href(all_copies))}>all copies</a>", page)
        _, flat = html(client, all_copies)
        assert f"{href('/?' + urlencode({**params, 'group': 'none'}))} aria-current" in flat
    else:  # OpenSearch does not group: the page lists every article, with no switch
        assert "all copies" not in page


def test_facet_values_are_links_that_toggle_filters(client):
    body = api(client, sort="newest")
    _, page = html(client, "/?sort=newest")
    for name in ("lang", "year"):
        for entry in body["facets"][name]:
            assert href(on_page(entry["toggle_url"])) in page, entry
    roots = [e for e in body["facets"]["location"] if not e["parent"]]
    assert roots
    for entry in roots:
        assert href(on_page(entry["toggle_url"])) in page
        assert escape(entry["label"]) in page


def test_a_chosen_place_is_a_removable_chip_and_places_inside_it_drill_down(client):
    body = api(client, location="Wuxi")
    wuxi = next(e for e in body["facets"]["location"] if e["selected"])
    _, page = html(client, "/?location=Wuxi")
    chips = page[
        page.index('class="chips"') : page.index("</section>", page.index('class="chips"'))
    ]
    assert "Wuxi 无锡" in chips and 'href="/"' in chips and "Remove filter" in chips
    assert f'{href(on_page(wuxi["toggle_url"]))} aria-current="true"' in page
    assert f"<strong>{body['total']} articles</strong>" in page
    inside = [e for e in body["facets"]["location"] if e["parent"] == wuxi["value"]]
    assert inside, "the seeds mention Jiangyin, inside Wuxi"
    for entry in inside:
        # Drilling down replaces Wuxi instead of adding to it (values are ORed).
        assert href("/?" + urlencode({"location": entry["value"]})) in page


def test_years_drill_down_to_months(client):
    _, page = html(client, "/?sort=newest")
    assert "date_from=2023-10" not in page
    assert href("/?sort=newest&date_from=2023&date_to=2023") in page
    _, page = html(client, "/?date_from=2023&date_to=2023")
    assert href("/?date_from=2023-10&date_to=2023-10") in page
    assert ">Oct 2023<" in page
    chips = page[page.index('class="chips"') :]
    assert ">2023<span" in chips
    _, page = html(client, "/?date_from=2023-10&date_to=2023-10")
    # The chosen month goes back up to its year.
    assert f'{href("/?date_from=2023&date_to=2023")} aria-current="true"' in page


def test_results_with_most_of_the_words_still_suggest_a_spelling(client):
    body = api(client, q="Jiangyin Developmnt Summit")
    assert body["relaxed"] and body["hits"] and body["suggestion"] == "Jiangyin development Summit"
    _, page = html(client, "/?q=Jiangyin+Developmnt+Summit")
    assert "Did you mean" in page and 'class="hits"' in page
    assert href("/?" + urlencode({"q": body["suggestion"]})) in page


def test_no_results_suggest_a_spelling_and_dropping_the_filters(client):
    body = api(client, q="semiconductr")
    assert body["total"] == 0 and body["suggestion"]
    _, page = html(client, "/?q=semiconductr")
    assert "No articles match your search." in page
    assert "Did you mean" in page
    assert href("/?" + urlencode({"q": body["suggestion"]})) in page
    assert 'class="hits"' not in page

    _, page = html(client, "/?q=wafer&date_from=1990&date_to=1990")
    assert "No articles match your search." in page
    assert f"{href('/?q=wafer')}>Search again without the filters" in page
    assert "Remove filter" in page


def test_pagination_and_sort_links(client):
    body = api(client, per_page=2, sort="oldest")
    assert body["pages"] >= 2
    _, page = html(client, "/?per_page=2&sort=oldest")
    assert f'rel="next" {href(on_page(body["links"]["next"]))}' in page
    assert 'rel="prev"' not in page
    assert 'aria-label="Page 1" aria-current="page"' in page
    assert href("/?per_page=2&sort=oldest&page=2") in page
    assert f'{href("/?per_page=2&sort=oldest")} aria-current="true">Oldest' in page
    assert href("/?per_page=2&sort=newest") in page
    _, second = html(client, "/?per_page=2&sort=oldest&page=2")
    assert f'rel="prev" {href("/?per_page=2&sort=oldest")}' in second
    assert '<ol class="hits" start="3">' in second
    _, beyond = html(client, f"/?per_page=2&sort=oldest&page={body['pages'] + 1}")
    assert "This page is past the last result." in beyond
    assert href("/?per_page=2&sort=oldest") in beyond


def test_interface_language_from_accept_language_and_a_remembered_switch(client):
    _, page = html(client, "/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in page and "搜索档案" in page
    _, page = html(client, "/", headers={"Accept-Language": "fr, en;q=0.5"})
    assert '<html lang="en">' in page

    response, page = html(client, "/?q=Wuxi&ui=zh")
    assert '<html lang="zh-Hans">' in page and "“Wuxi”的搜索结果" in page
    assert re.search(r'class="places">[^\n]*无锡', page)  # places named in Chinese too
    assert "ui=zh" in response.headers["Set-Cookie"]
    assert href("/?q=Wuxi&ui=en") in page  # the switch is a plain link
    assert "ui=" not in response.headers["Link"]  # the API twin does not carry it
    _, page = html(client, "/?q=Wuxi")  # the cookie remembers
    assert '<html lang="zh-Hans">' in page
    response, page = html(client, "/?q=Wuxi&ui=en")
    assert '<html lang="en">' in page and "ui=en" in response.headers["Set-Cookie"]
    assert "Accept-Language" in response.headers["Vary"]


def test_missing_pages_and_bad_parameters_get_html_error_pages(client):
    _, page = html(client, "/doc/no-such-article", status=404)
    assert "Page not found" in page and "no such article" in page and 'href="/"' in page
    _, page = html(client, "/nothing-here", status=404)
    assert "Page not found" in page
    _, page = html(client, "/?page=x", status=400)
    assert "page must be a whole number" in page and 'id="q"' in page
    _, page = html(client, "/?location=Atlantis", status=400, headers={"Accept-Language": "zh"})
    assert "unknown location: Atlantis" in page and "无法理解这次搜索" in page


def test_article_page_highlights_the_searched_words_and_links_related_articles(client):
    hit = api(client, q="双良")["hits"][0]
    doc = client.get(f"/api/documents/{hit['id']}").get_json()
    response, page = html(client, f"{hit['url']}?q={quote('双良')}")
    assert "<mark>双良</mark>" in page
    assert '<h1 lang="zh-Hans">' in page
    json_url = f"/api/documents/{hit['id']}?q={quote('双良')}"
    assert response.headers["Link"] == f'<{json_url}>; rel="alternate"; type="application/json"'
    assert href(json_url) in page
    assert href("/?" + urlencode({"q": "双良"})) in page  # back to the results
    for other in doc["related"]:
        assert href(other["url"]) in page
    for place in doc["places"]:
        assert href("/?" + urlencode({"location": place["id"]})) in page

    _, plain = html(client, hit["url"])
    assert "<mark>" not in plain and "Back to the results" not in plain


def test_untrusted_text_is_escaped_everywhere(tmp_path):
    from service import create_app
    from service.search_index import close_searcher

    from .conftest import build_index

    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "evil.txt").write_text(
        "Title: <script>alert(1)</script> wafer\n"
        "Source: <img src=y onerror=alert(5)>\n"
        "URL: javascript:alert(6)\n\n"
        "The <img src=x onerror=alert(2)> wafer fab & <b>bold</b> plans in Wuxi.\n",
        "utf-8",
    )
    build_index(tmp_path / "index", [archive], workers=1)
    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "index")})
    client = app.test_client()
    try:
        pages = [
            html(client, "/?q=wafer")[1],
            html(client, "/?" + urlencode({"q": "<script>alert(3)</script> wafer"}))[1],
            html(client, "/?" + urlencode({"q": 'x" onfocus="alert(4)'}))[1],
            html(client, "/?source=" + quote("<b>x</b>"))[1],
        ]
        doc_url = api(client, q="wafer")["hits"][0]["url"]
        pages.append(html(client, doc_url + "?q=wafer")[1])
        pages.append(html(client, doc_url)[1])
    finally:
        close_searcher(app)
    for page in pages:
        assert "<script>alert" not in page
        assert "<img" not in page and "<b>" not in page
        assert 'onfocus="alert' not in page
        assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>wafer</mark>" in pages[0]
    assert "<mark>wafer</mark>" in pages[4]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_interface_text_exists_in_both_languages(lang):
    for key, texts in i18n.MESSAGES.items():
        assert texts.get(lang), (key, lang)
        assert set(re.findall(r"{(\w+)}", texts[lang])) == set(
            re.findall(r"{(\w+)}", texts["en"])
        ), key


def test_dates_read_naturally_in_both_languages():
    assert i18n.format_date("en", "2023-10-31") == "31 Oct 2023"
    assert i18n.format_date("en", "2023-10") == "Oct 2023"
    assert i18n.format_date("zh", "2023-10-31") == "2023年10月31日"
    assert i18n.format_date("zh", "2023") == "2023年"
    assert i18n.format_date("en", None) == "undated"
