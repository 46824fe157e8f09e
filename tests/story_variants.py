"""A deterministic set of wire stories and their republished copies, for near-duplicate grouping.

Every story is on the SAME topic as the others of its language (the
Yangtze delta's chip industry and its weather: the same places, companies
and vocabulary), so that grouping must tell copies from different events
told in the same words. Each story's sentences are drawn from phrase banks
(written for this set) by its own random stream, with its own figures and
date; then it is republished 5 to 10 times with what sites do to a wire
story: a site header or footer, the headline repeated in the body with a
prefix ("Xinhua:", "快讯："), a dropped paragraph, two paragraphs swapped,
the last paragraph cut short, an editor's note, and for Chinese,
traditional characters.

`articles()` gives dicts (id, story, title, body, date, language, source);
`write_archive(folder)` writes them as one `.json` file each.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from functools import cache
from pathlib import Path

STORIES_PER_LANGUAGE = 12
SENTENCES = 8  # 4 paragraphs of 2 sentences

EN_SUBJECTS = [
    "The Jiangsu provincial government",
    "Officials in Wuxi",
    "A spokesman for the Suzhou Industrial Park",
    "Analysts at a Shanghai brokerage",
    "The city's development and reform commission",
    "Executives of the wafer maker",
    "Local planners in Jiangyin",
    "A committee of the Nanjing municipal congress",
    "The chip packaging company",
    "Engineers at the new fabrication plant",
    "Residents along the Grand Canal",
    "The regional meteorological bureau",
    "Investors in the Yangtze River Delta",
    "Port authorities in Nantong",
    "A consortium of equipment suppliers",
    "The university's microelectronics institute",
]
EN_ACTIONS = [
    "announced plans to",
    "said on Tuesday that it would",
    "has agreed to",
    "warned that it may have to",
    "is expected next month to",
    "confirmed it will",
    "voted unanimously to",
    "has already begun to",
    "declined to say when it would",
    "signed a contract to",
    "unveiled a proposal to",
    "is under pressure to",
]
EN_OBJECTS = [
    "expand a 12-inch wafer production line",
    "build an advanced packaging campus",
    "raise flood defences along the river",
    "open a research centre for power semiconductors",
    "relocate a testing facility to an industrial zone",
    "cut electricity use at its foundries",
    "train several thousand technicians",
    "subsidise purchases of lithography tools",
    "double the capacity of a gallium nitride plant",
    "close an ageing assembly workshop",
    "set up a venture fund for chip design start-ups",
    "dredge the canal before the rainy season",
    "upgrade the cooling systems of its data centres",
    "recruit engineers from abroad",
]
EN_ADJUNCTS = [
    "before the end of the year",
    "despite weaker demand for memory chips",
    "after heavy rain flooded several streets",
    "as part of a five-year plan for the province",
    "with support from state-owned banks",
    "following a visit by national officials",
    "amid export restrictions on equipment",
    "in cooperation with a Korean partner",
    "once environmental approval is granted",
    "while keeping the existing lines running",
    "at a cost that was not disclosed",
    "to meet orders from carmakers",
]
EN_FIGURES = [
    "The project is valued at {n} billion yuan, according to a filing.",
    "About {n} hundred jobs are involved, the statement said.",
    "Output is forecast to reach {n} million units by {y}.",
    "The first phase covers {n} hectares on the east bank.",
    "Shares of the company rose {n} percent in Shanghai trading.",
    "Rainfall reached {n} hundred millimetres in {y}, a record.",
]

ZH_SUBJECTS = [
    "江苏省政府",
    "无锡市有关部门",
    "苏州工业园区管委会",
    "上海一家券商的分析师",
    "市发展和改革委员会",
    "这家晶圆制造企业的高管",
    "江阴当地规划部门",
    "南京市人大常委会",
    "这家芯片封装测试公司",
    "新建晶圆厂的工程师",
    "大运河沿岸的居民",
    "省气象局",
    "长三角地区的投资者",
    "南通港口管理部门",
    "一批设备供应商组成的联合体",
    "高校微电子研究院",
]
ZH_ACTIONS = [
    "宣布计划",
    "周二表示将",
    "已同意",
    "警告称可能不得不",
    "预计下月",
    "确认将",
    "全票通过决定",
    "已经开始",
    "拒绝透露何时",
    "签署合同",
    "提出方案",
    "正面临压力需要",
]
ZH_OBJECTS = [
    "扩建一条十二英寸晶圆生产线",
    "建设先进封装产业园",
    "加固长江沿岸防洪堤坝",
    "设立功率半导体研发中心",
    "将测试工厂迁往工业园区",
    "削减晶圆厂的用电量",
    "培训数千名技术工人",
    "补贴企业购买光刻设备",
    "把氮化镓工厂产能翻番",
    "关闭一座老旧的组装车间",
    "设立芯片设计创业投资基金",
    "在雨季来临前疏浚运河",
    "升级数据中心的冷却系统",
    "从海外招聘工程师",
]
ZH_ADJUNCTS = [
    "力争年底前完成",
    "尽管存储芯片需求走弱",
    "此前暴雨淹没了多条街道",
    "作为全省五年规划的一部分",
    "并获得国有银行的支持",
    "此前国家有关部门曾来调研",
    "正值设备出口受到限制之际",
    "并与一家韩国企业合作",
    "待环保审批通过后实施",
    "同时保持现有产线运转",
    "具体金额没有披露",
    "以满足汽车制造商的订单",
]
ZH_FIGURES = [
    "据公告显示，该项目总投资{n}亿元。",
    "声明称，项目涉及约{n}百个就业岗位。",
    "预计到{y}年产量将达到{n}百万件。",
    "一期工程占地{n}公顷，位于东岸。",
    "公司股价在上海交易中上涨百分之{n}。",
    "{y}年降雨量达到{n}百毫米，创下纪录。",
]

EN_HEADERS = [
    "Home | News | Business | Technology | Subscribe",
    "JIANGSU DAILY ONLINE - Your window on the delta",
    "Advertisement",
    "Breaking: sign up for our morning newsletter",
]
EN_FOOTERS = [
    "Copyright 2024 Delta Media Group. All rights reserved.",
    "Share this article: Facebook Twitter Email",
    "Editor: Zhang Wei | Reporter: Li Na",
    "Related stories: more from our technology desk",
]
ZH_HEADERS = [
    "首页 | 新闻 | 财经 | 科技 | 订阅",
    "江南时报网 —— 长三角新闻门户",
    "广告",
    "点击关注我们的公众号，获取更多资讯",
]
ZH_FOOTERS = [
    "版权所有 © 2024 长三角传媒集团",
    "分享到：微信 微博 QQ空间",
    "责任编辑：张伟 记者：李娜",
    "相关新闻：更多科技报道",
]
EN_PREFIXES = ["Xinhua: ", "Reuters - ", "UPDATE 1-", "BREAKING: "]
ZH_PREFIXES = ["快讯：", "新华社：", "重磅！", "【独家】"]
EN_NOTES = [
    "Editor's note: this story was updated to correct a figure.",
    "This article was originally published by a partner agency.",
]
ZH_NOTES = ["编者按：本文根据新华社电稿编发。", "本文转载自合作媒体，内容有删节。"]
SOURCES = ["Delta Daily", "Wire Mirror", "Jiangnan Times", "Canal Post", "Chip Watch", "九派新闻"]
FIRST_DAY = date(2024, 3, 1)


def _sentence(rng: random.Random, lang: str) -> str:
    if lang == "en":
        subject, action, obj, adjunct = (
            rng.choice(b) for b in (EN_SUBJECTS, EN_ACTIONS, EN_OBJECTS, EN_ADJUNCTS)
        )
        return f"{subject} {action} {obj} {adjunct}."
    subject, action, obj, adjunct = (
        rng.choice(b) for b in (ZH_SUBJECTS, ZH_ACTIONS, ZH_OBJECTS, ZH_ADJUNCTS)
    )
    return f"{subject}{action}{obj}，{adjunct}。"


def _figure(rng: random.Random, lang: str) -> str:
    bank = EN_FIGURES if lang == "en" else ZH_FIGURES
    return rng.choice(bank).format(n=rng.randint(2, 97), y=rng.randint(2025, 2030))


def _story(number: int, lang: str) -> tuple[str, list[str], date]:
    """(headline, paragraphs, date) of one original wire story."""
    rng = random.Random(f"story-{lang}-{number}")
    sentences = [_sentence(rng, lang) for _ in range(SENTENCES)]
    sentences[rng.randrange(2, SENTENCES)] = _figure(rng, lang)
    sentences[1] = _figure(rng, lang)
    joiner = " " if lang == "en" else ""
    paragraphs = [joiner.join(sentences[i : i + 2]) for i in range(0, SENTENCES, 2)]
    headline = sentences[0].rstrip(".。").split("，")[0]
    return headline, paragraphs, FIRST_DAY + timedelta(days=rng.randrange(200))


@cache
def _to_traditional():
    import opencc

    return opencc.OpenCC("s2t").convert


def _variant(rng: random.Random, lang: str, headline: str, paragraphs: list[str]):
    """A republished copy: 1-3 of the edits sites make to a wire story."""
    en = lang == "en"
    paras = list(paragraphs)
    title = headline
    edits = rng.sample(
        ["header", "footer", "prefix", "drop", "swap", "cut", "note"]
        + ([] if en else ["traditional"]),
        rng.randint(1, 3),
    )
    if "drop" in edits:
        del paras[rng.randrange(1, len(paras))]
    if "swap" in edits:
        i = rng.randrange(1, len(paras) - 1)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
    if "cut" in edits:
        last = paras[-1]
        paras[-1] = last[: len(last) // 2] + ("..." if en else "……")
    if "prefix" in edits:
        title = rng.choice(EN_PREFIXES if en else ZH_PREFIXES) + headline
        paras.insert(0, title)
    if "note" in edits:
        paras.append(rng.choice(EN_NOTES if en else ZH_NOTES))
    if "header" in edits:
        paras[:0] = rng.sample(EN_HEADERS if en else ZH_HEADERS, 2)
    if "footer" in edits:
        paras.extend(rng.sample(EN_FOOTERS if en else ZH_FOOTERS, 2))
    body = "\n\n".join(paras)
    if "traditional" in edits:
        title, body = _to_traditional()(title), _to_traditional()(body)
    return title, body


@cache
def articles() -> tuple[dict, ...]:
    """Every article of the set, originals first; `story` is the true story's name."""
    out = []
    for lang in ("en", "zh"):
        for number in range(STORIES_PER_LANGUAGE):
            name = f"{lang}-{number:02d}"
            headline, paragraphs, day = _story(number, lang)
            rng = random.Random(f"copies-{name}")
            texts = [(headline, "\n\n".join(paragraphs))]
            texts += [_variant(rng, lang, headline, paragraphs) for _ in range(rng.randint(5, 10))]
            for copy, (title, body) in enumerate(texts):
                out.append(
                    {
                        "id": f"{name}-{copy}",
                        "story": name,
                        "title": title,
                        "body": body,
                        "date": (day + timedelta(days=copy and rng.randint(0, 3))).isoformat(),
                        "language": lang,
                        "source": SOURCES[(number + copy) % len(SOURCES)],
                    }
                )
    return tuple(out)


def write_archive(folder: Path, which=None) -> Path:
    """One `.json` file per article (`which`: a filter on the article dicts)."""
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles():
        if which is None or which(article):
            record = {k: v for k, v in article.items() if k not in ("id", "story")}
            path = folder / f"{article['id']}.json"
            path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    return folder


def pairwise(truth: list[str], found: list[int]) -> tuple[float, float]:
    """(precision, recall) over pairs of articles: same found group vs same true story."""
    same_true = same_found = both = 0
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            t, f = truth[i] == truth[j], found[i] == found[j]
            same_true += t
            same_found += f
            both += t and f
    precision = both / same_found if same_found else 1.0
    recall = both / same_true if same_true else 1.0
    return precision, recall
