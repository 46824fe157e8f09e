"""Plain-text reading: the seed conventions, newspaper pages, titles, debris."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.sources import read_articles
from indexer.sources.text import articles_from_text, fallback_title

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"


def read_seed(number: str):
    path = next(SEEDS.glob(f"{number}_*.txt"))
    articles, warnings = read_articles(path, path.name)
    assert warnings == []
    return articles


def paragraphs(body: str) -> list[str]:
    return body.split("\n\n")


# -- the seeds ----------------------------------------------------------------


def test_seed_000_takes_its_first_line_as_title_and_keeps_it_out_of_the_body():
    [article] = read_seed("000")
    assert article.title == "Jiangsu accelerates the construction of dual circulation"
    assert article.body.startswith("East China’s Jiangsu province has made every effort")
    assert article.title not in article.body
    # One line per paragraph in the file, one paragraph per line in the body.
    assert len(paragraphs(article.body)) == 12
    assert article.declared_date is None


def test_seed_001_reads_date_and_title_from_the_crawler_line_and_keeps_the_dateline():
    [article] = read_seed("001")
    assert article.title == (
        "Xinhua Silk Road: E. China's Jiangyin sees 217 projects signed at 4th "
        "Jiangyin Development Summit"
    )
    assert article.declared_date == "2023-10-31"
    assert article.body.startswith("BEIJING, Oct. 31, 2023 /PRNewswire/ -- 217 projects")
    assert article.source == "PR Newswire"
    assert "date 2023-10-31" not in article.body


def test_seed_002_takes_the_source_header_drops_link_debris_and_the_produced_by_trailer():
    [article] = read_seed("002")
    assert article.source == "Rendezvous News Client"
    assert "getUrls" not in article.body
    assert "Source:" not in article.body
    assert "Produced by" not in article.body
    assert article.body.endswith("Meeting point reporter Ma Wei")
    assert "Interconnection,”One point in the center” card C position" in article.body


def test_seed_002_without_a_title_line_gets_its_first_sentence_cut_at_a_word():
    [article] = read_seed("002")
    assert article.title == (
        "The Rendezvous News On September 4, the Taihu Bay Science and Technology "
        "Innovation Belt, known as…"
    )
    assert len(article.title) <= 100
    # The sentence the title came from stays in the body.
    assert article.body.startswith("The Rendezvous News On September 4,")


def test_seed_003_reads_title_prefix_after_the_date():
    [article] = read_seed("003")
    assert article.title == "Yangzhou Economic Development Zone Leads the Way in Industrial Growth"
    assert article.declared_date == "2023-10-30"
    assert article.body.startswith("Introduction\n\nThe Yangzhou Economic")
    assert "Title:" not in article.body


SEED_004_TITLES = [
    "华虹无锡集成电路研发和制造基地二期项目签约",
    "双良新能源产业一期项目开工",
    "市政府召开“465”现代产业集群建设推进会 聚焦主攻方向强机制抓落实 推动现代产业集群高水平跃升",
    "市政府与上海建工集团签署战略合作协议",
]


def test_seed_004_newspaper_page_splits_into_its_four_articles():
    articles = read_seed("004")
    assert [a.title for a in articles] == SEED_004_TITLES
    assert [a.part for a in articles] == [0, 1, 2, 3]
    assert all(a.path == "004_fffb94033572b14c.txt" for a in articles)
    assert all(a.source == "江南晚报" for a in articles)
    assert all(a.body.startswith("本报讯 6月") for a in articles)


def test_seed_004_articles_end_with_their_bylines():
    articles = read_seed("004")
    assert [paragraphs(a.body)[-1] for a in articles] == [
        "(王拓)",
        "(惠晓婧)",
        "(王怡菡)",
        "(周晓方)",
    ]


def test_seed_004_rejoins_paragraphs_broken_mid_sentence():
    first, second, third, _ = read_seed("004")
    assert "江苏将集成电路产业作为先进制造业集群和优势产业链培育" in first.body
    assert "华虹集团是我国集成电路产业的龙头骨干企业" in first.body
    assert "共同营造集成电路产业发展良好生态" in first.body
    assert "把新能源产业作为优先选项" in second.body
    assert "一要加强系统推进" in third.body
    assert "要加强组织领导,压紧责任链条" in third.body
    assert len(paragraphs(first.body)) == 4


@pytest.mark.parametrize(
    "debris",
    [
        "江南晚报",
        "主办",
        "连续出版物号",
        "CN32-0092",
        "邮发代号",
        "值班编委",
        "责编",
        "美编",
        "校对",
        "新媒体矩阵",
        "官方微信",
        "IP WUXI",
        "二泉月",
        "热线",
        "jnwbzbb@163.com",
        "地址",
        "邮编",
        "版权声明",
        "未经本报授权",
        "0510-81853620",
        "零售价",
        "6 942431 300011",
    ],
)
def test_seed_004_masthead_and_footer_belong_to_no_article(debris):
    for article in read_seed("004"):
        assert debris not in article.body
        assert debris not in article.title


# -- a second, different newspaper page ---------------------------------------


def test_other_newspaper_page_splits_at_leads_and_after_bylines():
    path = FIXTURES / "newspaper_page_wuxi_daily.txt"
    articles, _ = read_articles(path, path.name)
    assert [a.title for a in articles] == [
        "我市加快建设新型电力系统",
        "太湖湾科创带新增省级研发机构12家",
        # No lead marker: it starts an article because a byline precedes it.
        "锡澄S1线开通运营满一年",
    ]
    assert all(a.source == "无锡日报" for a in articles)
    assert articles[0].body.startswith("本报讯（记者 张伟 通讯员 李娜）6月9日")
    assert articles[1].body.startswith("新华社南京6月9日电")
    assert paragraphs(articles[1].body)[-1] == "（记者 陈晨）"
    assert "同比增长26.5%。下一步" in articles[1].body
    assert paragraphs(articles[2].body)[-1] == "（王磊 李响）"
    for article in articles:
        for debris in ("2023年6月10日 星期六", "第2版", "责编", "美术编辑", "社址", "定价", "印刷"):
            assert debris not in article.body


def test_english_wire_page_splits_at_datelines_and_names_the_agency():
    text = (
        "China Daily Digest\n\n"
        "Wuxi opens new chip testing centre\n\n"
        "WUXI, June 9 (Xinhua) -- A national testing centre for integrated circuits opened "
        "in Wuxi on Friday, the city government said.\n\n"
        "The centre will test chips for carmakers and appliance makers in the region.\n\n"
        "Suzhou port volume rises 8 percent\n\n"
        "SUZHOU, June 9 (Xinhua) -- Container throughput at Suzhou port rose 8 percent "
        "in May from a year earlier, port officials said on Friday.\n"
    )
    articles = articles_from_text(text)
    assert [a.title for a in articles] == [
        "Wuxi opens new chip testing centre",
        "Suzhou port volume rises 8 percent",
    ]
    assert all(a.source == "Xinhua" for a in articles)
    assert articles[0].body.startswith("WUXI, June 9 (Xinhua) -- A national testing centre")
    assert "Suzhou" not in articles[0].body


def test_one_article_with_a_lead_is_not_split():
    text = (
        "江阴发布港口发展规划\n\n"
        "本报讯 6月9日，江阴发布港口发展规划。\n\n"
        "规划提出，到2025年港口吞吐量达到3亿吨。\n"
    )
    [article] = articles_from_text(text)
    assert article.title == "江阴发布港口发展规划"
    assert (
        article.body
        == "本报讯 6月9日，江阴发布港口发展规划。\n\n规划提出，到2025年港口吞吐量达到3亿吨。"
    )


# -- headers, titles, paragraphs ----------------------------------------------


def test_header_lines_fill_fields_and_leave_the_body():
    text = (
        "Title: Wuxi sets up chip fund\n"
        "Source: Wuxi Daily\n"
        "Date: June 9, 2023\n"
        "URL: https://example.com/2023/06/09/chip-fund.html\n"
        "Language: en\n"
        "Locations: Wuxi, Jiangsu\n"
        "Author: Wang Tuo\n"
        "\n"
        "Wuxi has set up a 10 billion yuan fund for chip companies.\n"
    )
    [article] = articles_from_text(text)
    assert article.title == "Wuxi sets up chip fund"
    assert article.source == "Wuxi Daily"
    assert article.declared_date == "June 9, 2023"
    assert article.url == "https://example.com/2023/06/09/chip-fund.html"
    assert article.declared_lang == "en"
    assert article.declared_locations == ["Wuxi", "Jiangsu"]
    assert article.body == "Wuxi has set up a 10 billion yuan fund for chip companies."


def test_chinese_header_lines_are_understood():
    text = (
        "标题：无锡设立集成电路产业基金\n来源：无锡日报\n日期：2023年6月9日\n\n"
        "无锡设立百亿元集成电路产业基金。\n"
    )
    [article] = articles_from_text(text)
    assert article.title == "无锡设立集成电路产业基金"
    assert article.source == "无锡日报"
    assert article.declared_date == "2023年6月9日"
    assert article.body == "无锡设立百亿元集成电路产业基金。"


def test_chinese_text_without_title_line_uses_its_first_sentence():
    text = "无锡市9日发布新型电力系统建设行动方案。方案提出到2025年新能源装机达到500万千瓦。\n"
    [article] = articles_from_text(text)
    assert article.title == "无锡市9日发布新型电力系统建设行动方案。"
    assert article.body == text.strip()


def test_fallback_title_skips_the_lead_marker_and_cuts_long_chinese_at_a_comma():
    body = (
        "本报讯 6月9日，市政府召开现代产业集群建设推进会，市长出席会议并作部署，强调要深入学习贯彻"
        "重要讲话精神，按照省委省政府决策部署和市委工作要求，聚焦主攻方向，突出企业主体。"
    )
    title = fallback_title(body)
    assert not title.startswith("本报讯")
    assert title.endswith("…")
    assert len(title) <= 60
    assert title.startswith("6月9日，市政府召开现代产业集群建设推进会")


def test_fallback_title_does_not_stop_at_abbreviations():
    body = "E. China's Jiangyin signed 217 projects on Oct. 28 in Jiangsu. More followed."
    assert fallback_title(body) == "E. China's Jiangyin signed 217 projects on Oct. 28 in Jiangsu."


def test_hard_wrapped_paragraphs_are_rejoined():
    text = (
        "Port of Jiangyin sets record\n\n"
        "Jiangyin port handled 1.2 million containers in the first five\n"
        "months of the year, a record for the river port on the lower\n"
        "Yangtze, the port authority said on Friday.\n\n"
        "Officials said a third terminal would open next year.\n"
    )
    [article] = articles_from_text(text)
    assert paragraphs(article.body) == [
        "Jiangyin port handled 1.2 million containers in the first five months of the year, "
        "a record for the river port on the lower Yangtze, the port authority said on Friday.",
        "Officials said a third terminal would open next year.",
    ]


def test_chinese_subheadings_are_not_glued_to_the_next_paragraph():
    text = (
        "无锡加快建设产业集群\n\n"
        "会议指出，建设现代产业集群是推动制造业由大变强的客观需要。\n\n"
        "聚焦主攻方向\n\n"
        "要加快招引优质项目，抢占发展先机。\n"
    )
    [article] = articles_from_text(text)
    assert "聚焦主攻方向" in paragraphs(article.body)


def test_share_lines_editor_credits_and_copyright_are_dropped():
    text = (
        "无锡设立集成电路产业基金\n\n"
        "无锡设立百亿元集成电路产业基金，重点支持设计和制造企业。\n\n"
        "分享到：微信 微博\n\n"
        "【责任编辑：王三】\n\n"
        "版权所有 无锡日报社 未经授权不得转载\n"
    )
    [article] = articles_from_text(text)
    assert article.body == "无锡设立百亿元集成电路产业基金，重点支持设计和制造企业。"


def test_a_trailing_source_line_names_the_source():
    text = "无锡设立集成电路产业基金\n\n无锡设立百亿元集成电路产业基金。\n\n（来源：新华日报）\n"
    [article] = articles_from_text(text)
    assert article.source == "新华日报"
    assert article.body == "无锡设立百亿元集成电路产业基金。"


def test_a_single_line_file_is_its_own_title_and_body():
    [article] = articles_from_text("Wuxi opens chip testing centre.")
    assert article.title == "Wuxi opens chip testing centre."
    assert article.body == "Wuxi opens chip testing centre."
