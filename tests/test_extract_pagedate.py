"""The page's own date: each source read on its own, and the order they rank in."""

from __future__ import annotations

import pytest

from indexer.article import Article, PubDate
from indexer.extract import enrich
from indexer.extract.dates import extract_date
from indexer.sources.html import articles_from_html
from indexer.sources.pagedate import (
    choose_date,
    declared_day,
    header_date,
    is_header_line,
    script_date,
)

PARA = (
    "<p>本报讯 近日，市交通运输局发布消息，全市首批氢燃料电池公交车正式投入运营，"
    "覆盖三条主干线路，每天发车一百二十班次。</p>"
)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-10-09-07:45:12", "2023-10-09"),  # firstpublishedtime
        ("2020-09-26T12:07:40+02:00CET", "2020-09-26"),
        ("2019年09月07日 10:23", "2019-09-07"),
        ("1581494400", "2020-02-12"),
    ],
)
def test_declared_values_in_portal_forms_are_read_as_days(value, iso):
    assert declared_day(value).iso == iso


@pytest.mark.parametrize("value", [None, "", "2023-10", "近日"])
def test_declared_values_without_a_day_give_none(value):
    assert declared_day(value) is None


@pytest.mark.parametrize(
    ("script", "iso"),
    [
        ('var ct = "1581494400";', "2020-02-12"),
        ("var ct = 1581494400000;", "2020-02-12"),
        ('var publish_time = "2021-07-05" || "";', "2021-07-05"),
        ('{"itemType":"article","publishTime":"2022-08-23 07:30:12"}', "2022-08-23"),
        ("pubDate: '2019-09-07'", "2019-09-07"),
    ],
)
def test_script_variables_give_the_date(script, iso):
    assert script_date(f"<html><script>{script}</script></html>").iso == iso


def test_script_variables_with_other_names_or_values_are_ignored():
    html = '<script>var ct = "abc"; var updated = "2020-01-01"; var id = 1581494400;</script>'
    assert script_date(html) is None


@pytest.mark.parametrize(
    "line",
    [
        "2019-09-07 10:23:41 来源：某某网",
        "发布时间：2019年09月07日",
        "时间：2019-09-07",
        "日期：2019-09-07　作者：县应急管理局　点击数：356",
        "作者：张三 2019-09-07",
        "By Maria Lopez | Published 2019-09-07",
    ],
)
def test_header_lines_are_recognised(line):
    assert is_header_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "1949年10月1日前后，这里曾是全市最大的粮食转运站，见证了城市近百年的商贸历史。" * 3,
        "来源：江城日报",
        "首页 | 新闻 | 财经",
    ],
)
def test_prose_and_dateless_labels_are_not_header_lines(line):
    assert not is_header_line(line)


def test_header_line_is_looked_for_between_headline_and_article_only():
    lines = [
        "热点 2018-01-01",
        "标题",
        "来源：某某网 2019-09-07",
        "正文第一段。",
        "时间：2020-01-01",
    ]
    assert header_date(lines, headline_at=1, prose_at=3).iso == "2019-09-07"
    assert header_date(lines[:2] + lines[3:], headline_at=1, prose_at=2) is None


def test_a_marked_dateline_ranks_above_htmldate():
    # The related list's date is what htmldate would read; the dateline is the page's.
    html = "<html><body><p>城区新增口袋公园12个 2018-09-20</p></body></html>"
    found = choose_date(
        body_text="本报讯（记者 李明）9月26日，全市秋季招聘大会举行。",
        url="http://www.example-daily.cn/content/2018-09/n_55102.htm",
        html=html,
    )
    assert found.iso == "2018-09-26"


def test_no_candidate_later_than_the_modification_time_is_taken():
    found = choose_date(
        body_text="本报讯 2030年1月1日，新规施行。",
        url="",
        html="<html><body><p>2030年1月1日</p></body></html>",
        modified=PubDate(2020, 1, 5),
    )
    assert found is None


def test_unmarked_lead_dates_do_not_count_as_marked_datelines():
    text = "A ceremony in Paris, France, on January 16, 2020 drew protests."
    assert extract_date(text, marked_only=True).known is False
    assert extract_date("BEIJING, Jan. 16, 2020 (Xinhua) -- Prices rose.", marked_only=True).known


def test_url_local_date_beats_a_utc_meta_time_one_day_later():
    html = f"""<html><head><title>T</title>
    <meta property="article:published_time" content="2020-02-18T02:18:11Z">
    <link rel="canonical" href="https://example.com/2020/02/17/some-story/"></head>
    <body><h1>T</h1>{PARA * 3}</body></html>"""
    [article] = articles_from_html(html.encode())
    assert enrich(article).date.iso == "2020-02-17"


def test_guessed_date_ranks_below_the_files_path():
    article = Article(
        title="T", body="没有日期的正文。", path="2021/05/06/a.html", guessed_date="2020-01-01"
    )
    assert enrich(article).date.iso == "2021-05-06"
    article = Article(title="T", body="没有日期的正文。", path="a.html", guessed_date="2020-01-01")
    assert enrich(article).date.iso == "2020-01-01"


def test_text_dates_after_the_pages_latest_date_are_dropped():
    article = Article(title="T", body="2030年1月1日起，新规施行。", latest_date="2020-01-05")
    assert not enrich(article).date.known


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("News24 13 Jan 2020, 22:11 GMT+10", "2020-01-13"),
        ("Published Jan. 13, 2020 at 10:00 a.m.", "2020-01-13"),
        ("By Jane Doe | January 13th, 2020", "2020-01-13"),
    ],
)
def test_english_header_lines_give_their_date(line, iso):
    assert is_header_line(line)
    assert header_date(["Headline", line, "Text."], headline_at=0, prose_at=2).iso == iso


def test_a_utc_time_later_in_the_day_keeps_its_own_date_over_the_url():
    html = f"""<html><head><title>T</title>
    <meta property="article:published_time" content="2020-07-09T10:04:04Z">
    <link rel="canonical" href="https://example.com/politics/2020/07/08/story.html"></head>
    <body><h1>T</h1>{PARA * 3}</body></html>"""
    [article] = articles_from_html(html.encode())
    assert enrich(article).date.iso == "2020-07-09"
