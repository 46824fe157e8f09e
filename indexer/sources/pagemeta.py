"""What a saved page says about itself: <meta>, JSON-LD, <title>, <h1>, <time>, <link>.

Metadata (title, site name, publication date, canonical URL, language,
places) is read with BeautifulSoup over the lxml parser from those tags
only. Dates are kept as the raw string the page gives; `pagedate` ranks
them against the page's other date sources.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup

from indexer.sources.titles import choose_title, is_section_label, title_site

# The only markup metadata lives in. bs4 gets just these tags, found by one
# regex scan: building its tree for a whole 150 KB portal page (12,000 tags)
# took 25 ms, five times the rest of the reader.
_METADATA_MARKUP = re.compile(
    r"<title\b[^>]*>.*?</title\s*>|<h1\b[^>]*>.*?</h1\s*>"
    r"|<script\b[^>]*ld\+json[^>]*>.*?</script\s*>"
    r"|<(?:meta|link|time)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.IGNORECASE | re.DOTALL,
)
_ARTICLE_TYPES = {
    "newsarticle",
    "reportagenews",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "asknewsarticle",
    "article",
    "blogposting",
    "liveblogposting",
    "report",
    "techarticle",
    "scholarlyarticle",
}
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "firstpublishedtime",
    "publishtime",
    "publish_time",
    "pubtime",
    "og:release_date",
    "release_date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "lastmodifiedtime",
    "datemodified",
    "last-modified",
    "dcterms.modified",
)
_SOURCE_PREFIX = re.compile(r"^\s*(?:来源|稿源|出处|source)\s*[:：]\s*", re.IGNORECASE)
_HTML_LANG = re.compile(
    r"<html\b[^>]*?\s(?:xml:)?lang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)",
    re.IGNORECASE,
)


@dataclass
class PageMeta:
    title: str | None = None
    headline: str | None = None  # the page's <h1>
    page_title: str | None = None  # the raw <title>
    source: str | None = None
    date: str | None = None
    url: str | None = None
    lang: str | None = None
    locations: list[str] | None = None
    ld_body: str | None = None
    modified: str | None = None  # the last modification the page declares


# -- metadata ---------------------------------------------------------------


def page_metadata(html: str) -> PageMeta:
    """What the page says about itself, from meta tags, JSON-LD, <title>, <h1>, <time>."""
    markup = "\n".join(m.group() for m in _METADATA_MARKUP.finditer(html))
    soup = BeautifulSoup(f"<html><head>{markup}</head></html>", "lxml")
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = tag.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = tag.get(attr)
            if isinstance(key, str) and key.strip():
                metas.setdefault(key.strip().lower(), " ".join(content.split()))
    ld = _json_ld_article(soup)
    meta = PageMeta()

    title_tag = soup.find("title")
    meta.page_title = _text(title_tag) or None
    h1 = soup.find("h1")
    meta.headline = _text(h1)[:300] or None
    if meta.headline and is_section_label(meta.headline):
        meta.headline = None

    publisher = ld.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    publisher_name = _ld_str(publisher.get("name")) if isinstance(publisher, dict) else None
    source_meta = metas.get("source") or metas.get("dc.publisher")
    meta.source = (
        publisher_name
        or metas.get("og:site_name")
        or (_SOURCE_PREFIX.sub("", source_meta).strip() if source_meta else None)
        or metas.get("application-name")
        or None
    )
    meta.title = choose_title(
        og=metas.get("og:title") or metas.get("twitter:title"),
        ld=_ld_str(ld.get("headline")),
        page=meta.page_title,
        h1=meta.headline,
        site=meta.source,
    )
    if meta.source is None and meta.page_title:
        meta.source = title_site(meta.page_title)

    meta.date = _ld_str(ld.get("datePublished")) or next(
        (metas[k] for k in _DATE_META if metas.get(k)), None
    )
    if meta.date is None:
        meta.date = _time_datetime(soup)
    meta.modified = _ld_str(ld.get("dateModified")) or next(
        (metas[k] for k in _MODIFIED_META if metas.get(k)), None
    )

    canonical = None
    for link in soup.find_all("link"):
        rel = link.get("rel") or []
        href = link.get("href")
        if "canonical" in [r.lower() for r in rel] and isinstance(href, str) and href.strip():
            canonical = href.strip()
            break
    candidates = [canonical, metas.get("og:url"), _ld_url(ld)]
    absolute = [u for u in candidates if u and u.startswith(("http://", "https://"))]
    meta.url = (absolute or [u for u in candidates if u] or [None])[0]

    lang = _ld_str(ld.get("inLanguage"))
    if not lang:
        match = _HTML_LANG.search(html[:5000])
        lang = match.group(1) if match else None
    meta.lang = lang or metas.get("content-language") or metas.get("og:locale")

    places = [_ld_str(_name(ld.get(k))) for k in ("contentLocation", "locationCreated")]
    places = [p for p in places if p]
    if not places and metas.get("geo.placename"):
        places = [metas["geo.placename"]]
    meta.locations = places or None
    body = ld.get("articleBody")
    meta.ld_body = body if isinstance(body, str) and body.strip() else None
    return meta


def _text(tag) -> str:
    return " ".join(tag.get_text(" ").split()) if tag is not None else ""


def _json_ld_article(soup) -> dict[str, Any]:
    """The page's JSON-LD NewsArticle (or other article type), wherever it sits."""
    found: list[dict[str, Any]] = []
    for script in soup.find_all("script"):
        kind = script.get("type")
        if not isinstance(kind, str) or "ld+json" not in kind.lower():
            continue
        raw = (script.string or "").strip()
        raw = re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", raw)
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
            except ValueError:
                continue
        _walk_ld(data, found, depth=0)
    for item in found:
        if _ld_types(item) & (_ARTICLE_TYPES - {"article", "report"}):
            return item
    for item in found:
        if _ld_types(item) & _ARTICLE_TYPES:
            return item
    return {}


def _walk_ld(data: Any, found: list[dict[str, Any]], depth: int) -> None:
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            _walk_ld(item, found, depth + 1)
    elif isinstance(data, dict):
        if _ld_types(data) & _ARTICLE_TYPES:
            found.append(data)
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in data:
                _walk_ld(data[key], found, depth + 1)


def _ld_types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _ld_str(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _name(value: Any) -> Any:
    if isinstance(value, list):
        value = value[0] if value else None
    return value.get("name") if isinstance(value, dict) else value


def _ld_url(ld: dict[str, Any]) -> str | None:
    url = _ld_str(ld.get("url"))
    if url:
        return url
    entity = ld.get("mainEntityOfPage")
    if isinstance(entity, dict):
        return _ld_str(entity.get("@id") or entity.get("url"))
    return _ld_str(entity)


def _time_datetime(soup) -> str | None:
    times = [t for t in soup.find_all("time") if isinstance(t.get("datetime"), str)]
    published = [
        t
        for t in times
        if (t.get("itemprop") or "").lower() == "datepublished" or t.has_attr("pubdate")
    ]
    for tag in published + times:
        value = tag["datetime"].strip()
        if value:
            return value
    return None
