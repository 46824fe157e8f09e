"""A TEXT field that also accepts text analysed elsewhere.

Analysis (jieba, stemming) is most of the cost of adding a document, and
it is the same for every backend: the ingest pipeline runs it in worker
processes and hands over terms with positions and offsets, which become a
`PreAnalyzed` value here; the writer then just files the postings. Plain
strings still work for queries.
"""

from __future__ import annotations

from whoosh import fields, formats

from indexer._postings import characters_items
from indexer.analysis.bigrams import BigramTokenizer


class PreAnalyzed:
    """Posting values `(term_bytes, freq, weight, encoded)` of one field value."""

    __slots__ = ("items", "text")

    def __init__(self, text: str, items: list):
        self.text = text
        self.items = items

    def __reduce__(self):
        return (PreAnalyzed, (self.text, self.items))


class BilingualText(fields.TEXT):
    def index(self, value, **kwargs):
        if isinstance(value, PreAnalyzed):
            return iter(value.items)
        return super().index(value, **kwargs)

    def to_column_value(self, value):
        return super().to_column_value(value.text if isinstance(value, PreAnalyzed) else value)

    def preanalyzed(self, text: str, terms: dict[str, list]) -> PreAnalyzed:
        """Encode terms analysed elsewhere (`indexer.ingest.analysed`) as `index()` would."""
        fmt = self.format
        boost = fmt.field_boost
        if type(fmt) is formats.Characters:  # compiled, the same bytes
            return PreAnalyzed(text, characters_items(terms, boost))
        items = [
            (term.encode("utf-8"), len(poslist), len(poslist) * boost, fmt.encode(poslist))
            for term, poslist in terms.items()
        ]
        return PreAnalyzed(text, items)


class CjkBigrams(fields.FieldType):
    """Which documents hold each CJK character bigram (see `analysis.bigrams`).

    No positions and no frequencies: the field only finds candidates for
    a pasted span; its exact place is checked on the stored text.
    """

    def __init__(self):
        super().__init__(formats.Existence(), BigramTokenizer(), scorable=False, stored=False)

    def index(self, value, **kwargs):
        if isinstance(value, PreAnalyzed):
            return iter(value.items)
        return super().index(value, **kwargs)

    def preanalyzed(self, keys: list[str]) -> PreAnalyzed:
        items = [(g.encode("ascii"), 1, 1.0, b"") for g in keys]
        return PreAnalyzed("", items)
