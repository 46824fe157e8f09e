"""Turn a file's bytes into clean text, whatever it was saved as.

The archive mixes UTF-8 (with and without BOM), UTF-16 from Windows tools,
and legacy Chinese encodings: GBK/GB2312 from mainland sites and Big5 from
Taiwan and Hong Kong. Statistical detectors guess badly on short GBK texts
(charset-normalizer 3.5.2 reads GBK '江苏' as Big5 '蔬劼' and three GBK names
as UTF-16), and a wrong guess puts mojibake into the index that nobody can
search for. So the
order is deliberate, from strong evidence to weak:

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. the NUL pattern of BOM-less UTF-16 (ASCII-heavy text has every other
   byte zero);
3. strict UTF-8 when the bytes hold multi-byte sequences: random legacy
   bytes almost never form valid UTF-8, and pages that declare gb2312 but
   were re-saved as UTF-8 are common; UTF-8 with a few bad bytes (a file
   cut mid-character) still counts, minus those bytes;
4. the charset the file declares (HTML `<meta charset>`), if it decodes
   strictly; a Western single-byte label (which decodes anything) loses to
   text that reads as everyday Chinese in GBK or Big5;
5. GB18030 against Big5: each must decode strictly, and the one that yields
   more everyday characters wins (see `hanzi.COMMON_CJK`);
6. Windows-1252 for English with a few stray smart quotes or accents;
7. charset-normalizer, for the rare other legacy file.

Text that still looks binary (many control characters) is refused rather
than indexed as noise.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections import Counter

from indexer.sources import SourceError
from indexer.sources.hanzi import COMMON_CJK

# Magic numbers of formats that end up renamed as .txt/.html in real archives.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (old Word/Excel)"),
    (b"\x7fELF", "ELF executable"),
    (b"SQLite format 3\x00", "SQLite database"),
)

# Names pages and feeds use, mapped to the Python codec that reads them best.
# GBK and GB2312 are subsets of GB18030; Big5 files are usually written by
# Windows (cp950), and Hong Kong ones need HKSCS.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "cp950",
    "big-5": "cp950",
    "x-x-big5": "cp950",
    "cn-big5": "cp950",
    "csbig5": "cp950",
    "big5-hkscs": "big5hkscs",
    # WHATWG: latin-1 labels mean windows-1252 on the web.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    # A <meta charset=utf-16> inside an ASCII-readable page is a lie.
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}
_BIG5_CODECS = ("cp950", "big5hkscs")
_SINGLE_BYTE_WESTERN = {"cp1252", "iso8859-1", "iso8859-15", "cp1250", "mac-roman", "ascii"}

# C0/C1 controls except tab and newline, plus BOMs, soft hyphens and
# zero-width spaces: invisible debris that splits words for the tokenizer;
# form feed and Unicode line separators become newlines.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x84\x86-\x9f\xad\u200b\u2060\ufeff\ufffe]")
_LINE_BREAKS = re.compile("[\x0c\x85\u2028\u2029]")
_SPECIAL = re.compile(f"{_CONTROL.pattern}|{_LINE_BREAKS.pattern}")
_ASCII_BYTES = bytes(range(0x80))
_ASCII_RUNS = re.compile("[\x00-\x7f]+")
_NEWLINES = re.compile(r"\r\n?")
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode `data` and normalise it; raise SourceError if it is not text.

    `declared` is the charset the file itself names (an HTML meta tag); it is
    honoured when it decodes strictly, except that valid multi-byte UTF-8
    beats it (see the module docstring).
    """
    text = _decode_raw(data, declared)
    if _looks_binary(text):
        raise SourceError("binary data (control characters), not text")
    return normalize_text(text)


def normalize_text(text: str) -> str:
    """Unix newlines, no NULs or control characters (tab and newline stay)."""
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    if _SPECIAL.search(text) is None:  # the common case: one scan, no copies
        return text
    text = _LINE_BREAKS.sub("\n", text)
    return _CONTROL.sub("", text)


def _decode_raw(data: bytes, declared: str | None) -> str:
    if not data:
        return ""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", "invalid UTF-8 after a UTF-8 byte-order mark")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _strict(data, "utf-32", "invalid UTF-32")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", "invalid UTF-16")
    utf16 = _bomless_utf16(data)
    if utf16:
        return _strict(data, utf16, "invalid UTF-16 (no byte-order mark)")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise SourceError(f"binary file ({kind}), not text")
    head = data[:8192]
    if head.count(0) > max(4, 0.01 * len(head)):
        raise SourceError("binary data (NUL bytes), not text")

    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    damaged = _decode_damaged_utf8(data)
    if damaged is not None:
        return damaged

    chinese, common, standard = _decode_chinese(data)
    codec = _codec_for(declared) if declared else None
    # A Western single-byte label decodes any bytes "cleanly"; on a page that
    # reads as everyday Chinese in GBK or Big5 it is a stale template.
    stale = codec in _SINGLE_BYTE_WESTERN and common >= 0.5
    if codec and codec != "utf-8" and not stale:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):  # LookupError: 'base64' is no text codec
            pass

    # Below 0.3 common characters the "Chinese" may be a Latin code page read
    # as GBK; a text made only of GB2312 characters is still Chinese (names).
    if chinese is not None and (common >= 0.3 or standard >= 0.9):
        return chinese
    latin = _decode_mostly_ascii(data)
    if latin is not None:
        return latin
    detected = _decode_by_detector(data)
    for text in (detected, chinese):
        if text is not None and not _looks_binary(text):
            return text
    raise SourceError("not text: neither UTF-8, UTF-16, GB18030, Big5 nor another encoding fits")


def _decode_damaged_utf8(data: bytes) -> str | None:
    """UTF-8 with a few bad bytes (a file cut mid-character, one stray cp1252
    byte) is still UTF-8: drop the bad bytes rather than the whole file.

    Legacy Chinese or Latin bytes almost never form valid multi-byte UTF-8, so
    many valid sequences per invalid one is strong evidence.
    """
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    valid = len(lossy) - len(lossy.encode("ascii", "ignore")) - bad
    if valid >= 20 * bad:
        return lossy.replace("\ufffd", "")
    return None


def _strict(data: bytes, codec: str, reason: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{reason} (byte {exc.start})") from None


def _codec_for(label: str) -> str | None:
    """The Python codec for a charset label, or None if Python has none."""
    key = label.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'-be' when every other byte is NUL, as in ASCII-heavy UTF-16."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls > 0.3 * half and even_nuls < 0.02 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.02 * half:
        return "utf-16-be"
    return None


def _decode_chinese(data: bytes) -> tuple[str | None, float, float]:
    """GB18030 or Big5, whichever decodes strictly into more common characters.

    Returns (text, share of common characters, share of GB2312 characters);
    ties go to GB18030, the mainland encoding most of the archive uses.
    """
    best, best_common, best_standard = None, -1.0, 0.0
    for codecs_to_try in (("gb18030",), _BIG5_CODECS):
        for codec in codecs_to_try:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            common = common_cjk_ratio(text)
            if common > best_common:
                best, best_common = text, common
                best_standard = _gb2312_ratio(text) if codec == "gb18030" else 0.0
            break
    return best, best_common, best_standard


def common_cjk_ratio(text: str, sample: int = 600) -> float:
    """Share of the first `sample` non-ASCII characters that are everyday CJK."""
    return _share(_non_ascii(text, sample), COMMON_CJK)


def _gb2312_ratio(text: str, sample: int = 600) -> float:
    return _share(_non_ascii(text, sample), _gb2312_chars())


def _non_ascii(text: str, sample: int) -> Counter[str]:
    # Counter counts in C; the per-character loop is over distinct characters only.
    return Counter(_ASCII_RUNS.sub("", text[: sample * 2])[:sample])


def _share(counts: Counter[str], table: frozenset[str]) -> float:
    total = counts.total()
    return sum(n for ch, n in counts.items() if ch in table) / total if total else 0.0


@functools.cache
def _gb2312_chars() -> frozenset[str]:
    """The 6,763 hanzi of GB2312: a Latin file misread as GBK lands outside them."""
    pairs = bytes(
        b for lead in range(0xB0, 0xF8) for trail in range(0xA1, 0xFF) for b in (lead, trail)
    )
    return frozenset(pairs.decode("gb2312", errors="ignore"))


def _decode_mostly_ascii(data: bytes) -> str | None:
    """English with a few Windows-1252 bytes (smart quotes, accents) is cp1252.

    Detectors misname short Latin text (cp1250, 'crčme brűlée'); in an English
    and Chinese archive, an otherwise-ASCII file is almost always cp1252.
    """
    head = data[:65536]
    high = len(head.translate(None, _ASCII_BYTES))
    if high > 0.3 * len(head):
        return None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _decode_by_detector(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    return str(best)


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    controls = len(_BINARY_CONTROLS.findall(sample))
    return controls > max(4, 0.02 * len(sample))


_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")


def declared_html_charset(data: bytes) -> str | None:
    """The charset an HTML page names in its first 4 KB, as browsers look for it."""
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None
