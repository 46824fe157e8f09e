"""The year of a month-day dateline ('本报讯 6月8日', 'On September 4').

From the URL or path first, then from a full date near the month-day
elsewhere in the text, then from the year the text mentions most. Years in
spans, deadlines and plans are no evidence: they say when something should
happen, not when the text was written (`extract_date` tells the whole rule).
The whole text is read here, in one cheap pass from its 4-digit years
outwards, and only when a dateline needs its year.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from itertools import islice

from indexer.article import UNKNOWN_DATE, PubDate
from indexer.extract.dates.forms import CHINESE_FORMS, YEAR_FIRST_RE, YEAR_LAST_RE, match_parts
from indexer.extract.dates.parts import CN_DIGITS, is_valid
from indexer.extract.dates.paths import date_from_path

#: A full date elsewhere in the text lends its year to a month-day dateline
#: only when the two are at most this many days apart.
NEAR_DAYS = 62
#: Bare mentions of one year needed before it is taken as the publication year.
MIN_YEAR_MENTIONS = 2
#: Year mentions read at most: plenty for any article, and a bound on the cost
#: of pathological pages (a table of 5,000 years would otherwise take ~0.1 s).
MAX_MENTIONS_READ = 300

# Literal prefixes make re use its fast substring search (~1.5 ns a character,
# against ~8 for a character class); full-width years are looked for only in
# texts that have them.
_YEAR_TRIGGERS = (
    ("", re.compile("20[0-9]{2}")),
    ("", re.compile("19[0-9]{2}")),
    ("２０", re.compile("２０[０-９]{2}")),
    ("１９", re.compile("１９[０-９]{2}")),
)
_YEAR_LAST_REACH = 28  # '31st of September, 2023' fits

_SENTENCE_END = re.compile(r"[。！？；!?;\n]|\.\s")
_RANGE_AFTER = re.compile(r"\s*(?:[-–—~～至到]\s*[0-9０-９]|to\s+[0-9０-９]{4})")
_RANGE_BEFORE = re.compile(r"(?:[-–—~～至到]|\bto|\bfrom)\s*$")
_ZH_FUTURE_BEFORE = re.compile(
    r"计划|预计|力争|争取|目标|规划|有望|预期|拟|将|展望|远景|预测|愿景|要在|确保"
)
_ZH_FUTURE_AFTER = re.compile(
    r"\s*年\s*(?:(?:年?[底末初中]|内)?\s*(?:前|之前|以前|起|将|要|计划|预计|力争|有望)"
    r"|[^，,。；;\n]{0,8}?(?:后|以后|之后|投产|建成|竣工|达产|实现|达到))"
)
_EN_FUTURE_WINDOW = re.compile(
    r"\b(?:will|plans?|planned|planning|expects?|expected|aims?|aiming|targets?|targeted"
    r"|forecasts?|forecasted|projected|scheduled|intends?|goals?|vision)\b",
    re.IGNORECASE,
)
_EN_FUTURE_AFTER = re.compile(
    r"\s*(?:targets?|goals?|vision|plans?|agenda|outlook|blueprint|strategy)\b", re.IGNORECASE
)
_LAST_WORD = re.compile(r"([A-Za-z]+|©)[\s(]*$")
#: The word before a bare year that makes it a year ('in 2020', 'the 2020 fair').
_YEAR_WORDS = frozenset(
    (
        *("in", "since", "of", "the", "year", "years", "from", "during", "for", "fiscal"),
        *("early", "late", "mid", "end", "and", "or", "between", "on", "at"),
        *("spring", "summer", "autumn", "fall", "winter", "©", "copyright"),
    )
)
#: ... and the words that make it a deadline or the end of a span ('by 2025').
_DEADLINE_WORDS = frozenset(
    ("by", "until", "till", "through", "before", "to", "toward", "towards", "beyond")
)


def _sentence_before(text: str, start: int) -> str:
    window = text[max(0, start - 40) : start]
    cuts = [m.end() for m in _SENTENCE_END.finditer(window)]
    return window[cuts[-1] :] if cuts else window


def _is_future(text: str, start: int, end: int, chinese: bool) -> bool:
    """A year in a plan, target or deadline says nothing about when it was written."""
    before = _sentence_before(text, start)
    if chinese:
        return bool(_ZH_FUTURE_BEFORE.search(before) or _ZH_FUTURE_AFTER.match(text, end))
    return bool(_EN_FUTURE_WINDOW.search(before) or _EN_FUTURE_AFTER.match(text, end))


def _bare_year_counts(text: str, start: int, end: int) -> bool:
    """Whether a lone 4-digit number reads as a past or present year."""
    if _RANGE_AFTER.match(text, end) or _RANGE_BEFORE.search(text, max(0, start - 6), start):
        return False  # '2020-2025', '2020至2025年', 'from 2020 to 2025'
    after = text[end : end + 3].lstrip()
    if after.startswith("年"):
        return not _is_future(text, start, end, chinese=True)
    word = _LAST_WORD.search(text, max(0, start - 20), start)
    if word is None:
        return False
    word = word.group(1).lower()
    if word in _DEADLINE_WORDS or word not in _YEAR_WORDS:
        return False  # 'by 2025'; '2000 yuan', 'over 1900 workers'
    return not _is_future(text, start, end, chinese=False)


def _day_distance(a: date, b: date) -> int:
    return abs((a - b).days)


def _year_near(anchor: PubDate, month: int, day: int) -> int | None:
    """The year that puts month-day closest to an anchor date.

    A dateline of Dec 31 filed under /2020/01/02/ belongs to 2019: the year
    before, this year and the year after are all tried.
    """
    if anchor.month is None:
        return anchor.year if is_valid(anchor.year, month, day) else None
    target = date(anchor.year, anchor.month, anchor.day or 15)
    best: tuple[int, int] | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        if is_valid(year, month, day):
            gap = _day_distance(date(year, month, day), target)
            if best is None or gap < best[0]:
                best = (gap, year)
    return best[1] if best else None


def _year_mentions(text: str) -> Iterator[re.Match]:
    """Every date form with a year in the text, found from its year outwards.

    Looking only around 4-digit numbers starting 19/20 (and 年 after
    Chinese numerals) keeps a whole-text pass down to a few literal scans.
    """
    size = len(text)
    starts = sorted(
        t.start()
        for needle, trigger in _YEAR_TRIGGERS
        if needle in text
        for t in trigger.finditer(text)
    )
    for start in starts:
        end = start + 4
        if (start and text[start - 1].isdigit()) or (end < size and text[end].isdigit()):
            continue
        m = None
        before = text[max(0, start - 3) : start].rstrip(" ,.\u00a0")
        if before and before[-1].isascii() and before[-1].isalnum():  # 'Oct. 31, 2023'
            m = YEAR_LAST_RE.search(text, max(0, start - _YEAR_LAST_REACH), end)
        if m is None:
            m = YEAR_FIRST_RE.match(text, start)
        if m is not None:
            yield m
    at = text.find("年")
    while at != -1:
        lead = at
        while lead > 0 and at - lead < 2 and text[lead - 1].isspace():  # '二〇二三 年'
            lead -= 1
        if lead >= 4 and text[lead - 1] in CN_DIGITS:  # 二〇二三年
            m = YEAR_FIRST_RE.match(text, lead - 4)
            if m is not None:
                yield m
        at = text.find("年", at + 1)


def infer_year(month: int, day: int, text: str, path: str, url: str) -> int | None:
    """The year of a month-day, by the three steps `extract_date` lists; None if none."""
    for where in (url, path):
        anchor = date_from_path(where) if where else UNKNOWN_DATE
        if anchor.known:
            return _year_near(anchor, month, day)

    nearest: tuple[int, int] | None = None  # (days apart, year)
    counts: Counter[int] = Counter()
    for m in islice(_year_mentions(text), MAX_MENTIONS_READ):
        form, year, mon, dd = match_parts(m)
        if not is_valid(year, mon, dd):
            continue
        start, end = m.span()
        if form == "year":
            if _bare_year_counts(text, start, end):
                counts[year] += 1
            continue
        if _is_future(text, start, end, chinese=form in CHINESE_FORMS):
            continue
        counts[year] += 1
        if dd is not None:
            near = _year_near(PubDate(year, mon, dd), month, day)
            if near is not None:
                gap = _day_distance(date(near, month, day), date(year, mon, dd))
                if gap <= NEAR_DAYS and (nearest is None or gap < nearest[0]):
                    nearest = (gap, near)
    if nearest is not None:
        return nearest[1]
    if not counts:
        return None
    (top, n), *rest = counts.most_common(2)
    if n < MIN_YEAR_MENTIONS or (rest and rest[0][1] == n):
        return None
    return top
