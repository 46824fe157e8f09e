"""`python -m bench extract`: its scores mean what the README says they mean.

Only the committed development pages are used (the downloaded sets need the
network); no timing and no "who wins" is asserted, only that the scoring is
right and the command renders its table.
"""

from __future__ import annotations

from click.testing import CliRunner

from bench.__main__ import cli
from bench.extract import Page, body_f1, fixture_pages, score, table


def test_chinese_bodies_are_scored_by_characters_and_english_by_words():
    assert body_f1("无锡集成电路", "无锡 集成 电路", "zh") == 1.0
    assert body_f1("无锡集成电路", "无锡", "zh") == 0.5
    assert body_f1("Chips rise in Wuxi", "chips RISE in wuxi!", "en") == 1.0
    assert body_f1("Chips rise", "Rice chips", "en") == 0.5
    assert body_f1("Chips rise", "", "en") == 0.0


def test_every_development_page_has_a_title_a_day_and_a_body():
    pages = fixture_pages()
    assert len(pages) >= 15
    assert {p.lang for p in pages} == {"en", "zh"}
    for page in pages:
        assert page.title and page.body
        assert len(page.date) == 10


def test_score_counts_titles_dates_and_pages_under_half(tmp_path):
    html = b"<html><head><title>T</title></head><body><p>x</p></body></html>"
    pages = [Page("a", "zh", html, "完全不同的正文内容", title="T", date="2020-01-02")]
    result = score(pages, "newsarchive")
    assert result.titled == 1 and result.dated == 1
    assert result.f1 == [0.0]
    assert "| s | newsarchive | 1 | 0.000 | 1 |" in table({"s": {"newsarchive": result}})


def test_extract_command_renders_the_table_for_the_fixture_pages():
    result = CliRunner().invoke(cli, ["extract", "--only", "zh"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "| zh (fixtures) | newsarchive |" in result.output
    assert "| zh (fixtures) | trafilatura |" in result.output
