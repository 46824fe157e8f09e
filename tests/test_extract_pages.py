"""Real news page shapes: the right date, the whole article and nothing else, the real headline.

One test (or parametrized group) per failure class seen on real Chinese and
English pages; each builds a small page of that shape in tmp_path and reads
it the way the indexer does (`read_articles`, then `enrich`). The committed
development pages under fixtures/extract are checked as a whole at the end.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from indexer.extract import enrich
from indexer.sources import read_articles

EXTRACT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "extract"

LEAD = "本报讯 近日，市交通运输局发布消息，全市首批氢燃料电池公交车正式投入运营，覆盖三条主干线路。"
PARAS = [
    LEAD,
    "与传统燃油公交车相比，氢燃料电池公交车排放的只有水，加注一次氢气只需十分钟左右，续航里程可达四百公里。",
    "市公交集团运营部负责人表示，车辆上线前已进行了为期两个月的试运行，各项性能指标均达到了设计要求。",
    "市交通运输局还将加快建设加氢站，目前已经建成两座、在建三座，预计明年全部投入使用。",
]
HEADLINE = "首批氢燃料电池公交车上线运营"


def body_html(paras=PARAS) -> str:
    return "\n".join(f"<p>{p}</p>" for p in paras)


def page(
    content: str,
    *,
    head: str = "",
    title: str = f"{HEADLINE}_江城新闻网",
    before: str = "",
    after: str = "",
) -> str:
    nav = (
        '<div class="nav"><a href="/">首页</a> | <a href="/n/">新闻</a> | '
        '<a href="/c/">财经</a></div>'
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body>{nav}{before}
<div class="main"><h1>{HEADLINE}</h1>
{content}
</div>
{after}
<div class="foot">版权所有 © 2020 江城新闻网 鄂ICP备12345678号</div>
</body></html>"""


def read(tmp_path: Path, html: str, name: str = "page.html", url: str | None = None):
    path = tmp_path / name
    path.write_text(html, "utf-8")
    [article], warnings = read_articles(path, name)
    assert warnings == []
    if url:
        article.url = url
    return enrich(article)


def assert_whole_article(body: str, paras=PARAS) -> None:
    for para in paras:
        assert para in body


# -- dates: the header line near the headline ---------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "2019-09-07 10:23:41 来源：江城日报",
        "发布时间：2019年09月07日 08:52　来源：江城日报　浏览次数：1024",
        "时间：2019-09-07　来源：市政府办公室　【字体：大 中 小】",
        "日期：2019-09-07",
        "作者：何静 2019-09-07 09:12",
        "2019年09月07日 星期六",
    ],
)
def test_date_comes_from_the_header_line_under_the_headline(tmp_path, header):
    article = read(tmp_path, page(f'<div class="info">{header}</div>\n{body_html()}'))
    assert article.date.iso == "2019-09-07"
    assert header not in article.body
    assert_whole_article(article.body)


def test_header_date_wins_over_dates_the_story_mentions(tmp_path):
    story = [
        "本报讯 1921年建成的老城区红砖仓库群将改造为城市文化街区，项目总投资约3.6亿元。",
        "1949年10月1日前后，这里曾是全市最大的粮食转运站，见证了城市近百年的商贸历史。",
        "项目预计2025年12月31日前全面建成开放，施工期间将邀请文物保护专家全程参与。",
    ]
    html = page(f'<div class="info">发布时间：2021年03月15日</div>{body_html(story)}')
    assert read(tmp_path, html).date.iso == "2021-03-15"


# -- dates: meta and script forms ---------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        '<meta name="publishdate" content="2020-02-12">',
        '<meta name="pubdate" content="2020-02-12 10:00">',
        '<meta name="PubDate" content="2020-02-12 10:00">',
        '<meta name="firstpublishedtime" content="2020-02-12-07:45:12">',
        '<meta name="publish-date" content="2020-02-12">',
        '<meta name="dc.date" content="2020-02-12">',
        '<meta itemprop="datePublished" content="2020-02-12T15:20:00+08:00">',
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2020-02-12T09:00:00+08:00"}</script>',
        '<script>var ct = "1581494400"; var itemId = "6792541";</script>',
        '<script>var publish_time = "2020-02-12" || "";</script>',
        "<script>window.DATA = {publishTime: '2020-02-12 16:00:00'};</script>",
    ],
)
def test_date_comes_from_meta_and_script_forms(tmp_path, head):
    article = read(tmp_path, page(body_html(), head=head))
    assert article.date.iso == "2020-02-12"


def test_epoch_seconds_in_a_script_are_read_as_beijing_time(tmp_path):
    # 2020-02-11 16:30 UTC is already the 12th in Beijing.
    html = page(body_html(), head='<script>var ct = "1581438600";</script>')
    assert read(tmp_path, html).date.iso == "2020-02-12"


def test_no_date_later_than_the_pages_own_latest_is_taken(tmp_path):
    # The only full date in the text is a deadline after the page's last
    # modification: it cannot be the publication date.
    story = [
        "2030年1月1日起，本市将全面实施新的垃圾分类管理规定，届时未分类投放将被处罚。",
        *PARAS[1:],
    ]
    head = '<meta name="lastmodifiedtime" content="2020-01-05-10:02:33">'
    article = read(tmp_path, page(body_html(story), head=head))
    assert article.date.as_int <= 20200105 or not article.date.known


# -- dates: body datelines without a year -------------------------------------


def test_yearless_dateline_takes_the_year_from_the_url(tmp_path):
    story = [
        "本报讯（记者 李明）9月26日，全市秋季招聘大会在会展中心举行，共有486家企业进场招聘。",
        *PARAS[1:],
    ]
    html = page(
        body_html(story),
        head='<link rel="canonical" href="http://www.example-daily.cn/content/2018-09/n_55102.htm">',
    )
    assert read(tmp_path, html).date.iso == "2018-09-26"


def test_yearless_dateline_takes_the_year_from_the_pages_other_dates(tmp_path):
    story = [
        "本报讯（记者 李明）9月26日，全市秋季招聘大会在会展中心举行，共有486家企业进场招聘。",
        "今年以来，全市已累计举办各类招聘活动210场，比2017年同期多出40场。",
        "据统计，2018年上半年全市城镇新增就业3.1万人，2018年8月当月新增就业5200人。",
    ]
    assert read(tmp_path, page(body_html(story))).date.iso == "2018-09-26"


# -- article boundaries: containers that hold the article ---------------------


@pytest.mark.parametrize("tag", ["form", "aside", "footer"])
def test_article_inside_a_form_aside_or_footer_is_kept(tmp_path, tag):
    html = page(f'<{tag} class="content">{body_html()}</{tag}>')
    assert_whole_article(read(tmp_path, html).body)


def test_whole_page_wrapped_in_one_form_is_read(tmp_path):
    html = page(body_html()).replace("<body>", '<body><form id="form1" method="post">')
    html = html.replace("</body>", "</form></body>")
    assert_whole_article(read(tmp_path, html).body)


def test_sidebar_aside_and_site_footer_are_still_dropped(tmp_path):
    side = (
        '<aside class="side"><h3>热门推荐</h3><p><a href="/1">滨海新区再添两所学校，'
        "预计明年秋季开学招生</a></p></aside>"
    )
    footer = "<footer>关于我们 联系我们 网站地图 投稿邮箱</footer>"
    body = read(tmp_path, page(body_html(), after=side + footer)).body
    assert "滨海新区" not in body
    assert "网站地图" not in body


@pytest.mark.parametrize("stray", ["</body></html>", "</html>", "</body>"])
def test_stray_end_tags_do_not_cut_the_article_off(tmp_path, stray):
    content = f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p>{stray}<p>{PARAS[2]}</p><p>{PARAS[3]}</p>"
    assert_whole_article(read(tmp_path, page(content)).body)


# -- article boundaries: end-of-article markers --------------------------------

COMMENT = (
    "我家孩子今年也参加了课后服务，老师很负责，每天都能把作业在学校完成，"
    "回家之后我们轻松多了，希望学校能一直坚持下去。"
)


@pytest.mark.parametrize(
    ("marker", "junk"),
    [
        ('<div class="c-title">网友评论</div>', f'<div class="c-item"><p>{COMMENT}</p></div>'),
        ("<p>网友评论</p>", f"<p>{COMMENT}</p>"),
        ("<p>评论 23</p>", f"<p>{COMMENT}</p>"),
        ("<p>相关新闻</p>", '<p><a href="/a">秋季学期开学 全市新增学位1.2万个</a></p>'),
        ("<p>【延伸阅读】</p>", '<p><a href="/b">今冬供暖季将于12月5日开始</a></p>'),
        ("<p>（责任编辑：刘洋）</p>", f"<p>{COMMENT}</p>"),
        ("<p>编辑：孙悦</p>", f"<p>{COMMENT}</p>"),
        ("<p>免责声明：本网转载的作品，版权归原作者所有，如有侵权请联系本网删除。</p>", ""),
        ("<p>特别声明：以上内容仅代表作者本人观点，不代表平台立场。</p>", f"<p>{COMMENT}</p>"),
        ("<p>扫一扫，关注江城新闻微信公众号</p>", f"<p>{COMMENT}</p>"),
        ("<p>下载江城新闻客户端，随时随地看新闻</p>", f"<p>{COMMENT}</p>"),
        ("<p>分享到：微信 微博 QQ空间</p>", ""),
    ],
)
def test_body_is_cut_at_end_of_article_markers(tmp_path, marker, junk):
    body = read(tmp_path, page(body_html() + marker + junk)).body
    assert_whole_article(body)
    assert body.endswith(PARAS[-1])


def test_reader_comments_are_never_article_text(tmp_path):
    comments = (
        '<div class="comment-area"><div class="c-title">网友评论</div>'
        '<div class="c-notice">文明上网，理性发言。</div>'
        f'<div class="c-item"><span>江城网友</span><p>{COMMENT}</p></div>'
        '<div class="c-item"><span>江城网友</span><p>点赞！</p></div></div>'
    )
    body = read(tmp_path, page(body_html(), after=comments)).body
    assert COMMENT not in body
    assert "点赞" not in body


def test_restored_text_does_not_reach_across_a_comment_section(tmp_path):
    # One comment sits in the article's own container, after the comment
    # header; prose after it must not be put back as skipped article text.
    content = (
        body_html()
        + '<div class="comment-title">网友评论</div>'
        + f"<p>{COMMENT}</p>"
        + '<div class="recommend"><p>为你推荐</p>'
        + "<p>业内人士分析，社区商业数字化的门槛正在降低，"
        + "一套基础的线上点单系统年费只需几百元。</p></div>"
    )
    body = read(tmp_path, page(content)).body
    assert_whole_article(body)
    assert COMMENT not in body
    assert "社区商业数字化" not in body


def test_english_related_and_comment_blocks_end_the_article(tmp_path):
    paras = [
        "The city's first hydrogen fuel-cell buses entered service on Tuesday on three main "
        "routes, the transport bureau said, after two months of trials.",
        "Unlike diesel buses, the new vehicles emit only water, refuel in about ten minutes and "
        "can run some 400 kilometres on a tank, according to the operator.",
        "The bureau plans two more refuelling stations next year, and says it will review "
        "ridership figures before ordering a second batch of buses for the suburbs.",
    ]
    after = (
        "<h3>Related Articles</h3><p><a href='/x'>Subway line five opens</a></p>"
        "<h3>Comments</h3><p>I rode one of these buses this morning and honestly it was quieter "
        "than any bus I have taken in this city, well done to everyone involved.</p>"
    )
    html = page(body_html(paras) + after, title="Hydrogen buses enter service | City Post")
    body = read(tmp_path, html).body
    assert_whole_article(body, paras)
    assert "quieter" not in body
    assert "Subway line five" not in body


# -- article boundaries: junk before the article -------------------------------


def test_login_app_and_account_lines_before_the_article_are_dropped(tmp_path):
    before = (
        '<div class="login-bar">登录后可以收藏文章、参与评论<a>立即登录</a></div>'
        '<div class="app-promo">打开APP阅读全文，体验更流畅<a>打开</a></div>'
        '<div class="author-card"><a>城事观察</a><span>优质生活领域创作者</span>'
        "<span>粉丝 12.8万</span><span>获赞 36万</span><a>+关注</a></div>"
    )
    content = f'<div class="login-tip">登录后可以收藏文章</div>{before}{body_html()}'
    body = read(tmp_path, page(content, before=before)).body
    assert_whole_article(body)
    for junk in ("登录", "打开APP", "粉丝", "获赞", "关注", "创作者"):
        assert junk not in body
    assert body.startswith(LEAD)


# -- titles ----------------------------------------------------------------------


def test_og_title_cut_at_an_unescaped_quote_gives_way_to_the_h1(tmp_path):
    headline = '专家解读“双减"政策落地一周年'
    html = page(
        body_html(),
        title=f"{headline}_江城新闻网",
        head=f'<meta property="og:title" content="{headline}">',
    ).replace(f"<h1>{HEADLINE}</h1>", f"<h1>{headline}</h1>")
    assert read(tmp_path, html).title == headline


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (f"{HEADLINE}_江城新闻网", HEADLINE),
        (f"{HEADLINE} | City Post", HEADLINE),
        (f"{HEADLINE} - 新浪新闻", HEADLINE),
        (f"{HEADLINE}-新闻中心-南州网", HEADLINE),
    ],
)
def test_site_names_are_stripped_from_the_headline(tmp_path, title, expected):
    html = page(body_html(), title=title).replace(f"<h1>{HEADLINE}</h1>", "")
    assert read(tmp_path, html).title == expected


@pytest.mark.parametrize("label", ["要闻", "News", "通知公告"])
def test_a_section_label_is_never_the_headline(tmp_path, label):
    html = page(body_html(), title=label).replace(
        f"<h1>{HEADLINE}</h1>", f"<h1>{label}</h1><h2>{HEADLINE}</h2>"
    )
    assert read(tmp_path, html).title == HEADLINE


# -- the development pages as a whole -------------------------------------------


def char_f1(expected: str, got: str) -> float:
    def chars(text):
        return Counter(re.sub(r"[\s\W_]", "", text))

    want, have = chars(expected), chars(got)
    common = sum((want & have).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in EXTRACT_FIXTURES.glob("*.html")), ids=lambda n: n
)
def test_development_page_gives_its_title_date_and_body(tmp_path, name):
    expected = json.loads((EXTRACT_FIXTURES / f"{name}.json").read_text("utf-8"))
    path = EXTRACT_FIXTURES / f"{name}.html"
    [article], _warnings = read_articles(path, path.name)
    if expected.get("url") and not article.url:
        article.url = expected["url"]
    article = enrich(article)
    assert article.title == expected["title"]
    assert article.date.iso == expected["date"]
    assert char_f1(expected["body"], article.body) >= 0.95
    assert article.body.startswith(expected["body"].split("\n\n")[0][:20])


def test_a_body_container_named_after_its_share_bar_is_not_pruned(tmp_path):
    # 'sr-body-share-wrapper' holds the story; many other stories on the page
    # keep it under the share of prose that would protect it on its own.
    others = "".join(f'<div class="teaser"><p>{p}</p></div>' for p in PARAS[1:] * 3)
    content = f'<div class="sr-body-share-wrapper"><div class="sr-text">{body_html()}</div></div>'
    body = read(tmp_path, page(content + others)).body
    assert_whole_article(body)


def test_data_tables_are_article_text_and_layout_tables_are_not_rows(tmp_path):
    stats = (
        "<table><tr><th>Player</th><th>Plays</th><th>Stats</th></tr>"
        "<tr><td>Larry Ogunjobi</td><td>63</td><td>1 sack, 2 QH</td></tr>"
        "<tr><td>Myles Garrett</td><td>57</td><td>3 QH</td></tr></table>"
    )
    body = read(tmp_path, page(body_html() + stats)).body
    assert "Larry Ogunjobi" in body
    assert "Myles Garrett" in body
    layout = (
        '<table width="1000"><tr><td class="menu"><a href="/">首页</a></td>'
        f'<td class="nr">{body_html()}</td></tr></table>'
    )
    body = read(tmp_path, page(layout), name="layout.html").body
    assert_whole_article(body)
    assert "|" not in body


def test_og_title_that_is_whole_stays_when_the_title_tag_adds_a_site_suffix(tmp_path):
    # The <title> starts with og:title but goes on with ' - WSJ', not a quote:
    # og:title was not cut and is the headline.
    html = page(
        body_html(),
        title=f"{HEADLINE} - WSJ",
        head=f'<meta property="og:title" content="{HEADLINE}">',
    )
    assert read(tmp_path, html).title == HEADLINE
