"""The timeline: which periods it shows, how they are counted, and the chart of them.

The rule (`service.timeline`) is checked on its own; the counts through the
searcher, the API and the page, over `dated_archive` (years with gaps, a
year of several months, a month of several days, and articles whose day,
month or whole date is unknown).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from indexer.index.searcher import Searcher
from indexer.search.request import SearchRequest
from service.timeline import Window, timeline_window
from service.timeline_chart import MAJOR_LABELS, MINOR_LABELS, ticks

from .conftest import build_index
from .dated_archive import (
    DAYS_2021_03,
    MARCH_WITHOUT_DAY,
    MONTHS_2021,
    UNDATED,
    YEAR_2021_WITHOUT_MONTH,
    YEARS,
    write_dated_archive,
)

MARCH_DAYS = {f"2021-03-{d:02d}": n for d, n in DAYS_2021_03.items()}
IN_MARCH = sum(DAYS_2021_03.values()) + MARCH_WITHOUT_DAY
MONTHS = {f"2021-{m:02d}": n for m, n in MONTHS_2021.items()} | {"2021-03": IN_MARCH}
IN_2021 = sum(MONTHS.values()) + YEAR_2021_WITHOUT_MONTH


# -- the rule --------------------------------------------------------------


def test_results_spanning_three_years_or_more_are_shown_by_year():
    assert timeline_window(None, None, ["2014", "2012"]) == Window("year", "2012", "2014")
    assert timeline_window(None, None, ["1985", "2024"]).periods()[:2] == ["1985", "1986"]


def test_results_within_two_years_are_shown_by_month_of_those_whole_years():
    window = timeline_window(None, None, ["2021", "2020"])
    assert window == Window("month", "2020-01", "2021-12")
    assert len(window.periods()) == 24
    assert timeline_window(None, None, ["2021"]).periods()[0] == "2021-01"


def test_a_chosen_year_shows_its_months_and_a_chosen_month_or_day_its_days():
    years = ["2012", "2024"]
    assert timeline_window("2021", "2021", years) == Window("month", "2021-01", "2021-12", "2021")
    march = timeline_window("2021-03", "2021-03", years)
    assert march == Window("day", "2021-03-01", "2021-03-31", "2021-03")
    assert timeline_window("2021-03-05", "2021-03-05", years) == march
    assert timeline_window("2023-02", "2023-02", years).periods()[-1] == "2023-02-28"
    assert timeline_window("2024-02", "2024-02", years).periods()[-1] == "2024-02-29"


def test_a_range_zooms_in_only_as_far_as_it_stays_inside_one_month_or_year():
    years = ["2012", "2024"]
    assert timeline_window("2021-03-01", "2021-03-10", years).granularity == "day"
    assert timeline_window("2021-03", "2021-06", years).scope == "2021"
    assert timeline_window("2019", "2021", years) == Window("year", "2012", "2024")
    assert timeline_window("2021", None, years).granularity == "year"


def test_without_dated_results_or_a_date_filter_there_is_no_timeline():
    assert timeline_window(None, None, []) is None
    assert timeline_window("2021", "2021", []).granularity == "month"


@pytest.mark.parametrize(
    ("window", "shown"),
    [
        (Window("year", "1985", "2024"), ["1990", "2000", "2010", "2020"]),
        (Window("year", "2012", "2024"), ["2012", "2014", "2016", "2018", "2020", "2022", "2024"]),
        (Window("month", "2021-01", "2021-12", "2021"), ["Jan", "Apr", "Jul", "Oct"]),
        (Window("month", "2020-01", "2021-12"), ["2020", "Jul", "2021", "Jul"]),
        (Window("day", "2021-03-01", "2021-03-31", "2021-03"), ["1", "10", "20", "30"]),
    ],
)
def test_a_phone_shows_a_few_round_labels_and_a_wide_chart_a_dozen(window, shown):
    labels = ticks(window, window.periods(), "en")
    assert [t["text"] for t in labels if t["major"]] == shown
    assert len(shown) <= MAJOR_LABELS and len(labels) <= MINOR_LABELS
    assert all(0 < t["x"] < 100 for t in labels)


# -- counts ----------------------------------------------------------------


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("dated")
    index_dir = root / "index"
    build_index(index_dir, [write_dated_archive(root / "archive")], workers=1)
    return index_dir


@pytest.fixture(scope="module")
def searcher(dated_index):
    with Searcher(dated_index) as searcher:
        yield searcher


@pytest.fixture
def client(dated_index):
    from service import create_app
    from service.search_index import close_searcher

    app = create_app({"TESTING": True, "INDEX": str(dated_index)})
    yield app.test_client()
    close_searcher(app)


def test_days_are_counted_only_for_the_month_a_date_filter_lies_within(searcher):
    assert searcher.search(SearchRequest()).facets["day"] == []
    assert searcher.search(SearchRequest(date_from="2021", date_to="2021")).facets["day"] == []
    march = searcher.search(SearchRequest(date_from="2021-03", date_to="2021-03"))
    assert dict(march.facets["day"]) == MARCH_DAYS
    assert [v for v, _ in march.facets["day"]] == sorted(MARCH_DAYS, reverse=True)
    fifth = searcher.search(SearchRequest(date_from="2021-03-05", date_to="2021-03-05"))
    assert fifth.total == DAYS_2021_03[5]
    assert fifth.facets["day"] == march.facets["day"]  # counted without the date filter


def api_dates(client, **params) -> tuple[dict, list[dict]]:
    body = client.get("/api/search", query_string=params).get_json()
    return body, body["facets"]["date"]


def test_api_zooms_from_years_to_the_months_of_a_year_to_the_days_of_a_month(client):
    _, years = api_dates(client)
    assert {e["granularity"] for e in years[:-1]} == {"year"}
    assert {e["value"]: e["count"] for e in years[:-1]} == {
        **{str(y): n for y, n in YEARS.items()},
        "2021": IN_2021,
    }
    assert years[-1] == {
        "value": "undated",
        "label": "undated",
        "count": UNDATED,
        "selected": False,
        "toggle_url": None,
        "granularity": None,
    }
    assert parse_qs(urlsplit(years[0]["toggle_url"]).query) == {
        "date_from": ["2024"],
        "date_to": ["2024"],
    }

    _, months = api_dates(client, date_from="2021", date_to="2021")
    assert {e["granularity"] for e in months[:-1]} == {"month"}
    assert {e["value"]: e["count"] for e in months[:-1]} == MONTHS
    assert not any(e["selected"] for e in months)

    _, days = api_dates(client, date_from="2021-03", date_to="2021-03")
    assert {e["granularity"] for e in days[:-1]} == {"day"}
    assert {e["value"]: e["count"] for e in days[:-1]} == MARCH_DAYS
    assert days[-1]["value"] == "undated"


def test_a_chosen_day_keeps_its_month_visible_and_unchoosing_it_goes_back_to_the_month(client):
    body, days = api_dates(client, date_from="2021-03-05", date_to="2021-03-05")
    assert body["total"] == DAYS_2021_03[5]
    assert {e["value"]: e["count"] for e in days[:-1]} == MARCH_DAYS
    chosen = [e for e in days if e["selected"]]
    assert [e["value"] for e in chosen] == ["2021-03-05"]
    assert "date_from=2021-03&date_to=2021-03" in chosen[0]["toggle_url"]
    other = next(e for e in days if e["value"] == "2021-03-17")
    assert "date_from=2021-03-17&date_to=2021-03-17" in other["toggle_url"]


def test_date_counts_follow_every_other_filter(client):
    _, everything = api_dates(client, date_from="2021-03", date_to="2021-03")
    _, one_source = api_dates(client, date_from="2021-03", date_to="2021-03", source="Wuxi Daily")
    assert sum(e["count"] for e in one_source[:-1]) < sum(e["count"] for e in everything[:-1])
    assert all("source=Wuxi+Daily" in e["toggle_url"] for e in one_source[:-1])
    _, chips = api_dates(client, q="chip")  # chips only in 2021 and 2022: by month
    assert {e["granularity"] for e in chips} == {"month"}
    assert {e["value"][:4] for e in chips} == {"2021", "2022"}


def test_a_chosen_day_without_articles_stays_listed_so_it_can_be_unchosen(client):
    body, days = api_dates(client, date_from="2021-03-02", date_to="2021-03-02")
    assert body["total"] == 0
    chosen = [e for e in days if e["selected"]]
    assert [(e["value"], e["count"]) for e in chosen] == [("2021-03-02", 0)]


# -- the page ----------------------------------------------------------------


def chart(client, url: str) -> tuple[ET.Element, str]:
    """The page's timeline SVG (parsed) and the section holding it."""
    page = client.get(url).get_data(as_text=True)
    start = page.index('<section class="timeline"')
    section = page[start : page.index("</section>", start)]
    svg = section[section.index("<svg") : section.rindex("</svg>") + len("</svg>")]
    return ET.fromstring(svg), section


def bar_links(svg: ET.Element) -> list[ET.Element]:
    return [a for a in svg.iter("a") if "timeline-bar" in a.get("class", "")]


def test_every_period_with_articles_is_one_link_to_it_with_a_title(client):
    svg, _ = chart(client, "/?sort=newest")
    links = bar_links(svg)
    expected = {str(y) for y in YEARS} | {"2021"}
    assert len(links) == len(expected)
    for a in links:
        value = a.get("data-value")
        assert parse_qs(urlsplit(a.get("href")).query) == {
            "sort": ["newest"],
            "date_from": [value],
            "date_to": [value],
        }
        assert re.fullmatch(rf"{value}: \d+ articles?", a.find("title").text)
    assert {a.get("data-value") for a in links} == expected


def test_the_chart_is_named_and_has_a_table_of_the_same_counts(client):
    svg, section = chart(client, "/?date_from=2021&date_to=2021")
    assert svg.get("aria-labelledby") == "timeline-heading"
    assert '<h2 id="timeline-heading">Articles per month, 2021</h2>' in section
    table = section[section.index("<table") : section.index("</table>")]
    assert '<div class="visually-hidden">\n  <table>' in section
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table)
    assert rows == [("Jan 2021", "2"), ("Mar 2021", "8"), ("Jun 2021", "1"), ("Nov 2021", "2")]
    assert [a.get("data-value") for a in bar_links(svg)] == [
        "2021-01",
        "2021-03",
        "2021-06",
        "2021-11",
    ]
    assert "Not in the chart: 1 without a known month · 2 undated" in section
    assert 'href="/">' in section and "All years" in section  # one step out


def test_empty_periods_are_gaps_so_that_time_is_to_scale(client):
    svg, _ = chart(client, "/?q=wuxi")
    plot = svg.find("svg")
    assert plot.get("viewBox") == "0 0 13 100"  # 2012 to 2024, 2014 and 2017 empty
    links = bar_links(svg)
    slots = {a.get("data-value"): float(a.find("rect").get("x")) for a in links}
    assert slots["2012"] == 0 and slots["2013"] == 1 and slots["2015"] == 3
    assert slots["2024"] == 12
    heights = {
        a.get("data-value"): float(a.findall("rect")[1].get("height")) for a in bar_links(svg)
    }
    assert heights["2021"] == max(heights.values()) > heights["2016"] > heights["2012"] > 0


def test_a_chosen_day_is_highlighted_among_the_days_of_its_month(client):
    svg, section = chart(client, "/?date_from=2021-03-05&date_to=2021-03-05")
    chosen = [a for a in bar_links(svg) if "is-selected" in a.get("class")]
    assert [a.get("data-value") for a in chosen] == ["2021-03-05"]
    assert chosen[0].get("aria-current") == "true"
    assert "date_from=2021-03&amp;date_to=2021-03" in section  # back to the month
    assert len(bar_links(svg)) == len(DAYS_2021_03)
    assert "1 without a known day" in section


def test_the_chart_speaks_chinese_in_the_chinese_interface(client):
    svg, section = chart(client, "/?date_from=2021&date_to=2021&ui=zh")
    assert "每月文章数（2021年）" in section
    assert [t.text for t in svg.iter("text") if t.text.endswith("月")][:2] == ["1月", "2月"]
    assert "2021年1月：2 篇" in [a.find("title").text for a in bar_links(svg)]


def test_no_chart_without_dated_results(client):
    page = client.get("/?q=nosuchwordanywhere").get_data(as_text=True)
    assert 'class="timeline"' not in page
