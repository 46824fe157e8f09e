"""The search page in a real browser: Debian's Chromium through Playwright.

People who are not programmers use the archive through this page, so these
tests do what they do (type a Chinese place name, click a place, remove the
chip, page on, open an article) against a real gunicorn serving an index
built from the seeds, at desktop and phone widths, with and without
JavaScript. Screenshots go to test-artifacts/ so a person can look at them.

Playwright's sync API is used directly (not the pytest-playwright plugin),
and the browser is the system's Chromium: nothing is downloaded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS, build_index
from .servers import fetch, free_port, start_gunicorn, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}

# WCAG AA contrast of every piece of visible text against the background it
# is drawn on (the first opaque background among its ancestors).
CONTRAST_JS = """
() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest(".visually-hidden")) continue;
    if (el.closest(".skip-link") && document.activeElement !== el.closest(".skip-link")) continue;
    const fg = lum(parse(style.color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      const text = node.textContent.trim().slice(0, 30);
      failures.push(`${ratio.toFixed(2)} ${el.tagName}.${el.className}: ${text}`);
    }
  }
  return failures;
}
"""

# What accessibility checkers look at first: a language, one h1 and no
# skipped heading levels, landmarks, and a label for every field.
STRUCTURE_JS = """
() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  const levels = [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")].map((h) => +h.tagName[1]);
  if (levels.filter((l) => l === 1).length !== 1) problems.push("not exactly one h1: " + levels);
  levels.forEach((l, i) => {
    if (i && l > levels[i - 1] + 1) problems.push("heading skips: " + levels);
  });
  for (const sel of ["header", "main", "footer"]) {
    if (document.querySelectorAll(sel).length !== 1) problems.push("landmark " + sel);
  }
  if (document.querySelector("main aside, main header")) problems.push("landmark inside main");
  for (const field of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!field.labels.length && !field.getAttribute("aria-label")) {
      problems.push("unlabelled " + field.name);
    }
  }
  for (const a of document.querySelectorAll("a")) {
    if (!a.getAttribute("href")) problems.push("link without href: " + a.textContent);
    if (!(a.textContent.trim() || a.getAttribute("aria-label"))) problems.push("empty link");
  }
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  if (new Set(ids).size !== ids.length) problems.push("duplicate ids");
  return problems;
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("browser-index") / "index"
    build_index(index_dir, [SEEDS], workers=1)
    port = free_port()
    proc = start_gunicorn(index_dir, port, workers=1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(viewport="desktop", **options):
        context = browser.new_context(**VIEWPORTS[viewport], locale="en-GB", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def total(page) -> int:
    return int(page.locator(".summary").get_attribute("data-total"))


def hit_titles(page) -> list[str]:
    return page.locator(".hit-title").all_inner_texts()


def check_accessibility(page) -> None:
    assert page.evaluate(STRUCTURE_JS) == []
    assert page.evaluate(CONTRAST_JS) == []


def open_filters(page) -> None:
    """On a phone the filters come after the results; a link jumps there."""
    jump = page.locator("a.jump-to-filters")
    if jump.is_visible():
        jump.click()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_search_narrow_widen_page_and_read(server, new_page, viewport):
    status, everything = fetch(server, "/api/search", q="江阴")
    assert status == 200 and everything["total"] >= 2
    per_page = 2 if everything["total"] > 2 else 1

    page = new_page(viewport)
    page.goto(f"{server}/?per_page={per_page}")
    assert page.locator("h1").inner_text() == "Search English and Chinese news"
    check_accessibility(page)
    shot(page, f"{viewport}-1-home")

    # Type a Chinese place name; results come back with it marked.
    page.get_by_label("Search the archive").fill("江阴")
    page.get_by_label("Search the archive").press("Enter")
    page.wait_for_url(re.compile(r"q=%E6%B1%9F%E9%98%B4"))
    assert total(page) == everything["total"]
    assert page.locator(".hits mark", has_text="江阴").count() >= 1
    first_page = hit_titles(page)
    assert len(first_page) == per_page
    check_accessibility(page)
    shot(page, f"{viewport}-2-results")

    # Click a place that covers fewer articles: the results narrow to it.
    open_filters(page)
    places = page.locator("#facet-location + ul a.facet-value")
    counts = [int(c) for c in places.locator(".count").all_inner_texts()]
    smaller = [i for i, c in enumerate(counts) if c < everything["total"]]
    assert smaller, counts
    choice = places.nth(smaller[0])
    name = choice.locator(".name").inner_text()
    expected = counts[smaller[0]]
    choice.click()
    page.wait_for_url(re.compile(r"location="))
    assert total(page) == expected
    chip = page.locator(".chip")
    assert chip.count() == 1 and name in chip.inner_text()
    assert page.locator(".facet-value[aria-current=true] .name", has_text=name).count() == 1
    shot(page, f"{viewport}-3-place-chosen")

    # Remove the chip: everything is back.
    chip.click()
    page.wait_for_url(lambda url: "location=" not in url)
    assert total(page) == everything["total"]
    assert page.locator(".chip").count() == 0
    assert hit_titles(page) == first_page

    # Page forward.
    page.locator("a[rel=next]").first.click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator(".pagination [aria-current=page]").inner_text() == "2"
    assert set(hit_titles(page)).isdisjoint(first_page)
    shot(page, f"{viewport}-4-page-2")

    # Open an article: the searched words are marked there too.
    link = page.locator(".hit-title a").first
    title = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/doc/[^?]+\?q="))
    assert page.locator("h1").inner_text() == title
    assert page.locator("article mark").count() >= 1
    assert page.locator(".related h2").is_visible()
    check_accessibility(page)
    shot(page, f"{viewport}-5-article", full_page=False)
    page.get_by_role("link", name="Back to the results").click()
    page.wait_for_url(re.compile(r"/\?q="))
    assert total(page) == everything["total"]


def test_no_results_state_offers_the_spelling_and_a_way_out(server, new_page):
    page = new_page("desktop")
    page.goto(f"{server}/?q=semiconductr&lang=en")
    assert total(page) == 0
    check_accessibility(page)
    shot(page, "desktop-6-no-results")
    page.get_by_role("link", name="Search again without the filters").click()
    page.wait_for_url(lambda url: "lang=" not in url)
    page.locator(".suggestion a").click()
    page.wait_for_url(re.compile(r"q=semiconductor"))
    assert total(page) > 0


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_chinese_interface_is_a_link_away_and_remembered(server, new_page, viewport):
    page = new_page(viewport)
    page.goto(f"{server}/?q=Wuxi")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("a.lang-switch").click()
    page.wait_for_url(re.compile(r"ui=zh"))
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_label("搜索档案").input_value() == "Wuxi"
    check_accessibility(page)
    shot(page, f"{viewport}-7-chinese")
    page.goto(f"{server}/?date_from=2023&date_to=2023")
    assert page.locator("h1").inner_text() == "全部文章"
    check_accessibility(page)
    shot(page, f"{viewport}-8-chinese-year")
    page.locator("a.lang-switch").click()
    assert page.locator("html").get_attribute("lang") == "en"


def test_keyboard_skip_link_and_visible_focus(server, new_page):
    page = new_page("desktop")
    page.goto(f"{server}/?q=Jiangsu")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the skip link shows when focused"
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    shot(page, "desktop-9-skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "after the skip link, Tab continues inside the results"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # "/" jumps back to the search box (a small script; optional).
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_everything_works_with_javascript_switched_off(server, new_page, viewport):
    page = new_page(viewport, java_script_enabled=False)
    page.goto(f"{server}/")
    page.get_by_label("Search the archive").fill("Wuxi")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=Wuxi"))
    before = total(page)
    assert before > 0 and page.locator(".hits mark").count() >= 1
    open_filters(page)
    page.locator("#facet-lang + ul a.facet-value").first.click()
    page.wait_for_url(re.compile(r"lang="))
    assert page.locator(".chip").count() == 1
    assert total(page) <= before
    page.locator("a.lang-switch").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.locator(".chip").click()
    page.wait_for_url(lambda url: "lang=" not in url)
    assert total(page) == before
    shot(page, f"{viewport}-10-no-javascript")


def collect_csp_reports(page) -> list[str]:
    """Console messages and page errors a Content-Security-Policy violation causes."""
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text)
            if "Content Security Policy" in message.text or message.text.startswith("Refused to")
            else None
        ),
    )
    page.on("pageerror", lambda error: reports.append(f"pageerror: {error}"))
    return reports


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_pages_work_under_the_content_security_policy(server, new_page, viewport):
    page = new_page(viewport)
    reports = collect_csp_reports(page)
    response = page.goto(f"{server}/?q=江阴")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert total(page) >= 1
    # The stylesheet applied (the layout is not the browser's default) ...
    assert page.locator(".site-header").evaluate("el => getComputedStyle(el).display") != "inline"
    assert page.locator("body").evaluate("el => getComputedStyle(el).margin") != "8px"
    # ... and the script ran: "/" jumps to the search box.
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    shot(page, f"{viewport}-11-csp-results")

    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator(".doc-meta .file code").inner_text().startswith("seeds/")
    shot(page, f"{viewport}-12-csp-article")
    page.goto(f"{server}/no-such-page")
    assert page.locator("h1").is_visible()
    page.goto(f"{server}/?q=Wuxi&ui=zh")
    assert reports == []


def test_markup_that_slipped_past_escaping_would_not_run(server, new_page):
    """The policy is the second line of defence: inline script and handlers are blocked."""
    page = new_page("desktop")
    reports = collect_csp_reports(page)
    page.goto(f"{server}/?q=Wuxi")
    page.evaluate(
        """() => {
        const body = document.querySelector(".snippet") || document.body;
        body.insertAdjacentHTML("beforeend", '<img src="data:," onerror="window.pwned = 1">');
        const script = document.createElement("script");
        script.textContent = "window.pwned = 2";
        document.body.appendChild(script);
    }"""
    )
    page.wait_for_timeout(300)  # let the image's error event fire (if allowed)
    assert page.evaluate("window.pwned") is None
    assert any("Content Security Policy" in report for report in reports), reports


@pytest.fixture(scope="module")
def story_server(tmp_path_factory):
    from .story_variants import write_archive

    root = tmp_path_factory.mktemp("browser-stories")
    build_index(root / "index", [write_archive(root / "archive")], workers=1)
    port = free_port()
    proc = start_gunicorn(root / "index", port, workers=1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_copies_of_a_story_show_as_one_hit_that_lists_them(story_server, new_page):
    status, grouped = fetch(story_server, "/api/search", q="wafer", group="story")
    assert status == 200 and grouped["total_stories"] < grouped["total"]
    page = new_page("desktop")
    page.goto(f"{story_server}/?q=wafer")
    summary = page.locator(".summary").inner_text()
    assert f"{grouped['total']} articles in {grouped['total_stories']} stories" in summary
    assert hit_titles(page) == [h["title"] for h in grouped["hits"]]
    check_accessibility(page)
    shot(page, "stories-1-grouped")

    first = grouped["hits"][0]
    page.locator(".hit").first.get_by_role("link", name=f"{first['copies']} copies").click()
    page.wait_for_url(re.compile(f"story={first['story']}"))
    assert page.locator(".hit").count() == first["copies"] == total(page)
    assert page.locator(".copies").count() == 0
    check_accessibility(page)
    shot(page, "stories-2-copies")

    page.goto(f"{story_server}/?q=wafer")
    page.get_by_role("link", name="all copies").click()
    page.wait_for_url(re.compile("group=none"))
    assert page.locator(".hit").count() == min(10, grouped["total"])
    assert page.locator(".copies").count() == 0
