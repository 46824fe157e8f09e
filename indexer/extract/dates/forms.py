"""The forms a date takes in running text, and finding them fast.

There is one pattern per form ('2023年10月31日', '2023-10-31',
'Oct. 31, 2023', '31 October 2023', '10月31日', 'Oct. 31', '2023年10月',
'October 2023', a bare year); three combinations of them are searched:
`HEAD_RE` for datelines (`datelines`), `YEAR_FIRST_RE` and `YEAR_LAST_RE`
for the year evidence around a 4-digit number (`years`). `match_parts`
reads (form, year, month, day) back from a match, and `scan` runs a
combined pattern only in small windows around the characters every date
contains.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from indexer.extract.dates.parts import DIGIT, MD_NUM, ORDINAL, Y_NUM, month_number, number

# Month names are matched case-sensitively in running text (Title or UPPER
# case), so the verb "may" and words like "decide" never look like months.
_MONTH_WORDS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
)
# The lookahead lets re reject most positions before trying 48 words.
_MON_TEXT = f"(?=[JFMASOND])(?:{_MONTH_WORDS}|{_MONTH_WORDS.upper()})"

# One pattern per form; '§' stands for a one-letter prefix, because each
# combined pattern needs its own group names. Every form is wrapped in a
# named group so `m.lastgroup` says which one matched. At any one position
# the alternatives are tried in order, so a form with a year comes before
# the same form without one.

_FORMS = {
    "zhymd": rf"(?P<§a1>{Y_NUM})\s*年\s*(?P<§a2>{MD_NUM})\s*月\s*(?P<§a3>{MD_NUM})\s*[日号號]",
    "numymd": (
        rf"(?<![0-9０-９A-Za-z.])(?P<§b1>{DIGIT}{{4}})(?P<§bs>[-/.－／．])"
        rf"(?P<§b2>{DIGIT}{{1,2}})(?P=§bs)(?P<§b3>{DIGIT}{{1,2}})(?![0-9０-９])"
    ),
    "enmdy": (
        rf"(?<![A-Za-z])(?P<§c2>{_MON_TEXT})\.?\s+(?P<§c3>{DIGIT}{{1,2}}){ORDINAL}"
        rf"(?![0-9])\s*,?\s*(?P<§c1>{DIGIT}{{4}})(?![0-9])"
    ),
    "endmy": (
        rf"(?<![A-Za-z0-9.,])(?P<§d3>{DIGIT}{{1,2}}){ORDINAL}\s+(?:of\s+)?"
        rf"(?P<§d2>{_MON_TEXT})\b\.?,?\s+(?P<§d1>{DIGIT}{{4}})(?![0-9])"
    ),
    "zhmd": (
        rf"(?<![0-9０-９年〇零○一二三四五六七八九十廿卅])"
        rf"(?P<§e2>{MD_NUM})\s*月\s*(?P<§e3>{MD_NUM})\s*[日号號]"
    ),
    "enmd": (
        rf"(?<![A-Za-z])(?P<§f2>{_MON_TEXT})\.?\s+(?P<§f3>{DIGIT}{{1,2}}){ORDINAL}"
        rf"(?![0-9A-Za-z])"
    ),
    "endm": (
        rf"(?<![A-Za-z0-9.,])(?P<§g3>{DIGIT}{{1,2}}){ORDINAL}\s+(?:of\s+)?"
        rf"(?P<§g2>{_MON_TEXT})\b\.?"
    ),
    "zhym": rf"(?P<§h1>{Y_NUM})\s*年\s*(?P<§h2>{MD_NUM})\s*月",
    "enmy": rf"(?<![A-Za-z])(?P<§i2>{_MON_TEXT})\.?,?\s+(?P<§i1>{DIGIT}{{4}})(?![0-9])",
    "year": (
        r"(?<![0-9０-９A-Za-z@._/\\\-－])(?P<§j1>[12１２][0-9０-９]{3})"
        r"(?![0-9０-９A-Za-z@%‰]|[.,][0-9])"
    ),
}


def _combine(prefix: str, forms: tuple[str, ...], suffix: str = "") -> re.Pattern:
    alternatives = "|".join(f"(?P<{prefix}{f}>{_FORMS[f].replace('§', prefix)})" for f in forms)
    return re.compile(f"(?:{alternatives}){suffix}")


# Datelines: any form with a month and a day.
HEAD_RE = _combine("h", ("zhymd", "numymd", "enmdy", "endmy", "zhmd", "enmd", "endm"))
# Year evidence, tried at a 4-digit number: forms that start with the year,
# and forms that end with it (searched backwards from it, so '$' is the year's end).
YEAR_FIRST_RE = _combine("v", ("zhymd", "numymd", "zhym", "year"))
YEAR_LAST_RE = _combine("w", ("enmdy", "endmy", "enmy"), suffix="$")

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
CHINESE_FORMS = {"zhymd", "zhmd", "zhym"}


def match_parts(m: re.Match) -> tuple[str, int | None, int | None, int | None]:
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
            out.append(month_number(token))
        else:
            out.append(number(token))
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


def scan(pattern: re.Pattern, text: str, end: int) -> Iterator[re.Match]:
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
