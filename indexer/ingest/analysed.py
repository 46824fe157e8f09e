"""An article as every index backend receives it: column values and analysed terms.

Analysis stays in Python whatever stores the index, so that matching,
phrases and snippets are the same on every backend: the terms of the title
and the body come with their positions and character offsets (snippets are
cut from the stored text at those offsets, never by re-analysing it), and
the hashed CJK bigram keys come as a list. A backend only files them. So
does the body's near-duplicate signature (`analysis.minhash`), computed
from the same pass over the body's terms.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from indexer.article import Article

# term -> [(position, startchar, endchar), ...] in the order the terms occur
Terms = dict[str, list[tuple[int, int, int]]]


def doc_id(path: str, part: int) -> str:
    """A short id that stays the same while the file keeps its path."""
    return hashlib.blake2b(f"{path}#{part}".encode(), digest_size=8).hexdigest()


@dataclass(slots=True)
class AnalysedArticle:
    id: str
    path: str
    part: int
    filesig: str
    title: str
    body: str
    url: str
    date: int  # YYYYMMDD, zeros for the unknown parts; 0 when undated
    date_precision: str
    lang: str
    source: str
    places: list[str] = field(default_factory=list)
    places_all: list[str] = field(default_factory=list)
    title_terms: Terms = field(default_factory=dict)
    body_terms: Terms = field(default_factory=dict)
    grams: list[str] = field(default_factory=list)
    signature: bytes = b""  # the body's near-duplicate signature (`analysis.minhash`), or b""

    @property
    def month(self) -> str | None:
        """YYYY-MM, or None when the month is unknown."""
        year, month = divmod(self.date // 100, 100)
        return f"{year:04d}-{month:02d}" if month else None

    @property
    def year(self) -> str | None:
        year = self.date // 10000
        return f"{year:04d}" if year else None


def analyse(article: Article, filesig: str) -> AnalysedArticle:
    """Analyse an enriched article (the costly part: jieba, stemming, bigrams)."""
    from indexer.analysis.bigrams import gram_keys, has_cjk_pair
    from indexer.analysis.minhash import signature
    from indexer.analysis.pipeline import term_positions

    both = f"{article.title}\n{article.body}"
    words: list[str] = []
    body_terms = term_positions(article.body, words)
    return AnalysedArticle(
        id=doc_id(article.path, article.part),
        path=article.path,
        part=article.part,
        filesig=filesig,
        title=article.title,
        body=article.body,
        url=article.url or "",
        date=article.date.as_int,
        date_precision=article.date.precision,
        lang=article.lang,
        source=article.source or "",
        places=list(article.places),
        places_all=list(article.places_all),
        title_terms=term_positions(article.title),
        body_terms=body_terms,
        grams=gram_keys(both) if has_cjk_pair(both) else [],
        signature=signature(words),
    )
