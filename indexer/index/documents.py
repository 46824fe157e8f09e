"""An analysed article as the field values Whoosh stores.

The terms come analysed (`indexer.ingest.analysed`); here they are only
encoded into Whoosh's posting format, which runs in the indexing workers.
"""

from __future__ import annotations

from functools import cache

from indexer.index.schema import build_schema
from indexer.ingest.analysed import AnalysedArticle


@cache
def _schema():
    return build_schema()


def whoosh_fields(article: AnalysedArticle) -> dict:
    schema = _schema()
    fields = {
        "id": article.id,
        "path": article.path,
        "part": article.part,
        "filesig": article.filesig,
        "title": schema["title"].preanalyzed(article.title, article.title_terms),
        "_stored_title": article.title,
        "body": schema["body"].preanalyzed(article.body, article.body_terms),
        "_stored_body": article.body,
        "grams": schema["grams"].preanalyzed(article.grams) if article.grams else None,
        "url": article.url,
        "date": article.date,
        "date_precision": article.date_precision,
        "month": article.month,
        "year": article.year,
        "lang": article.lang,
        "source": article.source or None,
        "places": ",".join(article.places) or None,
        "places_all": ",".join(article.places_all) or None,
        "signature": article.signature or None,
    }
    # Whoosh would index an empty string as a term: leave empty fields out.
    return {name: value for name, value in fields.items() if value is not None}
