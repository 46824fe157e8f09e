"""Derive what a file does not state outright: date, language and places.

Readers record what a file declares (`Article.declared_*`); `enrich` decides
what the index will hold. Declared values win over inferred ones, because a
sidecar or a feed's metadata is someone's deliberate statement.
"""

from __future__ import annotations

from indexer.article import UNKNOWN_DATE, Article
from indexer.extract.dates import date_from_path, extract_date, parse_date_value
from indexer.extract.gazetteer import load_gazetteer
from indexer.extract.language import detect_language
from indexer.extract.locations import extract_places

LANG_ALIASES = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "zh": "zh",
    "zho": "zh",
    "chi": "zh",
    "chinese": "zh",
    "cn": "zh",
    "mixed": "mixed",
}


def normalize_lang(value: str | None) -> str | None:
    """Map 'zh-CN', 'en_US', 'Chinese' and friends to en | zh | mixed."""
    if not value:
        return None
    key = value.strip().lower().replace("_", "-").split("-")[0]
    return LANG_ALIASES.get(key)


def _refines(found, declared) -> bool:
    """A more precise date that agrees with the declared one (2023-10 -> 2023-10-31)."""
    if not found.known or found.year != declared.year:
        return False
    if declared.month is not None and found.month != declared.month:
        return False
    return found.as_int != declared.as_int


def enrich(article: Article) -> Article:
    text = f"{article.title}\n{article.body}"

    date = parse_date_value(article.declared_date) if article.declared_date else None
    latest = parse_date_value(article.latest_date) if article.latest_date else None
    if date is None or date.precision != "day":
        found = extract_date(text, path=article.path, url=article.url or "")
        if latest is not None and latest.known and found.as_int > latest.as_int:
            found = UNKNOWN_DATE  # a deadline or plan in the story, not the day of writing
        if date is None or not date.known or _refines(found, date):
            date = found
    if not date.known:
        date = date_from_path(article.url or "")
    if not date.known:
        date = date_from_path(article.path)
    if not date.known and article.guessed_date:
        date = parse_date_value(article.guessed_date)
    article.date = date

    article.lang = normalize_lang(article.declared_lang) or detect_language(text)

    gazetteer = load_gazetteer()
    if article.declared_locations:
        places = []
        for name in article.declared_locations:
            place = gazetteer.lookup(name)
            if place is not None and place.id not in places:
                places.append(place.id)
    else:
        places = extract_places(article.title, article.body)
    article.places = places
    article.places_all = gazetteer.with_ancestors(places)
    return article
