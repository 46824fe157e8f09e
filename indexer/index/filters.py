"""Filters as boolean document masks over an `IndexView`.

Values within one filter are OR-ed, different filters AND-ed. A place
includes everything inside it because documents carry `places_all` (each
place with its ancestors): filtering on Jiangsu finds the Jiangyin articles.
"""

from __future__ import annotations

import re

import numpy as np

from indexer.extract import normalize_lang
from indexer.extract.gazetteer import load_gazetteer

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class FilterError(ValueError):
    """A filter value that is not understood; the message says why."""


def resolve_places(values) -> tuple[list[str], list[str]]:
    """Place ids for names/aliases/ids in either language, and the unknown ones."""
    gazetteer = load_gazetteer()
    ids, unknown = [], []
    for value in values:
        value = value.strip()
        if not value:
            continue
        place = gazetteer.get(value)
        found = [place] if place is not None else gazetteer.lookup_all(value)
        if not found:
            unknown.append(value)
        for p in found:
            if p.id not in ids:
                ids.append(p.id)
    return ids, unknown


def date_bound(value: str, *, end: bool) -> int:
    """YYYY, YYYY-MM or YYYY-MM-DD as an inclusive YYYYMMDD bound."""
    m = _DATE.match(value.strip())
    if not m:
        raise FilterError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if month is not None and not 1 <= month <= 12:
        raise FilterError(f"date {value!r} has no month {month}")
    if day is not None:
        import calendar

        if not 1 <= day <= calendar.monthrange(year if year > 0 else 2000, month)[1]:
            raise FilterError(f"date {value!r} has no day {day}")
    if month is None:
        return year * 10000 + (1299 if end else 0)
    if day is None:
        return year * 10000 + month * 100 + (99 if end else 0)
    return year * 10000 + month * 100 + day


def filter_mask(view, field: str, values) -> np.ndarray:
    values = [v for v in values if v and v.strip()]
    if field == "location":
        ids, _unknown = resolve_places(values)
        return view.place_mask(ids)
    if field == "lang":
        langs = [normalize_lang(v) or v.strip().lower() for v in values]
        return view.coded_mask("lang", langs)
    if field == "source":
        _codes, vocab, _table = view.coded["source"]
        wanted = {v.strip().lower() for v in values}
        return view.coded_mask("source", [s for s in vocab if s and s.lower() in wanted])
    raise FilterError(f"unknown filter {field!r}")
