"""Publication dates: declared values, paths/URLs and datelines in the text.

The rule the tests pin down: a date is only as precise as its evidence, and
an unknown date stays unknown (never today, never a guessed year).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.article import UNKNOWN_DATE, PubDate
from indexer.extract.dates import date_from_path, extract_date, parse_date_value

from .conftest import SEEDS


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def iso(value: PubDate) -> str | None:
    return value.iso


# --------------------------------------------------------------------------
# The seeds
# --------------------------------------------------------------------------


def test_seed_001_dateline_gives_the_publication_date_not_the_event_date():
    text = seed("001")
    assert iso(extract_date(text)) == "2023-10-31"
    # Without the ' date 2023-10-31' header line, the 'BEIJING, Oct. 31, 2023
    # /PRNewswire/ --' dateline still wins over 'held on October 28'.
    without_header = text.replace(" date 2023-10-31 ", "", 1)
    assert "2023-10-31" not in without_header
    assert iso(extract_date(without_header)) == "2023-10-31"


def test_seed_003_date_header_at_the_top_of_the_text():
    assert iso(extract_date(seed("003"))) == "2023-10-30"


def test_seed_002_on_month_day_takes_the_most_mentioned_year():
    # 'On September 4': 'the 2020 Wuxi … Fair' twice, 'August 2017' once;
    # the plan's span '(2020-2025)' is not a mention of either year.
    value = extract_date(seed("002"))
    assert iso(value) == "2020-09-04"
    assert value.precision == "day"


def test_seed_004_chinese_month_day_without_honest_year_is_unknown():
    # '本报讯 6月8日下午': the only year in the page is '计划…2024年春节后正式投产',
    # a plan, which says nothing about when the page was printed.
    assert extract_date(seed("004")) == UNKNOWN_DATE


def test_seed_004_chinese_month_day_takes_year_from_path():
    value = extract_date(seed("004"), path="jiangnan/2023/06/10/page-A02.txt")
    assert iso(value) == "2023-06-08"


def test_seed_000_without_any_date_is_unknown():
    # 'In 2022, Wuxi recorded…', 'From January to May' and 'in 1995' are no dateline.
    assert extract_date(seed("000")) == UNKNOWN_DATE


# --------------------------------------------------------------------------
# parse_date_value
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2023-10-31", "2023-10-31", "day"),
        ("2023-10-31T08:00:00+08:00", "2023-10-31", "day"),
        ("2023-10-31T08:00:00.123Z", "2023-10-31", "day"),
        ("2023-10-31 08:00:00 +0800", "2023-10-31", "day"),
        ("2023-10", "2023-10", "month"),
        ("2023", "2023", "year"),
        ("Tue, 31 Oct 2023 08:00:00 GMT", "2023-10-31", "day"),
        ("Tue, 31 Oct 2023 08:00:00 +0000", "2023-10-31", "day"),
        ("2023/10/31 08:00", "2023-10-31", "day"),
        ("2023.10.31", "2023-10-31", "day"),
        ("20231031", "2023-10-31", "day"),
        ("20231031T080000Z", "2023-10-31", "day"),
        ("2023年10月31日", "2023-10-31", "day"),
        ("2023年10月31日 10:20", "2023-10-31", "day"),
        ("2023 年 10 月 31 日", "2023-10-31", "day"),
        ("2023年10月", "2023-10", "month"),
        ("２０２３年１０月３１日", "2023-10-31", "day"),
        ("２０２３－１０－３１", "2023-10-31", "day"),
        ("二〇二三年十月三十一日", "2023-10-31", "day"),
        ("二零一七年三月二十四日", "2017-03-24", "day"),
        ("一九九八年十二月一日", "1998-12-01", "day"),
        ("Oct. 31, 2023", "2023-10-31", "day"),
        ("October 31st, 2023", "2023-10-31", "day"),
        ("Tuesday, October 31st, 2023 8:00 AM EST", "2023-10-31", "day"),
        ("31 October 2023", "2023-10-31", "day"),
        ("31-Oct-2023", "2023-10-31", "day"),
        ("October 2023", "2023-10", "month"),
        ("Sept. 2023", "2023-09", "month"),
        ("31/10/2023", "2023-10-31", "day"),
        ("10/31/2023", "2023-10-31", "day"),
        ("31.10.2023", "2023-10-31", "day"),
        ("2023 October 31", "2023-10-31", "day"),  # via python-dateutil
        ("  2023-10-31\n", "2023-10-31", "day"),
        ("发布时间：2023-10-31 10:20", "2023-10-31", "day"),
        ("Published: Oct. 31, 2023", "2023-10-31", "day"),
    ],
)
def test_declared_value_forms(value, expected, precision):
    parsed = parse_date_value(value)
    assert parsed.iso == expected
    assert parsed.precision == precision


def test_declared_value_keeps_the_publishers_local_date_not_utc():
    assert iso(parse_date_value("2023-10-31T01:00:00+08:00")) == "2023-10-31"
    assert iso(parse_date_value("Tue, 31 Oct 2023 23:30:00 -0500")) == "2023-10-31"


def test_declared_value_with_ambiguous_day_and_month_keeps_only_the_year():
    value = parse_date_value("05/06/2023")
    assert value == PubDate(2023)
    assert value.precision == "year"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "garbage",
        "n/a",
        "unknown",
        "10",  # dateutil would put it in the current month of the current year
        "Oct 31",  # no year: never today's
        "31/10/23",
        "2023-02-30",
        "2023-13-01",
        "2023年13月",
        "1850-01-01",
        "2150-01-01",
        "0000-00-00",
        "hello 2023 world",
        "x" * 500,
    ],
)
def test_declared_garbage_is_unknown(value):
    assert parse_date_value(value) == UNKNOWN_DATE


def test_declared_value_of_the_wrong_type_is_unknown():
    assert parse_date_value(None) == UNKNOWN_DATE  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# date_from_path
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("http://www.news.cn/2019-12/10/c_1125327111.htm", "2019-12-10"),
        ("https://example.com/news/20191210/abc.html", "2019-12-10"),
        ("archive/2019/12/10/story.html", "2019-12-10"),
        ("blog/2019-12-10-slug.html", "2019-12-10"),
        ("blog/2019_12_10_slug.html", "2019-12-10"),
        ("http://wx.gov.cn/xxgk/201912/t20191210_123.html", "2019-12-10"),
        ("http://people.com.cn/n1/2019/1210/c1004-31500000.html", "2019-12-10"),
        ("photos/IMG_20191210083000.jpg", "2019-12-10"),
        ("C:\\archive\\2019\\12\\10\\story.txt", "2019-12-10"),
        ("archive/2019/12/", "2019-12"),
        ("archive/2019-12/index.html", "2019-12"),
        ("archive/201912/index.html", "2019-12"),
        ("archive/2021/story.html", "2021"),
        ("https://example.com/2021/", "2021"),
    ],
)
def test_dates_in_paths_and_urls(path, expected):
    assert iso(date_from_path(path)) == expected


@pytest.mark.parametrize(
    "path",
    [
        "",
        "seeds/001_f439738e4d05074a.txt",  # a hash is not a date
        "news/123456789.html",  # an id
        "news/c_1125327111.htm",
        "news/2019121012345.html",  # 13 digits: an id that starts like a date
        "files/ab20191210cd.txt",  # inside a hash
        "cache/201912109999.jpg",  # 12 digits whose 'time' is no time
        "img/1920/1080/photo.jpg",  # a size
        "resize/w/2048/photo.jpg",
        "w/2021/photo.jpg",
        "archive/2020/2021/story.html",  # two year folders: ambiguous
        "archive/2021/17/story.html",  # the year folder sits next to a number
        "2021.html",  # a file name, not a folder
        "report-1999-2000.pdf",
        "archive/2019-13-45/x.html",
        "https://example.com/story?date=20191210",  # query strings hold ids
        "https://news2019.example.com/story.html",  # so do host names
    ],
)
def test_ids_sizes_and_ambiguous_numbers_in_paths_are_not_dates(path):
    assert date_from_path(path) == UNKNOWN_DATE


def test_most_precise_date_in_a_path_wins():
    assert iso(date_from_path("2019/12/t20191210_1.html")) == "2019-12-10"


# --------------------------------------------------------------------------
# extract_date: datelines
# --------------------------------------------------------------------------

BODY = "\n\nThe projects cover new energy and integrated circuits. " * 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BEIJING, Oct. 31, 2023 /PRNewswire/ -- 217 projects were signed.", "2023-10-31"),
        ("WUXI, China, October 31, 2023 -- The summit opened.", "2023-10-31"),
        ("Title line\n(Xinhua) 2023-10-31 The fair opened.", "2023-10-31"),
        ("标题\n发布时间：2023-10-31 10:20 来源：无锡日报\n正文", "2023-10-31"),
        ("标题\n2023年10月31日 星期二\n正文", "2023-10-31"),
        ("本报讯 2023年10月31日下午，项目签约。", "2023-10-31"),
        ("本报讯 ２０２３年１０月３１日，项目签约。", "2023-10-31"),
        ("本报讯 二〇二三年十月三十一日，项目签约。", "2023-10-31"),
        ("新华社北京10月31日电（记者 王拓）项目签约。2023年11月1日", "2023-10-31"),
        ("Published: 31 October 2023\nThe fair opened.", "2023-10-31"),
    ],
)
def test_dateline_forms(text, expected):
    assert iso(extract_date(text + BODY)) == expected


def test_dateline_wins_over_an_earlier_unmarked_date():
    text = "Fair to open on Oct. 28, 2023\n\nBEIJING, Oct. 31, 2023 /PRNewswire/ -- The fair"
    assert iso(extract_date(text)) == "2023-10-31"


def test_event_date_deep_in_the_story_is_not_the_publication_date():
    text = "Jiangyin signs 217 projects.\n" + "Filler sentence about industry. " * 60
    text += "\nThe summit was held on October 28, 2023 in Jiangyin."
    assert extract_date(text) == UNKNOWN_DATE


def test_dateline_is_only_looked_for_near_the_start():
    text = "标题\n" + "江阴加快新型工业化。" * 120 + "\n本报讯 2023年6月8日下午，项目签约。"
    assert extract_date(text) == UNKNOWN_DATE


def test_unmarked_date_in_the_lead_counts_when_nothing_better_exists():
    text = "The fair held on October 28, 2023 signed 217 projects." + BODY
    assert iso(extract_date(text)) == "2023-10-28"


def test_unmarked_lead_date_gives_way_to_a_full_date_in_the_path():
    text = "The fair held on October 28, 2023 signed 217 projects." + BODY
    assert iso(extract_date(text, path="2023/10/31/fair.html")) == "2023-10-31"


def test_marked_dateline_wins_over_the_path_date():
    text = "BEIJING, Oct. 30, 2023 /PRNewswire/ -- The fair opened." + BODY
    assert iso(extract_date(text, path="2023/10/31/fair.html")) == "2023-10-30"


def test_lowercase_may_is_not_a_month():
    text = "Prices may 5 percent rise, analysts said." + BODY
    assert extract_date(text) == UNKNOWN_DATE


def test_impossible_or_out_of_range_dates_are_rejected():
    assert extract_date("BEIJING, Feb. 30, 2023 -- x") == UNKNOWN_DATE
    assert extract_date(" date 1850-01-01 old news") == UNKNOWN_DATE
    assert extract_date("本报讯 2月29日，签约。", path="2023/x.txt") == UNKNOWN_DATE
    assert iso(extract_date("本报讯 2月29日，签约。", path="2024/x.txt")) == "2024-02-29"


@pytest.mark.parametrize("text", ["", " ", "\n\n", "没有日期的文章。", "No date at all."])
def test_text_without_dates_is_unknown(text):
    assert extract_date(text) == UNKNOWN_DATE


# --------------------------------------------------------------------------
# extract_date: year inference for month-day datelines
# --------------------------------------------------------------------------


def test_chinese_month_day_takes_year_from_path():
    assert iso(extract_date("本报讯 6月8日下午，签约。", path="2023/06/x.txt")) == "2023-06-08"


def test_chinese_numeral_month_day_takes_year_from_path():
    value = extract_date("本报讯 十月三十一日，签约。", path="news/2023/index/x.txt")
    assert iso(value) == "2023-10-31"


def test_english_month_day_takes_year_from_url():
    value = extract_date("On Sept. 4, the plan was released.", url="https://x.cn/2020-09/c_1.htm")
    assert iso(value) == "2020-09-04"


def test_url_year_is_preferred_to_path_year():
    value = extract_date("WUXI, Sept. 4 -- The plan.", url="https://x.cn/2020/a.htm", path="2019/a")
    assert iso(value) == "2020-09-04"


def test_a_sentence_opening_with_on_does_not_beat_a_dateline_that_opens_the_body():
    text = (
        "Wuxi integration center\nDec. 16, 2023 Wuxi has expanded the industry chain. "
        "The city grew. On June 18th, the 2020 Wuxi Fair was held in Shanghai."
    )
    assert iso(extract_date(text)) == "2023-12-16"


def test_december_dateline_filed_in_january_belongs_to_the_year_before():
    value = extract_date("本报讯 12月31日，跨年活动举行。", path="2020/01/02/page.txt")
    assert iso(value) == "2019-12-31"


def test_january_dateline_filed_late_in_december_belongs_to_the_next_year():
    value = extract_date("本报讯 1月1日，新年活动举行。", path="2019/12/31/page.txt")
    assert iso(value) == "2020-01-01"


def test_month_day_takes_year_from_a_nearby_full_date_in_the_text():
    text = "本报讯 6月8日下午，项目签约。" + "正文。" * 50 + "\n江南晚报 2023年6月9日 星期五"
    assert iso(extract_date(text)) == "2023-06-08"


def test_a_full_date_far_from_the_month_day_is_only_one_mention():
    text = "On September 4, the firm opened a plant. It was founded on March 3, 2001."
    assert extract_date(text) == UNKNOWN_DATE


def test_a_single_bare_year_is_not_enough():
    # Articles mostly cite last year's figures: one mention proves nothing.
    text = "On September 4, the plan was released. In 2022, Wuxi recorded 200 billion yuan."
    assert extract_date(text) == UNKNOWN_DATE


def test_two_mentions_of_one_year_are_enough():
    text = (
        "On September 4, the plan was released. In 2020, Wuxi grew. "
        "The 2020 fair was held in June. In 2017, the base was signed."
    )
    assert iso(extract_date(text)) == "2020-09-04"


def test_tied_years_give_unknown():
    text = "On September 4, the plan. In 2019, a. In 2019, b. In 2020, c. In 2020, d."
    assert extract_date(text) == UNKNOWN_DATE


def test_spans_deadlines_and_plans_are_not_year_evidence():
    text = (
        "On September 4, the Development Plan (2020-2025) was released. "
        "Output will reach 100 billion yuan by 2025. The 2035 vision was set. "
        "From 2021 to 2025 the city invests. The city will build 5 parks in 2026. "
        "Work continues until 2025."
    )
    assert extract_date(text) == UNKNOWN_DATE


def test_chinese_plans_and_deadlines_are_not_year_evidence():
    text = (
        "本报讯 6月9日，项目开工。计划今年年底前完成厂房建设，2024年春节后正式投产。"
        "到2025年产值达百亿元。2024年底前建成。项目预计2024年投产。"
    )
    assert extract_date(text) == UNKNOWN_DATE


def test_chinese_year_mentions_are_evidence():
    text = "本报讯 6月9日，项目开工。2022年，全市产值增长。2022年新增企业60家。"
    assert iso(extract_date(text)) == "2022-06-09"


def test_numbers_emails_and_ids_are_not_years():
    text = (
        "本报讯 6月9日，签约。新闻投稿 wbfkb2020@126.com 副刊 wbfkb2020@126.com "
        "CN32-0092 邮编:214125 2000元 2000吨 热线:0510-81853620"
    )
    assert extract_date(text) == UNKNOWN_DATE


def test_english_quantities_are_not_years():
    text = "On September 4, over 2000 workers and 1999 engineers joined; 2000 yuan each."
    assert extract_date(text) == UNKNOWN_DATE


def test_month_day_without_any_evidence_is_unknown_never_this_year():
    assert extract_date("On September 4, the plan was released.") == UNKNOWN_DATE
    assert extract_date("本报讯 6月8日下午，签约。") == UNKNOWN_DATE


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

# Strings built from the pieces dates are made of reach far more code paths
# than uniformly random text does.
DATEISH = st.lists(
    st.sampled_from(
        [
            *"0123456789０１２９-/.:, \n年月日号十二三〇一九本报讯电()（）",
            *("Oct.", "Sept", "May", "On ", "BEIJING, ", "date ", "发布时间：", "2023", "2020"),
            *("/PRNewswire/ --", "(Xinhua)", "by ", "in ", "the ", "计划", "T08:00", "GMT"),
        ]
    ),
    max_size=40,
).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=300), DATEISH)


def _is_sound(value: PubDate) -> bool:
    if not value.known:
        return value == UNKNOWN_DATE
    if not 1900 <= value.year <= 2100:
        return False
    if value.day is not None:
        dt.date(value.year, value.month, value.day)  # raises if not a real day
    return value.month is None or 1 <= value.month <= 12


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_parse_date_value_never_raises_and_returns_a_sound_date(value):
    assert _is_sound(parse_date_value(value))


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, ANY_TEXT, ANY_TEXT)
def test_extract_date_never_raises_and_returns_a_sound_date(text, path, url):
    assert _is_sound(extract_date(text, path=path, url=url))


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_date_from_path_never_raises_and_returns_a_sound_date(path):
    assert _is_sound(date_from_path(path))


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_real_date_round_trips_through_its_common_spellings(day):
    expected = PubDate(day.year, day.month, day.day)
    spellings = [
        day.isoformat(),
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%d %B %Y"),
        day.strftime("%b. %d, %Y"),
        day.strftime("%a, %d %b %Y 08:00:00 GMT"),
    ]
    for spelling in spellings:
        assert parse_date_value(spelling) == expected, spelling


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_month_day_dateline_takes_its_year_from_the_path(day):
    path = f"paper/{day:%Y/%m/%d}/page.txt"
    expected = PubDate(day.year, day.month, day.day)
    assert extract_date(f"本报讯 {day.month}月{day.day}日，签约。", path=path) == expected
    assert extract_date(f"On {day:%B} {day.day}, the fair opened.", path=path) == expected
    assert date_from_path(path) == expected
