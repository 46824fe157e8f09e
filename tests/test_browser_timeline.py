"""The timeline in a real browser: click down from years to a day, at desktop and phone widths.

Served by gunicorn from `dated_archive` (the seeds have too few dates), in
Debian's Chromium like `test_browser`, whose launcher and page checks are
reused. Screenshots of each step go to test-artifacts/timeline-*.png.
"""

from __future__ import annotations

import itertools
import re

import pytest

from .conftest import build_index
from .dated_archive import DAYS_2021_03, write_dated_archive
from .servers import free_port, start_gunicorn, stop
from .test_browser import (
    browser,  # noqa: F401 (a fixture)
    check_accessibility,
    collect_csp_reports,
    shot,
    total,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("timeline-browser")
    index_dir = root / "index"
    build_index(index_dir, [write_dated_archive(root / "archive")], workers=1)
    port = free_port()
    proc = start_gunicorn(index_dir, port, workers=1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.fixture
def page_at(browser):  # noqa: F811 (the fixture imported above)
    contexts = []

    def make(viewport: str):
        context = browser.new_context(**VIEWPORTS[viewport], locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def timeline(page):
    return page.locator("section.timeline")


def bar(page, value: str):
    return page.locator(f'a.timeline-bar[data-value="{value}"]')


def bar_count(page) -> int:
    return page.locator("a.timeline-bar").count()


def click_bar(page, value: str, query: str) -> None:
    bar(page, value).click()
    page.wait_for_url(re.compile(query))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_clicking_bars_narrows_from_years_to_one_day(server, page_at, viewport):
    page = page_at(viewport)
    reports = collect_csp_reports(page)
    page.goto(f"{server}/?sort=newest")
    everything = total(page)
    assert timeline(page).get_attribute("data-granularity") == "year"
    # Nothing (the hidden table included) makes the page scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    chart = page.locator("svg.timeline-chart").bounding_box()
    assert chart["width"] <= VIEWPORTS[viewport]["viewport"]["width"] - 30
    assert chart["height"] >= 100
    check_accessibility(page)
    shot(page, f"timeline-{viewport}-1-years")

    # Assistive technology sees a named group of links, each named by its <title>.
    chart = page.get_by_role("group", name="Articles per year, 2012–2024")
    assert chart.get_by_role("link").count() == bar_count(page)

    # A year: the results narrow to it and the chart zooms into its months.
    chart.get_by_role("link", name=re.compile(r"^2021: \d+ articles$")).click()
    page.wait_for_url(re.compile(r"date_from=2021&date_to=2021"))
    in_2021 = total(page)
    assert 0 < in_2021 < everything
    assert timeline(page).get_attribute("data-granularity") == "month"
    assert page.locator("#timeline-heading").inner_text() == "Articles per month, 2021"
    shot(page, f"timeline-{viewport}-2-months")

    # A month: zooms into its days.
    click_bar(page, "2021-03", r"date_from=2021-03&date_to=2021-03")
    in_march = total(page)
    assert 0 < in_march < in_2021
    assert timeline(page).get_attribute("data-granularity") == "day"

    # A day: the finest period stays among the other days, highlighted.
    click_bar(page, "2021-03-05", r"date_from=2021-03-05&date_to=2021-03-05")
    assert total(page) == DAYS_2021_03[5] < in_march
    chosen = page.locator("a.timeline-bar.is-selected")
    assert chosen.count() == 1
    assert chosen.get_attribute("data-value") == "2021-03-05"
    assert chosen.get_attribute("aria-current") == "true"
    selected_fill = chosen.locator("rect.bar").evaluate("el => getComputedStyle(el).fill")
    other_fill = (
        bar(page, "2021-03-17").locator("rect.bar").evaluate("el => getComputedStyle(el).fill")
    )
    assert selected_fill != other_fill
    assert bar(page, "2021-03-17").count() == 1  # the other days stay clickable
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"timeline-{viewport}-3-day")

    # Clicking the chosen day again goes back out to its month.
    chosen.click()
    page.wait_for_url(lambda url: url.endswith("date_from=2021-03&date_to=2021-03"))
    assert total(page) == in_march
    assert reports == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_axis_labels_do_not_overlap(server, page_at, viewport):
    page = page_at(viewport)
    for url in (
        "/?sort=newest",
        "/?date_from=2021&date_to=2021",
        "/?q=chip",
        "/?date_from=2021-03&date_to=2021-03",
    ):
        page.goto(server + url)
        boxes = [
            box
            for label in page.locator("svg.timeline-chart .tick text").all()
            if (box := label.bounding_box()) is not None and label.is_visible()
        ]
        assert len(boxes) >= 3, url
        for left, right in itertools.pairwise(boxes):
            assert left["x"] + left["width"] + 4 <= right["x"], url
        section = timeline(page).bounding_box()
        assert boxes[0]["x"] >= section["x"] and boxes[-1]["x"] + boxes[-1]["width"] <= (
            section["x"] + section["width"]
        ), url
