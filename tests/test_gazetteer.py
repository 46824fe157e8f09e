"""The bundled gazetteer: its data, its lookups and its hierarchy."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from indexer.extract.gazetteer import Gazetteer, load_gazetteer

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "indexer" / "extract" / "data"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def ids(places) -> list[str]:
    return [p.id for p in places]


# -- the data ------------------------------------------------------------------
def test_all_34_province_level_divisions_are_there(gaz):
    provinces = [p for p in gaz if p.level == "province"]
    assert len(provinces) == 34
    assert all(p.parent == "cn" for p in provinces)
    names = {p.name_en for p in provinces}
    assert {"Shanxi", "Shaanxi", "Inner Mongolia", "Tibet", "Hong Kong", "Macau"} <= names
    assert {"Taiwan", "Beijing", "Shanghai", "Chongqing", "Tianjin", "Guangxi"} <= names


def test_all_333_prefecture_level_divisions_are_there(gaz):
    prefectures = [p for p in gaz if p.level == "prefecture"]
    assert len(prefectures) == 333
    assert all(gaz.get(p.parent).level == "province" for p in prefectures)


def test_jiangsu_has_13_prefecture_level_cities(gaz):
    cities = gaz.children("cn-jiangsu")
    assert len(cities) == 13
    assert {p.name_en for p in cities} >= {"Nanjing", "Wuxi", "Suzhou", "Taizhou", "Suqian"}


def test_jiangsu_has_95_county_level_divisions(gaz):
    counties = [p for p in gaz if p.level == "county"]
    assert len(counties) == 95
    assert all(gaz.ancestors(p.id)[1].id == "cn-jiangsu" for p in counties)
    full_names = [next(n for n in (p.name_zh, *p.aliases) if n[-1] in "区市县") for p in counties]
    assert Counter(name[-1] for name in full_names) == {"区": 55, "市": 21, "县": 19}


def test_wuxi_is_made_of_five_districts_and_two_county_level_cities(gaz):
    children = {p.name_en for p in gaz.children("cn-jiangsu-wuxi")}
    assert children == {
        "Jiangyin",
        "Yixing",
        "Liangxi",
        "Xinwu",
        "Xishan",
        "Huishan",
        "Binhu",
    }


def test_about_195_countries_and_a_few_territories(gaz):
    countries = [p for p in gaz if p.level == "country"]
    assert 195 <= len(countries) <= 215
    assert {"cn", "us", "gb", "fr", "de", "jp", "kr", "ps", "va", "ss"} <= set(ids(countries))
    assert all(not p.parent for p in countries)


def test_at_least_150_major_world_cities(gaz):
    cities = [p for p in gaz if p.level == "city"]
    assert len(cities) >= 150
    names = {p.name_en for p in cities}
    assert {"Seoul", "Tokyo", "New York", "London", "Paris", "Nice", "Frankfurt"} <= names
    assert gaz.lookup("Singapore").level == "country"  # a city-state is its country


def test_every_parent_exists_and_every_chinese_chain_ends_at_china(gaz):
    for place in gaz:
        if place.parent:
            assert gaz.get(place.parent) is not None, place.id
        if place.id.startswith("cn-"):
            assert gaz.ancestors(place.id)[-1].id == "cn", place.id


def test_every_place_has_english_and_chinese_names(gaz):
    for place in gaz:
        assert place.name_en.strip() and place.name_zh.strip(), place.id
        assert place.name_zh_hant.strip(), place.id
        assert not re.search(r"[\u3400-\u9fff]", place.name_en), place.id


def test_ids_are_unique_readable_slugs(gaz):
    all_ids = ids(gaz)
    assert len(all_ids) == len(set(all_ids)) == len(gaz)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", pid) for pid in all_ids)
    assert gaz.get("cn-jiangsu-wuxi-jiangyin").name_zh == "江阴"
    assert gaz.get("fr-paris").parent == "fr"


def test_no_single_character_is_a_chinese_name(gaz):
    assert all(len(word) >= 2 for word in gaz.segmenter_words())
    assert gaz.lookup("锡") is None
    assert gaz.lookup("苏") is None


def test_the_tsv_is_what_the_generator_writes(tmp_path, monkeypatch):
    pytest.importorskip("babel")
    spec = importlib.util.spec_from_file_location("build_gazetteer", DATA / "build_gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUTPUT", tmp_path / "gazetteer.tsv")
    module.main()
    assert (tmp_path / "gazetteer.tsv").read_text("utf-8") == (DATA / "gazetteer.tsv").read_text(
        "utf-8"
    )


# -- lookups -----------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "无锡",
        "Wuxi",
        "無錫",
        "wuxi city",
        "Wuxi City",
        "无锡市",
        "WUXI",
        " wuxi ",
        "cn-jiangsu-wuxi",
    ],
)
def test_both_languages_and_scripts_name_the_same_place(gaz, name):
    assert gaz.lookup(name).id == "cn-jiangsu-wuxi"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jiangsu Province", "cn-jiangsu"),
        ("江苏省", "cn-jiangsu"),
        ("Wuxi Municipality", "cn-jiangsu-wuxi"),
        ("宜兴市", "cn-jiangsu-wuxi-yixing"),
        ("Inner Mongolia Autonomous Region", "cn-inner-mongolia"),
        ("内蒙古自治区", "cn-inner-mongolia"),
        ("Xizang", "cn-tibet"),
        ("香港特別行政區", "cn-hong-kong"),
        ("Macao", "cn-macau"),
        ("臺灣", "cn-taiwan"),
        ("Nanking", "cn-jiangsu-nanjing"),
        ("Xi'an", "cn-shaanxi-xian"),
        ("Xian", "cn-shaanxi-xian"),
        ("Ürümqi", "cn-xinjiang-urumqi"),
        ("Britain", "gb"),
        ("São Paulo", "br-sao-paulo"),
        ("Sao Paulo", "br-sao-paulo"),
        ("Côte d’Ivoire", "ci"),
        ("Washington, D.C.", "us-washington"),
        ("纽约", "us-new-york"),
        ("美国", "us"),
    ],
)
def test_suffixed_old_and_variant_names_are_found(gaz, name, expected):
    assert gaz.lookup(name).id == expected


def test_shaanxi_and_shanxi_are_different_provinces(gaz):
    assert gaz.lookup("Shaanxi").name_zh == "陕西"
    assert gaz.lookup("Shanxi").name_zh == "山西"


def test_acronyms_match_only_in_capitals(gaz):
    assert gaz.lookup("US").id == gaz.lookup("U.S.").id == gaz.lookup("USA").id == "us"
    assert gaz.lookup("UK").id == "gb"
    assert gaz.lookup("us", ids=False) is None  # "us" alone is the id
    assert gaz.lookup("Us") is None


def test_ids_can_be_left_out_for_free_text(gaz):
    assert gaz.lookup("in").id == "in"
    assert gaz.lookup("in", ids=False) is None
    assert gaz.lookup("it", ids=False) is None
    assert gaz.lookup("China", ids=False).id == "cn"


def test_a_shared_name_lists_every_place_most_prominent_first(gaz):
    assert ids(gaz.lookup_all("Suzhou")) == ["cn-jiangsu-suzhou", "cn-anhui-suzhou"]
    assert ids(gaz.lookup_all("Taizhou")) == ["cn-jiangsu-taizhou", "cn-zhejiang-taizhou"]
    assert ids(gaz.lookup_all("鼓楼区")) == [
        "cn-jiangsu-nanjing-gulou",
        "cn-jiangsu-xuzhou-gulou",
    ]
    assert gaz.lookup("Suzhou").id == "cn-jiangsu-suzhou"


def test_a_higher_level_keeps_its_name_over_a_lower_one(gaz):
    assert gaz.lookup("吉林").id == "cn-jilin"
    assert gaz.lookup("吉林市").id == "cn-jilin-jilin"
    assert gaz.lookup("Hainan").id == "cn-hainan"
    assert gaz.lookup("海南藏族自治州").id == "cn-qinghai-hainan"
    assert gaz.lookup("淮安").id == "cn-jiangsu-huaian"
    assert gaz.lookup("淮安区").id == "cn-jiangsu-huaian-huaian"


def test_short_forms_that_are_common_words_are_not_names(gaz):
    assert gaz.lookup("鼓楼") is None  # a drum tower
    assert gaz.lookup("朝阳") is None  # "sunrise"
    assert gaz.lookup("东海") is None  # the East China Sea
    assert gaz.lookup("东海县").id == "cn-jiangsu-lianyungang-donghai"


def test_unknown_and_empty_names_give_nothing(gaz):
    assert gaz.lookup("") is None
    assert gaz.lookup("   ") is None
    assert gaz.lookup("Atlantis") is None
    assert gaz.lookup_all("Atlantis") == []


def test_names_that_are_ordinary_words_are_flagged(gaz):
    for pid in ("fr-nice", "jo", "ge", "td", "tr", "gn"):
        assert gaz.get(pid).ambiguous, pid
    for pid in ("cn", "cn-jiangsu-wuxi", "fr-paris", "us"):
        assert not gaz.get(pid).ambiguous, pid


def test_label_shows_both_languages(gaz):
    assert gaz.get("cn-jiangsu-wuxi").label == "Wuxi 无锡"
    assert gaz.get("cn-jiangsu-wuxi").name_zh_hant == "無錫"


# -- hierarchy -------------------------------------------------------------------
def test_jiangyin_is_in_wuxi_in_jiangsu_in_china(gaz):
    chain = gaz.ancestors("cn-jiangsu-wuxi-jiangyin")
    assert ids(chain) == ["cn-jiangsu-wuxi", "cn-jiangsu", "cn"]
    assert gaz.ancestors("cn") == []
    assert gaz.ancestors("no-such-place") == []
    assert ids(gaz.ancestors("fr-nice")) == ["fr"]


def test_with_ancestors_keeps_order_and_drops_duplicates(gaz):
    got = gaz.with_ancestors(["cn-jiangsu-wuxi-jiangyin", "cn-jiangsu-suzhou", "fr-nice"])
    assert got == [
        "cn-jiangsu-wuxi-jiangyin",
        "cn-jiangsu-wuxi",
        "cn-jiangsu",
        "cn",
        "cn-jiangsu-suzhou",
        "fr-nice",
        "fr",
    ]


def test_segmenter_words_are_every_chinese_name_in_simplified_script(gaz):
    words = gaz.segmenter_words()
    assert {"江阴", "无锡", "无锡市", "梁溪区", "新吴区", "江苏省", "尼斯"} <= words
    assert "無錫" not in words
    assert not any(re.search(r"[A-Za-z]", w) for w in words)


def test_the_gazetteer_is_loaded_once_per_process():
    assert load_gazetteer() is load_gazetteer()


# -- reading other tables ------------------------------------------------------
HEADER = "id\tlevel\tparent\tname_en\tname_zh\tname_zh_hant\taliases\tambiguous\n"


def test_a_table_can_be_read_from_a_file(tmp_path):
    path = tmp_path / "places.tsv"
    path.write_text(
        HEADER
        + "xx\tcountry\t\tXanadu\t上都\t上都\tXandu|仙那度\t0\n"
        + "xx-a\tcity\txx\tAlpha\t阿尔法\t阿爾法\t\t1\n",
        encoding="utf-8",
    )
    gaz = Gazetteer.from_tsv(path)
    assert len(gaz) == 2
    assert gaz.lookup("仙那度").id == "xx"
    assert gaz.lookup("阿爾法").ambiguous
    assert ids(gaz.children("xx")) == ["xx-a"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("xx-a\tcity\txx\tAlpha\t阿尔法\t阿爾法\t\t0\n", "unknown parent"),
        ("xx\tcountry\t\tXanadu\t\t\t\t0\n", "English and Chinese"),
        ("xx\tcountry\t\tX\t上\t上\t\t0\nxx\tcountry\t\tX\t上\t上\t\t0\n", "duplicate"),
        ("xx\tplanet\t\tX\t上\t上\t\t0\n", "unknown level"),
    ],
)
def test_a_broken_table_is_refused_with_a_reason(tmp_path, rows, message):
    path = tmp_path / "places.tsv"
    path.write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        Gazetteer.from_tsv(path)
