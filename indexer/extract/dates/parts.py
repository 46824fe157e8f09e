"""The pieces dates are written in, and which pieces make a real date.

Digits of any width, Chinese numerals (二〇二三, 十二, 廿一), English month
names and ordinals are shared by the forms found in running text (`forms`)
and by declared values (`declared`). A date is made only when its parts make
a real one between MIN_YEAR and MAX_YEAR: 2023-02-30 is unknown, not March.
"""

from __future__ import annotations

from datetime import date

from indexer.article import UNKNOWN_DATE, PubDate

MIN_YEAR = 1900
MAX_YEAR = 2100

DIGIT = "[0-9０-９]"  # int() reads full-width digits as they are
_CN_YEAR = "[〇零○Ｏ一二三四五六七八九]{4}"
_CN_SMALL = "[一二三四五六七八九十廿卅]{1,3}"
# A month or a day, and a year, in Arabic or Chinese numerals.
MD_NUM = f"(?:{DIGIT}{{1,2}}|{_CN_SMALL})"
Y_NUM = f"(?:{DIGIT}{{4}}|{_CN_YEAR})"
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
ORDINAL = "(?:st|nd|rd|th)?"

CN_DIGITS = {
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


def number(token: str) -> int | None:
    """Arabic (any width) or Chinese numerals up to 9999; None if malformed."""
    try:
        return int(token)
    except ValueError:
        pass
    if not token:
        return None
    if len(token) == 4 and all(ch in CN_DIGITS for ch in token):  # 二〇二三
        return int("".join(str(CN_DIGITS[ch]) for ch in token))
    tens, ones = 0, token
    for mark, value in (("十", 10), ("廿", 20), ("卅", 30)):
        if mark in token:
            left, _, ones = token.partition(mark)
            if value == 10:
                if left == "":
                    tens = 10
                elif left in CN_DIGITS and len(left) == 1:
                    tens = 10 * CN_DIGITS[left]
                else:
                    return None
            elif left:
                return None
            else:
                tens = value
            break
    if ones == "":
        return tens or None
    if len(ones) == 1 and ones in CN_DIGITS:
        return tens + CN_DIGITS[ones]
    return None


def month_number(word: str) -> int:
    return _MONTH_NUMBERS[word[:3].lower()]


def is_valid(year: int | None, month: int | None = None, day: int | None = None) -> bool:
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


def make_date(year: int | None, month: int | None = None, day: int | None = None) -> PubDate:
    return PubDate(year, month, day) if is_valid(year, month, day) else UNKNOWN_DATE
