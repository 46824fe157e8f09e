"""The dateline: where an article's text says when it was written.

Only the first HEAD_CHARS characters are searched, and a date counts when a
marker makes it a dateline (a label, a wire service, a city, a line of its
own) or, failing that, when it opens the lead. A dateline without a year
takes it from `years`.
"""

from __future__ import annotations

import re

from indexer.article import UNKNOWN_DATE, PubDate
from indexer.extract.dates.forms import HEAD_RE, match_parts, scan
from indexer.extract.dates.parts import is_valid, make_date
from indexer.extract.dates.paths import date_from_path
from indexer.extract.dates.years import infer_year

#: The dateline is looked for only this far into the text.
HEAD_CHARS = 1000
#: A date without any dateline marker counts only this close to the start.
LEAD_CHARS = 500

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
    for m in scan(HEAD_RE, text, HEAD_CHARS):
        _form, year, month, day = match_parts(m)
        if month is None or day is None:
            continue
        if not (is_valid(year, month, day) if year is not None else is_valid(2000, month, day)):
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
        year = infer_year(month, day, text, path, url)
    return make_date(year, month, day)
