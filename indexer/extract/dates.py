"""Publication dates from metadata strings, paths/URLs and article text.

Three entry points, from most to least trustworthy source:

* `parse_date_value` reads a string a file *declares* as its date;
* `date_from_path` reads the date a publisher filed an article under;
* `extract_date` finds the dateline in the article text itself.

All of them return a `PubDate` that says how much is known and never guess
the rest: an unknown date stays `UNKNOWN_DATE` (never "today", never a file's
mtime), because a wrong date silently hides an article from every date filter
while an unknown one is merely unsortable. dateparser is not used: it misreads
Chinese dates (see FIELD-NOTES). Time zones are ignored on purpose: the local
date a publisher printed is the date readers know the article by, while
converting '2023-10-31T01:00+08:00' to UTC would move it to the 30th.

Everything runs on every article of the archive (see the note above `_scan`
on what makes Python's re fast or slow here): the dateline is looked for in
the first HEAD_CHARS characters only, and the rest of the text is read, in
one cheap pass from 4-digit years outwards, only when a month-day dateline
needs its year.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from itertools import islice

from dateutil import parser as _dateutil_parser

from indexer.article import UNKNOWN_DATE, PubDate

__all__ = ["date_from_path", "extract_date", "parse_date_value"]

MIN_YEAR = 1900
MAX_YEAR = 2100

#: The dateline is looked for only this far into the text.
HEAD_CHARS = 1000
#: A date without any dateline marker counts only this close to the start.
LEAD_CHARS = 500
#: A full date elsewhere in the text lends its year to a month-day dateline
#: only when the two are at most this many days apart.
NEAR_DAYS = 62
#: Bare mentions of one year needed before it is taken as the publication year.
MIN_YEAR_MENTIONS = 2
#: Year mentions read at most: plenty for any article, and a bound on the cost
#: of pathological pages (a table of 5,000 years would otherwise take ~0.1 s).
MAX_MENTIONS_READ = 300

# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------

_D = "[0-9０-９]"  # int() reads full-width digits as they are
_CN_YEAR = "[〇零○Ｏ一二三四五六七八九]{4}"
_CN_SMALL = "[一二三四五六七八九十廿卅]{1,3}"
_MD_NUM = f"(?:{_D}{{1,2}}|{_CN_SMALL})"
_Y_NUM = f"(?:{_D}{{4}}|{_CN_YEAR})"

# Month names are matched case-sensitively in running text (Title or UPPER
# case), so the verb "may" and words like "decide" never look like months.
_MONTH_WORDS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
)
# The lookahead lets re reject most positions before trying 48 words.
_MON_TEXT = f"(?=[JFMASOND])(?:{_MONTH_WORDS}|{_MONTH_WORDS.upper()})"
_MONTH_NUMBERS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_ORD = "(?:st|nd|rd|th)?"

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _num(token: str) -> int | None:
    """Arabic (any width) or Chinese numerals up to 9999; None if malformed."""
    try:
        return int(token)
    except ValueError:
        pass
    if not token:
        return None
    if len(token) == 4 and all(ch in _CN_DIGITS for ch in token):  # 二〇二三
        return int("".join(str(_CN_DIGITS[ch]) for ch in token))
    tens, ones = 0, token
    for mark, value in (("十", 10), ("廿", 20), ("卅", 30)):
        if mark in token:
            left, _, ones = token.partition(mark)
            if value == 10:
                if left == "":
                    tens = 10
                elif left in _CN_DIGITS and len(left) == 1:
                    tens = 10 * _CN_DIGITS[left]
                else:
                    return None
            elif left:
                return None
            else:
                tens = value
            break
    if ones == "":
        return tens or None
    if len(ones) == 1 and ones in _CN_DIGITS:
        return tens + _CN_DIGITS[ones]
    return None


def _month_number(word: str) -> int:
    return _MONTH_NUMBERS[word[:3].lower()]


def _valid(year: int | None, month: int | None = None, day: int | None = None) -> bool:
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        return False
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _make(year: int | None, month: int | None = None, day: int | None = None) -> PubDate:
    return PubDate(year, month, day) if _valid(year, month, day) else UNKNOWN_DATE


# --------------------------------------------------------------------------
# Dates in running text
# --------------------------------------------------------------------------
#
# One pattern per form; '§' stands for a one-letter prefix, because each
# combined pattern needs its own group names. Every form is wrapped in a
# named group so `m.lastgroup` says which one matched. At any one position
# the alternatives are tried in order, so a form with a year comes before
# the same form without one.

_FORMS = {
    "zhymd": rf"(?P<§a1>{_Y_NUM})\s*年\s*(?P<§a2>{_MD_NUM})\s*月\s*(?P<§a3>{_MD_NUM})\s*[日号號]",
    "numymd": (
        rf"(?<![0-9０-９A-Za-z.])(?P<§b1>{_D}{{4}})(?P<§bs>[-/.－／．])"
        rf"(?P<§b2>{_D}{{1,2}})(?P=§bs)(?P<§b3>{_D}{{1,2}})(?![0-9０-９])"
    ),
    "enmdy": (
        rf"(?<![A-Za-z])(?P<§c2>{_MON_TEXT})\.?\s+(?P<§c3>{_D}{{1,2}}){_ORD}"
        rf"(?![0-9])\s*,?\s*(?P<§c1>{_D}{{4}})(?![0-9])"
    ),
    "endmy": (
        rf"(?<![A-Za-z0-9.,])(?P<§d3>{_D}{{1,2}}){_ORD}\s+(?:of\s+)?"
        rf"(?P<§d2>{_MON_TEXT})\b\.?,?\s+(?P<§d1>{_D}{{4}})(?![0-9])"
    ),
    "zhmd": (
        rf"(?<![0-9０-９年〇零○一二三四五六七八九十廿卅])"
        rf"(?P<§e2>{_MD_NUM})\s*月\s*(?P<§e3>{_MD_NUM})\s*[日号號]"
    ),
    "enmd": rf"(?<![A-Za-z])(?P<§f2>{_MON_TEXT})\.?\s+(?P<§f3>{_D}{{1,2}}){_ORD}(?![0-9A-Za-z])",
    "endm": rf"(?<![A-Za-z0-9.,])(?P<§g3>{_D}{{1,2}}){_ORD}\s+(?:of\s+)?(?P<§g2>{_MON_TEXT})\b\.?",
    "zhym": rf"(?P<§h1>{_Y_NUM})\s*年\s*(?P<§h2>{_MD_NUM})\s*月",
    "enmy": rf"(?<![A-Za-z])(?P<§i2>{_MON_TEXT})\.?,?\s+(?P<§i1>{_D}{{4}})(?![0-9])",
    "year": (
        r"(?<![0-9０-９A-Za-z@._/\\\-－])(?P<§j1>[12１２][0-9０-９]{3})"
        r"(?![0-9０-９A-Za-z@%‰]|[.,][0-9])"
    ),
}


def _combine(prefix: str, forms: tuple[str, ...], suffix: str = "") -> re.Pattern:
    alternatives = "|".join(f"(?P<{prefix}{f}>{_FORMS[f].replace('§', prefix)})" for f in forms)
    return re.compile(f"(?:{alternatives}){suffix}")


# Datelines: any form with a month and a day.
_HEAD_RE = _combine("h", ("zhymd", "numymd", "enmdy", "endmy", "zhmd", "enmd", "endm"))
# Year evidence, tried at a 4-digit number: forms that start with the year,
# and forms that end with it (searched backwards from it, so '$' is the year's end).
_YEAR_FIRST_RE = _combine("v", ("zhymd", "numymd", "zhym", "year"))
_YEAR_LAST_RE = _combine("w", ("enmdy", "endmy", "enmy"), suffix="$")
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

# Which groups hold (year, month, day) for each form; month may be a name.
_GROUPS = {
    "zhymd": ("a1", "a2", "a3"),
    "numymd": ("b1", "b2", "b3"),
    "enmdy": ("c1", "c2", "c3"),
    "endmy": ("d1", "d2", "d3"),
    "zhmd": (None, "e2", "e3"),
    "enmd": (None, "f2", "f3"),
    "endm": (None, "g2", "g3"),
    "zhym": ("h1", "h2", None),
    "enmy": ("i1", "i2", None),
    "year": ("j1", None, None),
}
_CHINESE_FORMS = {"zhymd", "zhmd", "zhym"}


def _parts(m: re.Match) -> tuple[str, int | None, int | None, int | None]:
    """(form, year, month, day) of a match; unparseable parts are None."""
    key = m.lastgroup
    prefix, form = key[0], key[1:]
    out: list[int | None] = []
    for i, name in enumerate(_GROUPS[form]):
        if name is None:
            out.append(None)
            continue
        token = m.group(prefix + name)
        if i == 1 and token[0].isascii() and token[0].isalpha():
            out.append(_month_number(token))
        else:
            out.append(_num(token))
    return form, out[0], out[1], out[2]


# Python's re tries every alternative of a big pattern at every position,
# which costs ~0.3 µs per character. Every date form contains a digit, 年 or
# 月, and a pattern that is one character class is scanned for quickly, so
# the big patterns only run in small windows around those characters. The
# windows reach far enough back for the longest month name or a Chinese-
# numeral year; lookbehinds still see the text before a window.
_TRIGGER = re.compile(r"[0-9０-９月][0-9０-９]*")  # starts with a class: scanned fast
_WINDOW_BEFORE = 14  # "September. " and a few spaces
_WINDOW_AFTER = 8  # "三十一 日" after 月


def _scan(pattern: re.Pattern, text: str, end: int) -> Iterator[re.Match]:
    """Matches of `pattern` that start before `end`, in order.

    Triggers are looked for a little past `end` so that no window stops in
    the middle of a date that starts before it ('2023-10-3|1').
    """
    size = len(text)
    lo = hi = -1
    for t in _TRIGGER.finditer(text, 0, min(size, end + _WINDOW_AFTER + 8)):
        a, b = max(0, t.start() - _WINDOW_BEFORE), min(size, t.end() + _WINDOW_AFTER)
        if a <= hi:
            hi = max(hi, b)
            continue
        if hi > lo:
            yield from _until(pattern.finditer(text, lo, hi), end)
        lo, hi = a, b
    if hi > lo:
        yield from _until(pattern.finditer(text, lo, hi), end)


def _until(matches: Iterator[re.Match], end: int) -> Iterator[re.Match]:
    for m in matches:
        if m.start() >= end:
            return
        yield m


# Dateline markers: just before the date ...
_PRE_MARK = re.compile(
    r"(?:"
    # labels: ' date 2023-10-31', '发布时间：2023-10-31 10:20', 'Published: ...'
    r"(?i:\b(?:date|dated|published|posted|pubdate|release\s+date)\b)"
    r"|发布时间|发布日期|发表时间|发表日期|发稿时间|发布于|发表于"
    # a bare 日期/时间 only as a field label, not 会议时间 (an event's time)
    r"|(?<![\u4e00-\u9fff])(?:日期|时间)"
    r")\s*[:：]?\s*(?:on\s+)?$"
    # Chinese wire/newspaper datelines: '本报讯 6月8日', '本报讯（记者 王拓）6月8日'
    r"|(?:本报讯|讯|电|消息)\s*(?:[（(][^（()）\n]{0,30}[)）])?\s*[：:，,]?\s*$"
    # '(Xinhua) 2023-10-31'
    r"|[(（]\s*(?i:xinhua|reuters|ap|afp|bloomberg|cns|prnewswire)\s*[)）]\s*[-–—]*\s*$"
    r"|[(（]\s*(?:新华社|中新社|新华网)\s*[)）]\s*$"
    # 'BEIJING, Oct. 31, 2023', 'WUXI, China, Oct. 31'
    r"|(?:^|\n)[ \t]*[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][A-Za-z.]+)?,\s*$"
    # a date that opens a line
    r"|(?:^|\n)[ \t\u3000]*$"
)
_STANDALONE_PRE = re.compile(r"(?:^|\n)[ \t\u3000]*$")
_STANDALONE_POST = re.compile(
    r"[ \t\u3000]*(?:$|\n|[0-9０-９]{1,2}[:：][0-9０-９]{2}|星期|周[一二三四五六日天]"
    r"|[(（]?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun))"
)
# ... or just after it: 'Oct. 31, 2023 /PRNewswire/ --', 'Oct. 31 (Xinhua) --', '10月31日电'
_POST_MARK = re.compile(
    r"\s*(?:/\s*PR\s*Newswire|/\s*PRN\b|[(（]\s*(?:Xinhua|新华社|中新社|Reuters|AP|AFP|Bloomberg)"
    r"|[电讯](?=\s|[（(,，:：]|$)|--|—|–\s)"
)


def _is_marked(text: str, start: int, end: int) -> bool:
    # Searching `text` between positions (not a slice) keeps '^' meaning the
    # real start of the text, and '$' the start of the date.
    match = _PRE_MARK.search(text, max(0, start - 60), start)
    if match:
        if _STANDALONE_PRE.fullmatch(match.group(0)):
            # A line that opens with a date is a dateline near the top ('Oct. 31,
            # 2023 Wuxi has…'); further down only when the date stands alone on
            # its line or before a time or weekday ('2023年6月9日 星期五').
            return start < LEAD_CHARS or bool(_STANDALONE_POST.match(text, end))
        return True
    return bool(_POST_MARK.match(text, end))


# --------------------------------------------------------------------------
# Year inference for month-day datelines
# --------------------------------------------------------------------------

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
        return anchor.year if _valid(anchor.year, month, day) else None
    target = date(anchor.year, anchor.month, anchor.day or 15)
    best: tuple[int, int] | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        if _valid(year, month, day):
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
            m = _YEAR_LAST_RE.search(text, max(0, start - _YEAR_LAST_REACH), end)
        if m is None:
            m = _YEAR_FIRST_RE.match(text, start)
        if m is not None:
            yield m
    at = text.find("年")
    while at != -1:
        lead = at
        while lead > 0 and at - lead < 2 and text[lead - 1].isspace():  # '二〇二三 年'
            lead -= 1
        if lead >= 4 and text[lead - 1] in _CN_DIGITS:  # 二〇二三年
            m = _YEAR_FIRST_RE.match(text, lead - 4)
            if m is not None:
                yield m
        at = text.find("年", at + 1)


def _infer_year(month: int, day: int, text: str, path: str, url: str) -> int | None:
    for where in (url, path):
        anchor = date_from_path(where) if where else UNKNOWN_DATE
        if anchor.known:
            return _year_near(anchor, month, day)

    nearest: tuple[int, int] | None = None  # (days apart, year)
    counts: Counter[int] = Counter()
    for m in islice(_year_mentions(text), MAX_MENTIONS_READ):
        form, year, mon, dd = _parts(m)
        if not _valid(year, mon, dd):
            continue
        start, end = m.span()
        if form == "year":
            if _bare_year_counts(text, start, end):
                counts[year] += 1
            continue
        if _is_future(text, start, end, chinese=form in _CHINESE_FORMS):
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


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def extract_date(text: str, *, path: str = "", url: str = "", marked_only: bool = False) -> PubDate:
    """The publication date of an article, read from its own text.

    Only the first HEAD_CHARS characters are searched, because that is where
    datelines live and the rest of a story is full of event dates. A date
    with a dateline marker (a label like 'date'/'发布时间', '本报讯', a
    'BEIJING,' city, '(Xinhua)', '/PRNewswire/', '电', opening a line in the
    lead, or alone on its line) wins over an earlier unmarked one; without
    any marker the first date in the first LEAD_CHARS counts ('On September
    4, the …'). A sentence opening with 'On' is deliberately no marker:
    'On June 18th, the 2020 … Fair was held' reports an event as often.
    An unmarked date gives way to a full date in the URL or path, since the
    lead's first date is as often the event as the day of writing.

    A dateline without a year ('本报讯 6月8日', 'On September 4') takes it,
    in this order, from:

    1. the URL, then the path: the year that puts the month-day nearest to
       the date found there (a 12月31日 dateline under /2020/01/02/ is 2019);
    2. a full date elsewhere in the text at most NEAR_DAYS days from the
       month-day (the page header '2023年6月9日' of a '6月8日' article);
    3. the year the text mentions most often (full dates, 'August 2017',
       '2020年', 'in 2020', 'the 2020 fair'), with at least
       MIN_YEAR_MENTIONS mentions and no tie.

    Years in spans ('2020-2025'), deadlines ('by 2025', '到2025年') and
    plans ('计划…2024年春节后正式投产', 'will … in 2025') are not evidence:
    they say when something should happen, not when the text was written.
    One lone mention is not enough either, since articles mostly cite last
    year's figures ('In 2022, Wuxi recorded…'). When no year can be
    inferred the month-day is dropped and the date is unknown: a PubDate
    cannot hold a month without a year, and a guessed year would be wrong
    silently.

    With `marked_only`, only a marked dateline counts: the HTML reader ranks
    those above htmldate's guess, and an unmarked lead date below it.
    """
    try:
        return _extract_date(text, path, url, marked_only)
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError):  # pragma: no cover
        return UNKNOWN_DATE


def _extract_date(text: str, path: str, url: str, marked_only: bool = False) -> PubDate:
    if not text:
        return UNKNOWN_DATE
    first_unmarked: tuple[int, int | None, int, int] | None = None
    chosen: tuple[int, int | None, int, int] | None = None
    for m in _scan(_HEAD_RE, text, HEAD_CHARS):
        _form, year, month, day = _parts(m)
        if month is None or day is None:
            continue
        if not (_valid(year, month, day) if year is not None else _valid(2000, month, day)):
            continue  # 2000 is a leap year, so 2月29日 survives until its year is known
        candidate = (m.start(), year, month, day)
        if _is_marked(text, m.start(), m.end()):
            chosen = candidate
            break
        if first_unmarked is None and m.start() < LEAD_CHARS:
            first_unmarked = candidate
    if chosen is None:
        if first_unmarked is None or marked_only:
            return UNKNOWN_DATE
        for where in (url, path):
            filed = date_from_path(where) if where else UNKNOWN_DATE
            if filed.precision == "day":
                return filed
        chosen = first_unmarked
    _start, year, month, day = chosen
    if year is None:
        year = _infer_year(month, day, text, path, url)
    return _make(year, month, day)


# --------------------------------------------------------------------------
# Paths and URLs
# --------------------------------------------------------------------------

_Y = r"(?:19|20)[0-9]{2}|2100"
_PATH_YMD = re.compile(
    rf"(?<![0-9A-Za-z])(?P<y>{_Y})[-_./](?P<m>[0-9]{{1,2}})[-_./](?P<d>[0-9]{{1,2}})(?![0-9])"
)
_PATH_Y_MMDD = re.compile(
    rf"(?<![0-9A-Za-z])(?P<y>{_Y})[-_./](?P<m>[0-9]{{2}})(?P<d>[0-9]{{2}})(?![0-9])"
)
_PATH_COMPACT = re.compile(r"(?<![0-9])[0-9]{8}(?:[0-9]{4}(?:[0-9]{2})?)?(?![0-9])")
_PATH_YM = re.compile(
    rf"(?<![0-9A-Za-z])(?P<y>{_Y})(?:[-_./](?P<m>[0-9]{{1,2}})(?=/)|[-_](?P<m2>[0-9]{{2}})(?![0-9]))"
)
_PATH_YM_SEGMENT = re.compile(rf"(?:^|/)(?P<y>{_Y})(?P<m>[0-9]{{2}})(?=/)")
_YEAR_ONLY = re.compile(_Y)
_URL_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_SIZE_WORDS = frozenset(
    (
        *("w", "h", "x", "y", "width", "height", "size", "sizes", "px", "dpi", "res"),
        *("resize", "resized", "thumb", "thumbs", "thumbnail", "thumbnails", "crop"),
        *("fit", "scale", "resolution"),
    )
)


def date_from_path(path_or_url: str) -> PubDate:
    """The date a publisher filed an article under, from its URL or path.

    Recognised: /2019/12/10/, /2019-12/10/, /2019/1210/, 2019-12-10-slug,
    2019_12_10, /20191210/, t20191210_123.html, IMG_20191210083000, and with
    less precision /2019/12/, /2019-12/, /201912/ (a folder) and /2021/.

    Numbers are only read as dates where ids and sizes cannot be: an
    8/12/14-digit run must be a whole token (optionally after a few letters,
    as in 't20191210'), with a real time of day in its tail; a run inside a
    hash ('a3f20191210b') or a 9/10/11-digit id is not a date. A lone year
    folder counts only when it is the one year folder in the path and sits
    between non-numeric folders, not under 'w'/'size'/'thumb' or next to
    another number ('/1920/1080/' is a size). The host name and query string
    of a URL are ignored: they hold ids and cache-busters, not filing dates.
    Among several dates the most precise wins, then the last one (closest to
    the file name).
    """
    try:
        return _date_from_path(path_or_url)
    except (ValueError, TypeError, OverflowError):  # pragma: no cover
        return UNKNOWN_DATE


def _date_from_path(path_or_url: str) -> PubDate:
    if not path_or_url or not isinstance(path_or_url, str):
        return UNKNOWN_DATE
    s = path_or_url.replace("\\", "/")
    if "://" in s:
        s = _URL_PREFIX.sub("", s, count=1)
        s = re.split(r"[?#]", s, maxsplit=1)[0]
    found: list[tuple[int, int, PubDate]] = []  # (precision rank, position, date)

    def add(rank: int, pos: int, pd: PubDate) -> None:
        if pd.known:
            found.append((rank, pos, pd))

    for pattern in (_PATH_YMD, _PATH_Y_MMDD):
        for m in pattern.finditer(s):
            add(3, m.start(), _make(int(m["y"]), int(m["m"]), int(m["d"])))
    for m in _PATH_COMPACT.finditer(s):
        pd = _compact_path_date(s, m)
        add(3, m.start(), pd)
    if not found:
        for m in _PATH_YM.finditer(s):
            if not _under_size_folder(s, m.start()):
                add(2, m.start(), _make(int(m["y"]), int(m["m"] or m["m2"])))
        for m in _PATH_YM_SEGMENT.finditer(s):
            if not _under_size_folder(s, m.start()):
                add(2, m.start(), _make(int(m["y"]), int(m["m"])))
    if not found:
        add(1, 0, _lone_year_folder(s))
    if not found:
        return UNKNOWN_DATE
    return max(found, key=lambda item: (item[0], item[1]))[2]


def _compact_path_date(s: str, m: re.Match) -> PubDate:
    run = m.group(0)
    start, end = m.span()
    if end < len(s) and s[end].isalpha():
        return UNKNOWN_DATE  # '20191210ab…': part of a hash
    lead = start
    while lead > 0 and s[lead - 1].isascii() and s[lead - 1].isalpha():
        lead -= 1
    if start - lead > 3 or (lead > 0 and s[lead - 1].isdigit()):
        return UNKNOWN_DATE  # 'ab12cd20191210' or a long word glued to digits
    time = run[8:]
    if time:
        hh, mm, ss = int(time[0:2]), int(time[2:4]), int(time[4:6] or 0)
        if hh > 23 or mm > 59 or ss > 59:
            return UNKNOWN_DATE
    return _make(int(run[:4]), int(run[4:6]), int(run[6:8]))


def _under_size_folder(s: str, start: int) -> bool:
    folder = s[:start].rstrip("/").rsplit("/", 1)[-1]
    return folder.lower() in _SIZE_WORDS


def _lone_year_folder(s: str) -> PubDate:
    segments = s.split("/")
    years = [(i, seg) for i, seg in enumerate(segments[:-1]) if _YEAR_ONLY.fullmatch(seg)]
    if len({seg for _, seg in years}) != 1:
        return UNKNOWN_DATE
    for i, _seg in years:
        prev = segments[i - 1] if i > 0 else ""
        nxt = segments[i + 1]
        if prev.lower() in _SIZE_WORDS or prev.isdigit() or nxt.isdigit():
            return UNKNOWN_DATE
    return _make(int(years[0][1]))


# --------------------------------------------------------------------------
# Declared values
# --------------------------------------------------------------------------

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
    rf"^(?P<y>{_Y_NUM})\s*年(?:\s*(?P<m>{_MD_NUM})\s*月(?:\s*(?P<d>{_MD_NUM})\s*[日号號])?)?"
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
    rf"(?P<m1>{_MON_ANY})\.?\s+(?P<d1>[0-9]{{1,2}}){_ORD},?\s+(?P<y1>[0-9]{{4}})"
    rf"|(?P<d2>[0-9]{{1,2}}){_ORD}[\s-]+(?:of\s+)?(?P<m2>{_MON_ANY})\.?,?[\s-]+(?P<y2>[0-9]{{4}})"
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
        return _make(_num(y), _num(mo) if mo else None, _num(d) if d else None)
    s = s.translate(_FULLWIDTH)
    m = _V_ISO.match(s)
    if m:
        y, mo, d = m["y"], m["m"], m["d"]
        return _make(int(y), int(mo) if mo else None, int(d) if d else None)
    m = _V_COMPACT.match(s)
    if m:
        return _make(int(m["y"]), int(m["m"]), int(m["d"]) if m["d"] else None)
    m = _V_NUMERIC.match(s)
    if m:
        a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
        if m["s"] == "." or (a > 12 >= b):
            return _make(year, b, a)
        if b > 12 >= a:
            return _make(year, a, b)
        if a == b:
            return _make(year, a, b)
        return _make(year) if 1 <= a <= 12 and 1 <= b <= 12 else UNKNOWN_DATE
    m = _V_EN.match(s)
    if m:
        for mk, dk, yk in (("m1", "d1", "y1"), ("m2", "d2", "y2"), ("m3", None, "y3")):
            if m[mk]:
                day = int(m[dk]) if dk else None
                return _make(int(m[yk]), _month_number(m[mk]), day)
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
        return _make(first.year)
    if first.day != second.day:
        return _make(first.year, first.month)
    return _make(first.year, first.month, first.day)
