"""Plain-text articles, as the archive's crawlers and scanners saved them.

The conventions come from the seed files:

- a header block of `Key: value` lines (`Title:`, `Source:`, `Date:`, `URL:`,
  `Language:`, their Chinese names) and the crawler's ` date 2023-10-31 <title>`
  first line;
- otherwise the first line is the title when it reads like one (short, no
  sentence-final full stop); when no line does, the title is the first
  sentence, cut at a word boundary to at most 100 characters (60 for Chinese)
  with "…", and the body keeps that sentence;
- paragraphs are lines; hard-wrapped lines of one block are joined, and a
  Chinese paragraph that stops mid-sentence (scanned newspapers break
  `集成\\n\\n电路`) is joined to the next;
- link debris, share bars, copyright and the newspaper's masthead/contact
  block are dropped (`boilerplate`); datelines (`BEIJING, Oct. 31, 2023
  /PRNewswire/ --`, `本报讯 6月8日`) stay in the body, and the wire service in
  a dateline is the source when nothing else names one;
- a newspaper page holding several articles is split at every headline that
  is followed by a lead (`本报讯`, `新华社…电`, an English dateline) or that
  follows a byline; each article keeps its byline `(王拓)` as its last
  paragraph, and the masthead name (`江南晚报`) is the source of all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.article import Article
from indexer.sources.boilerplate import (
    footer_start,
    is_boilerplate,
    is_byline,
    is_masthead,
)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_LATIN_CHAR = re.compile(r"[A-Za-z]")

_ISO_DATE = (
    r"\d{4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# The crawler's first line: " date 2023-10-31 Title: The title" (title optional).
_DATE_LINE = re.compile(
    rf"^\s*date\s*[:：]?\s*(?P<date>{_ISO_DATE})(?:\s+(?P<rest>.*))?$", re.IGNORECASE
)
_HEADER = re.compile(
    r"^\s*(?P<key>[A-Za-z][A-Za-z _-]{0,20}?|[" + _CJK + r"]{2,6})\s*[:：]\s*(?P<value>.*)$"
)
_HEADER_KEYS = {
    "title": "title",
    "headline": "title",
    "标题": "title",
    "source": "source",
    "publisher": "source",
    "来源": "source",
    "稿源": "source",
    "date": "date",
    "published": "date",
    "pubdate": "date",
    "publish date": "date",
    "published at": "date",
    "日期": "date",
    "发布日期": "date",
    "发布时间": "date",
    "时间": "date",
    "url": "url",
    "link": "url",
    "链接": "url",
    "原文链接": "url",
    "language": "lang",
    "lang": "lang",
    "语言": "lang",
    "location": "locations",
    "locations": "locations",
    "places": "locations",
    "地点": "locations",
    # Recognised so they do not become the title; the index has no author field.
    "author": "author",
    "by": "author",
    "作者": "author",
}
_TITLE_PREFIX = re.compile(r"^(?:title|headline|标题)\s*[:：]\s*", re.IGNORECASE)
_BARE_DATE = re.compile(rf"^{_ISO_DATE}$")
_BARE_URL = re.compile(r"^https?://\S+$")
_LIST_SPLIT = re.compile(r"\s*[,，、;；]\s*")

_LEAD_ZH = re.compile(
    r"^(?:本报讯|本报(?:记者|通讯员)|本报[^\s，,。]{1,12}讯"
    r"|(?:新华社|中新社|中新网|人民网|央视网|新华网|光明网|澎湃新闻|中国新闻网|央广网|国际在线)"
    r"[^\s，,。]{0,14}(?:电|讯|消息)"
    r"|[（(]记者|【[^】]{0,20}(?:报道|讯|电|消息|记者)[^】]{0,10}】"
    r"|记者\S{0,10}?\d{1,2}月\d{1,2}日)"
)
_DATELINE_EN = re.compile(
    r"^[A-Z][A-Z.'\- ]{1,30}(?:,\s*[A-Z][A-Za-z.'\- ]{1,30})*"
    r"(?:,\s*[A-Z][a-z]{2,4}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
    r"\s*(?:\((?P<paren>[^)]{1,40})\)|/(?P<slash>[^/]{1,40})/)?\s*(?:--|—|–|-)\s"
)
_AGENCIES = {
    "prnewswire": "PR Newswire",
    "business wire": "Business Wire",
    "globe newswire": "GlobeNewswire",
    "xinhua": "Xinhua",
    "ap": "AP",
    "reuters": "Reuters",
    "afp": "AFP",
}

_FINAL = "。！？!?…；;”’」』)）】\"'"
_EN_ABBREV = re.compile(
    r"(?:\b[A-Z]|\b(?:[A-Z]\.){1,}[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Co|Inc|Ltd|Corp|Jr|Sr|No|Gov|Sen"
    r"|Rep|Gen|Lt|Col|Prof|vs|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K))\.$"
)
_SENTENCE_END_ZH = re.compile(r"[。！？!?]")
_SENTENCE_END_EN = re.compile(r"[.!?][\"”’')]?(?=\s+[\"“‘(]?[A-Z0-9]|\s*$)")
_LIST_ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+(?:[、．)]|\.(?!\d))"
    r"|[-*•·]\s)"
)
_TRAILING_SOURCE = re.compile(
    r"^[（(【\[]?\s*(?:来源|稿源|Source)\s*[:：]\s*(?P<src>[^()（）【】\[\]]{1,40}?)\s*[)）】\]]?$",
    re.IGNORECASE,
)

TITLE_MAX = 100
TITLE_MAX_CJK = 60


@dataclass
class _Header:
    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None
    lang: str | None = None
    locations: list[str] | None = None


def articles_from_text(text: str) -> list[Article]:
    """Split one decoded text into its articles (usually one)."""
    lines = text.split("\n")
    header, start = _parse_header(lines)
    paras = _paragraphs(lines[start:])
    paras = [p for p in paras if not is_boilerplate(p)]

    cut = footer_start(paras)
    footer, paras = paras[cut:], paras[:cut]
    source = header.source or _trailing_source(paras)
    masthead = next((p for p in footer if is_masthead(p)), None)

    groups = _split_page(paras)
    if len(groups) > 1:
        if groups[0][0] is None:
            masthead = masthead or next((p for p in groups[0][1] if is_masthead(p)), None)
        groups = [g for g in groups if g[0] is not None or _has_prose(g[1])]
    elif header.title is not None:
        groups = [(header.title, paras)]
    else:
        groups = [_title_from_first_line(paras)]

    articles = []
    for title, body_paras in groups:
        body_paras = _join_broken_chinese(body_paras)
        body = "\n\n".join(body_paras).strip()
        if title is None:
            title = fallback_title(body)
        if not body and not title:
            continue
        articles.append(
            Article(
                title=title,
                body=body,
                url=header.url,
                source=source or masthead or _dateline_agency(body_paras),
                declared_date=header.date,
                declared_lang=header.lang,
                declared_locations=list(header.locations) if header.locations else None,
            )
        )
    return articles


def _parse_header(lines: list[str]) -> tuple[_Header, int]:
    """Read the leading `Key: value` block; return it and the first body line."""
    header = _Header()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        match = _DATE_LINE.match(line)
        if match and header.date is None:
            header.date = match.group("date")
            rest = _TITLE_PREFIX.sub("", (match.group("rest") or "").strip())
            if rest and header.title is None:
                header.title = rest
            i += 1
            continue
        if _BARE_DATE.match(line) and header.date is None:
            header.date = line
            i += 1
            continue
        if _BARE_URL.match(line) and header.url is None:
            header.url = line
            i += 1
            continue
        match = _HEADER.match(line)
        key = _HEADER_KEYS.get(match.group("key").strip().lower()) if match else None
        if key is None:
            break
        value = match.group("value").strip()
        if key == "locations":
            header.locations = [p for p in _LIST_SPLIT.split(value) if p] or None
        elif key == "author":
            pass
        elif value and getattr(header, key) is None:
            setattr(header, key, value)
        i += 1
    return header, i


def _paragraphs(lines: list[str]) -> list[str]:
    """One paragraph per line, except hard-wrapped blocks, which are rejoined.

    A block (lines between blank lines) is hard-wrapped when its lines are
    filled to a common width of 40-100 columns; a line that fills at least
    60 % of that width and does not end a sentence continues on the next.
    """
    paras: list[str] = []
    block: list[str] = []
    for raw in [*lines, ""]:
        line = raw.strip()
        if line:
            block.append(line)
            continue
        if block:
            paras.extend(_unwrap(block))
            block = []
    return paras


def _unwrap(block: list[str]) -> list[str]:
    if len(block) < 2:
        return block
    widths = [_width(line) for line in block]
    width = max(widths)
    if not 40 <= width <= 100:
        return block
    out = [block[0]]
    for prev_width, line in zip(widths, block[1:], strict=False):
        prev = out[-1]
        if (
            prev_width >= 0.6 * width
            and prev[-1] not in _FINAL
            and not prev.endswith(".")
            and not _LIST_ITEM.match(line)
        ):
            out[-1] = _glue(prev, line)
        else:
            out.append(line)
    return out


def _width(line: str) -> int:
    """Display columns: a CJK character is two columns wide."""
    return len(line) + len(_CJK_CHAR.findall(line))


def _glue(left: str, right: str) -> str:
    if _CJK_CHAR.match(left[-1]) or _CJK_CHAR.match(right[0]):
        return left + right
    if left.endswith("-") and left[-2:-1].isalpha():
        return left[:-1] + right
    return f"{left} {right}"


def _is_cjk_text(text: str) -> bool:
    """More Chinese characters than Latin letters (judged on the first 80)."""
    sample = text[:80]
    return len(_CJK_CHAR.findall(sample)) > len(_LATIN_CHAR.findall(sample))


def is_lead(para: str) -> bool:
    """Does this paragraph open a news story (本报讯, 新华社…电, BEIJING --)?

    A lead has a sentence after its marker; '本报记者 王拓摄' under a photo
    does not open anything.
    """
    return len(para) >= 20 and bool(_LEAD_ZH.match(para) or _DATELINE_EN.match(para))


def _headline_like(para: str) -> bool:
    """Short, not a sentence, not a byline or dateline: could head an article."""
    if not para or len(para) > 200 or (len(para) > 80 and _is_cjk_text(para)):
        return False
    if is_byline(para) or is_lead(para):
        return False
    if para[-1] in "。；;，,：:、" or "。" in para:
        return False
    return not (para.endswith(".") and not _EN_ABBREV.search(para))


def _split_page(paras: list[str]) -> list[tuple[str | None, list[str]]]:
    """Cut a newspaper page into (headline, paragraphs) groups.

    A headline starts an article when a lead paragraph follows it or a byline
    (the end of the previous article) precedes it. Fewer than two such
    starts means the text is one article: one group with no headline.
    """
    starts = []
    for i in range(len(paras) - 1):
        if not _headline_like(paras[i]):
            continue
        nxt = paras[i + 1]
        after_byline = i > 0 and is_byline(paras[i - 1]) and len(nxt) >= 30
        if is_lead(nxt) or after_byline:
            starts.append(i)
    if len(starts) < 2:
        return [(None, paras)]
    groups: list[tuple[str | None, list[str]]] = []
    if starts[0] > 0:
        groups.append((None, paras[: starts[0]]))
    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(paras)
        groups.append((paras[begin], paras[begin + 1 : end]))
    return groups


def _has_prose(paras: list[str]) -> bool:
    return any(len(p) >= 40 and not is_masthead(p) for p in paras)


def _title_from_first_line(paras: list[str]) -> tuple[str | None, list[str]]:
    if len(paras) >= 2 and _headline_like(paras[0]):
        return paras[0], paras[1:]
    return None, paras


def _join_broken_chinese(paras: list[str]) -> list[str]:
    """Rejoin Chinese paragraphs that a layout tool broke mid-sentence.

    A paragraph continues on the next when it is Chinese prose (has a comma
    or is long, so not a subheading) and stops without sentence-final
    punctuation, and the next one starts with a character, not a byline,
    list number or new lead.
    """
    out: list[str] = []
    for para in paras:
        if out and _continues(out[-1], para):
            out[-1] = out[-1] + para
        else:
            out.append(para)
    return out


def _continues(prev: str, nxt: str) -> bool:
    last = prev[-1]
    if last in _FINAL or last in "：:" or not _is_cjk_text(prev):
        return False
    if not (re.search(r"[，,、；;。]", prev) or len(prev) >= 40):
        return False
    first = nxt[0]
    if not (_CJK_CHAR.match(first) or first.isdigit() or (last in "，、," and first in "“《")):
        return False
    return not (is_byline(nxt) or is_lead(nxt) or _LIST_ITEM.match(nxt) or is_boilerplate(nxt))


def _trailing_source(paras: list[str]) -> str | None:
    """'来源：新华社' closing a Chinese article names its source; take it out."""
    if paras:
        match = _TRAILING_SOURCE.match(paras[-1])
        if match:
            paras.pop()
            return match.group("src").strip()
    return None


def _dateline_agency(paras: list[str]) -> str | None:
    """'BEIJING, Oct. 31, 2023 /PRNewswire/ --' -> 'PR Newswire'."""
    if not paras:
        return None
    match = _DATELINE_EN.match(paras[0])
    if not match:
        return None
    agency = (match.group("slash") or match.group("paren") or "").strip()
    if not agency or not re.search(r"[A-Za-z]", agency):
        return None
    key = agency.lower()
    for prefix, name in _AGENCIES.items():
        if key == prefix or key.startswith(prefix + "-") or key.startswith(prefix + " "):
            return name
    return agency


def fallback_title(body: str) -> str:
    """The body's first sentence, shortened at a word boundary, as a title.

    Leads like '本报讯' or an English dateline are skipped first, since they
    would make every title start the same way.
    """
    first = next((p for p in body.split("\n\n") if p.strip()), "").strip()
    match = _LEAD_ZH.match(first) or _DATELINE_EN.match(first)
    if match and len(first) > match.end():
        first = first[match.end() :].lstrip(" ,，:：")
    sentence = _first_sentence(first)
    return shorten(sentence, TITLE_MAX_CJK if _is_cjk_text(sentence) else TITLE_MAX)


def _first_sentence(para: str) -> str:
    if _is_cjk_text(para):
        match = _SENTENCE_END_ZH.search(para)
        return para[: match.end()] if match else para
    for match in _SENTENCE_END_EN.finditer(para):
        if not _EN_ABBREV.search(para[: match.start() + 1]):
            return para[: match.end()]
    return para


def shorten(text: str, limit: int) -> str:
    """Cut to at most `limit` characters at a word or clause boundary, with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if _is_cjk_text(cut):
        boundary = max(cut.rfind(c) for c in "，,、；;：: ")
    else:
        boundary = cut.rfind(" ")
    if boundary >= limit // 2:
        cut = cut[:boundary]
    return cut.rstrip(" ,，、;；:：-–—") + "…"
