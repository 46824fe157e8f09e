"""Reading /api/search and / parameters into a `SearchRequest`, or a 400.

Every parameter is checked here, so nothing malformed reaches the engine:
numbers out of range, unknown sort orders or languages, impossible dates,
unknown places. The error message says which parameter and why.
"""

from __future__ import annotations

import re

from flask import current_app
from werkzeug.datastructures import MultiDict

from indexer.extract import normalize_lang
from indexer.search.dates import date_bound
from indexer.search.errors import FilterError
from indexer.search.places import resolve_places
from indexer.search.query import check_query
from indexer.search.request import GROUPS, SORTS, SearchRequest


class ParamError(ValueError):
    def __init__(self, message: str, code: str = "invalid_parameter"):
        super().__init__(message)
        self.code = code


def _int(args, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParamError(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise ParamError(f"{name} must be between {lo} and {hi}")
    return value


def _list(args: MultiDict, name: str) -> list[str]:
    values = []
    for raw in args.getlist(name):
        for part in raw.split("|") if name == "location" else [raw]:
            part = part.strip()
            if part and part not in values:
                values.append(part)
    return values


SINGLE_VALUED = ("q", "page", "per_page", "sort", "date_from", "date_to", "group", "story")
_STORY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def search_request(args: MultiDict, *, strict_locations: bool = True) -> SearchRequest:
    config = current_app.config
    for name in SINGLE_VALUED:
        if len(args.getlist(name)) > 1:
            raise ParamError(f"{name} may be given only once")
    try:
        q = check_query(args.get("q", ""))
    except ValueError as exc:
        raise ParamError(str(exc), "invalid_query") from exc
    per_page = _int(args, "per_page", config["PER_PAGE"], 1, config["MAX_PER_PAGE"])
    page = _int(args, "page", 1, 1, config["MAX_PAGE"])
    sort = args.get("sort") or None
    if sort is not None and sort not in SORTS:
        raise ParamError(f"sort must be one of: {', '.join(SORTS)}")

    group = args.get("group") or None
    if group is not None and group not in GROUPS:
        raise ParamError(f"group must be one of: {', '.join(GROUPS)}")
    story = (args.get("story") or "").strip() or None
    if story is not None and not _STORY_ID.match(story):
        raise ParamError("story must be an article id (letters, digits, - and _)")

    locations = _list(args, "location")
    if strict_locations and locations:
        _ids, unknown = resolve_places(locations)
        if unknown:
            raise ParamError(f"unknown location: {', '.join(unknown)}", "unknown_location")

    langs = []
    for raw in _list(args, "lang"):
        lang = normalize_lang(raw)
        if lang is None:
            raise ParamError(f"lang must be en, zh or mixed, not {raw[:20]!r}")
        langs.append(lang)

    date_from = args.get("date_from") or None
    date_to = args.get("date_to") or None
    try:
        lo = date_bound(date_from, end=False) if date_from else None
        hi = date_bound(date_to, end=True) if date_to else None
    except FilterError as exc:
        raise ParamError(str(exc)) from exc
    if lo is not None and hi is not None and lo > hi:
        raise ParamError("date_from is after date_to")

    return SearchRequest(
        q=q,
        page=page,
        per_page=per_page,
        sort=sort,
        locations=locations,
        date_from=date_from,
        date_to=date_to,
        langs=langs,
        sources=_list(args, "source"),
        group=group,
        story=story,
    )
