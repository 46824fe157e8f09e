"""Dates a file declares in its metadata, with the precision they state.

A declared value is someone's deliberate statement, so it is read as
written: '2023-10' stays a month, and only an unambiguous numeric order is
taken. python-dateutil is the last resort, fenced so it can never fill in
what the value does not say.
"""

from __future__ import annotations

import re
from datetime import datetime

from dateutil import parser as _dateutil_parser

from indexer.article import UNKNOWN_DATE, PubDate
from indexer.extract.dates.parts import MD_NUM, ORDINAL, Y_NUM, make_date, month_number, number

_FULLWIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "－": "-",
        "／": "/",
        "：": ":",
        "．": ".",
        "，": ",",
        "\u3000": " ",
    }
)
_TIME_TAIL = (
    r"(?:(?:[T\s,]+|\s+at\s+)[0-9]{1,2}(?::[0-9]{2}){1,2}(?:[.,][0-9]+)?"
    r"\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|GMT|[+-][0-9]{2}:?[0-9]{2}|\(?[A-Z]{2,5}\)?)?"
    r"(?:\s*[+-][0-9]{4})?)?\s*$"
)
_V_ISO = re.compile(
    r"^(?P<y>[0-9]{4})(?:(?P<s>[-/.])(?P<m>[0-9]{1,2})(?:(?P=s)(?P<d>[0-9]{1,2}))?)?" + _TIME_TAIL
)
_V_COMPACT = re.compile(
    r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})?(?:T?[0-9]{4}(?:[0-9]{2})?(?:Z|[+-][0-9]{4})?)?$"
)
_V_ZH = re.compile(
    rf"^(?P<y>{Y_NUM})\s*年(?:\s*(?P<m>{MD_NUM})\s*月(?:\s*(?P<d>{MD_NUM})\s*[日号號])?)?"
)
_V_NUMERIC = re.compile(
    r"^(?P<a>[0-9]{1,2})(?P<s>[-/.])(?P<b>[0-9]{1,2})(?P=s)(?P<y>[0-9]{4})" + _TIME_TAIL
)
_MON_ANY = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_V_EN = re.compile(
    rf"^{_WEEKDAY}(?:"
    rf"(?P<m1>{_MON_ANY})\.?\s+(?P<d1>[0-9]{{1,2}}){ORDINAL},?\s+(?P<y1>[0-9]{{4}})"
    rf"|(?P<d2>[0-9]{{1,2}}){ORDINAL}[\s-]+(?:of\s+)?(?P<m2>{_MON_ANY})\.?,?[\s-]+(?P<y2>[0-9]{{4}})"
    rf"|(?P<m3>{_MON_ANY})\.?,?\s+(?P<y3>[0-9]{{4}})"
    rf")" + _TIME_TAIL
)
_VALUE_LABEL = re.compile(
    r"^(?:(?i:date|dated|published|posted|pubdate)|发布时间|发布日期|发表时间|发表日期|日期|时间)"
    r"\s*[:：]\s*"
)
_HAS_YEAR = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])|2100")
_DEFAULTS = (datetime(1, 1, 1), datetime(2, 2, 2))


def parse_date_value(value: str) -> PubDate:
    """A date a file declares in metadata, with the precision it states.

    '2023-10' is a month and '2023' a year: nothing is padded to the 1st,
    because a padded day would claim knowledge the file does not have.
    Numeric day/month order is read only when unambiguous ('31/10/2023',
    '10/31/2023'; dotted '31.10.2023' is always day first); '05/06/2023'
    keeps just the year. An impossible date ('2023-02-30') is unknown rather
    than rounded, so the text gets a chance to supply the real one.
    python-dateutil is the last resort for other English forms, and only
    when a 4-digit year is present (it would otherwise fill the year in from
    today, or read '23' relative to the current century).
    """
    try:
        return _parse_date_value(value)
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError):  # pragma: no cover
        return UNKNOWN_DATE


def _parse_date_value(value: str) -> PubDate:
    if not isinstance(value, str):
        return UNKNOWN_DATE
    s = _VALUE_LABEL.sub("", value.strip(), count=1)  # '发布时间：2023-10-31 10:20'
    if not s or len(s) > 200:
        return UNKNOWN_DATE
    zh = _V_ZH.match(s)
    if zh:
        y, mo, d = zh["y"], zh["m"], zh["d"]
        return make_date(number(y), number(mo) if mo else None, number(d) if d else None)
    s = s.translate(_FULLWIDTH)
    m = _V_ISO.match(s)
    if m:
        y, mo, d = m["y"], m["m"], m["d"]
        return make_date(int(y), int(mo) if mo else None, int(d) if d else None)
    m = _V_COMPACT.match(s)
    if m:
        return make_date(int(m["y"]), int(m["m"]), int(m["d"]) if m["d"] else None)
    m = _V_NUMERIC.match(s)
    if m:
        a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
        if m["s"] == "." or (a > 12 >= b):
            return make_date(year, b, a)
        if b > 12 >= a:
            return make_date(year, a, b)
        if a == b:
            return make_date(year, a, b)
        return make_date(year) if 1 <= a <= 12 and 1 <= b <= 12 else UNKNOWN_DATE
    m = _V_EN.match(s)
    if m:
        for mk, dk, yk in (("m1", "d1", "y1"), ("m2", "d2", "y2"), ("m3", None, "y3")):
            if m[mk]:
                day = int(m[dk]) if dk else None
                return make_date(int(m[yk]), month_number(m[mk]), day)
    return _dateutil_fallback(s)


def _dateutil_fallback(s: str) -> PubDate:
    if len(s) > 100 or not _HAS_YEAR.search(s):
        return UNKNOWN_DATE
    try:
        first, second = (_dateutil_parser.parse(s, default=d, ignoretz=True) for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError, IndexError):
        return UNKNOWN_DATE
    if first.year != second.year:
        return UNKNOWN_DATE
    if first.month != second.month:
        return make_date(first.year)
    if first.day != second.day:
        return make_date(first.year, first.month)
    return make_date(first.year, first.month, first.day)
