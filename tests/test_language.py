"""Language by script: en, zh or mixed, with a few foreign words tolerated."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.extract.language import detect_language

from .conftest import SEEDS

CHINESE = (
    "华虹无锡集成电路研发和制造基地二期项目签约仪式在南京举行。省长见证签约并会见董事长一行。"
    "江苏将集成电路产业作为先进制造业集群和优势产业链培育，已成为国内重要的生产基地。"
)
ENGLISH = (
    "Wuxi has continuously expanded the integrated circuit industry chain by gathering "
    "more than 400 enterprises so as to create an industrial cluster that covers all "
    "aspects of the integrated circuit industry. "
)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("000", "en"), ("001", "en"), ("002", "en"), ("003", "en"), ("004", "zh")],
)
def test_seed_languages(prefix, expected):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    assert detect_language(path.read_text(encoding="utf-8")) == expected


def test_chinese_article_quoting_english_names_is_chinese():
    text = CHINESE + "IGBT芯片、IP WUXI、官方微信。投稿 jnwbzbb@163.com " + CHINESE
    assert detect_language(text) == "zh"


def test_english_article_naming_chinese_places_is_english():
    text = ENGLISH + "Wuxi (无锡) and Jiangyin (江阴) signed with Hua Hong (华虹). " + ENGLISH
    assert detect_language(text) == "en"


def test_the_same_text_in_both_languages_is_mixed():
    text = "华虹无锡集成电路项目签约仪式在南京举行。\n"
    text += "The signing ceremony of the Hua Hong Wuxi integrated circuit project was held "
    text += "in Nanjing.\n"
    assert detect_language(text * 5) == "mixed"


def test_a_long_english_quote_in_a_chinese_article_makes_it_mixed():
    assert detect_language(CHINESE + ENGLISH) == "mixed"


def test_traditional_chinese_is_chinese():
    assert detect_language("華虹無錫集成電路研發和製造基地二期項目簽約儀式在南京舉行。") == "zh"


@pytest.mark.parametrize("text", ["", "   \n", "2023-10-31 12:00", "—— … ！？。，", "😀😀"])
def test_text_without_letters_of_either_script_is_english(text):
    assert detect_language(text) == "en"


def test_accented_latin_alone_is_not_chinese():
    assert detect_language("Café Zürich São Paulo") == "en"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_detect_language_never_raises_and_answers_one_of_three(text):
    assert detect_language(text) in {"en", "zh", "mixed"}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("华虹无锡集成电路的，。 ")), min_size=1))
def test_text_of_han_characters_and_punctuation_is_chinese(text):
    expected = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
    assert detect_language(text) == expected
