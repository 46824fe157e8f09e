"""Date filters as typed (`2023`, `2023-10`, `2023-10-31`) to inclusive YYYYMMDD bounds."""

from __future__ import annotations

import re

from indexer.search.errors import FilterError

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


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


def month_within(lo: int, hi: int) -> int | None:
    """The month (YYYYMM) that both bounds lie in, or None.

    A filter inside one month (the month itself, or days of it) is when the
    timeline shows days, so it is also when a backend counts them.
    """
    if lo // 100 == hi // 100 and lo // 100 % 100:
        return lo // 100
    return None
