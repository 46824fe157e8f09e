"""Which language an article is written in: en, zh or mixed.

Counting scripts is enough for a two-language archive, where a statistical
language identifier would cost a model load and still mistake pinyin names
for English. Han characters and Latin letters are weighed against each other
by how much text each carries: one Chinese character says about as much as
three Latin letters (an English translation of Chinese runs at roughly 1.5
characters per word against ~4.7 letters per word), so a bilingual release
with the same text in both languages lands near the middle instead of being
called English by sheer letter count.

Both counts are done on bytes (`bytes.translate` deletes in one C pass),
because a regex over every character costs ~40 ns a character, about ten
times as much, and this runs on every article.
"""

from __future__ import annotations

__all__ = ["detect_language"]

#: Latin letters per Han character of the same content.
HAN_WEIGHT = 3
#: Each language must carry at least this share of the weighted content for
#: the article to be "mixed": a Chinese story quoting 'IGBT', 'IP WUXI' and
#: two e-mail addresses stays 'zh', an English one naming 无锡 stays 'en'.
MIXED_SHARE = 0.2

_ASCII_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))
# In UTF-8 every character from U+4000 to U+9FFF, and no other, starts with a
# byte from 0xE4 to 0xE9 (continuation bytes are 0x80-0xBF): that range holds
# all the common Han characters (U+4E00-U+9FFF) and no CJK punctuation.
_HAN_LEAD_BYTES = bytes(range(0xE4, 0xEA))


def detect_language(text: str) -> str:
    """'en', 'zh' or 'mixed', from the weighted share of Han vs Latin script.

    Text with no letters of either script (empty, digits, punctuation) is
    'en': the field has no 'unknown', nothing in such text is Chinese, and a
    `lang:zh` filter should only ever return text a Chinese reader can read.
    Only ASCII letters count as Latin and only U+4000-U+9FFF as Han; accented
    letters, rare ideographs (extension B and beyond), kana and hangul count
    as neither, which moves no realistic article across a threshold.
    """
    if not text or text.isascii():
        return "en"
    raw = text.encode("utf-8", "surrogatepass")
    latin = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    han = HAN_WEIGHT * (len(raw) - len(raw.translate(None, _HAN_LEAD_BYTES)))
    total = han + latin
    if total == 0:
        return "en"
    share = han / total
    if share >= 1 - MIXED_SHARE:
        return "zh"
    if share <= MIXED_SHARE:
        return "en"
    return "mixed"
