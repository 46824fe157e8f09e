"""The field names JSON feeds and sidecars use, mapped to `Article` fields.

Feeds name the same thing many ways (`title`/`headline`, `date`/`published`/
`published_at`, `publisher` as a string or as `{"name": …}`); one table keeps
the JSON reader and the sidecar reader in agreement.
"""

from __future__ import annotations

import re
from typing import Any

ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("body", "text", "content", "articleBody", "article_body", "description", "summary"),
    "date": (
        "date",
        "published",
        "pubdate",
        "published_at",
        "publish_date",
        "pub_date",
        "date_published",
        "datePublished",
        "publishedAt",
    ),
    "url": ("url", "link", "canonical_url"),
    "source": ("source", "publisher", "site_name", "site"),
    "language": ("language", "lang", "inLanguage"),
    "locations": ("locations", "places", "location", "place"),
}
_CANONICAL = {alias.lower(): name for name, aliases in ALIASES.items() for alias in aliases}
_LIST_SPLIT = re.compile(r"\s*[,，、;；]\s*")


class FieldError(ValueError):
    """A field has a type no reader can use (a number as locations, …)."""


def read_fields(record: dict[str, Any], *, strict: bool) -> tuple[dict[str, Any], list[str]]:
    """Canonical fields of `record`, and the keys it has that mean nothing here.

    Values come back as str (date numbers become strings: the date stage
    parses them), list[str] for locations, or None for an explicit null.
    When several aliases are present the first non-null one in `ALIASES`
    order wins. With `strict`, a value of the wrong type raises FieldError;
    otherwise that key is ignored.
    """
    by_lower = {str(key).lower(): key for key in record}
    fields: dict[str, Any] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            key = by_lower.get(alias.lower())
            if key is None:
                continue
            try:
                value = _convert(name, record[key])
            except FieldError as exc:
                if strict:
                    raise FieldError(f"field '{key}': {exc}") from None
                continue
            if value is not None or name not in fields:
                fields[name] = value
            if value is not None:
                break
    unknown = [str(key) for lower, key in by_lower.items() if lower not in _CANONICAL]
    return fields, unknown


def _convert(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "locations":
        return split_locations(value)
    if isinstance(value, bool):
        raise FieldError(f"expected a string, got {value!r}")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    if name == "source" and isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"].strip()
    if name == "body" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(v.strip() for v in value if v.strip())
    raise FieldError(f"expected a string, got {type(value).__name__}")


def split_locations(value: Any) -> list[str]:
    """A list of names, or one string separated by commas (also 、 ， ；)."""
    if isinstance(value, str):
        items = _LIST_SPLIT.split(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise FieldError("expected a list of names or a comma-separated string")
    return [item.strip() for item in items if item.strip()]
