"""Which periods the timeline shows, and how finely: the rule the page and the API share.

The granularity follows the date filter, then the results:

- a date filter inside one month (that month, or days of it): the days of
  that month;
- a date filter inside one year (that year, or months of it): the months of
  that year;
- otherwise (no date filter, or a range across years): years when the
  dated results span `YEARS_FROM` calendar years or more, else the months of
  the calendar years they span (12 or 24 bars).

So clicking a year zooms into its months and a month into its days; a day,
the finest period, stays among the other days of its month, highlighted.
The span and every count are those of the date facet, counted under every
filter but the date filter (multi-select), so the zoomed-in periods' other
bars stay visible and clickable. `facets.date` of the API lists the
window's periods that have articles; the chart also draws the empty ones,
as gaps, so that time is to scale.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.search.dates import date_bound, month_within
from indexer.search.errors import FilterError

GRANULARITIES = ("year", "month", "day")
YEARS_FROM = 3  # results spanning this many calendar years or more are shown by year


@dataclass(frozen=True)
class Window:
    """The periods a timeline covers, first to last, at one granularity.

    `scope` is the year or month the date filter lies in ("2021", "2021-03"),
    or None when the window is the results' span.
    """

    granularity: str
    first: str
    last: str
    scope: str | None = None

    def periods(self) -> list[str]:
        """Every period of the window, oldest first, those without articles too."""
        if self.granularity == "year":
            return [f"{y:04d}" for y in range(int(self.first), int(self.last) + 1)]
        if self.granularity == "month":
            first, last = int(self.first[:4]), int(self.last[:4])
            return [f"{y:04d}-{m:02d}" for y in range(first, last + 1) for m in range(1, 13)]
        year, month = int(self.first[:4]), int(self.first[5:7])
        days = calendar.monthrange(year, month)[1]
        return [f"{self.first[:7]}-{d:02d}" for d in range(1, days + 1)]

    def holds(self, value: str) -> bool:
        """Whether `value` is one of this window's periods."""
        return len(value) == len(self.first) and self.first <= value <= self.last


def timeline_window(date_from: str | None, date_to: str | None, years: Iterable[str]):
    """The `Window` the timeline shows, or None when it has nothing to show.

    `years` are the years that have articles under every filter but the
    date filter (the year facet's values).
    """
    lo, hi = _bounds(date_from, date_to)
    if lo is not None:
        month = month_within(lo, hi)
        if month is not None:
            scope = f"{month // 100:04d}-{month % 100:02d}"
            days = calendar.monthrange(month // 100, month % 100)[1]
            return Window("day", f"{scope}-01", f"{scope}-{days:02d}", scope)
        if lo // 10000 == hi // 10000:
            year = f"{lo // 10000:04d}"
            return Window("month", f"{year}-01", f"{year}-12", year)
    known = sorted(y for y in years if y)
    if not known:
        return None
    first, last = known[0], known[-1]
    if int(last) - int(first) + 1 >= YEARS_FROM:
        return Window("year", first, last)
    return Window("month", f"{first}-01", f"{last}-12")


def parent_period(value: str) -> str | None:
    """The period one step up: a day's month, a month's year; None above a year."""
    return value.rsplit("-", 1)[0] if "-" in value else None


def chosen_period(date_from: str | None, date_to: str | None) -> str | None:
    """The one period the date filter chose (date_from = date_to), as typed."""
    return date_from if date_from and date_from == date_to else None


def _bounds(date_from, date_to) -> tuple[int | None, int | None]:
    if not (date_from or date_to):
        return None, None
    try:
        lo = date_bound(date_from, end=False) if date_from else 1
        hi = date_bound(date_to, end=True) if date_to else 99991299
    except FilterError:  # refused before any search; nothing to zoom into
        return None, None
    return lo, hi
