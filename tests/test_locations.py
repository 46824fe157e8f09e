"""Place extraction: the seeds, both languages, and the false hits it must avoid."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.extract.gazetteer import load_gazetteer
from indexer.extract.locations import TITLE_WEIGHT, extract_places

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed(prefix: str) -> tuple[str, str]:
    """(title, body) of a seed: its first non-empty line, then the rest."""
    text = next(SEEDS.glob(f"{prefix}_*.txt")).read_text("utf-8").strip()
    title, _, body = text.partition("\n")
    return title, body


def places(text: str, title: str = "") -> list[str]:
    return extract_places(title, text)


# -- the seeds -----------------------------------------------------------------
def test_seed_001_is_about_jiangyin_in_wuxi_in_jiangsu():
    found = extract_places(*seed("001"))
    assert found[0] == "cn-jiangsu-wuxi-jiangyin"
    assert "cn-jiangsu" in found
    every = load_gazetteer().with_ancestors(found)
    assert {"cn-jiangsu-wuxi", "cn-jiangsu", "cn"} <= set(every)


def test_seed_004_chinese_page_mentions_jiangyin_wuxi_and_nanjing():
    found = extract_places(*seed("004"))
    assert {"cn-jiangsu-wuxi-jiangyin", "cn-jiangsu-wuxi", "cn-jiangsu-nanjing"} <= set(found)
    assert "cn-jiangsu" in found


def test_seed_000_mentions_wuxi_and_jiangsu_most():
    found = extract_places(*seed("000"))
    assert found[0] == "cn-jiangsu"
    assert "cn-jiangsu-wuxi" in found


def test_seed_002_finds_wuxi_districts_by_their_english_names():
    found = extract_places(*seed("002"))
    assert found[0] == "cn-jiangsu-wuxi"
    assert {"cn-jiangsu-wuxi-xinwu", "cn-jiangsu-wuxi-binhu", "cn-jiangsu-wuxi-yixing"} <= set(
        found
    )
    assert "us" not in found  # "US$10 billion" is money, not a place


def test_every_seed_yields_known_places_once_each():
    gazetteer = load_gazetteer()
    for path in sorted(SEEDS.glob("*.txt")):
        title, _, body = path.read_text("utf-8").strip().partition("\n")
        found = extract_places(title, body)
        assert found, path.name  # every seed is about somewhere in Jiangsu
        assert all(gazetteer.get(pid) is not None for pid in found), path.name
        assert len(found) == len(set(found)), path.name


# -- mentions in both languages -----------------------------------------------
def test_a_place_named_in_both_languages_is_one_place():
    assert places("无锡 is also written Wuxi; 無錫 in traditional script.") == ["cn-jiangsu-wuxi"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("held in Jiangyin City, east China's Jiangsu Province.", "cn-jiangsu-wuxi-jiangyin"),
        ("Xinhua Silk Road: E. China's Jiangyin sees 217 projects", "cn-jiangsu-wuxi-jiangyin"),
        ("promoting Jiangyin's new industrialization", "cn-jiangsu-wuxi-jiangyin"),
        ("Wuxi’s Number One Project", "cn-jiangsu-wuxi"),
        ("The Wuxi City government", "cn-jiangsu-wuxi"),
        ("East China's Jiangsu Province", "cn-jiangsu"),
        ("the Xinwu District of the city", "cn-jiangsu-wuxi-xinwu"),
        ("the Shanghai-Nanjing Development Zone", "cn-jiangsu-nanjing"),
        ("BEIJING, Oct. 31, 2023 /PRNewswire/", "cn-beijing"),
        ("江阴市委书记许峰", "cn-jiangsu-wuxi-jiangyin"),
        ("华虹无锡集成电路研发和制造基地", "cn-jiangsu-wuxi"),
        ("上海华虹(集团)有限公司", "cn-shanghai"),
        ("无锡人很高兴", "cn-jiangsu-wuxi"),
        ("江苏省委书记", "cn-jiangsu"),
        ("苏州工业园区", "cn-jiangsu-suzhou"),
        ("在上海证券交易所上市", "cn-shanghai"),
        ("东京都知事", "jp-tokyo"),
        ("新吴区和梁溪区", "cn-jiangsu-wuxi-xinwu"),
        ("江陰臨港經濟開發區", "cn-jiangsu-wuxi-jiangyin"),
        ("talks in Washington, D.C. ended", "us-washington"),
        ("exports from Guinea-Bissau rose", "gw"),
        ("a flight to São Paulo", "br-sao-paulo"),
    ],
)
def test_mentions_are_found_in_their_usual_forms(text, expected):
    assert expected in places(text)


def test_ancestors_are_not_added():
    assert places("Jiangyin grew fast.") == ["cn-jiangsu-wuxi-jiangyin"]


def test_the_most_mentioned_place_comes_first_and_the_title_weighs_more():
    body = "Wuxi and Wuxi again, then Suzhou."
    assert places(body) == ["cn-jiangsu-wuxi", "cn-jiangsu-suzhou"]
    assert TITLE_WEIGHT > 2
    assert extract_places("Suzhou news", body)[0] == "cn-jiangsu-suzhou"


def test_empty_text_has_no_places():
    assert extract_places("", "") == []
    assert extract_places("  ", "\n\n") == []


# -- false hits ----------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "游客在南京路、北京路和中山路上购物。",
        "他住在北京东路。",
        "Tourists walked down Nanjing Road and Beijing East Road.",
        "They met on Zhongshan Road.",
    ],
)
def test_streets_named_after_cities_are_not_the_cities(text):
    assert places(text) == []


def test_a_name_followed_by_a_street_word_in_the_next_sentence_still_counts():
    assert places("他来自北京。路很远。") == ["cn-beijing"]


@pytest.mark.parametrize(
    "text",
    [
        "We had a nice day at the beach.",
        "Nice work, the minister said.",
        "Nice Day Out For The Family",
        "NICE guidelines were updated.",
    ],
)
def test_nice_the_word_is_not_nice_the_city(text):
    assert "fr-nice" not in places(text)


@pytest.mark.parametrize(
    "text",
    [
        "The festival opened in Nice, France, on Monday.",
        "Nice, France hosted the summit.",
        "Officials from France met in Lyon. The mayor of Nice said it went well.",
        "Nice hosted the talks (尼斯峰会).",
    ],
)
def test_nice_the_city_is_found_with_context(text):
    assert "fr-nice" in places(text)


def test_nice_in_a_title_counts_when_the_body_confirms_it():
    assert "fr-nice" in extract_places("Nice", "The film festival in Nice opened today.")


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Michael Jordan scored 30 points.", "jo"),
        ("Chad Smith was hired by the company.", "td"),
        ("Georgia Tech won the game.", "ge"),
        ("Florence Nightingale founded modern nursing.", "it-florence"),
        ("a turkey sandwich and china plates", "tr"),
        ("a turkey sandwich and china plates", "cn"),
        ("Li Jiang said the plan is on track.", "cn-yunnan-lijiang"),
        ("Sun Zhongshan founded the republic.", "cn-guangdong-zhongshan"),
        ("孙中山先生在中山大学演讲。", "cn-guangdong-zhongshan"),
        ("The US$10 billion deal, paid in US dollars.", "us"),
        ("Let us go; Us and them.", "us"),
        ("ILI cases rose this winter.", "cn-xinjiang-ili"),
        ("Latin America and South America grew.", "us"),
        ("the South China Sea", "cn"),
        ("白银价格上涨", "cn-gansu-baiyin"),
        ("朝阳产业发展迅速", "cn-liaoning-chaoyang"),
        ("阿里云发布新品", "cn-tibet-ngari"),
        ("他在中山大学读书", "cn-guangdong-zhongshan"),
        ("在苏州河畔散步", "cn-jiangsu-suzhou"),
        ("金边债券收益率", "kh-phnom-penh"),
    ],
)
def test_people_words_and_phrases_are_not_places(text, absent):
    assert absent not in places(text)


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("King Abdullah of Jordan visited Beijing.", "jo"),
        ("Troops were sent to Chad and Niger.", "td"),
        ("The president of Georgia met officials in Tbilisi.", "ge"),
        ("Lijiang is a tourist town in Yunnan.", "cn-yunnan-lijiang"),
        ("The US and China", "us"),
        ("U.S.-China trade", "us"),
    ],
)
def test_the_same_names_as_places_are_found(text, present):
    assert present in places(text)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("Romania signed the deal.", "ro", "it-rome"),
        ("Romania signed the deal.", "ro", "om"),
        ("罗马尼亚总统访问布加勒斯特。", "ro", "it-rome"),
        ("Guinea-Bissau and Papua New Guinea", "gw", "gn"),
        ("South Sudan's capital", "ss", "sd"),
        ("Nigeria's oil", "ng", "ne"),
    ],
)
def test_a_name_inside_a_longer_name_is_not_a_mention(text, present, absent):
    found = places(text)
    assert present in found
    assert absent not in found


# -- names shared by several places ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected", "other"),
    [
        ("Suzhou, Anhui province reported growth.", "cn-anhui-suzhou", "cn-jiangsu-suzhou"),
        ("Suzhou reported growth.", "cn-jiangsu-suzhou", "cn-anhui-suzhou"),
        ("Taizhou in Zhejiang province", "cn-zhejiang-taizhou", "cn-jiangsu-taizhou"),
        ("Taizhou, like Wuxi, is in Jiangsu.", "cn-jiangsu-taizhou", "cn-zhejiang-taizhou"),
        ("徐州市鼓楼区", "cn-jiangsu-xuzhou-gulou", "cn-jiangsu-nanjing-gulou"),
        ("南京市鼓楼区", "cn-jiangsu-nanjing-gulou", "cn-jiangsu-xuzhou-gulou"),
        ("鼓楼区", "cn-jiangsu-nanjing-gulou", "cn-jiangsu-xuzhou-gulou"),
    ],
)
def test_a_shared_name_goes_to_the_place_whose_region_is_mentioned(text, expected, other):
    found = places(text)
    assert expected in found
    assert other not in found
