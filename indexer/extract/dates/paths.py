"""The date a publisher filed an article under, read from its URL or path.

Ids, hashes, image sizes and host names are full of digits; the rules in
`date_from_path` read a number as a date only where none of those can be.
"""

from __future__ import annotations

import re

from indexer.article import UNKNOWN_DATE, PubDate
from indexer.extract.dates.parts import make_date

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
            add(3, m.start(), make_date(int(m["y"]), int(m["m"]), int(m["d"])))
    for m in _PATH_COMPACT.finditer(s):
        pd = _compact_path_date(s, m)
        add(3, m.start(), pd)
    if not found:
        for m in _PATH_YM.finditer(s):
            if not _under_size_folder(s, m.start()):
                add(2, m.start(), make_date(int(m["y"]), int(m["m"] or m["m2"])))
        for m in _PATH_YM_SEGMENT.finditer(s):
            if not _under_size_folder(s, m.start()):
                add(2, m.start(), make_date(int(m["y"]), int(m["m"])))
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
    return make_date(int(run[:4]), int(run[4:6]), int(run[6:8]))


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
    return make_date(int(years[0][1]))
