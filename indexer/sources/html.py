"""News pages saved as HTML: one Article from what a page declares and what it shows.

The reader puts four parts together over one parsed tree (`markup` parses it,
prunes the page furniture and cuts it into text blocks):

* `pagemeta` reads what the page declares: title (chosen by `titles`), site,
  date, URL, language, places;
* `pagetext` finds the article's paragraphs (trafilatura's lines merged with
  the page's own blocks);
* `titles.headline_before` finds the headline of a page that declares none;
* `pagedate.page_date` ranks the page's date sources.

A declared language the text plainly contradicts is dropped here, so that
detection decides.
"""

from __future__ import annotations

import re

import lxml.etree

from indexer.article import Article, PubDate
from indexer.sources import SourceError
from indexer.sources.encoding import declared_html_charset, decode, normalize_text
from indexer.sources.markup import blocks, parse_document, prune
from indexer.sources.pagedate import declared_day, guess_date, page_date
from indexer.sources.pagemeta import page_metadata
from indexer.sources.pagetext import article_paragraphs
from indexer.sources.text import articles_from_text, fallback_title
from indexer.sources.titles import headline_before

_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_CHAR = re.compile("[A-Za-z]")


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
    paras = article_paragraphs(text, root, meta, page_blocks)
    if not paras:
        raise SourceError("no article text found in the page")
    if title is None:
        title = headline_before(page_blocks, paras) or fallback_title("\n\n".join(paras))
    # Entities (&shy;, &#8203;) can put back what decoding removed.
    body = normalize_text("\n\n".join(paras))
    declared = page_date(text, meta, page_blocks, paras, title)
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


def _iso(day: PubDate | None) -> str | None:
    return day.iso if day is not None else None
