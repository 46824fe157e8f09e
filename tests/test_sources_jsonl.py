"""JSON feeds: field aliases, HTML bodies, and bad records that cost only themselves."""

from __future__ import annotations

import json

import pytest

from indexer.sources import SourceError, read_articles


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_reads_one_article_per_line_with_every_field(tmp_path):
    records = [
        {
            "title": "Wuxi sets up chip fund",
            "body": "Wuxi has set up a fund.\nIt is worth 10 billion yuan.",
            "date": "2023-06-09",
            "url": "https://example.com/a",
            "source": "Wuxi Daily",
            "language": "en",
            "locations": ["Wuxi", "Jiangsu"],
        },
        {
            "headline": "江阴港吞吐量创新高",
            "content": "江阴港前5个月集装箱吞吐量创历史同期新高。",
            "published_at": "2023-06-10T08:00:00+08:00",
            "link": "https://example.com/b",
            "publisher": {"name": "新华社"},
            "lang": "zh",
            "places": "江阴, 无锡、苏州",
        },
    ]
    path = write(
        tmp_path, "feed.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    )
    (first, second), warnings = read_articles(path, "feed.jsonl")
    assert warnings == []
    assert (first.title, first.declared_date, first.url, first.source, first.declared_lang) == (
        "Wuxi sets up chip fund",
        "2023-06-09",
        "https://example.com/a",
        "Wuxi Daily",
        "en",
    )
    assert first.body == "Wuxi has set up a fund.\n\nIt is worth 10 billion yuan."
    assert first.declared_locations == ["Wuxi", "Jiangsu"]
    assert second.title == "江阴港吞吐量创新高"
    assert second.body == "江阴港前5个月集装箱吞吐量创历史同期新高。"
    assert second.declared_date == "2023-06-10T08:00:00+08:00"
    assert second.source == "新华社"
    assert second.declared_locations == ["江阴", "无锡", "苏州"]
    assert [first.part, second.part] == [0, 1]
    assert first.path == second.path == "feed.jsonl"


def test_malformed_lines_are_warnings_and_the_other_lines_still_count(tmp_path):
    text = "\n".join(
        [
            json.dumps({"title": "One", "body": "First."}),
            "{not json",
            "",
            json.dumps(["a", "list"]),
            json.dumps({"url": "https://example.com/no-text"}),
            json.dumps({"title": "Two", "body": "Second."}),
        ]
    )
    articles, warnings = read_articles(write(tmp_path, "feed.jsonl", text), "feed.jsonl")
    assert [a.title for a in articles] == ["One", "Two"]
    assert warnings == [
        "line 2: invalid JSON, skipped",
        "line 4: not a JSON object, skipped",
        "line 5: no title or body, skipped",
    ]


def test_html_inside_body_strings_becomes_text(tmp_path):
    record = {
        "title": "Port <b>sets</b> record",
        "body": "<p>Jiangyin port handled 1.2&nbsp;million boxes.</p><script>x()</script>"
        "<p>Officials said a <a href='/t'>third terminal</a> would open.<br>Next year.</p>",
    }
    [article], _ = read_articles(write(tmp_path, "a.jsonl", json.dumps(record)), "a.jsonl")
    assert article.title == "Port sets record"
    assert article.body == (
        "Jiangyin port handled 1.2 million boxes.\n\n"
        "Officials said a third terminal would open.\n\nNext year."
    )


def test_record_with_only_a_body_gets_a_title_from_its_first_sentence(tmp_path):
    record = {"text": "Jiangyin port set a record in May. Officials were pleased."}
    [article], _ = read_articles(write(tmp_path, "a.jsonl", json.dumps(record)), "a.jsonl")
    assert article.title == "Jiangyin port set a record in May."


def test_numbers_are_kept_as_raw_date_strings(tmp_path):
    record = {"title": "T", "body": "B.", "pubdate": 20230609}
    [article], _ = read_articles(write(tmp_path, "a.jsonl", json.dumps(record)), "a.jsonl")
    assert article.declared_date == "20230609"


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"title": "One", "body": "First."}),
        json.dumps([{"title": "One", "body": "First."}]),
        json.dumps({"articles": [{"title": "One", "body": "First."}]}),
    ],
    ids=["object", "list", "articles-key"],
)
def test_json_file_holds_one_object_or_a_list(tmp_path, text):
    [article], warnings = read_articles(write(tmp_path, "a.json", text), "a.json")
    assert (article.title, article.body, warnings) == ("One", "First.", [])


def test_json_file_may_hold_json_lines(tmp_path):
    text = json.dumps({"title": "One"}) + "\n" + json.dumps({"title": "Two"}) + "\n{broken\n"
    articles, warnings = read_articles(write(tmp_path, "a.json", text), "a.json")
    assert [a.title for a in articles] == ["One", "Two"]
    assert warnings == ["line 3: invalid JSON, skipped"]


def test_list_items_that_are_not_articles_are_warnings(tmp_path):
    text = json.dumps([{"title": "One"}, 42, {"date": "2023"}])
    articles, warnings = read_articles(write(tmp_path, "a.json", text), "a.json")
    assert [a.title for a in articles] == ["One"]
    assert warnings == ["item 1: not a JSON object, skipped", "item 2: no title or body, skipped"]


def test_truncated_json_is_a_source_error(tmp_path):
    path = write(tmp_path, "a.json", '[{"title": "One", "body": "First."}, {"title": ')
    with pytest.raises(SourceError, match="invalid JSON"):
        read_articles(path, "a.json")


def test_jsonl_where_every_line_is_bad_is_a_source_error(tmp_path):
    path = write(tmp_path, "a.jsonl", "{bad\n[1, 2]\n")
    with pytest.raises(SourceError, match=r"no article found.*line 1: invalid JSON"):
        read_articles(path, "a.jsonl")


def test_json_scalar_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="expected a JSON object"):
        read_articles(write(tmp_path, "a.json", "42"), "a.json")
