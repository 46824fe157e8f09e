"""The publication date of a saved page, from everything the page says about it.

A date facet is only as good as this one value, and real pages state it in
many places of very different trust. `page_date` ranks the candidates by
where they come from, not by how often they occur or where in the text they
stand:

1. metadata the page declares for this purpose (`<meta name="pubdate">`,
   `firstpublishedtime`, `itemprop="datePublished"`, JSON-LD, `<time>`),
   read by `pagemeta.page_metadata`;
2. script variables of platforms that render the date in JavaScript
   (`var ct = "1581494400"`, `publish_time = "2021-07-05"`);
3. the header line near the headline (`2019-09-07 10:23:41 来源：某某网`,
   `发布时间：2019年09月07日`, `作者：… 2019-09-07`), which the body cleaning
   later drops as debris;
4. a marked dateline in the article's own first lines (`本报讯 9月26日`,
   'LONDON, March 4 (Reuters) -'), whose missing year comes from the URL or
   the text (`indexer.extract.dates.extract_date`);
5. htmldate (trafilatura's date library) reading markup, the URL and its
   known patterns;
6. in `enrich`: an unmarked date in the lead, the URL, the file's path;
7. last, htmldate's extensive search over all the page's dates
   (`Article.guessed_date`): right on most pages, but on list-heavy pages it
   takes a neighbouring item's date or a copyright year's January 1st.

A date mentioned in the story (an anniversary, a death, a deadline) is never
a candidate of ranks 1–5, and no candidate later than the page's declared
modification time is taken (`Article.latest_date` carries it to `enrich`).
Time zones stay ignored (see `dates`), except that a UTC time in the small
hours one day after the URL's full date gives way to the URL's:
'2020-02-18T02:18Z' under /2020/02/17/ is the publisher's evening of the
17th (`page_date`); '2020-07-09T10:04Z' under /2020/07/08/ is not.

Measured with `python -m bench extract` (bench/extract.py), dates right on
htmldate's own 195 dated mediacloud pages / the 17 development pages:
ranks 1-4 and 6 alone 160/195, with rank 5 169/195, with rank 7 177/195
(trafilatura, i.e. htmldate alone: 176/195, and 14/17 against 17/17 here).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from indexer.article import PubDate
from indexer.extract.dates import date_from_path, extract_date, parse_date_value
from indexer.sources.markup import Block, text_key
from indexer.sources.pagemeta import PageMeta

# ISO-like and Chinese full dates, wherever they stand in a short line.
_FULL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})\s*[-/.年]\s*([01]?[0-9])\s*[-/.月]\s*([0-3]?[0-9])(?![0-9])"
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_EN_FULL_DATE = re.compile(
    rf"(?<![0-9A-Za-z])(?:[0-3]?[0-9]\s+{_MONTH}\.?,?\s+(?:19|20)[0-9]{{2}}"
    rf"|{_MONTH}\.?\s+[0-3]?[0-9](?:st|nd|rd|th)?,?\s+(?:19|20)[0-9]{{2}})(?![0-9])"
)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
# `var ct = "1581494400"`, `publish_time: '2021-07-05 10:00'`, `"pubDate":"..."`.
_SCRIPT_VAR = re.compile(
    r"""(?<![\w.])["']?(?P<name>ct|publish_?time|pub_?time|pub_?date|publish_?date|ptime"""
    r"""|create_?time|first_?publish(?:ed)?_?time|datePublished|publishedAt)["']?\s*[=:]\s*"""
    r"""(?:["'](?P<quoted>[^"'\n]{4,40})["']|(?P<bare>[0-9]{10,13})\b)""",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"^[0-9]{10}(?:[0-9]{3})?$")
# Labels of the line that carries the page's own date near its headline.
_HEADER_LABEL = re.compile(
    r"来源|作者|发布|发表|时间|日期|编辑|浏览|阅读|点击|稿源|记者"
    r"|\b(?:Source|By|Published|Updated|Posted|Date)\b",
    re.IGNORECASE,
)
_DATE_DEBRIS = re.compile(r"[0-9\s:：/\-.年月日时分秒|｜()（）]+")
#: A header line is short; longer lines are prose that may mention dates.
HEADER_MAX_CHARS = 150
#: Blocks after the headline searched for the header line.
HEADER_REACH = 6
#: Hours east of UTC for epoch times on Chinese pages (platforms show Beijing time).
CHINA_UTC_OFFSET = 8
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def page_date(
    html: str, meta: PageMeta, page_blocks: list[Block], paras: list[str], title: str
) -> str | None:
    """The date to declare: the page's metadata as written when it names a day,
    else the best of ranks 2 to 5 above, as YYYY-MM-DD."""
    declared = declared_day(meta.date)
    if declared is not None:
        filed = date_from_path(meta.url or "")
        if (
            filed.precision == "day"
            and _days(declared) - _days(filed) == 1
            and is_utc_small_hours(meta.date)
        ):
            # A UTC time just past midnight ('2020-02-18T02:18Z') under a URL
            # filed on the 17th: the URL has the publisher's local date.
            return filed.iso
        readable = parse_date_value(meta.date or "").precision == "day"
        return meta.date if readable else declared.iso
    found = script_date(html)
    if found is None:
        lines = [b.text for b in page_blocks]
        headline_at, prose_at = _article_start(page_blocks, paras, meta, title)
        found = header_date(lines, headline_at, prose_at)
    if found is None:
        found = choose_date(
            body_text=f"{title}\n" + "\n".join(paras),
            url=meta.url or "",
            html=html,
            modified=declared_day(meta.modified),
        )
    return found.iso if found is not None else meta.date


def _days(day: PubDate) -> int:
    return date(day.year, day.month, day.day).toordinal()


def _article_start(
    page_blocks: list[Block], paras: list[str], meta: PageMeta, title: str
) -> tuple[int | None, int | None]:
    """Indexes of the headline's block and of the article's first prose block:
    the header line stands between them."""
    titles = {text_key(t) for t in (title, meta.title, meta.headline) if t}
    headline_at = next(
        (i for i, b in enumerate(page_blocks) if text_key(b.text) in titles),
        next((i for i, b in enumerate(page_blocks) if b.element.tag == "h1"), None),
    )
    body = {text_key(p) for p in paras[:5]}
    prose_at = next(
        (
            i
            for i, b in enumerate(page_blocks)
            if i > (headline_at if headline_at is not None else -1) and text_key(b.text) in body
        ),
        None,
    )
    return headline_at, prose_at


def full_date(text: str) -> PubDate | None:
    """The first complete year-month-day in `text` ('2019-09-07', '2019年9月7日',
    '13 Jan 2020', 'Jan. 13, 2020'), or None."""
    found = []
    for m in _FULL_DATE.finditer(text):
        found.append((m.start(), f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"))
    for m in _EN_FULL_DATE.finditer(text):
        found.append((m.start(), m.group()))
    for _start, value in sorted(found):
        day = parse_date_value(value)
        if day.precision == "day":
            return day
    return None


_UTC_TIME = re.compile(r"T([0-9]{2}):[0-9]{2}(?::[0-9]{2})?(?:\.[0-9]+)?(?:Z|[+-]00:?00)\s*$")
#: A UTC time before this hour is still the previous evening in the Americas.
UTC_EVENING_HOURS = 6


def is_utc_small_hours(value: str | None) -> bool:
    """'2020-02-18T02:18:11Z': a UTC time when American publishers' day is the 17th."""
    m = _UTC_TIME.search(value or "")
    return m is not None and int(m[1]) < UTC_EVENING_HOURS


def declared_day(value: str | None) -> PubDate | None:
    """A declared metadata value as a day, also in forms like '2023-10-09-07:45:12'."""
    if not value:
        return None
    found = parse_date_value(value)
    if found.precision == "day":
        return found
    if _EPOCH.match(value.strip()):
        return _epoch_day(value.strip(), chinese=True)
    return full_date(value[:40])


def script_date(html: str) -> PubDate | None:
    """The date a platform page sets in JavaScript (`var ct = "1581494400"`)."""
    chinese = _CJK.search(html[:20000]) is not None
    for script in _SCRIPT.finditer(html):
        body = script.group(1)
        if "ld+json" in script.group(0)[:200].lower():
            continue  # JSON-LD is read as metadata
        for m in _SCRIPT_VAR.finditer(body):
            value = (m["quoted"] or m["bare"] or "").strip()
            if _EPOCH.match(value):
                found = _epoch_day(value, chinese)
            else:
                found = declared_day(value)
            if found is not None:
                return found
    return None


def _epoch_day(value: str, chinese: bool) -> PubDate | None:
    seconds = int(value[:10])
    if not 631152000 <= seconds <= 4102444800:  # 1990 .. 2100
        return None
    zone = timezone(timedelta(hours=CHINA_UTC_OFFSET)) if chinese else UTC
    when = datetime.fromtimestamp(seconds, tz=zone)
    return PubDate(when.year, when.month, when.day)


def is_header_line(line: str) -> bool:
    """'2019-09-07 10:23:41 来源：某某网', '发布时间：2019年09月07日', '作者：张三 2019-09-07'."""
    if len(line) > HEADER_MAX_CHARS or full_date(line) is None:
        return False
    if _HEADER_LABEL.search(line):
        return True
    return len(_DATE_DEBRIS.sub("", line)) <= 12  # a date standing alone, maybe a weekday


def header_date(lines: list[str], headline_at: int | None, prose_at: int | None) -> PubDate | None:
    """The date in the header line: after the headline, before the article's prose.

    `lines` are the page's text blocks in order; `headline_at` is the block
    of the headline and `prose_at` the first block of the article. Without a
    headline the few blocks right above the article are searched.
    """
    if headline_at is not None:
        lo, hi = headline_at + 1, headline_at + 1 + HEADER_REACH
        if prose_at is not None and prose_at > headline_at:
            hi = min(hi, prose_at + 1)
    elif prose_at is not None:
        lo, hi = max(0, prose_at - 4), prose_at + 1
    else:
        return None
    for line in lines[lo:hi]:
        if is_header_line(line):
            return full_date(line)
    return None


def htmldate_day(html: str, url: str = "", extensive: bool = False) -> PubDate | None:
    """htmldate's original-publication date.

    Without `extensive` it reads markup, the URL and its known text patterns;
    with it, it also picks among all dates in the text, which is right on most
    pages but takes a neighbouring list item's or a copyright year's date on
    others, so that guess ranks below the URL and the file's path (`enrich`).
    """
    import htmldate

    try:
        value = htmldate.find_date(
            html,
            url=url or None,
            extensive_search=extensive,
            original_date=True,
            outputformat="%Y-%m-%d",
        )
    except (ValueError, TypeError, OverflowError):  # pragma: no cover
        value = None
    return declared_day(value) if value else None


def choose_date(
    *,
    body_text: str,
    url: str,
    html: str,
    modified: PubDate | None = None,
) -> PubDate | None:
    """Ranks 4 and 5: a marked dateline in the article, then htmldate's markup reading.

    Called when metadata, script variables and the header line gave nothing;
    no candidate later than `modified` is taken.
    """
    from_body = extract_date(body_text, url=url, marked_only=True)
    if from_body.precision == "day" and _not_after(from_body, modified):
        return from_body
    guessed = htmldate_day(html, url)
    if guessed is not None and _not_after(guessed, modified):
        return guessed
    return None


def guess_date(html: str, url: str, modified: PubDate | None = None) -> PubDate | None:
    """The last resort: htmldate's extensive search over every date on the page."""
    guessed = htmldate_day(html, url, extensive=True)
    return guessed if guessed is not None and _not_after(guessed, modified) else None


def _not_after(day: PubDate, bound: PubDate | None) -> bool:
    return bound is None or day.as_int <= bound.as_int
