"""`<file>.meta.json`: what a person says about a file beats what we extract.

A sidecar beside `a.txt` is `a.txt.meta.json`. It holds one JSON object whose
fields (title, date, url, source, language, locations, with the aliases in
`fields.ALIASES`) apply to every article of the file; an `"articles"` list
adds per-article fields by part (the article's ordinal in the file, from 0),
applied after the shared ones. A null clears a field (except title, which
must be a string). A sidecar that cannot be read or parsed fails its file:
silently indexing without the corrections someone wrote would be worse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from indexer.article import Article
from indexer.sources import SIDECAR_SUFFIX, SourceError
from indexer.sources.encoding import decode
from indexer.sources.fields import FieldError, read_fields

_ARTICLE_FIELDS = {
    "title": "title",
    "date": "declared_date",
    "url": "url",
    "source": "source",
    "language": "declared_lang",
    "locations": "declared_locations",
}


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def load_sidecar(path: Path) -> dict[str, Any] | None:
    """The sidecar object for `path`, or None when there is no sidecar."""
    side = sidecar_path(path)
    try:
        data = side.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SourceError(f"sidecar {side.name}: cannot read: {exc.strerror or exc}") from None
    try:
        obj = json.loads(decode(data))
    except SourceError as exc:
        raise SourceError(f"sidecar {side.name}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"sidecar {side.name}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(obj, dict):
        raise SourceError(f"sidecar {side.name}: expected a JSON object, got {type(obj).__name__}")
    return obj


def apply_sidecar(
    articles: list[Article], sidecar: dict[str, Any], name: str, *, whole: bool = True
) -> list[str]:
    """Override the articles' fields in place; return warnings.

    Entry N of `articles` applies to the article whose `part` is N (the
    article's ordinal, or its line index in JSON lines). `whole=False`: only
    some of the file's articles are here (a range of a big file).
    """
    warnings: list[str] = []
    shared = {k: v for k, v in sidecar.items() if k != "articles"}
    per_part = sidecar.get("articles", [])
    if not isinstance(per_part, list):
        raise SourceError(f"sidecar {name}: 'articles' must be a list")
    common = _fields(shared, f"sidecar {name}", warnings)
    overrides = []
    for n, entry in enumerate(per_part):
        if entry is None:
            overrides.append({})
        elif isinstance(entry, dict):
            overrides.append(_fields(entry, f"sidecar {name}, articles[{n}]", warnings))
        else:
            raise SourceError(f"sidecar {name}: articles[{n}] must be an object")
    if whole and len(overrides) > len(articles):
        warnings.append(
            f"sidecar {name}: {len(overrides)} entries in 'articles' but the file has "
            f"{len(articles)} article(s); the extra entries were ignored"
        )
    for article in articles:
        _apply(article, common)
        if article.part < len(overrides):
            _apply(article, overrides[article.part])
    return warnings


def _fields(record: dict[str, Any], where: str, warnings: list[str]) -> dict[str, Any]:
    try:
        fields, unknown = read_fields(record, strict=True)
    except FieldError as exc:
        raise SourceError(f"{where}: {exc}") from None
    ignored = sorted(set(unknown) | ({"body"} & fields.keys()))
    if ignored:
        warnings.append(f"{where}: ignored field(s) {', '.join(ignored)}")
    fields.pop("body", None)
    if "title" in fields and fields["title"] is None:
        raise SourceError(f"{where}: 'title' must be a string, not null")
    return fields


def _apply(article: Article, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        # Each article gets its own list: a later per-article edit must not leak.
        setattr(article, _ARTICLE_FIELDS[name], list(value) if isinstance(value, list) else value)
