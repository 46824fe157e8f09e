"""JSON feeds: `.jsonl` with one article per line, `.json` with one object,
a list of objects, `{"articles": [...]}`, or JSON lines after all.

Every field is optional (names in `fields.ALIASES`). One bad record must not
cost the others: a line that is not JSON, a record that is not an object or
has neither title nor body is skipped with a warning naming its line (or
list index). A `.json` that is not JSON as a whole and not JSON lines either
(a truncated export) fails as a file.
"""

from __future__ import annotations

import json
from typing import Any

from indexer.article import Article
from indexer.sources import SourceError
from indexer.sources.encoding import normalize_text
from indexer.sources.fields import read_fields
from indexer.sources.markup import fragment_to_paragraphs, looks_like_markup
from indexer.sources.text import fallback_title

_CONTAINER_KEYS = ("articles", "items", "data", "results", "records")


def articles_from_json(text: str, *, lines: bool) -> tuple[list[Article], list[str]]:
    """Articles and warnings from a `.jsonl` (`lines=True`) or `.json` file."""
    if lines:
        return _from_records(_json_lines(text))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        records = _json_lines(text)
        if _looks_like_json_lines(records):
            return _from_records(records)
        raise SourceError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if isinstance(data, dict):
        container = next((data[k] for k in _CONTAINER_KEYS if isinstance(data.get(k), list)), None)
        if container is not None and not _has_article_fields(data):
            data = container
        else:
            return _from_records([("the object", data)])
    if isinstance(data, list):
        return _from_records([(f"item {n}", item) for n, item in enumerate(data)])
    raise SourceError(f"expected a JSON object or a list of objects, got {type(data).__name__}")


def _json_lines(text: str) -> list[tuple[str, Any]]:
    """(where, parsed value or an Exception) for every non-blank line."""
    records: list[tuple[str, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            records.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            records.append((f"line {number}", exc))
    return records


def _looks_like_json_lines(records: list[tuple[str, Any]]) -> bool:
    """JSON lines saved as .json: several lines, and the first one is an object."""
    return len(records) >= 2 and isinstance(records[0][1], dict)


def _has_article_fields(obj: dict[str, Any]) -> bool:
    fields, _ = read_fields(obj, strict=False)
    return bool(fields.get("title") or fields.get("body"))


def _from_records(records: list[tuple[str, Any]]) -> tuple[list[Article], list[str]]:
    articles: list[Article] = []
    warnings: list[str] = []
    for where, value in records:
        if isinstance(value, Exception):
            warnings.append(f"{where}: invalid JSON, skipped")
        elif not isinstance(value, dict):
            warnings.append(f"{where}: not a JSON object, skipped")
        else:
            article = article_from_record(value)
            if article is None:
                warnings.append(f"{where}: no title or body, skipped")
            else:
                articles.append(article)
    return articles, warnings


def article_from_record(record: dict[str, Any]) -> Article | None:
    """One feed record as an Article, or None if it has neither title nor body."""
    fields, _ = read_fields(record, strict=False)
    title = _clean(fields.get("title"))
    body = _body(fields.get("body"))
    if title and looks_like_markup(title):
        title = " ".join(fragment_to_paragraphs(title))
    if not title and not body:
        return None
    places = [_clean(p) for p in fields.get("locations") or []]
    return Article(
        title=title or fallback_title(body),
        body=body,
        url=_clean(fields.get("url")) or None,
        source=_clean(fields.get("source")) or None,
        declared_date=_clean(fields.get("date")) or None,
        declared_lang=_clean(fields.get("language")) or None,
        declared_locations=[p for p in places if p] or None,
    )


def _clean(value: str | None) -> str:
    return " ".join(normalize_text(value).split()) if value else ""


def _body(value: str | None) -> str:
    """Paragraphs separated by blank lines; HTML bodies become text."""
    if not value:
        return ""
    value = normalize_text(value)
    if looks_like_markup(value):
        paras = fragment_to_paragraphs(value)
    else:
        paras = [" ".join(line.split()) for line in value.split("\n")]
    return "\n\n".join(p for p in paras if p)
