"""Bytes to text: BOMs, UTF-16 without BOM, GBK vs Big5, declared charsets, junk."""

from __future__ import annotations

import codecs
import random

import pytest

from indexer.sources import SourceError, read_articles
from indexer.sources.encoding import declared_html_charset, decode

SHORT_ZH = "江苏"
HEADLINE_ZH = "华虹无锡集成电路研发和制造基地二期项目签约"
NAMES_ZH = "杜小刚 赵建军 秦咏薪"
LONG_ZH = (
    "本报讯 6月8日下午，华虹无锡集成电路研发和制造基地二期项目签约仪式在南京举行。"
    "省长许昆林见证签约并会见上海华虹（集团）有限公司董事长张素心一行。许昆林对张素心一行"
    "来江苏深化合作表示欢迎，对新项目签约表示祝贺。他说，江苏将集成电路产业作为先进制造业"
    "集群和优势产业链培育，已成为国内重要的生产基地。\n" * 20
)
# The same texts in traditional characters, as Taiwan and Hong Kong sites write them.
SHORT_ZH_TW = "江蘇"
HEADLINE_ZH_TW = "華虹無錫積體電路研發和製造基地二期項目簽約"
LONG_ZH_TW = (
    "本報訊 6月8日下午，華虹無錫積體電路研發和製造基地二期項目簽約儀式在南京舉行。"
    "省長許昆林見證簽約並會見上海華虹（集團）有限公司董事長張素心一行。他說，江蘇將積體電路"
    "產業作為先進製造業集群和優勢產業鏈培育，已成為國內重要的生產基地。\n" * 20
)


@pytest.mark.parametrize("text", [SHORT_ZH, HEADLINE_ZH, NAMES_ZH, "中", LONG_ZH])
@pytest.mark.parametrize("codec", ["gbk", "gb2312", "gb18030"])
def test_gbk_text_of_any_length_decodes_to_the_right_characters(text, codec):
    assert decode(text.encode(codec)) == text


@pytest.mark.parametrize("text", [SHORT_ZH_TW, HEADLINE_ZH_TW, "中", LONG_ZH_TW])
@pytest.mark.parametrize("codec", ["big5", "cp950"])
def test_big5_text_of_any_length_decodes_to_the_right_characters(text, codec):
    assert decode(text.encode(codec)) == text


def test_gb18030_four_byte_characters_decode():
    text = "𠀀 is a CJK Extension B character; 江苏 too."
    assert decode(text.encode("gb18030")) == text


def test_english_with_chinese_words_in_gbk_decodes():
    text = "Wuxi (无锡) is a city in Jiangsu (江苏) province."
    assert decode(text.encode("gbk")) == text


@pytest.mark.parametrize(
    "data",
    [
        "江苏 Jiangsu\n".encode(),
        codecs.BOM_UTF8 + "江苏 Jiangsu\n".encode(),
        codecs.BOM_UTF16_LE + "江苏 Jiangsu\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "江苏 Jiangsu\n".encode("utf-16-be"),
        "江苏 Jiangsu\n".encode("utf-32"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32-bom"],
)
def test_unicode_encodings_with_and_without_bom(data):
    assert decode(data) == "江苏 Jiangsu\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_bomless_utf16_is_recognised_by_its_nul_pattern(codec):
    text = "Jiangyin port handled 1.2 million containers (江阴港).\n"
    assert decode(text.encode(codec)) == text


def test_utf16_file_is_read_as_an_article(tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes(
        "无锡设立产业基金\r\n\r\n无锡设立百亿元集成电路产业基金。\r\n".encode("utf-16")
    )
    [article], _ = read_articles(path, "utf16.txt")
    assert article.title == "无锡设立产业基金"
    assert article.body == "无锡设立百亿元集成电路产业基金。"


def test_gbk_text_file_is_read_as_an_article(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("无锡设立产业基金\n\n无锡设立百亿元集成电路产业基金。\n".encode("gbk"))
    [article], _ = read_articles(path, "gbk.txt")
    assert article.title == "无锡设立产业基金"
    assert article.body == "无锡设立百亿元集成电路产业基金。"


def test_big5_text_file_is_read_as_an_article(tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes("無錫設立產業基金\n\n無錫設立百億元積體電路產業基金。\n".encode("big5"))
    [article], _ = read_articles(path, "big5.txt")
    assert article.title == "無錫設立產業基金"
    assert article.body == "無錫設立百億元積體電路產業基金。"


def test_windows_1252_english_is_not_mistaken_for_another_code_page():
    text = "Café crème brûlée — “quoted” résumé"
    assert decode(text.encode("cp1252")) == text


def test_utf8_cut_mid_character_keeps_the_rest():
    text = "无锡设立百亿元集成电路产业基金，重点支持设计和制造企业。" * 3
    assert decode(text.encode()[:-1]) == text[:-1]


def test_newlines_are_normalised_and_control_characters_stripped():
    data = b"line one\r\nline two\rline three\x0cfour\x00\x01\x1b end\xef\xbb\xbf"
    assert decode(data) == "line one\nline two\nline three\nfour end"


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("江苏".encode("gbk"), "gb2312", "江苏"),
        ("江蘇".encode("big5"), "big5", "江蘇"),
        # Valid multi-byte UTF-8 beats a stale declaration.
        ("江苏".encode(), "gb2312", "江苏"),
        ("Café".encode(), "iso-8859-1", "Café"),
        # A declaration that does not decode is ignored.
        ("江苏省无锡市".encode("gbk"), "utf-8", "江苏省无锡市"),
        ("江苏省无锡市".encode("gbk"), "no-such-charset", "江苏省无锡市"),
        ("江苏省无锡市".encode("gbk"), "base64", "江苏省无锡市"),
        # A Western label on a page that is plainly GBK Chinese is a stale template.
        (HEADLINE_ZH.encode("gbk"), "iso-8859-1", HEADLINE_ZH),
    ],
)
def test_declared_charset_is_honoured_when_it_decodes(data, declared, expected):
    assert decode(data, declared) == expected


@pytest.mark.parametrize(
    ("head", "charset"),
    [
        (b'<html><head><meta charset="gbk"></head>', "gbk"),
        (b"<meta charset=utf-8>", "utf-8"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />', "gb2312"),
        (b'<?xml version="1.0" encoding="big5"?><html>', "big5"),
        (b"<html><head><title>x</title></head>", None),
    ],
)
def test_html_charset_declarations_are_found(head, charset):
    assert declared_html_charset(head) == charset


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (random.Random(7).randbytes(5000), "not text"),
        (b"\x89PNG\r\n\x1a\n" + random.Random(8).randbytes(500), "PNG image"),
        (b"%PDF-1.7\n" + random.Random(9).randbytes(500), "PDF"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8a\x00", "invalid UTF-16"),
        (codecs.BOM_UTF16_LE + b"a\x00b", "invalid UTF-16"),
    ],
    ids=["random", "png", "pdf", "lone-surrogate", "odd-length"],
)
def test_undecodable_bytes_raise_source_error(data, reason):
    with pytest.raises(SourceError, match=reason):
        decode(data)
