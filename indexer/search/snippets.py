"""Highlighted snippets and titles, cut from stored text at stored offsets.

Four parts, as in Whoosh's highlight module, but none re-analyses a
document: *spans* `(start, end, term)` come from the character offsets the
index stored with each term (each backend reads its own: Whoosh's postings,
OpenSearch's stored offsets); the *fragmenter* picks up to three windows of
about 200 characters holding the most distinct matches; *boundaries* move
each cut to a space in English and to punctuation or a word boundary in
Chinese (segmenting only the few characters around the cut); the
*formatter* escapes everything and wraps the matches in `<mark>`. Document
text is untrusted: nothing of it reaches the output unescaped.
"""

from __future__ import annotations

import re
from html import escape

FRAGMENT_CHARS = 200
MAX_FRAGMENTS = 3
ELLIPSIS = "…"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")
_CN_BREAK = "。！？；，、：）」』”\n"


def _merge(spans) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e, *_ in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def mark(text: str, spans) -> str:
    """`text` escaped, with `spans` wrapped in <mark>."""
    out = []
    pos = 0
    for s, e in _merge(spans):
        if s < pos or e > len(text):
            continue
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out)


def _choose_windows(spans, length: int, size: int, count: int):
    """Greedy: the windows with the most distinct terms, then most matches."""
    candidates = []
    for i, (s, _e, _t) in enumerate(spans):
        start = max(0, s - size // 4)
        end = min(length, start + size)
        terms = set()
        matches = 0
        for s2, e2, term in spans[i:]:
            if s2 > end:  # sorted by start: no later span ends inside
                break
            if e2 <= end:
                terms.add(term)
                matches += 1
        candidates.append((len(terms), matches, -start, start, end))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_score, start, end in candidates:
        if any(start < ce and end > cs for cs, ce in chosen):
            continue
        chosen.append((start, end))
        if len(chosen) == count:
            break
    return sorted(chosen)


def _adjust_start(text: str, start: int, spans) -> int:
    if start <= 0:
        return 0
    first_match = min((s for s, _e in spans if s >= start), default=start)
    limit = min(first_match, start + 40)
    if _CJK.match(text[start : start + 1] or " "):
        for i in range(start, limit):
            if text[i - 1] in _CN_BREAK:
                return i
        return _word_boundary(text, start, limit, forward=True)
    for i in range(start, limit):
        if text[i - 1].isspace():
            return i
    for i in range(start, max(start - 30, 0), -1):
        if text[i - 1].isspace():
            return i
    return start


def _adjust_end(text: str, end: int, spans) -> int:
    if end >= len(text):
        return len(text)
    last_match = max((e for _s, e in spans if e <= end), default=end)
    floor = max(last_match, end - 40)
    if _CJK.match(text[end - 1 : end] or " "):
        for i in range(end, floor, -1):
            if text[i - 1] in _CN_BREAK:
                return i
        return _word_boundary(text, floor, end, forward=False)
    for i in range(end, floor, -1):
        if text[i].isspace():
            return i
    for i in range(end, min(end + 30, len(text))):
        if text[i].isspace():
            return i
    return end


def _word_boundary(text: str, lo: int, hi: int, forward: bool) -> int:
    """A jieba word boundary between lo and hi, from a small local segmentation."""
    a, b = max(0, lo - 12), min(len(text), hi + 12)
    bounds = set()
    from indexer.analysis import get_segmenter

    for _w, s, e in get_segmenter().tokenize(text[a:b]):
        bounds.add(a + s)
        bounds.add(a + e)
    inside = sorted(x for x in bounds if lo <= x <= hi)
    if not inside:
        return lo if forward else hi
    return inside[0] if forward else inside[-1]


def make_snippet(text: str, spans, size: int = FRAGMENT_CHARS, count: int = MAX_FRAGMENTS) -> str:
    """Up to `count` fragments of about `size` characters around the matches."""
    if not text:
        return ""
    if not spans:
        end = _adjust_end(text, min(len(text), size), [])
        return _SPACES.sub(" ", escape(text[:end])) + (ELLIPSIS if end < len(text) else "")
    merged = _merge(spans)
    pieces = []
    for start, end in _choose_windows(spans, len(text), size, count):
        start = _adjust_start(text, start, merged)
        end = _adjust_end(text, end, merged)
        inside = [(s, e) for s, e in merged if s >= start and e <= end]
        fragment = mark(text[start:end], [(s - start, e - start) for s, e in inside])
        pieces.append(
            (ELLIPSIS if start > 0 else "")
            + fragment.strip()
            + (ELLIPSIS if end < len(text) else "")
        )
    # Paragraph breaks mean nothing inside a one-line snippet.
    return _SPACES.sub(" ", " ".join(pieces))
