"""GET /feed.atom: every search as a valid Atom feed that readers can poll cheaply.

The contract of every backend that has `Exporting`: the tests that use
`newsroom_client`, `client`, `index_settings` or `down_settings` run on
Whoosh and on an OpenSearch cluster (see tests/conftest.py).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import feedparser
import pytest

from service.feeds import _NOT_XML, atom_feed, publication_time

from .conftest import SEEDS, see_latest_commit

pytestmark = pytest.mark.contract


def parse(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_feed_is_valid_atom_with_the_fifty_newest_matches_first(newsroom_client):
    feed = parse(newsroom_client.get("/feed.atom?q=wafer"))
    assert feed.version == "atom10"
    assert len(feed.entries) == 50
    dates = [entry.published_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    api = newsroom_client.get("/api/search?q=wafer&sort=newest&per_page=50").get_json()
    assert [e.link for e in feed.entries] == [
        f"http://localhost/doc/{h['id']}" for h in api["hits"]
    ]
    assert [e.title for e in feed.entries] == [h["title"] for h in api["hits"]]


def test_feed_names_itself_and_links_its_search_page(newsroom_client):
    feed = parse(newsroom_client.get("/feed.atom?q=wafer&location=Wuxi&page=3&sort=oldest"))
    self_url = "http://localhost/feed.atom?q=wafer&location=Wuxi"
    assert feed.feed.id == self_url
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == self_url
    assert links["alternate"] == "http://localhost/?q=wafer&location=Wuxi&sort=newest"
    assert "wafer" in feed.feed.title and "Wuxi" in feed.feed.title
    assert feed.feed.updated_parsed


def test_entries_carry_places_as_categories_source_as_author_and_snippet_as_summary(
    newsroom_client,
):
    feed = parse(newsroom_client.get("/feed.atom?q=wafer"))
    api = newsroom_client.get("/api/search?q=wafer&sort=newest&per_page=50").get_json()
    for entry, hit in zip(feed.entries, api["hits"], strict=True):
        assert [tag.term for tag in entry.get("tags", [])] == hit["locations"]
        assert entry.get("author") == hit["source"]
        assert entry.id == entry.link
    news_63 = next(e for e in feed.entries if e.title == "Wafer fab news 63")
    assert {tag.term for tag in news_63.tags} == {"Changzhou", "Jiangsu"}
    # The snippet is escaped HTML: its text arrives, matched word and all.
    summary = news_63.summary.replace("<mark>", "").replace("</mark>", "")
    assert "wafer fab in Changzhou" in summary


def test_titles_that_look_like_markup_or_formulas_arrive_as_text(newsroom_client):
    feed = parse(newsroom_client.get("/feed.atom?q=wafer&date_from=2023"))
    titles = {e.title for e in feed.entries}
    assert '=HYPERLINK("http://evil.example","wafer prices")' in titles
    assert "Wafer & co" in titles
    assert "江阴晶圆厂投产" in titles


def test_month_dates_count_from_the_first_day_and_undated_articles_stay_valid(newsroom_client):
    feed = parse(newsroom_client.get("/feed.atom?q=wafer&date_from=2021-05&date_to=2021-05"))
    may = next(e for e in feed.entries if e.title == "Wafer line opens in May")
    assert may.published == "2021-05-01T00:00:00+00:00"

    feed = parse(newsroom_client.get("/feed.atom?q=undated"))
    assert len(feed.entries) == 3
    for entry in feed.entries:
        assert "published" not in entry
        # Stable between polls: the day the index was built, not its last commit.
        assert entry.updated_parsed <= feed.feed.updated_parsed
    again = parse(newsroom_client.get("/feed.atom?q=undated"))
    assert [e.updated for e in again.entries] == [e.updated for e in feed.entries]


def test_a_search_with_no_match_is_an_empty_valid_feed(newsroom_client):
    feed = parse(newsroom_client.get("/feed.atom?q=xylophone"))
    assert feed.entries == []


def test_poll_with_the_etag_or_the_date_gets_304_without_a_body(newsroom_client):
    first = newsroom_client.get("/feed.atom?q=wafer")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")

    by_etag = newsroom_client.get("/feed.atom?q=wafer", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.data == b""
    assert by_etag.headers["ETag"] == etag

    by_date = newsroom_client.get("/feed.atom?q=wafer", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304 and by_date.data == b""

    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    stale = newsroom_client.get("/feed.atom?q=wafer", headers={"If-Modified-Since": earlier})
    assert stale.status_code == 200 and stale.data == first.data

    other = newsroom_client.get("/feed.atom?q=wafer", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_feed_answers_the_same_to_every_language_and_cookie(newsroom_client):
    response = newsroom_client.get("/feed.atom?q=wafer&ui=zh")
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_an_indexing_run_changes_the_etag_only_when_it_changes_the_index(index_settings, tmp_path):
    from service import create_app
    from service.search_index import close_searcher, get_searcher

    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    settings = index_settings([archive], workers=1)
    app = create_app({"TESTING": True, **settings})
    client = app.test_client()
    try:
        before = client.get("/feed.atom")
        assert (
            client.get("/feed.atom", headers={"If-None-Match": before.headers["ETag"]}).status_code
            == 304
        )
        index_settings([archive], workers=1)  # the cron command finds nothing new
        with app.app_context():
            see_latest_commit(get_searcher())
        assert client.get("/feed.atom").headers["ETag"] == before.headers["ETag"]
        (archive / "new.txt").write_text(
            "Title: Wuxi opens a wafer fab\nDate: 2030-01-02\n\nA wafer fab opened in Wuxi.\n",
            "utf-8",
        )
        index_settings([archive], workers=1)
        with app.app_context():
            see_latest_commit(get_searcher())
        after = client.get("/feed.atom", headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200
        assert after.headers["ETag"] != before.headers["ETag"]
        assert parse(after).entries[0].title == "Wuxi opens a wafer fab"
        unchanged = client.get("/feed.atom", headers={"If-None-Match": after.headers["ETag"]})
        assert unchanged.status_code == 304
    finally:
        close_searcher(app)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("q=the", "only_stop_words"),
        ("location=Atlantis", "unknown_location"),
        ("date_from=2023-02-30", "invalid_parameter"),
        ("lang=fr", "invalid_parameter"),
        ("q=wafer&q=fab", "invalid_parameter"),
        ("q=a*", None),
    ],
)
def test_a_feed_of_a_bad_search_is_a_400_in_the_apis_error_shape(client, query, code):
    response = client.get("/feed.atom?" + query)
    assert response.status_code == 400, response.data[:200]
    error = response.get_json()["error"]
    assert error["code"] == (code or error["code"]) and error["message"]
    assert error == client.get("/api/search?" + query).get_json()["error"]


def test_bad_parameters_are_refused_even_to_a_conditional_request(client):
    etag = client.get("/feed.atom").headers["ETag"]
    response = client.get(
        "/feed.atom?location=Atlantis",
        headers={"If-None-Match": etag, "If-Modified-Since": "Sun, 01 Jan 2090 00:00:00 GMT"},
    )
    assert response.status_code == 400


def test_feed_from_a_backend_that_cannot_answer_is_a_503_not_a_crash(down_settings):
    from service import create_app
    from service.search_index import close_searcher

    settings, code = down_settings
    app = create_app({"TESTING": True, **settings})
    try:
        response = app.test_client().get("/feed.atom")
        assert response.status_code == 503
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]["code"] == code
    finally:
        close_searcher(app)


def test_text_xml_cannot_hold_is_dropped_not_fatal():
    from werkzeug.datastructures import MultiDict

    from indexer.search.request import IndexVersion, SearchRequest, SearchResult

    now = datetime(2024, 1, 2, tzinfo=UTC)
    hit = {
        "id": "abc",
        "title": "bell\x07 and\x0b tab \ud800",
        "date": None,
        "source": "Wire\x00",
        "locations": ["Wuxi"],
        "snippet": "a <mark>word</mark>\x1b",
    }
    result = SearchResult("", 1, 1, 50, "newest", 1.0, [hit], {}, {}, None)
    xml = atom_feed(
        result, SearchRequest(), MultiDict(), IndexVersion("g", 1, now, now), "http://x"
    )
    feed = feedparser.parse(xml)
    assert not feed.bozo
    assert feed.entries[0].title.strip() == "bell and tab"
    assert not _NOT_XML.search(xml.decode("utf-8"))
    hit["title"] = "\x07"  # nothing left: the id stands in, as on the page
    xml = atom_feed(
        result, SearchRequest(), MultiDict(), IndexVersion("g", 1, now, now), "http://x"
    )
    assert feedparser.parse(xml).entries[0].title == "abc"


def test_publication_time_reads_every_precision():
    assert publication_time("2023-10-31") == datetime(2023, 10, 31, tzinfo=UTC)
    assert publication_time("2023-10") == datetime(2023, 10, 1, tzinfo=UTC)
    assert publication_time("2023") == datetime(2023, 1, 1, tzinfo=UTC)
    assert publication_time(None) is None
