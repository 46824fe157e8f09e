"""The bilingual analyzer: positions, offsets, folding, mixed tokens."""

from __future__ import annotations

import re
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import analyze, query_terms
from indexer.analysis.bigrams import BUCKETS, gram_keys
from indexer.analysis.index_terms import index_terms
from indexer.analysis.segmenter import get_segmenter
from indexer.analysis.tokenizer import CJK_RUN, fold

from .conftest import FIXTURES, SEEDS


def terms(text):
    return [t for t, *_ in analyze(text)]


def test_positions_are_token_ordinals_not_character_offsets():
    tokens = analyze("集成电路产业链 electric vehicles")
    main = {}
    for term, pos, *_ in tokens:
        main.setdefault(pos, term)
    assert sorted(main) == list(range(len(main)))
    assert [main[p] for p in sorted(main)] == ["集成电路", "产业链", "electr", "vehicl"]


def test_offsets_point_at_the_original_text_even_for_traditional_characters():
    text = "華虹無錫集成電路 and 12-inch wafers"
    spans = {term: text[start:end] for term, _pos, start, end in analyze(text)}
    assert spans["华虹"] == "華虹"
    assert spans["无锡"] == "無錫"
    assert spans["集成电路"] == "集成電路"
    assert spans["12"] == "12"
    assert spans["inch"] == "inch"
    assert spans["12inch"] == "12-inch"
    assert spans["wafer"] == "wafers"


def test_traditional_characters_fold_to_simplified_at_index_and_query_time():
    assert "无锡" in terms("無錫")
    assert query_terms("無錫") == query_terms("无锡")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-inch", {"12", "inch", "12inch"}),
        ("IGBT chips", {"igbt", "chip"}),
        ("3DIC packaging", {"3dic", "packag"}),
        ("US$10 deal", {"us", "10", "us10", "deal"}),
        ("the U.S. market", {"u", "s", "us", "market"}),
    ],
)
def test_mixed_tokens_are_searchable(text, expected):
    assert expected <= set(terms(text))


def test_acronyms_survive_stop_word_removal():
    assert "us" in terms("US exports")
    assert "us" not in terms("give us exports")


def test_stop_words_leave_no_gap_in_positions():
    index_positions = [p for t, p, *_ in analyze("研发和制造") if t in ("研发", "制造")]
    assert index_positions == [0, 1]


def test_chinese_subwords_share_the_position_and_span_of_their_word():
    tokens = analyze("晶圆厂")
    spans = {(pos, start, end) for _t, pos, start, end in tokens}
    assert spans == {(0, 0, 3)}
    assert {"晶圆厂", "晶圆"} <= {t for t, *_ in tokens}


def test_gazetteer_names_stay_whole():
    assert "江阴" in terms("江阴临港经济开发区")
    assert "无锡" in terms("华虹无锡集成电路")


def test_query_mode_adds_no_subwords_or_joined_forms():
    assert query_terms("晶圆厂") == ["晶圆厂"]
    assert query_terms("12-inch") == ["12", "inch"]


def _seed_chinese_runs():
    text = (next(SEEDS.glob("004_*.txt"))).read_text("utf-8")
    return re.findall(r"[\u4e00-\u9fff]+", text)


def test_segmentation_matches_the_jieba_reference_on_the_seeds():
    import jieba

    segmenter = get_segmenter()
    reference = jieba.Tokenizer()
    from indexer.analysis.segmenter import _bundled_userdict, _gazetteer_words, read_userdict

    for word, freq, tag in read_userdict(_bundled_userdict()):
        reference.add_word(word, freq, tag)
    for word in _gazetteer_words():
        reference.add_word(word, None, "ns")
    runs = _seed_chinese_runs()
    assert runs
    for run in runs:
        assert segmenter.cut(run) == list(reference.cut(run)), run


def test_the_segmenter_is_loaded_once_per_process():
    assert get_segmenter() is get_segmenter()


def _chained_terms(text: str) -> tuple[dict, list]:
    """`term_positions` as the generator chain gives it (the reference)."""
    seen, sequence, last = {}, [], -1
    for term, pos, start, end in analyze(text, mode="index"):
        if pos != last:
            sequence.append(term)
            last = pos
        seen.setdefault(term, []).append((pos, start, end))
    return seen, sequence


_PIECES = [
    *"abcXYZ USIT-.'&+$/09 \n,",
    *("The ", "the ", "of ", "running ", "U.S.", "US$10", "12-inch", "GaN-on-Si", "WHO "),
    *"的和是在江阴无锡集成电路晶圆厂發展經濟ＡＢ１２\u3000",
]
_MIXED = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_MIXED)
def test_the_fused_index_pass_gives_the_terms_the_chain_gives(text):
    sequence: list[str] = []
    assert (index_terms(text, sequence), sequence) == _chained_terms(text)


def test_the_fused_index_pass_gives_the_chains_terms_on_the_seeds_and_fixtures():
    checked = 0
    for folder in (SEEDS, FIXTURES):
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".txt", ".html", ".json", ".jsonl"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            sequence: list[str] = []
            assert (index_terms(text, sequence), sequence) == _chained_terms(text), path
            checked += 1
    assert checked > 20


def _reference_gram_keys(text: str) -> list[str]:
    """The rule spelled out: each CJK bigram of the folded text, CRC-32 mod 65,536, once."""
    keys: list[str] = []
    for run in CJK_RUN.findall(fold(text)):
        for i in range(len(run) - 1):
            key = f"{zlib.crc32(run[i : i + 2].encode('utf-8')) % BUCKETS:04x}"
            if key not in keys:
                keys.append(key)
    return keys


_EDGES = [*"\u33ff\u3400\u4dbf\u4dc0\u4e00\u9fff\ua000\uf8ff\uf900\ufaff\ufb00\u3007\u3006"]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES + _EDGES), max_size=40).map("".join))
def test_gram_keys_are_the_crc32_buckets_of_each_cjk_bigram_once(text):
    assert gram_keys(text) == _reference_gram_keys(text)


def test_gram_keys_of_traditional_text_are_those_of_its_simplified_form():
    assert gram_keys("無錫市") == gram_keys("无锡市") == _reference_gram_keys("无锡市")
    assert len(gram_keys("无锡市")) == 2 and gram_keys("无 锡") == [] and gram_keys("abc") == []
