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
from collections.abc import Iterable
from typing import Any

from indexer.article import Article
from indexer.sources import SourceError
from indexer.sources.encoding import decode, normalize_text
from indexer.sources.fields import read_fields
from indexer.sources.markup import fragment_to_paragraphs, looks_like_markup
from indexer.sources.text import fallback_title

_CONTAINER_KEYS = ("articles", "items", "data", "results", "records")


def articles_from_json(text: str, *, lines: bool) -> tuple[list[Article], list[str], bool]:
    """Articles and warnings from a `.jsonl` (`lines=True`) or `.json` file.

    The third value says whether the articles were read as JSON lines, in
    which case each one's `part` is already its line index (see `lines`).
    """
    if lines:
        return *_from_records(_json_lines(text)), True
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        records = _json_lines(text)
        if _looks_like_json_lines(records):
            return *_from_records(records), True
        raise SourceError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if isinstance(data, dict):
        container = next((data[k] for k in _CONTAINER_KEYS if isinstance(data.get(k), list)), None)
        if container is not None and not _has_article_fields(data):
            data = container
        else:
            return *_from_records([("the object", data, None)]), False
    if isinstance(data, list):
        return *_from_records([(f"item {n}", item, None) for n, item in enumerate(data)]), False
    raise SourceError(f"expected a JSON object or a list of objects, got {type(data).__name__}")


def _json_lines(text: str) -> list[tuple[str, Any, int]]:
    """(where, parsed value or an Exception, line index) for every non-blank line."""
    return [
        _line_record(number, line)
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]


def _line_record(number: int, line: str) -> tuple[str, Any, int]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        value = exc
    return f"line {number}", value, number - 1


def articles_from_lines(lines: Iterable[tuple[int, bytes]]) -> tuple[list[Article], list[str]]:
    """Articles and warnings from numbered raw lines (a range of a big file, see `lines`)."""
    records = []
    for number, raw in lines:
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = decode(raw)
            except SourceError as exc:
                records.append((f"line {number}", exc, number - 1))
                continue
        records.append(_line_record(number, normalize_text(text)))
    return _from_records(records)


def _looks_like_json_lines(records: list[tuple[str, Any, int]]) -> bool:
    """JSON lines saved as .json: several lines, and the first one is an object."""
    return len(records) >= 2 and isinstance(records[0][1], dict)


def _has_article_fields(obj: dict[str, Any]) -> bool:
    fields, _ = read_fields(obj, strict=False)
    return bool(fields.get("title") or fields.get("body"))


def _from_records(records: list[tuple[str, Any, int | None]]) -> tuple[list[Article], list[str]]:
    articles: list[Article] = []
    warnings: list[str] = []
    for where, value, part in records:
        if isinstance(value, SourceError):
            warnings.append(f"{where}: {value}, skipped")
        elif isinstance(value, Exception):
            warnings.append(f"{where}: invalid JSON, skipped")
        elif not isinstance(value, dict):
            warnings.append(f"{where}: not a JSON object, skipped")
        else:
            article = article_from_record(value)
            if article is None:
                warnings.append(f"{where}: no title or body, skipped")
            else:
                if part is not None:
                    article.part = part
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
