"""Saved news pages: metadata from the markup, the article text without the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trafilatura

from indexer.sources import SourceError, read_articles
from indexer.sources.html import articles_from_html
from indexer.sources.titles import clean_title

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"


def article_from_html(data: bytes):
    [article] = articles_from_html(data)
    return article


def read_fixture(name: str):
    path = FIXTURES / name
    [article], warnings = read_articles(path, name)
    assert warnings == []
    return article


def paragraphs(body: str) -> list[str]:
    return body.split("\n\n")


# -- a Chinese portal page, GBK ------------------------------------------------

PORTAL = "portal_article_gbk.html"
PORTAL_LEAD = "本报无锡6月8日电（记者王拓）记者从无锡市工业和信息化局获悉"


def test_portal_fixture_is_gbk_and_defeats_plain_trafilatura():
    data = (FIXTURES / PORTAL).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    # The reason the reader merges trafilatura's output with the page's own
    # blocks: on this layout (lead in a summary block) trafilatura drops the lead.
    text = trafilatura.extract(data.decode("gbk"), fast=True, include_tables=False)
    assert PORTAL_LEAD not in text
    assert "无锡是我国集成电路产业的重要发源地之一" in text


def test_portal_page_metadata():
    article = read_fixture(PORTAL)
    assert article.title == "无锡集成电路产业集群规模突破2000亿元"
    assert article.source == "人民网－人民日报"
    assert article.declared_date == "2023-06-09"
    assert article.url is None
    assert article.path == PORTAL


def test_portal_page_body_keeps_the_lead_and_every_paragraph_in_order():
    body = read_fixture(PORTAL).body
    paras = paragraphs(body)
    assert paras[0].startswith(PORTAL_LEAD)
    expected_order = [
        PORTAL_LEAD,
        "无锡是我国集成电路产业的重要发源地之一",
        "在华虹无锡基地，12英寸生产线正满负荷运转",
        "产业集聚带来了人才集聚",
        "力争到2025年集成电路产业规模突破3000亿元",
    ]
    positions = [body.index(s) for s in expected_order]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "boilerplate",
    [
        "人民网首页",  # navigation
        "登录",
        "请输入关键词",
        "经济·科技",  # breadcrumbs
        "2023年06月09日08:21",  # date/source line
        "来源：",
        "分享到",  # share bar
        "小字号",
        "责任编辑",  # editor line
        "杨曦",
        "《 人民日报 》",  # print-edition reference
        "相关新闻",  # related list
        "江苏集成电路产业规模超3000亿元",
        "热点推荐",
        "新能源汽车下乡活动启动",
        "网友评论",
        "高温天气来袭",
        "人民日报社概况",  # footer
        "版权所有",
        "Copyright",
        "ICP",
        "公网安备",
        "违法和不良信息举报",
        "_hmt",  # script
        "text-indent",  # style
    ],
)
def test_portal_page_body_has_no_boilerplate(boilerplate):
    assert boilerplate not in read_fixture(PORTAL).body


# -- an English newspaper page with JSON-LD ------------------------------------

NEWS = "newspaper_article_en.html"


def test_newspaper_page_metadata_from_json_ld_and_og():
    article = read_fixture(NEWS)
    assert article.title == "Chipmakers race to expand in Wuxi as demand for mature nodes rebounds"
    assert article.source == "The Guardian"
    assert article.declared_date == "2023-06-09T05:00:12.000Z"
    assert article.url == (
        "https://www.theguardian.com/technology/2023/jun/09/chipmakers-race-to-expand-in-wuxi"
    )
    assert article.declared_lang == "en-GB"
    assert article.declared_locations == ["Wuxi"]


def test_newspaper_page_body_has_the_article_from_lead_to_end():
    body = read_fixture(NEWS).body
    assert "The eastern Chinese city of Wuxi has become an unlikely front line" in body
    assert "Hua Hong Semiconductor said on Thursday" in body
    assert "“The mature-node market is where China can still scale,” said Dan Wang" in body
    assert body.endswith("to train about 2,000 specialists a year.")
    assert len(paragraphs(body)) >= 7


@pytest.mark.parametrize(
    "boilerplate",
    [
        "cookies",
        "Yes, I'm happy",
        "Skip to main content",
        "Support the Guardian",
        "Opinion",
        "Share on Facebook",
        "Share via Email",
        "Photograph: Reuters",
        "Sign up",
        "TechScape",
        "Privacy",
        "after newsletter promotion",
        "Related:",
        "US widens curbs",
        "Explore more on these topics",
        "Reuse this content",
        "Most viewed",
        "Heatwave warning",
        "More on this story",
        "Complaints",
        "Back to top",
        "© 2023",
        "All rights reserved",
        "Fri 9 Jun 2023",
        "window.guardian",
    ],
)
def test_newspaper_page_body_has_no_boilerplate(boilerplate):
    assert boilerplate not in read_fixture(NEWS).body


# -- a page with no metadata at all --------------------------------------------


def test_page_without_metadata_takes_the_headline_above_the_text():
    article = read_fixture("no_metadata.html")
    assert article.title == "Jiangyin port handles record container volume"
    assert article.declared_date is None
    assert article.url is None
    assert article.source is None
    assert article.declared_lang is None
    assert paragraphs(article.body) == [
        "Jiangyin port handled 1.2 million containers in the first five months of the year, "
        "a record for the river port on the lower Yangtze, the port authority said.",
        "The volume was up 14 percent from a year earlier, helped by new shipping routes to "
        "ports in Southeast Asia and a recovery in exports of machinery and textiles from "
        "factories in southern Jiangsu.",
        "Officials said a third container terminal would open next year, lifting annual "
        "capacity to 4 million containers.",
    ]


def test_old_table_layout_page_with_br_paragraphs():
    data = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
        "<title>江阴港集装箱吞吐量创新高</title></head><body>"
        "<table><tr><td><a href='/'>首页</a> | <a href='/news'>新闻</a></td></tr></table>"
        "<table><tr><td class='title'>江阴港集装箱吞吐量创新高</td></tr><tr><td>"
        "　　本报讯 江阴港前5个月集装箱吞吐量达到120万标箱，创历史同期新高。<br><br>"
        "　　港口方面表示，新开通的东南亚航线和机械纺织品出口回暖带动了吞吐量增长。<br><br>"
        "　　预计全年吞吐量将突破300万标箱。<br></td></tr></table>"
        "<div align=center>版权所有：江阴日报社 苏ICP备05012345号</div></body></html>"
    ).encode("gb2312")
    article = article_from_html(data)
    assert article.title == "江阴港集装箱吞吐量创新高"
    assert paragraphs(article.body) == [
        "本报讯 江阴港前5个月集装箱吞吐量达到120万标箱，创历史同期新高。",
        "港口方面表示，新开通的东南亚航线和机械纺织品出口回暖带动了吞吐量增长。",
        "预计全年吞吐量将突破300万标箱。",
    ]


def test_script_rendered_page_falls_back_to_the_json_ld_article_body():
    ld = {
        "@type": "NewsArticle",
        "headline": "Port sets record",
        "articleBody": "Jiangyin port set a record in May.\nOfficials expect more.",
    }
    data = (
        "<html><head><title>App</title>"
        f"<script type='application/ld+json'>{json.dumps(ld)}</script></head>"
        "<body><div id='app'></div><script>render()</script></body></html>"
    ).encode()
    article = article_from_html(data)
    assert article.title == "Port sets record"
    assert article.body == "Jiangyin port set a record in May.\n\nOfficials expect more."


def test_a_very_short_page_still_gives_its_text():
    article = article_from_html(b"<html><body><p>Wuxi opens chip centre.</p></body></html>")
    assert article.body == "Wuxi opens chip centre."
    assert article.title == "Wuxi opens chip centre."


# -- metadata variants ---------------------------------------------------------

PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of the article says something about the port of Jiangyin and its "
    f"container terminals on the lower Yangtze river, at some length.</p>"
    for n in range(1, 5)
)


def page(head: str = "", body: str = "", html_attrs: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html{html_attrs}><head><meta charset='utf-8'>{head}</head>"
        f"<body><article>{body}{PARAGRAPHS}</article></body></html>"
    ).encode()


def test_json_ld_in_a_list_and_meta_names_in_any_case():
    ld = [
        {"@type": "Organization", "name": "Not this"},
        {
            "@type": ["NewsArticle"],
            "headline": "Port sets record",
            "publisher": [{"@type": "Organization", "name": "Jiangsu Daily"}],
            "inLanguage": "en",
        },
    ]
    head = (
        f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
        "<meta name='PubDate' content='2023-06-09 08:00'>"
        "<meta property='og:url' content='https://example.com/2023/06/09/port.html'>"
    )
    article = article_from_html(page(head))
    assert article.title == "Port sets record"
    assert article.source == "Jiangsu Daily"
    assert article.declared_date == "2023-06-09 08:00"
    assert article.url == "https://example.com/2023/06/09/port.html"
    assert article.declared_lang == "en"


def test_time_element_gives_the_date_when_no_meta_does():
    body = "<h1>Port sets record</h1><time datetime='2023-06-09T08:00:00+08:00'>9 June</time>"
    article = article_from_html(page(body=body))
    assert article.title == "Port sets record"
    assert article.declared_date == "2023-06-09T08:00:00+08:00"
    assert "9 June" not in article.body


def test_broken_json_ld_is_ignored():
    head = "<script type='application/ld+json'>{\"headline\": </script><title>Port | Daily</title>"
    article = article_from_html(page(head))
    assert article.title == "Port"
    assert article.declared_date is None


def test_xhtml_with_xml_declaration_and_gbk_charset():
    data = (
        '<?xml version="1.0" encoding="gbk"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="zh-CN"><head>'
        "<title>江阴港集装箱吞吐量创新高_新华网</title></head><body><div id='content'>"
        "<p>新华社南京6月9日电 江阴港前5个月集装箱吞吐量达到120万标箱，创历史同期新高。</p>"
        "<p>港口方面表示，新开通的东南亚航线和机械纺织品出口回暖带动了吞吐量增长。</p>"
        "</div></body></html>"
    ).encode("gbk")
    article = article_from_html(data)
    assert article.title == "江阴港集装箱吞吐量创新高"
    assert article.source == "新华网"
    assert article.declared_lang == "zh-CN"
    assert article.body.startswith("新华社南京6月9日电 江阴港前5个月")


def test_declared_language_contradicted_by_the_text_is_dropped():
    data = (
        "<html lang='en'><head><meta charset='utf-8'><title>江阴港吞吐量创新高</title></head>"
        "<body><p>江阴港前5个月集装箱吞吐量达到120万标箱，创历史同期新高，同比增长14%。</p>"
        "<p>港口方面表示，新开通的东南亚航线和机械纺织品出口回暖带动了吞吐量增长。</p></body></html>"
    ).encode()
    assert article_from_html(data).declared_lang is None


def test_plain_text_saved_as_html_is_read_as_text():
    article = article_from_html(b"Port sets record\n\nJiangyin port handled 1.2 million boxes.\n")
    assert article.title == "Port sets record"
    assert article.body == "Jiangyin port handled 1.2 million boxes."


def test_page_with_no_text_is_a_source_error(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>Nothing</title></head><body><nav>Home</nav></body></html>")
    with pytest.raises(SourceError, match="no article text"):
        read_articles(path, "empty.html")


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        (
            "无锡集成电路产业集群规模突破2000亿元--经济·科技--人民网",
            None,
            "无锡集成电路产业集群规模突破2000亿元",
        ),
        ("江苏发布新型电力系统行动方案-新华网", None, "江苏发布新型电力系统行动方案"),
        ("江苏发布新型电力系统行动方案_新闻频道_央视网", None, "江苏发布新型电力系统行动方案"),
        ("Chipmakers race | Technology | The Guardian", None, "Chipmakers race"),
        (
            "Markets rally as chip stocks surge - BBC News",
            None,
            "Markets rally as chip stocks surge",
        ),
        ("Port sets record – Wuxi Observer", "Wuxi Observer", "Port sets record"),
        ("Apple - Samsung patent fight resumes", None, "Apple - Samsung patent fight resumes"),
        ("COVID-19 cases rise in Jiangsu", None, "COVID-19 cases rise in Jiangsu"),
        (
            "Xinhua Silk Road: Jiangyin signs 217 projects",
            None,
            "Xinhua Silk Road: Jiangyin signs 217 projects",
        ),
    ],
)
def test_site_names_are_stripped_from_titles(title, site, expected):
    assert clean_title(title, site) == expected
