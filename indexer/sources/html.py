"""News pages saved as HTML: metadata from the markup, the article from the text.

`pagemeta` reads what the page declares (title via `titles`, site, date,
URL, language, places); `pagedate` ranks the page's date sources.

The article text is trafilatura's (F1 0.93 against 0.83 for `<p>` rules on
English pages), run on a tree `markup.prune` has already cleared of scripts,
navigation, link lists, comment/related/share containers and the forms,
asides and footers that do not hold the article, which makes it several
times faster on portal pages with hundreds of links. trafilatura loses the
lead of some Chinese portal pages (the lead sits in a summary block outside
the container it picks) and keeps bylines, date lines and copyright/ICP
lines; so its lines are merged with the page's own text blocks: prose blocks
it skipped inside the article's span, or just before it up to the headline,
are put back in place (never captions, promos, comments or related items,
never past an end-of-article marker), `boilerplate` lines are dropped, and
the text is cut at the first end-of-article marker (责任编辑, 相关新闻,
网友评论, 免责声明, QR-code and app promotions).
"""

from __future__ import annotations

import re
from datetime import date

import lxml.etree
import trafilatura

from indexer.article import Article, PubDate
from indexer.extract.dates import date_from_path, parse_date_value
from indexer.sources import SourceError
from indexer.sources.boilerplate import (
    article_end,
    footer_start,
    is_boilerplate,
    is_end_marker,
    is_lead_junk,
    is_short_label,
)
from indexer.sources.encoding import declared_html_charset, decode, normalize_text
from indexer.sources.markup import (
    Block,
    blocks,
    is_aside_name,
    is_prose_text,
    parse_document,
    prune,
)
from indexer.sources.pagedate import (
    choose_date,
    declared_day,
    guess_date,
    header_date,
    is_utc_small_hours,
    script_date,
)
from indexer.sources.pagemeta import PageMeta, page_metadata
from indexer.sources.text import articles_from_text, fallback_title, is_lead, shorten

_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_CHAR = re.compile("[A-Za-z]")
_DATE_TOKENS = re.compile(
    r"\d+|[年月日时分秒号周星期一二三四五六日天]|"
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|"
    r"\b(?:am|pm|bst|gmt|utc|edt|est|pdt|pst|cst|cet|cest|jst|hkt|updated|published|last)\b|"
    r"[\s,.:/|\-–—+()（）]",
    re.IGNORECASE,
)
_INFO_LINE = re.compile(
    r"(?:来源|作者|编辑|发布时间|发布日期|浏览次数|阅读量|Source|By)\s*[:：]", re.IGNORECASE
)
_HAS_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4}")
#: Below this share of the page's prose, the pruned page's text is checked
#: against the unpruned page's.
LOST_SHARE = 0.3
_WORD_CHAR = re.compile(r"[^\W_]")
_SENTENCE_PUNCT = re.compile(r"[。！？；，,;!?]|\.(?:\s|$)")


def articles_from_html(data: bytes) -> list[Article]:
    """Read one saved page: one Article (several if it is plain text in disguise)."""
    text = decode(data, declared_html_charset(data))
    if "<" not in text:
        # Plain text saved as .html; bs4 would warn that it looks like a filename.
        return articles_from_text(text)
    return [article_from_html(text)]


def article_from_html(text: str) -> Article:
    """One decoded page as one Article."""
    meta = page_metadata(text)
    try:
        root = parse_document(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise SourceError(f"cannot parse HTML: {exc}") from None

    title = meta.title
    prune(root)
    page_blocks = blocks(root)
    paras = main_text(root, meta, page_blocks)
    prose = sum(len(b.text) for b in page_blocks if _is_prose(b))
    if sum(len(p) for p in paras) < LOST_SHARE * prose:
        # Pruning can mislead trafilatura (a removed <header> made it pick a
        # promo box on one page): the unpruned page, if it gives much more.
        retry = _clean_lines(_trafilatura_lines(parse_document(text)), meta)
        if sum(len(p) for p in retry) > 2 * sum(len(p) for p in paras):
            paras = retry
    if not paras and meta.ld_body:
        paras = [p.strip() for p in meta.ld_body.split("\n") if p.strip()]
    if not paras:
        raise SourceError("no article text found in the page")
    if title is None:
        title = _headline_before(page_blocks, paras) or fallback_title("\n\n".join(paras))
    # Entities (&shy;, &#8203;) can put back what decoding removed.
    body = normalize_text("\n\n".join(paras))
    declared = _page_date(text, meta, page_blocks, paras, title)
    guessed = None
    if declared_day(declared) is None:
        modified = declared_day(meta.modified)
        guessed = _iso(guess_date(text, meta.url or "", modified=modified))
    return Article(
        title=normalize_text(title),
        body=body,
        url=meta.url,
        source=meta.source,
        declared_date=declared,
        latest_date=_iso(declared_day(meta.modified)),
        guessed_date=guessed,
        declared_lang=_plausible_lang(meta.lang, body),
        declared_locations=meta.locations,
    )


def _plausible_lang(lang: str | None, body: str) -> str | None:
    """Drop a declared language the text plainly contradicts (CMS templates often
    say lang="en" on Chinese pages), so it cannot override detection."""
    if not lang:
        return None
    sample = body[:3000]
    cjk = len(_CJK_CHAR.findall(sample))
    latin = len(_LATIN_CHAR.findall(sample))
    # Share of words that are Chinese: an English word is about five letters.
    chinese = cjk / (cjk + latin / 5 + 1)
    key = lang.lower()[:2]
    if (key == "zh" and chinese < 0.2) or (key == "en" and chinese > 0.5):
        return None
    return lang


# -- date -------------------------------------------------------------------


def _page_date(
    html: str, meta: PageMeta, page_blocks: list[Block], paras: list[str], title: str
) -> str | None:
    """The date to declare: the page's metadata as written when it names a day,
    else the best of the ranked candidates of `pagedate`, as YYYY-MM-DD."""
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


def _iso(day: PubDate | None) -> str | None:
    return day.iso if day is not None else None


def _article_start(
    page_blocks: list[Block], paras: list[str], meta: PageMeta, title: str
) -> tuple[int | None, int | None]:
    """Indexes of the headline's block and of the article's first prose block."""
    titles = {_key(t) for t in (title, meta.title, meta.headline) if t}
    headline_at = next(
        (i for i, b in enumerate(page_blocks) if _key(b.text) in titles),
        next((i for i, b in enumerate(page_blocks) if b.element.tag == "h1"), None),
    )
    body = {_key(p) for p in paras[:5]}
    prose_at = next(
        (
            i
            for i, b in enumerate(page_blocks)
            if i > (headline_at if headline_at is not None else -1) and _key(b.text) in body
        ),
        None,
    )
    return headline_at, prose_at


# -- main text --------------------------------------------------------------


def main_text(root, meta: PageMeta, page_blocks: list[Block]) -> list[str]:
    """The article's paragraphs: trafilatura's, with skipped prose put back.

    `root` is already pruned and `page_blocks` are its text blocks.
    """
    lines = _trafilatura_lines(root)
    if lines:
        lines = _cut_at_page_marker(_merge_skipped(lines, page_blocks, meta), page_blocks)
        return _clean_lines(lines, meta)
    # trafilatura found nothing (a very short page): the prose blocks, or
    # failing that any text that is not a link.
    lines = _clean_lines([b.text for b in page_blocks if _is_prose(b)], meta)
    if not lines:
        plain = [b.text for b in page_blocks if b.link_chars < 0.5 * len(b.text)]
        lines = _clean_lines(plain, meta)
    return lines


def _trafilatura_lines(root) -> list[str]:
    extracted = trafilatura.extract(
        root,
        fast=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    lines = [_squash(line) for line in (extracted or "").split("\n")]
    return [line for line in lines if line]


def _squash(line: str) -> str:
    return " ".join(line.split())


def _key(text: str) -> str:
    return "".join(text.split())


def _merge_skipped(lines: list[str], page_blocks: list[Block], meta: PageMeta) -> list[str]:
    """Put back prose blocks trafilatura skipped, each before the line it preceded.

    Only blocks inside the article's span (first to last matched block) or
    just before it (back to the headline, at most 8 blocks) are candidates,
    and only if they read as prose and are not boilerplate.
    """
    keys = [_key(line) for line in lines]
    joined = "".join(keys)
    starts = []
    pos = 0
    for k in keys:
        starts.append(pos)
        pos += len(k)

    def line_of(block_key: str) -> int | None:
        at = joined.find(block_key)
        if at < 0:
            return None
        # The line whose span contains `at`.
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= at:
                lo = mid
            else:
                hi = mid - 1
        return lo

    # A block counts as found only if it is a real part of its line: a menu
    # item '集成电路' also occurs in the text but says nothing about where
    # the article starts.
    where: list[int | None] = []
    for block in page_blocks:
        key = _key(block.text)
        line = line_of(key) if len(key) >= 10 else None
        if line is not None and len(key) < 30 and len(key) < 0.5 * len(keys[line]):
            line = None
        where.append(line)
    matched = [i for i, w in enumerate(where) if w is not None]
    if not matched:
        return lines
    first, last = matched[0], matched[-1]
    # The span never reaches across a comment section or a related list: a
    # stray comment trafilatura kept would otherwise pull in the rest.
    stop = next(
        (i for i in range(first + 1, last) if where[i] is None and _closes_article(page_blocks[i])),
        None,
    )
    if stop is not None:
        last = stop

    titles = {_key(t) for t in (meta.title, meta.headline) if t}
    candidates = [i for i in range(first + 1, last) if where[i] is None]
    for i in range(first - 1, max(first - 9, -1), -1):
        block = page_blocks[i]
        if _key(block.text) in titles or block.element.tag == "h1":
            break
        if _is_prose(block):
            candidates.append(i)
        elif len(block.text) > 60:
            break

    inserts: dict[int, list[str]] = {}
    seen = set(keys)
    for i in sorted(candidates):
        block = page_blocks[i]
        if not _is_prose(block) or is_boilerplate(block.text) or _is_aside_text(block):
            continue
        if _key(block.text) in seen:  # a caption repeated by a slideshow
            continue
        seen.add(_key(block.text))
        nxt = next(j for j in matched if j > i)
        inserts.setdefault(where[nxt], []).append(block.text)
    if not inserts:
        return lines
    out = []
    for n, line in enumerate(lines):
        out.extend(inserts.get(n, []))
        out.append(line)
    return out


_ASIDE_NAMES = re.compile(
    r"caption|credit|photo|image|gallery|slide|media|newsletter|signup|promo|subscribe"
    r"|related|recommend|comment|share|social|advert|sponsor",
    re.IGNORECASE,
)


def _is_aside_text(block: Block) -> bool:
    """Text beside the article: a figure's caption, a promo, a comment or related item.

    trafilatura leaves these out on purpose; only prose it skipped for no such
    reason is put back.
    """
    el = block.element
    for _ in range(4):
        if el is None:
            break
        if el.tag in ("figure", "figcaption"):
            return True
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _ASIDE_NAMES.search(names):
            return True
        el = el.getparent()
    return False


def _cut_at_page_marker(lines: list[str], page_blocks: list[Block]) -> list[str]:
    """Drop the lines that come after an end-of-article marker on the page.

    trafilatura often leaves out a bare '网友评论' or '本版其他新闻' heading but
    keeps the comment or list item under it, so the marker is looked for
    among the page's blocks: lines found only after it are not the article.
    """
    keys = [_key(line) for line in lines]
    present = set(keys)
    start = next((i for i, b in enumerate(page_blocks) if _key(b.text) in present), None)
    if start is None:
        return lines
    for i in range(start + 1, len(page_blocks)):
        if _key(page_blocks[i].text) in present or not is_end_marker(page_blocks[i].text):
            continue
        before = {_key(b.text) for b in page_blocks[:i]}
        after = {_key(b.text) for b in page_blocks[i + 1 :]} - before
        cut = next((n for n, k in enumerate(keys) if n and k in after), None)
        return lines if cut is None else lines[:cut]
    return lines


def _closes_article(block: Block) -> bool:
    """An end-of-article marker ('网友评论', '相关新闻') or the container of one."""
    return is_end_marker(block.text) or (
        block.element.tag in ("h2", "h3", "h4", "div", "span") and is_aside_name(block.element)
    )


def _is_prose(block: Block) -> bool:
    """Running text, not a label, link or caption: long enough and punctuated."""
    if block.element.tag in ("li", "h1", "h2", "h3"):
        return False
    return is_prose_text(block.text, block.link_chars)


def _clean_lines(lines: list[str], meta: PageMeta) -> list[str]:
    titles = {_key(t) for t in (meta.title, meta.headline, meta.page_title) if t}
    out = []
    begun = False  # a prose line has been kept: the article has started
    for line in lines:
        if begun and is_end_marker(line):
            break  # checked first: the boilerplate test would drop the marker
        if _key(line) in titles or is_boilerplate(line) or _is_info_line(line):
            continue
        if not _WORD_CHAR.search(line):  # a lone '|' or '>>' left from a menu
            continue
        out.append(line)
        begun = begun or is_prose_text(line)
    # Labels above the text ('首页', '新闻', 'By Jane Doe') are menu or byline
    # debris; a dateline standing alone stays for the date stage.
    start = 0
    while (
        start < len(out) - 1
        and (is_short_label(out[start]) or is_lead_junk(out[start]))
        and not is_lead(out[start])
    ):
        start += 1
    out = out[start:]
    out = out[: article_end(out)]
    return out[: footer_start(out)]


def _is_info_line(line: str) -> bool:
    """'2023年06月09日08:21 | 来源：人民网', 'Fri 9 Jun 2023 06.00 BST', '小字号'."""
    if len(line) > 120:
        return False
    if _INFO_LINE.search(line) and (_HAS_DATE.search(line) or len(line) <= 40):
        return True
    rest = _DATE_TOKENS.sub("", line)
    return len(rest) <= 2 and bool(re.search(r"\d", line))


def _headline_before(page_blocks: list[Block], paras: list[str]) -> str | None:
    """A page with no title metadata: the short line right above the first paragraph."""
    first_key = _key(paras[0])
    for i, block in enumerate(page_blocks):
        key = _key(block.text)
        if key == first_key or (len(key) >= 10 and first_key.startswith(key)):
            for prev in reversed(page_blocks[max(0, i - 3) : i]):
                text = prev.text
                if (
                    4 <= len(text) <= 150
                    and text[-1] not in ".。"
                    and not _is_info_line(text)
                    and prev.link_chars < 0.5 * len(text)
                ):
                    return shorten(text, 150)
            break
    return None
