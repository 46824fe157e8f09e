"""Turning an enriched `Article` into the field values Whoosh stores.

This runs in the indexing workers, so it also pre-analyses the text fields
(see `indexer.index.fields`).
"""

from __future__ import annotations

import hashlib
from functools import cache

from indexer.analysis.bigrams import has_cjk_pair
from indexer.article import Article
from indexer.index.schema import build_schema


def doc_id(path: str, part: int) -> str:
    """A short id that stays the same while the file keeps its path."""
    return hashlib.blake2b(f"{path}#{part}".encode(), digest_size=8).hexdigest()


@cache
def _schema():
    return build_schema()


def _grams(schema, article: Article):
    text = f"{article.title}\n{article.body}"
    return schema["grams"].preanalyze(text) if has_cjk_pair(text) else None


def article_fields(article: Article, filesig: str) -> dict:
    schema = _schema()
    date = article.date
    fields = {
        "id": doc_id(article.path, article.part),
        "path": article.path,
        "part": article.part,
        "filesig": filesig,
        "title": schema["title"].preanalyze(article.title),
        "_stored_title": article.title,
        "body": schema["body"].preanalyze(article.body),
        "_stored_body": article.body,
        "grams": _grams(schema, article),
        "url": article.url or "",
        "date": date.as_int,
        "date_precision": date.precision,
        "month": f"{date.year:04d}-{date.month:02d}" if date.month else None,
        "year": f"{date.year:04d}" if date.year else None,
        "lang": article.lang,
        "source": article.source or None,
        "places": ",".join(article.places) or None,
        "places_all": ",".join(article.places_all) or None,
    }
    # Whoosh would index an empty string as a term: leave empty fields out.
    return {name: value for name, value in fields.items() if value is not None}
